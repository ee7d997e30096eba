"""CheckResult -> the issue list as JSON data and as 问题清单.xlsx with a link to every cell."""

from __future__ import annotations

import datetime as dt
import math
import os
import unicodedata
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from salesbook import __version__
from salesbook.files import save_workbook
from salesbook.issues import CODES, Issue, Severity

if TYPE_CHECKING:
    from salesbook.batch import CheckResult

JSON_FORMAT_VERSION = 1
EXCEL_CELL_CHARS = 32_767


def issues_json(result: CheckResult, lang: str = "zh") -> dict[str, object]:
    """The stable `--json` structure (README, "JSON output")."""
    by_code = Counter(issue.code for issue in result.issues)
    return {
        "format": JSON_FORMAT_VERSION,
        "salesbook": __version__,
        "folder": str(result.book.folder),
        "period": result.period.label if result.period else None,
        "today": result.today.isoformat(),
        "files": result.book.files,
        "counts": {s.value: result.counts[s] for s in Severity},
        "by_code": dict(sorted(by_code.items())),
        "issues": [issue.as_dict(lang) for issue in result.issues],
    }


HEADERS = {
    "zh": ("严重程度", "代码", "文件", "工作表", "单元格", "位置（点击打开）", "说明"),
    "en": ("Severity", "Code", "File", "Sheet", "Cell", "Location (click to open)", "Message"),
}
WIDTHS = (10, 10, 36, 16, 8, 48, 70)
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
        if ILLEGAL_CHARACTERS_RE.search(value):
            value = ILLEGAL_CHARACTERS_RE.sub(lambda m: chr(0x2400 + ord(m.group())), value)
        if len(value) > EXCEL_CELL_CHARS:
            value = value[: EXCEL_CELL_CHARS - 1] + "…"
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
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


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


def write_issue_workbook(
    result: CheckResult,
    folder: Path,
    path: Path,
    lang: str = "zh",
    stamp: dt.date | None = None,
) -> None:
    """One row per issue, each with a hyperlink to its cell in the input (which is never opened).

    `stamp` dates the file (default: the check's today), so equal issues give equal bytes. The
    rows are streamed (openpyxl's write-only mode): a log with hundreds of thousands of issues
    must not hold a cell object per value in memory.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("问题清单" if lang == "zh" else "Issues")
    header = _header(sheet, HEADERS["zh" if lang != "en" else "en"], WIDTHS)
    print_setup(sheet, len(WIDTHS), len(result.issues) + 1)
    sheet.append(header)
    final_dir = path.parent.resolve()
    link_font = Font(color="0563C1", underline="single")
    for row, issue in enumerate(result.issues, start=2):
        loc = issue.location
        values = (
            issue.severity.label(lang),
            issue.code,
            loc.file,
            loc.sheet or "",
            loc.cell or (loc.row or ""),
            loc.text(lang),
            issue.message(lang),
        )
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet)
            set_text(cell, value)
            cells.append(cell)
        cells[0].fill = FILLS[issue.severity]
        for cell in cells[:5]:
            cell.alignment = TOP  # level with the first line of the wrapped text beside them
        # long text prints whole, not cut at the page's edge
        cells[5].alignment = cells[6].alignment = WRAP
        height = wrapped_height(((values[5], WIDTHS[5]), (values[6], WIDTHS[6])))
        if height:
            sheet.row_dimensions[row].height = height
        link = _link(folder, final_dir, issue)
        if link:
            cells[5].font = link_font
            cells[5].hyperlink = Hyperlink(ref=f"F{row}", target=link)
        sheet.append(cells)
        sheet.row_dimensions.pop(row, None)  # written with the row: hold no object per row
    sheet.auto_filter.ref = f"A1:G{max(1, len(result.issues) + 1)}"
    summary = workbook.create_sheet("汇总" if lang == "zh" else "Summary")
    _summary(summary, result, lang)
    save_workbook(workbook, path, stamp or result.today)


def _link(folder: Path, final_dir: Path, issue: Issue) -> str | None:
    """A relative link `../workbooks/x.xlsx#'Sheet1'!H17` that survives moving both folders."""
    loc = issue.location
    target = Path(os.path.relpath(folder.resolve() / loc.file, final_dir)).as_posix()
    if loc.sheet is None:
        return target
    cell = loc.cell or (f"A{loc.row}" if loc.row else "A1")
    sheet = loc.sheet.replace("'", "''")
    return f"{target}#'{sheet}'!{cell}"


def _header(sheet: Worksheet, headers: tuple[str, ...], widths: tuple[int, ...]) -> list[Cell]:
    """The bold header row (to append first) with the column widths and the frozen first row."""
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="D9D9D9")
    cells = []
    for column, (title, width) in enumerate(zip(headers, widths, strict=False), start=1):
        cell = WriteOnlyCell(sheet, title)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(vertical="center")
        sheet.column_dimensions[get_column_letter(column)].width = width
        cells.append(cell)
    sheet.freeze_panes = "A2"
    return cells


def _summary(sheet: Worksheet, result: CheckResult, lang: str) -> None:
    zh = lang != "en"
    titles = (
        ("代码", "严重程度", "数量", "含义") if zh else ("Code", "Severity", "Count", "Meaning")
    )
    header = _header(sheet, titles, (10, 10, 8, 70))
    by_code = Counter(issue.code for issue in result.issues)
    print_setup(sheet, len(titles), len(by_code) + 1)
    sheet.append(header)
    for row, (code, count) in enumerate(sorted(by_code.items()), start=2):
        entry = CODES[code]
        meaning = WriteOnlyCell(sheet)
        set_text(meaning, entry.summary(lang))
        meaning.alignment = WRAP
        height = wrapped_height([(meaning.value, 70)])
        if height:
            sheet.row_dimensions[row].height = height
        sheet.append([code, entry.severity.label(lang), count, meaning])
