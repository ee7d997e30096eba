"""CheckResult -> the issue list as JSON data and as 问题清单.xlsx with a link to every cell."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from salesbook import __version__
from salesbook.checks import CheckResult
from salesbook.issues import CODES, Location, Severity
from salesbook.xlsx import FILLS, TOP, WRAP, print_setup, save_workbook, set_text, wrapped_height

JSON_FORMAT_VERSION = 1


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
    inputs = links_to_inputs(folder, path.parent)
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
        link = input_link(inputs, issue.location)
        if link:
            cells[5].font = link_font
            cells[5].hyperlink = Hyperlink(ref=f"F{row}", target=link)
        sheet.append(cells)
        sheet.row_dimensions.pop(row, None)  # written with the row: hold no object per row
    sheet.auto_filter.ref = f"A1:G{max(1, len(result.issues) + 1)}"
    summary = workbook.create_sheet("汇总" if lang == "zh" else "Summary")
    _summary(summary, result, lang)
    save_workbook(workbook, path, stamp or result.today)


def links_to_inputs(folder: Path, linking_folder: Path) -> str:
    """The inputs' folder as seen from `linking_folder` (where the workbook holding the links
    lies), relative so that both folders can move together."""
    return Path(os.path.relpath(folder.resolve(), linking_folder.resolve())).as_posix()


def input_link(inputs: str, loc: Location) -> str:
    """A relative link `../workbooks/x.xlsx#'Sheet1'!H17` to an input's cell; `inputs` is
    links_to_inputs' (worked out where the folders are known: a cluster task writes elsewhere)."""
    return _anchored(Path(os.path.normpath(os.path.join(inputs, loc.file))).as_posix(), loc)


def _anchored(target: str, loc: Location) -> str:
    """`target#'Sheet'!H17`: the file's link opened at the location's cell."""
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
