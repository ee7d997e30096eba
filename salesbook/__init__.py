"""salesbook: check, compute and print a sales team's standard Excel workbooks."""

__version__ = "0.3.0"

from salesbook.batch import Folder, RunResult, check_folder, load, run
from salesbook.checks import CheckResult
from salesbook.config import Config, load_config
from salesbook.errors import SalesbookError
from salesbook.issues import CODES, Issue, Location, Severity
from salesbook.read import Book, Table, read_folder
from salesbook.values import Period, parse_period

__all__ = [
    "CODES",
    "Book",
    "CheckResult",
    "Config",
    "Folder",
    "Issue",
    "Location",
    "Period",
    "RunResult",
    "SalesbookError",
    "Severity",
    "Table",
    "check_folder",
    "load",
    "load_config",
    "parse_period",
    "read_folder",
    "run",
]
