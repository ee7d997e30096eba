"""Every exception salesbook raises on purpose, in one place.

`SalesbookError` and its kinds mean "the run as a whole cannot go on": the CLI prints the message as
one line and exits with status 2, never a traceback. `BadValue` is the value parsers' own: a cell
that cannot be read as its type, which the checks turn into an issue on that cell.
"""


class SalesbookError(Exception):
    """The run as a whole cannot go on (folder missing, nothing to read, output not writable)."""


class OutputError(SalesbookError):
    """An output cannot be written (folder not writable, file open in Excel, another run busy)."""


class HistoryError(SalesbookError):
    """The history file is not a salesbook history database."""


class RenderError(SalesbookError):
    """A document cannot be rendered faithfully (missing glyphs, a forbidden resource)."""


class BadValue(ValueError):
    """The value cannot be read as the expected type."""


class ForeignCurrency(BadValue):
    """An amount in another currency ($, USD, €…): never read as yuan."""

    def __init__(self, value: object, currency: str) -> None:
        super().__init__(value)
        self.currency = currency


class AmbiguousDate(BadValue):
    """A slashed date (9/3/2026) whose month/day order only a setting can tell."""
