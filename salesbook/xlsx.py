"""openpyxl helpers every writer shares: text that stays text, how a sheet prints, and saving so
that equal content gives equal bytes (openpyxl stamps the clock into the document and the zip)."""

from __future__ import annotations

import datetime as dt
import math
import os
import unicodedata
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from salesbook.files import write_atomically
from salesbook.issues import Severity

if TYPE_CHECKING:
    from _typeshed import SizedBuffer, StrPath  # the types zipfile.ZipFile's methods take

EXCEL_CELL_CHARS = 32_767
# the colour of an issue's row, wherever issues are listed (问题清单, a filled copy's issue sheet)
FILLS = {
    Severity.ERROR: PatternFill("solid", fgColor="F8CBAD"),
    Severity.WARNING: PatternFill("solid", fgColor="FFE699"),
    Severity.INFO: PatternFill("solid", fgColor="DDEBF7"),
}


def set_text(cell: Cell, value: object) -> None:
    """Text from a workbook stays text: `=HYPERLINK(…)` typed as a customer name is not a formula.

    Characters a workbook cannot hold (ESC, BEL, other C0 controls) are shown as their visible
    symbols (␛, ␇), and text past Excel's 32,767 characters per cell is cut with "…"."""
    if isinstance(value, str):
        text = value
        if ILLEGAL_CHARACTERS_RE.search(text):
            text = ILLEGAL_CHARACTERS_RE.sub(lambda m: chr(0x2400 + ord(m.group())), text)
        if len(text) > EXCEL_CELL_CHARS:
            text = text[: EXCEL_CELL_CHARS - 1] + "…"
        value = text
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


# --- printing -----------------------------------------------------------------------------------------

A4 = 9  # OOXML paperSize
DEFAULT_WIDTH = 8.43  # Excel's width (in characters) of a column without its own
PORTRAIT_CHARS = 95  # character widths across A4 portrait at 100 % between default margins
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
LINE_PT = 15.0  # a default row's height, one line of text


def text_chars(value: object) -> int:
    """Roughly how many character widths a value takes in a cell (CJK counts two)."""
    if isinstance(value, (Decimal, float)):
        return len(f"{value:,.2f}")
    return _text_chars(str(value))


@lru_cache(maxsize=65536)
def _text_chars(text: str) -> int:
    """text_chars of a text: the same words fill many cells (a rule, an action, a status)."""
    if text.isascii():  # no ASCII character is wide: the common numbers and codes cost one call
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrapped_height(cells: Iterable[tuple[object, float]]) -> float | None:
    """The height (points) of a row whose (value, column width) cells wrap, so every line shows
    when printed; None when one line is enough. Spreadsheet programs do not all grow a row for
    wrapped text on opening (LibreOffice keeps the default height), so the height is written."""
    lines = max(
        (math.ceil(text_chars(value) / max(width - 2, 1)) for value, width in cells if value),
        default=1,
    )
    return LINE_PT * lines if lines > 1 else None


def table_chars(sheet: Worksheet, columns: int) -> float:
    """The width of columns A… in Excel's character units, as their column widths set it."""
    total = 0.0
    for column in range(1, columns + 1):
        # .get: indexing the holder would add a column entry to the sheet
        dimension = sheet.column_dimensions.get(get_column_letter(column))
        total += dimension.width if dimension and dimension.customWidth else DEFAULT_WIDTH
    return total


def table_cm(sheet: Worksheet, columns: int) -> float:
    """The same width in centimetres at 100 % (a character is 7 px plus 5 px padding, 96 dpi)."""
    return (table_chars(sheet, columns) * 7 + 5 * columns) / 96 * 2.54


def print_setup(sheet: Worksheet, columns: int, last_row: int, header_row: int = 1) -> None:
    """How every sheet salesbook writes or adds prints: landscape when its columns are wider
    than a portrait page, scaled to one page wide and as many pages tall as it needs, the header
    row on every page, and the written range (A1 to the last column and row) as print area.

    A paper size the sheet already has is kept, else A4. On a write-only sheet call it before the
    first row is appended: the fit-to-page flag is written with the sheet's first lines."""
    setup = sheet.page_setup
    setup.orientation = "landscape" if table_chars(sheet, columns) > PORTRAIT_CHARS else "portrait"
    setup.paperSize = setup.paperSize or A4
    setup.fitToWidth, setup.fitToHeight = 1, 0  # 0: as many pages tall as the rows need
    setup.scale = None
    if sheet.sheet_properties.pageSetUpPr is None:
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties()
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.print_area = f"A1:{get_column_letter(max(columns, 1))}{max(last_row, header_row)}"


def has_print_setup(sheet: Worksheet) -> bool:
    """Whether the sheet's owner chose how it prints: a print area, print titles, page breaks,
    fit to page, a scale or landscape. Portrait A4 at 100 % is what every spreadsheet program
    writes for a sheet nobody set up, so it is not counted as a choice."""
    setup = sheet.page_setup
    properties = sheet.sheet_properties.pageSetUpPr
    return bool(
        sheet.print_area
        or sheet.print_title_rows
        or sheet.print_title_cols
        or sheet.row_breaks.brk
        or sheet.col_breaks.brk
        or (properties is not None and properties.fitToPage)
        or (setup.scale not in (None, 100))
        or setup.orientation == "landscape"
    )


# --- reproducible workbooks ----------------------------------------------------------------------


class _StableZip(zipfile.ZipFile):
    """A zip whose parts carry one fixed timestamp: openpyxl stamps each part with the clock."""

    def __init__(self, file: Path, stamp: dt.datetime) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self.stamp = stamp.timetuple()[:6]

    def writestr(
        self,
        zinfo_or_arcname: str | zipfile.ZipInfo,
        data: SizedBuffer | str,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=self.stamp)
            info.compress_type = self.compression
            info.create_system = 3  # the same bytes whichever system writes them
            info.external_attr = 0o600 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(
        self,
        filename: StrPath,
        arcname: StrPath | None = None,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        # openpyxl adds each worksheet from a temporary file, whose mtime would end up in the zip.
        name = os.fspath(arcname) if arcname else Path(filename).name
        self.writestr(name, Path(filename).read_bytes(), compress_type, compresslevel)


def save_workbook(workbook: Workbook, path: Path, stamp: dt.date | dt.datetime) -> None:
    """Save with fixed document dates and zip timestamps, so equal content gives equal bytes."""
    if not isinstance(stamp, dt.datetime):
        stamp = dt.datetime.combine(stamp, dt.time())
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    workbook.properties.creator = "salesbook"
    workbook.properties.lastModifiedBy = "salesbook"

    def write(target: Path) -> None:
        with _StableZip(target, stamp) as archive:
            # ExcelWriter directly: openpyxl's save_workbook overwrites `modified` with the clock.
            ExcelWriter(workbook, archive).save()

    write_atomically(path, write)
