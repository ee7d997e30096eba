"""salesbook: check, compute and print a sales team's standard Excel workbooks."""

__version__ = "0.1.0"

from salesbook.batch import CheckResult, SalesbookError, check_folder, run
from salesbook.issues import CODES, Issue, Location, Severity
from salesbook.read import Book, Table, read_folder
from salesbook.values import Period, parse_period

__all__ = [
    "CODES",
    "Book",
    "CheckResult",
    "Issue",
    "Location",
    "Period",
    "SalesbookError",
    "Severity",
    "Table",
    "check_folder",
    "parse_period",
    "read_folder",
    "run",
]
