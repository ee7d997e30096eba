"""Figures + issues -> filled-in copies of the input workbooks and the summary workbook (openpyxl).

A copy keeps the input's layout (styles, merged cells, widths, validation, other sheets): only
computed columns are added or blank computed cells filled, statuses get conditional formats, and an
issue sheet links to every problem's cell. Inputs are only ever read.

Filling opens each input again, so it is guarded like reading: a file the reader refused is not
filled, one past the size limits is not opened (SB-F016), each copy is made in a child with the
reader's time and memory limits (a failure is SB-F017, batch.py), and formulas that reach outside
the workbook (formulas.py) are kept only as their saved results.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import openpyxl
from openpyxl.cell import Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from salesbook.compute import (
    PACE_LABELS,
    REASSIGN_LABELS,
    STATUS_LABELS,
    Figures,
    IndicatorFigure,
    TargetFigure,
)
from salesbook.files import RESERVED_NAMES, UNSAFE_IN_NAMES
from salesbook.formulas import reaches_out, scan_sheet
from salesbook.issues import Issue, Location, Severity
from salesbook.read import READ_MEMORY_BYTES, READ_TIMEOUT_S, Book, Source, _sheet_parts
from salesbook.shown import percent_format, score_format, shown, shown_percent
from salesbook.xlsx import (
    FILLS,
    WRAP,
    has_print_setup,
    print_setup,
    save_workbook,
    set_text,
    table_cm,
    text_chars,
    wrapped_height,
)

PERCENT = "0.0%"
MONEY = "#,##0.00"
COUNT = "0"
GREEN = PatternFill("solid", fgColor="C6EFCE")
AMBER = PatternFill("solid", fgColor="FFEB9C")
RED = PatternFill("solid", fgColor="FFC7CE")
BLUE = PatternFill("solid", fgColor="DDEBF7")
STATUS_FILLS = {
    "领先": GREEN,
    "正常": GREEN,
    "关注": AMBER,
    "落后": RED,
    "健康": GREEN,
    "预警": RED,
    "优秀": GREEN,
    "良好": BLUE,
    "待改进": AMBER,
    "是": RED,
    "达标": GREEN,
    "未达标": RED,
    "未跟进": RED,
}
HEADER_FILL = PatternFill("solid", fgColor="FFF2CC")  # computed columns stand out from typed ones
EDITABLE = {".xlsx", ".xlsm", ".xltx", ".xltm"}
# Limits of one filled copy, checked before openpyxl opens the input (it holds every cell as an
# object: ~15x the sheet XML in memory, 2.5 GiB for a 300k-row log; README "How big").
FILL_MAX_XML_BYTES = 192 << 20  # uncompressed worksheet and shared-string XML of an .xlsx
FILL_MAX_CELLS = 3_000_000  # cells of a copy rebuilt from the read data (.csv, .xls, .ods)
FILL_TIMEOUT_S = 2 * READ_TIMEOUT_S  # per copy, in a child: openpyxl is ~10x slower than calamine
FILL_MEMORY_BYTES = READ_MEMORY_BYTES


@dataclass(frozen=True)
class Computed:
    """A computed column: header, number format, and the value for a table row position."""

    header: str
    number_format: str | None
    value: Callable[[int], object]
    status: bool = False  # coloured by conditional formatting
    fills: str | None = None  # an existing column key it fills when blank, instead of adding
    format_of: Callable[[int], str | None] | None = None  # a per-row number format
    lines_of: Callable[[int], tuple[Decimal, ...]] | None = None  # rule lines of a row's value


SCORE = "0.0"


@dataclass(frozen=True)
class Lined:
    """A summary cell's value with the rule lines it must not be rounded across."""

    value: object
    lines: tuple[Decimal, ...] = ()
    number_format: str | None = None  # this cell's own format, when the column's does not fit


def displayed(
    value: object, number_format: str | None, lines: tuple[Decimal, ...] = ()
) -> tuple[object, str | None]:
    """The value a cell holds and its format, so it shows what the PDFs show: a percentage or
    score rounded once from the exact value, with more decimals where one decimal would cross a
    rule's line (0.99995 -> 99.99 %, not 100.0 %; a score of 89.99 is not shown as 90.0). The
    cell holds the shown value: Excel would otherwise round the exact one its own way."""
    if isinstance(value, Lined):
        number_format = value.number_format or number_format
        value, lines = value.value, value.lines
    if not isinstance(value, Decimal) or isinstance(value, bool):
        return value, number_format
    if number_format == PERCENT:
        percent = shown_percent(value, (Decimal(1), *lines))
        return percent / 100, percent_format(percent)
    if number_format == SCORE:
        score = shown(value, 1, lines)
        return score, score_format(score)
    return value, number_format


WAN = Decimal(10_000)


def shown_money(value: Decimal | None, money_unit: str) -> Decimal | None:
    """Money as the settings show it: yuan, or 万元 (value ÷ 10,000, exact)."""
    if value is None or money_unit != "万元":
        return value
    return value / WAN


def money_format(money_unit: str) -> str:
    return '#,##0.00"万元"' if money_unit == "万元" else MONEY


def split_gap(gap: Decimal | None) -> tuple[Decimal | None, Decimal | None]:
    """compute's gap (target − actual) as (差额, 超额): a shortfall or an over-achievement, each
    a positive number and the other blank, so no sheet shows a gap of -18,500.00 (exactly met:
    差额 0)."""
    if gap is None:
        return None, None
    return (gap, None) if gap >= 0 else (None, -gap)


def incomplete_note(missing: Iterable[str]) -> str | None:
    """The review's note on a roll-up that leaves out a member whose actual could not be read."""
    cells = list(missing)
    return "不完整，未合计：无法读取 " + "、".join(cells) if cells else None


def target_columns(figures: Figures) -> list[Computed]:
    by_row: dict[int, TargetFigure] = {f.row: f for f in figures.targets}

    def get(attribute: str) -> Callable[[int], object]:
        return lambda i: getattr(by_row[i], attribute) if i in by_row else None

    def pace(i: int) -> object:
        figure = by_row.get(i)
        return PACE_LABELS.get(figure.pace) if figure and figure.pace else None

    def standard(i: int) -> object:
        figure = by_row.get(i)
        if not figure or not figure.standard:
            return None
        if figure.standard.met is None:
            return "无数据"
        return "达标" if figure.standard.met else "未达标"

    def amount(attribute: str) -> Callable[[int], object]:
        def value(i: int) -> object:
            figure = by_row.get(i)
            if figure is None:
                return None
            if attribute in ("shortfall", "over"):
                raw = split_gap(figure.gap)[attribute == "over"]
            else:
                raw = getattr(figure, attribute)
            return shown_money(raw, figures.money_unit) if figure.unit == "元" else raw

        return value

    def format_of(i: int) -> str | None:
        figure = by_row.get(i)
        return money_format(figures.money_unit) if figure and figure.unit == "元" else "#,##0.##"

    def months(i: int) -> object:
        """The split by month, which adds back to the target (the last month takes the cents)."""
        figure = by_row.get(i)
        if figure is None or len(figure.months) < 2:
            return None
        return " / ".join(
            f"{label[5:]}月 {split_text(amount, figure.unit, figures.money_unit)}"
            for label, amount in figure.months
        )

    def pace_lines(i: int) -> tuple[Decimal, ...]:
        figure = by_row.get(i)
        return attainment_lines(figures, figure) if figure else ()

    return [
        Computed("占总体目标", PERCENT, get("share")),
        Computed("月度目标", None, amount("monthly"), format_of=format_of),
        Computed("按月分解", None, months),
        Computed("周目标", None, amount("weekly"), format_of=format_of),
        Computed("日目标(工作日)", None, amount("daily"), format_of=format_of),
        Computed("实际完成", None, amount("actual"), fills="actual", format_of=format_of),
        Computed("达成率", PERCENT, get("attainment"), lines_of=pace_lines),
        # a shortfall under 差额 and an over-achievement under 超额, both positive, as the review
        Computed("差额", None, amount("shortfall"), format_of=format_of),
        Computed("超额", None, amount("over"), format_of=format_of),
        Computed("时间进度", PERCENT, get("elapsed")),
        Computed("进度状态", None, pace, status=True),
        Computed("预计期末完成", None, amount("projection"), format_of=format_of),
        Computed("完成标准判定", None, standard, status=True),
    ]


def plan_columns(figures: Figures) -> list[Computed]:
    by_row = {p.row: p for p in figures.plans}

    def get(attribute: str) -> Callable[[int], object]:
        return lambda i: getattr(by_row[i], attribute) if i in by_row else None

    def status(i: int) -> object:
        plan = by_row.get(i)
        if plan is None:
            return None
        if plan.follow_ups == 0:
            return "未跟进"
        return "达标" if plan.visits >= plan.planned else "未达标"

    return [
        Computed(f"本期计划拜访({figures.run.period.label})", COUNT, get("planned")),
        Computed("实际拜访", COUNT, get("visits")),
        Computed("跟进次数", COUNT, get("follow_ups")),
        Computed("拜访完成率", PERCENT, get("attainment")),
        Computed("计划执行", None, status, status=True),
    ]


def follow_up_columns(figures: Figures) -> list[Computed]:
    follow_ups = figures.follow_ups
    overdue = {c.row for c in follow_ups.customers if c.overdue}
    stale = {c.row for c in follow_ups.customers if c.stale}
    backfilled = set(follow_ups.backfilled_rows)
    incomplete = set(follow_ups.incomplete_rows)
    in_period = set(follow_ups.in_period_rows)

    def flag(rows: set[int], only_period: bool = True) -> Callable[[int], object]:
        return lambda i: (
            ("是" if i in rows else "否") if not only_period or i in in_period else None
        )

    columns = [
        Computed("下一步逾期", None, flag(overdue, only_period=False), status=True),
        Computed("客户停滞", None, flag(stale, only_period=False), status=True),
        Computed("补录", None, flag(backfilled), status=True),
        Computed("记录不完整", None, flag(incomplete), status=True),
    ]
    pool = {c.row: c.pool_date for c in follow_ups.customers if c.pool_date}
    if pool:
        columns.append(Computed("转入公海日期", "yyyy-mm-dd", pool.get))
    return columns


def appraisal_columns(figures: Figures) -> list[Computed]:
    by_row = {p.row: p for p in figures.people.values()}

    def get(attribute: str) -> Callable[[int], object]:
        return lambda i: getattr(by_row[i], attribute) if i in by_row else None

    def lines(kind: str) -> Callable[[int], tuple[Decimal, ...]]:
        return lambda i: figures.lines.get(kind, ())

    return [
        Computed(
            "达成率", PERCENT, get("attainment"), fills="attainment", lines_of=lines("attainment")
        ),
        Computed("综合评分(100分)", SCORE, get("score"), fills="score", lines_of=lines("score")),
        Computed("等级", None, get("grade"), status=True, fills="grade"),
        Computed("计算达成率", PERCENT, get("attainment"), lines_of=lines("attainment")),
        Computed("计算等级", None, get("grade"), status=True),
        Computed("排名", COUNT, get("rank")),
        Computed("奖项", None, lambda i: "、".join(by_row[i].awards) if i in by_row else None),
    ]


def health_columns(figures: Figures) -> list[Computed]:
    by_row = {f.row: f for f in figures.health if f.row is not None}

    def value(i: int) -> object:
        figure = by_row.get(i)
        return figure.value if figure else None

    def status(i: int) -> object:
        figure = by_row.get(i)
        return STATUS_LABELS.get(figure.status) if figure and figure.status else None

    def trend(i: int) -> object:
        figure = by_row.get(i)
        if not figure or not figure.trend:
            return None
        return " → ".join(f"{label} {_plain(v, figure.unit)}" for label, v in figure.trend[-4:])

    def format_of(i: int) -> str | None:
        figure = by_row.get(i)
        return PERCENT if figure and figure.unit == "%" else SCORE

    def lines_of(i: int) -> tuple[Decimal, ...]:
        figure = by_row.get(i)
        return health_lines(figure) if figure else ()

    return [
        Computed(
            f"本期数值({figures.run.period.label})",
            None,
            value,
            format_of=format_of,
            lines_of=lines_of,
        ),
        Computed("状态", None, status, status=True),
        Computed("趋势", None, trend),
    ]


def health_lines(figure: IndicatorFigure) -> tuple[Decimal, ...]:
    """The limits of an indicator's healthy and alert thresholds."""
    return tuple(t.limit for t in (figure.healthy, figure.alert) if t is not None)


def attainment_lines(figures: Figures, figure: TargetFigure) -> tuple[Decimal, ...]:
    """What a target's attainment is judged by: 100 %, the star line, and the pace bands."""
    lines = figures.lines.get("attainment", ())
    if figure.elapsed is None:
        return lines
    band = figures.lines.get("pace", (Decimal(10),))[0] / 100
    return (*lines, figure.elapsed - band, figure.elapsed, figure.elapsed + band)


def split_text(amount: Decimal, unit: str | None, money_unit: str) -> str:
    """One month's part of a target as the letters print it: money to the fen, counts whole."""
    if unit == "元":
        shown_amount = shown_money(amount, money_unit) or Decimal(0)
        return f"{shown_amount:,.2f}" + (" 万元" if money_unit == "万元" else "")
    return f"{amount.normalize():f}"


def _plain(value: Decimal, unit: str) -> str:
    if unit == "%":
        return f"{shown_percent(value)}%"  # once, half up, as the PDFs print it
    return f"{value.normalize():f}{unit}"


COLUMNS_BY_KIND: dict[str, Callable[[Figures], list[Computed]]] = {
    "target_breakdown": target_columns,
    "follow_up": follow_up_columns,
    "appraisal": appraisal_columns,
    "health_monitoring": health_columns,
    "sales_plan": plan_columns,
}


# --- filled copies ------------------------------------------------------------------------------------


def fill_plan(book: Book, folder: Path, issues: list[Issue]) -> tuple[list[str], list[Issue]]:
    """The inputs to make a filled copy of, and an SB-F016 for each left out by its size.

    A file the reader refused (an F-code error) gets no copy: its issue already says why. The size
    is known before opening: the zip directory's uncompressed sizes, or the cells read."""
    refused = {
        i.location.file
        for i in issues
        if i.code.startswith("SB-F") and i.severity is Severity.ERROR
    }
    with_data: set[str] = set()
    cells: dict[str, int] = defaultdict(int)
    for table in book.tables.values():
        for index, source in enumerate(table.sources):
            with_data.add(source.file)
            rows = int((table.frame["_source"] == index).sum())
            cells[source.file] += (rows + 1) * len(source.columns)
    with_issues = {i.location.file for i in issues}
    names, too_big = [], []
    for name in book.files:
        if name in refused or (name not in with_data and name not in with_issues):
            continue
        if Path(name).suffix.lower() in EDITABLE:
            size, limit = _xml_bytes(folder / name), FILL_MAX_XML_BYTES
            shown = (f"{size / 2**20:.0f} MB XML", f"{limit / 2**20:.0f} MB")
        else:
            size, limit = cells[name], FILL_MAX_CELLS
            shown = (f"{size:,} cells", f"{limit:,} cells")
        if size > limit:
            too_big.append(Issue("SB-F016", Location(name), {"size": shown[0], "limit": shown[1]}))
        else:
            names.append(name)
    return names, too_big


def _xml_bytes(path: Path) -> int:
    """What openpyxl would parse: the uncompressed size of the worksheet and shared-string parts.

    Read from the zip directory, so a small file that inflates to gigabytes costs nothing here
    (a lying directory is caught by the child's memory and time limits)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(
                info.file_size
                for info in archive.infolist()
                if info.filename.lower().startswith(("xl/worksheets/", "xl/sharedstrings"))
            )
    except (zipfile.BadZipFile, OSError, ValueError):
        return 0  # not a zip: openpyxl fails fast on it, and that failure is reported


def fill_workbooks(
    book: Book,
    figures: Figures,
    issues: list[Issue],
    folder: Path,
    output: Path,
    only: set[str] | None = None,
    progress: Callable[[], None] | None = None,
) -> list[Path]:
    """One filled copy per input workbook under `output/<same relative path>`; returns the paths.

    `only` limits the copies to those input names (`fill_plan` decides which to make); `progress`
    is called once per input done. A copy that cannot be made raises (batch.py reports it)."""
    # openpyxl builds millions of small cell objects; the cyclic GC rescanning them on every
    # allocation burst doubled the time at 1000 reps. Nothing here makes reference cycles to free.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _fill_workbooks(book, figures, issues, folder, output, only, progress)
    finally:
        if gc_was_enabled:
            gc.enable()


def _fill_workbooks(
    book: Book,
    figures: Figures,
    issues: list[Issue],
    folder: Path,
    output: Path,
    only: set[str] | None,
    progress: Callable[[], None] | None,
) -> list[Path]:
    by_file: dict[str, list[tuple[str, int, Source]]] = defaultdict(list)
    for kind, table in book.tables.items():
        for index, source in enumerate(table.sources):
            by_file[source.file].append((kind, index, source))
    issues_by_file: dict[str, list[Issue]] = defaultdict(list)
    for issue in issues:
        issues_by_file[issue.location.file].append(issue)
    names = fill_plan(book, folder, issues)[0] if only is None else sorted(only)
    written = []
    for name in names:
        if progress:
            progress()
        source_path = folder / name
        if source_path.suffix.lower() not in EDITABLE:
            target = output / output_name(name, ".xlsx")
            workbook = _rebuilt(book, by_file.get(name, []))
        else:
            target = output / output_name(name)
            workbook = openpyxl.load_workbook(
                source_path, keep_vba=source_path.suffix.lower() == ".xlsm"
            )
            _keep_values_only(workbook, source_path)
        for kind, index, source in by_file.get(name, []):
            if source.sheet in workbook.sheetnames and kind in COLUMNS_BY_KIND:
                table = book.tables[kind]
                positions = table.frame.index[table.frame["_source"] == index].tolist()
                rows = table.frame["_row"].tolist()
                _fill_sheet(
                    workbook[source.sheet],
                    source,
                    COLUMNS_BY_KIND[kind](figures),
                    [(p, rows[p]) for p in positions],
                )
        _issue_sheet(workbook, issues_by_file.get(name, []))
        save_workbook(workbook, target, figures.run.as_of)
        written.append(target)
    return written


def _keep_values_only(workbook: Workbook, path: Path) -> None:
    """Formulas that reach outside the workbook become their saved results (blank when none);
    defined names that do are dropped, and so are the links to other workbooks (externalLinks)."""
    saved: dict[tuple[str, str], object] = {}
    scanned: set[str] = set()  # sheets whose XML was looked through
    try:
        with zipfile.ZipFile(path) as archive:
            for name, part in _sheet_parts(archive).items():
                for reach in scan_sheet(archive, name, part):
                    saved[(reach.sheet, reach.cell)] = reach.cached
                scanned.add(name)
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, ValueError):
        pass  # every formula openpyxl loaded is looked at instead
    with_reach = {sheet for sheet, _ in saved}
    for sheet in workbook.worksheets:
        if sheet.title in scanned and sheet.title not in with_reach:
            cells: list[Cell] = []  # none here: no need to visit a 300k-row sheet's cells
        else:
            cells = list(sheet._cells.values())
        for cell in cells:
            value = cell.value
            formula = value.text if isinstance(value, ArrayFormula) else value
            if cell.data_type != "f" or not isinstance(formula, str) or not reaches_out(formula):
                continue
            cell.value = None
            set_text(cell, saved.get((sheet.title, cell.coordinate)))
        for key in [k for k, n in sheet.defined_names.items() if _reaching_name(n.value)]:
            del sheet.defined_names[key]
    for key in [k for k, n in workbook.defined_names.items() if _reaching_name(n.value)]:
        del workbook.defined_names[key]
    workbook._external_links = []


def _reaching_name(value: object) -> bool:
    return isinstance(value, str) and reaches_out(value) is not None


# --- output names -------------------------------------------------------------------------------------

MAX_NAME_BYTES = 200  # of 255 per name on Linux, macOS and Windows: room for a hash and suffix


def output_name(name: str, suffix: str = "") -> str:
    """`name` (a relative path with /) plus `suffix`, each part a valid file name on Linux, macOS
    and Windows (≤ 255 bytes, no reserved characters or names). A part that had to change ends
    in `~` and 8 hex digits of its original name, so names stay unique and the same every run."""
    parts = name.split("/")
    return "/".join(
        [_safe_part(part) for part in parts[:-1]] + [_safe_part(parts[-1] + suffix, last=True)]
    )


def _safe_part(part: str, last: bool = False) -> str:
    raw = part.encode("utf-8", "surrogateescape")  # a GBK name from unzip is not UTF-8
    text = unicodedata.normalize("NFC", raw.decode("utf-8", "replace"))
    safe = UNSAFE_IN_NAMES.sub("_", text).rstrip(". ") or "_"
    if RESERVED_NAMES.match(safe):
        safe = "_" + safe
    if safe == part and len(raw) <= MAX_NAME_BYTES:
        return part
    stem, dot, extension = safe.rpartition(".") if last and "." in safe[1:] else (safe, "", "")
    if len(extension) > 10:  # not an extension, just a dot in the name
        stem, dot, extension = safe, "", ""
    tag = "~" + hashlib.sha256(raw).hexdigest()[:8]
    room = MAX_NAME_BYTES - len(tag.encode()) - len((dot + extension).encode())
    short = stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(". ") or "_"
    return short + tag + dot + extension


def _rebuilt(book: Book, sheets: list[tuple[str, int, Source]]) -> Workbook:
    """An .xlsx for an input openpyxl cannot open (.xls, .ods, .csv): its recognised sheets' values."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for kind, index, source in sheets:
        table = book.tables[kind]
        sheet = workbook.create_sheet(source.sheet[:31])
        for key, column in source.columns.items():
            set_text(sheet.cell(source.header_row, column + 1), table.schema.column(key).zh)
        frame = table.frame[table.frame["_source"] == index]
        for key, column in source.columns.items():
            for row, value in zip(frame["_row"].tolist(), frame[key].tolist(), strict=True):
                _write(sheet.cell(row, column + 1), value)
    return workbook


def _write(cell: Cell, value: object) -> None:
    if value is None:
        return
    if hasattr(value, "amount"):  # a Quantity
        value = value.amount
    elif hasattr(value, "label") and not isinstance(value, (str, Decimal)):  # a Period
        value = value.label
    elif not isinstance(value, (str, int, Decimal, dt.date)):
        value = str(value)
    set_text(cell, value)
    if isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"


def _fill_sheet(
    sheet: Worksheet, source: Source, columns: list[Computed], rows: list[tuple[int, int]]
) -> None:
    header_row = source.header_row
    next_column = sheet.max_column + 1  # read once: max_column rescans the sheet
    template = sheet.cell(header_row, max(source.columns.values()) + 1)
    last_row = max((row for _, row in rows), default=header_row)
    for computed in columns:
        if computed.fills and computed.fills in source.columns:
            column = source.columns[computed.fills] + 1
            fill_blank_only = True
        else:
            column = next_column
            next_column += 1
            fill_blank_only = False
            header = sheet.cell(header_row, column)
            set_text(header, computed.header)
            if template.has_style:
                header.font = copy(template.font)
                header.border = copy(template.border)
                header.alignment = copy(template.alignment)
            header.fill = HEADER_FILL
            sheet.column_dimensions[get_column_letter(column)].width = max(
                10, len(computed.header) * 2 + 2
            )
        for position, row in rows:
            cell = sheet.cell(row, column)
            if fill_blank_only and cell.value not in (None, ""):
                continue
            value = computed.value(position)
            if value is None:
                continue
            number_format = (
                computed.format_of(position) if computed.format_of else computed.number_format
            )
            lines = computed.lines_of(position) if computed.lines_of else ()
            value, number_format = displayed(value, number_format, lines)
            set_text(cell, value)
            if number_format and not isinstance(value, str):
                cell.number_format = number_format
        if computed.status and rows:
            letter = get_column_letter(column)
            area = f"{letter}{header_row + 1}:{letter}{last_row}"
            for word, fill in STATUS_FILLS.items():
                sheet.conditional_formatting.add(
                    area, CellIsRule(operator="equal", formula=[f'"{word}"'], fill=fill)
                )
    if not has_print_setup(sheet):  # the owner's own print setup is theirs to keep (README)
        print_setup(sheet, next_column - 1, max(last_row, sheet.max_row), header_row)


def _issue_sheet(workbook: Workbook, issues: Iterable[Issue]) -> None:
    name = "问题清单"
    while name in workbook.sheetnames:
        name += "_"
    sheet = workbook.create_sheet(name)
    headers = ("严重程度", "代码", "工作表", "单元格", "说明")
    for column, (title, width) in enumerate(zip(headers, (10, 10, 18, 10, 80), strict=True), 1):
        cell = sheet.cell(1, column, title)
        cell.font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    link_font = Font(color="0563C1", underline="single")
    row = 1
    for row, issue in enumerate(issues, start=2):
        loc = issue.location
        set_text(sheet.cell(row, 1), issue.severity.label())
        sheet.cell(row, 1).fill = FILLS[issue.severity]
        set_text(sheet.cell(row, 2), issue.code)
        set_text(sheet.cell(row, 3), loc.sheet or "")
        place = loc.cell or (f"第{loc.row}行" if loc.row else "")
        cell = sheet.cell(row, 4)
        set_text(cell, place)
        if loc.sheet and loc.sheet in workbook.sheetnames:
            cell.hyperlink = (
                f"#'{loc.sheet.replace(chr(39), chr(39) * 2)}'!{loc.cell or f'A{loc.row or 1}'}"
            )
            cell.font = link_font
        set_text(sheet.cell(row, 5), issue.message())
        sheet.cell(row, 5).alignment = WRAP
        if height := wrapped_height([(issue.message(), 80)]):
            sheet.row_dimensions[row].height = height
    sheet.auto_filter.ref = f"A1:E{max(row, 1)}"
    print_setup(sheet, len(headers), row)


# --- summary workbook ---------------------------------------------------------------------------------


def write_summary(figures: Figures, path: Path) -> None:
    """汇总-<period>.xlsx: attainment, follow-up discipline, ranking and awards, health.

    Dated by the as-of date, so equal figures give equal bytes."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    period = figures.run.period.label
    unit = figures.money_unit
    money = money_format(unit)

    def rate(figure: TargetFigure) -> str:
        return money if figure.unit == "元" else COUNT

    targets = [f for f in figures.targets if f.unit == "元"]
    for kind, title in (("区域", "区域达成"), ("产品", "产品达成"), ("个人", "个人达成")):
        rows = [
            (
                f.name,
                f.owner,
                shown_money(f.target, unit),
                shown_money(f.actual, unit),
                Lined(f.attainment, attainment_lines(figures, f)),
                *(shown_money(part, unit) for part in split_gap(f.gap)),
                f.elapsed,
                PACE_LABELS.get(f.pace or "", None),
                shown_money(f.projection, unit),
                incomplete_note(f.missing),
            )
            for f in targets
            if f.dimension_type == kind
        ]
        _table(
            workbook,
            title,
            (
                "名称",
                "责任人",
                "目标",
                "实际完成",
                "达成率",
                "差额",
                "超额",
                "时间进度",
                "进度状态",
                "预计期末完成",
                "说明",
            ),
            rows,
            (None, None, money, money, PERCENT, money, money, PERCENT, None, money, None),
            chart=("达成率", 5, 1) if rows else None,
        )
    # Every target's split: months add back to the target (money: the last month takes the
    # cents; counts: whole units, the remainder to the earliest months), as the letters print it.
    _table(
        workbook,
        "目标分解",
        ("指标", "维度", "责任人", "周期", "目标", "单位", "按月分解", "每周", "每工作日"),
        [
            (
                f.metric,
                f.dimension or f.name,
                f.owner,
                f.period.label,
                Lined(shown_money(f.target, unit) if f.unit == "元" else f.target, (), rate(f)),
                (unit if f.unit == "元" else f.unit) or "",
                "；".join(
                    f"{label} {split_text(amount, f.unit, unit)}" for label, amount in f.months
                ),
                Lined(shown_money(f.weekly, unit) if f.unit == "元" else f.weekly, (), rate(f)),
                Lined(shown_money(f.daily, unit) if f.unit == "元" else f.daily, (), rate(f)),
            )
            for f in figures.targets
        ],
        (None, None, None, None, None, None, None, None, None),
    )
    flat: list[tuple] = []

    def walk(level: dict[str, object], depth: int) -> None:
        flat.append(
            (
                "　" * depth + str(level["name"]),
                level["level"],
                shown_money(level["target"], unit),
                shown_money(level["children_target"], unit),
                shown_money(level["actual"], unit),
                level["attainment"],
                *(shown_money(part, unit) for part in split_gap(level["gap"])),  # type: ignore[arg-type]
                incomplete_note(level["missing"]),  # type: ignore[arg-type]
            )
        )
        for child in level["children"]:
            walk(child, depth + 1)

    for region in figures.rollup:
        walk(region, 0)
    _table(
        workbook,
        "层级汇总",
        (
            "区域 › 小组 › 个人",
            "层级",
            "目标",
            "下级目标合计",
            "实际完成",
            "达成率",
            "差额",
            "超额",
            "说明",
        ),
        flat,
        (None, None, money, money, money, PERCENT, money, money, None),
    )
    _table(
        workbook,
        "计划执行",
        ("负责人", "重点客户", "计划周期", "计划拜访", "实际拜访", "跟进次数", "拜访完成率"),
        [
            (p.owner, p.customer, p.period, p.planned, p.visits, p.follow_ups, p.attainment)
            for p in figures.plans
        ],
        (None, None, None, COUNT, COUNT, COUNT, PERCENT),
    )
    reps = sorted(figures.follow_ups.reps.values(), key=lambda r: (r.region, r.owner))
    _table(
        workbook,
        "跟进纪律",
        (
            "负责人",
            "区域",
            "跟进次数",
            "客户数",
            "拜访",
            "计划拜访",
            "计划内已拜访",
            "逾期",
            "停滞",
            "补录",
            "记录完整率",
            "节点完成率",
        ),
        [
            (
                r.owner,
                r.region,
                r.follow_ups,
                r.customers,
                r.visits,
                r.planned_visits,
                r.plan_visits,
                r.overdue,
                r.stale,
                r.backfilled,
                r.completeness,
                r.node_completion,
            )
            for r in reps
        ],
        (None, None, COUNT, COUNT, COUNT, COUNT, COUNT, COUNT, COUNT, COUNT, PERCENT, PERCENT),
        chart=("跟进次数", 3, 1) if reps else None,
    )
    # Customers whose owner left or is not on the roster: every one, overdue or not (SPEC §4).
    _table(
        workbook,
        "待重新分配",
        (
            "客户名称",
            "原负责人",
            "原因",
            "区域",
            "最近跟进",
            "距今工作日",
            "客户阶段",
            "下一步行动",
            "预计完成时间",
            "下一步逾期",
            "客户停滞",
        ),
        [
            (
                c.customer,
                c.owner or "—",
                REASSIGN_LABELS.get(c.reassign or "", c.reassign),
                c.region,
                c.last_date,
                c.idle_days,
                c.stage,
                c.next_action,
                c.due,
                "是" if c.overdue else "否",
                "是" if c.stale else "否",
            )
            for c in figures.follow_ups.reassign
        ],
        (None, None, None, None, "yyyy-mm-dd", COUNT, None, None, "yyyy-mm-dd", None, None),
    )
    people = sorted(figures.people.values(), key=lambda p: (p.rank or 10**6, p.name))
    _table(
        workbook,
        "评估排名",
        ("排名", "姓名", "目标", "实际完成", "达成率", "综合评分", "等级", "奖项"),
        [
            (
                p.rank,
                p.name,
                shown_money(p.target, unit),
                shown_money(p.actual, unit),
                Lined(p.attainment, figures.lines.get("attainment", ())),
                Lined(p.score, figures.lines.get("score", ())),
                p.grade,
                "、".join(p.awards),
            )
            for p in people
        ],
        (COUNT, None, money, money, PERCENT, SCORE, None, None),
        chart=("综合评分", 6, 2) if people else None,
    )
    _table(
        workbook,
        "奖项",
        ("奖项", "规则", "获奖者", "说明"),
        [
            (
                a.name,
                a.rule,
                "、".join(a.winners) or "—",
                a.note or "；".join(f"{n}：{why}" for n, why in a.near_misses),
            )
            for a in figures.awards
        ],
        (None, None, None, None),
    )
    _table(
        workbook,
        "健康度",
        ("维度", "指标", "本期数值", "单位", "健康阈值", "预警阈值", "状态", "改进方向"),
        [
            (
                h.dimension,
                h.name,
                Lined(h.value, health_lines(h), PERCENT if h.unit == "%" else SCORE),
                h.unit,
                _threshold(h.healthy),
                _threshold(h.alert),
                STATUS_LABELS.get(h.status or "", None),
                h.improvement if h.status and h.status != "healthy" else None,
            )
            for h in figures.health
        ],
        (None, None, SCORE, None, None, None, None, None),
    )
    workbook.properties.title = f"销售汇总 {period}"
    save_workbook(workbook, path, figures.run.as_of)


def _threshold(threshold: object) -> str | None:
    if threshold is None:
        return None
    op = {"<=": "≤", ">=": "≥"}.get(threshold.op, threshold.op)  # type: ignore[attr-defined]
    return op + _plain(threshold.limit, threshold.unit)  # type: ignore[attr-defined]


def _table(
    workbook: Workbook,
    title: str,
    headers: tuple[str, ...],
    rows: list[tuple],
    formats: tuple[str | None, ...],
    chart: tuple[str, int, int] | None = None,
) -> None:
    sheet = workbook.create_sheet(title)
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(1, column, header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
        sheet.column_dimensions[get_column_letter(column)].width = max(10, len(header) * 2 + 4)
    for r, row in enumerate(rows, start=2):
        for column, (value, number_format) in enumerate(zip(row, formats, strict=True), start=1):
            value, number_format = displayed(value, number_format)
            if value is None or value == "":
                continue
            cell = sheet.cell(r, column)
            set_text(cell, value)
            if number_format and not isinstance(value, str):
                cell.number_format = number_format
            if isinstance(value, str) and value in STATUS_FILLS:
                cell.fill = STATUS_FILLS[value]
    sheet.freeze_panes = "A2"
    last = len(rows) + 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(last, 1)}"
    _fit_widths(sheet, len(headers), last)
    end = last
    if chart and rows:
        end = _chart_below(sheet, title, chart, last, len(headers))
    print_setup(sheet, len(headers), end)


TEXT_MAX_CHARS = 48  # a text column is no wider; longer text wraps inside its cell


def _fit_widths(sheet: Worksheet, columns: int, last: int) -> None:
    """Columns as wide as what they hold (up to TEXT_MAX_CHARS, then wrapped): a printed page
    shows each value whole, not cut off by the next cell or as ###."""
    wrapped: dict[int, list[tuple[object, float]]] = defaultdict(list)
    for column in range(1, columns + 1):
        cells = [c for (c,) in sheet.iter_rows(2, last, column, column) if c.value is not None]
        need = max((text_chars(c.value) + 2 for c in cells), default=0)
        dimension = sheet.column_dimensions[get_column_letter(column)]
        if need > dimension.width:
            dimension.width = min(need, TEXT_MAX_CHARS)
        if need > TEXT_MAX_CHARS:
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.alignment = WRAP
                    wrapped[cell.row].append((cell.value, dimension.width))
    for row, cells in wrapped.items():
        if height := wrapped_height(cells):
            sheet.row_dimensions[row].height = height


CHART_CM = 8.0  # chart height
ROW_CM = 0.53  # a default row (15 pt)
PAGE_ROWS = 28  # default rows on a landscape A4 page at 100 %: fewer than on any page we print


def _chart_below(
    sheet: Worksheet, title: str, chart: tuple[str, int, int], last: int, columns: int
) -> int:
    """The chart under the table, as wide as the table, starting a page of its own unless
    table and chart fit on the first page, so no chart is printed in two halves. A column with
    no number gets no chart (an empty axis says nothing) but a line saying why. Returns the last
    row the print area must hold."""
    name, column, categories = chart
    values = [sheet.cell(r, column).value for r in range(2, last + 1)]
    if not any(isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in values):
        set_text(sheet.cell(last + 2, 1), f"未画「{name}」图：没有一行有{name}的数值。")
        return last + 2
    bar = BarChart()
    bar.title = f"{title} · {name}"
    bar.y_axis.title = name
    bar.height, bar.width = CHART_CM, max(12.0, table_cm(sheet, columns) - 0.5)
    bar.add_data(Reference(sheet, min_col=column, min_row=1, max_row=last), titles_from_data=True)
    bar.set_categories(Reference(sheet, min_col=categories, min_row=2, max_row=last))
    top = last + 2
    chart_rows = int(CHART_CM / ROW_CM) + 2
    if top + chart_rows > PAGE_ROWS:
        sheet.row_breaks.append(Break(id=last + 1))
    sheet.add_chart(bar, f"A{top}")
    return top + chart_rows
