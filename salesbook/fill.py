"""Figures + issues -> filled-in copies of the input workbooks (openpyxl); 汇总 is summary.py.

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
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from salesbook.cells import (
    COUNT,
    PERCENT,
    SCORE,
    attainment_lines,
    displayed,
    health_lines,
    measure_text,
    money_format,
    shown_money,
    split_gap,
    split_text,
    status_fills,
)
from salesbook.compute import (
    Figures,
    TargetFigure,
)
from salesbook.files import RESERVED_NAMES, UNSAFE_IN_NAMES
from salesbook.formulas import reaches_out, scan_sheet, sheet_parts
from salesbook.issues import Issue, Location, Severity
from salesbook.read import Book, Source
from salesbook.sources import READ_MEMORY_BYTES, READ_TIMEOUT_S
from salesbook.values import traditional
from salesbook.words import labels, say, status_word
from salesbook.xlsx import (
    FILLS,
    WRAP,
    has_print_setup,
    print_setup,
    save_workbook,
    set_text,
    wrapped_height,
)

HEADER_FILL = PatternFill("solid", fgColor="FFF2CC")  # computed columns stand out from typed ones
EDITABLE = {".xlsx", ".xlsm", ".xltx", ".xltm"}
# Limits of one filled copy, checked before openpyxl opens the input (it holds every cell as an
# object: ~15x the sheet XML in memory, 2.5 GiB for a 300k-row log; README "How big").
FILL_MAX_XML_BYTES = 192 << 20  # uncompressed worksheet and shared-string XML of an .xlsx
FILL_MAX_CELLS = 3_000_000  # cells of a copy rebuilt from the read data (.csv, .xls, .ods)
FILL_TIMEOUT_S = 2 * READ_TIMEOUT_S  # per copy, in a child: openpyxl is ~10x slower than calamine
FILL_MEMORY_BYTES = READ_MEMORY_BYTES


# The headers of added columns and of the issue sheet, as 简 -> (繁, English): what salesbook
# adds to a copy is in the language of the sheet's own header row (read.header_lang). The words
# status columns hold are words.STATUS_WORDS; any other text is converted by OpenCC (in_lang).
ADDED_WORDS: dict[str, tuple[str, str]] = {
    "占总体目标": ("佔總體目標", "share of overall target"),
    "月度目标": ("月度目標", "monthly target"),
    "按月分解": ("按月分解", "by month"),
    "周目标": ("週目標", "weekly target"),
    "日目标(工作日)": ("日目標(工作日)", "daily target (workday)"),
    "实际完成": ("實際完成", "actual"),
    "达成率": ("達成率", "attainment"),
    "差额": ("差額", "shortfall"),
    "超额": ("超額", "over target"),
    "时间进度": ("時間進度", "time elapsed"),
    "进度状态": ("進度狀態", "pace"),
    "预计期末完成": ("預計期末完成", "projected at period end"),
    "完成标准判定": ("完成標準判定", "standard met"),
    "本期计划拜访": ("本期計劃拜訪", "planned visits"),
    "实际拜访": ("實際拜訪", "visits"),
    "跟进次数": ("跟進次數", "follow-ups"),
    "拜访完成率": ("拜訪完成率", "visit rate"),
    "计划执行": ("計劃執行", "plan status"),
    "下一步逾期": ("下一步逾期", "next action overdue"),
    "客户停滞": ("客戶停滯", "customer stalled"),
    "补录": ("補錄", "backfilled"),
    "记录不完整": ("記錄不完整", "record incomplete"),
    "转入公海日期": ("轉入公海日期", "back to the pool on"),
    "综合评分(100分)": ("綜合評分(100分)", "score (of 100)"),
    "等级": ("等級", "grade"),
    "计算达成率": ("計算達成率", "computed attainment"),
    "计算等级": ("計算等級", "computed grade"),
    "排名": ("排名", "rank"),
    "奖项": ("獎項", "awards"),
    "本期数值": ("本期數值", "value"),
    "状态": ("狀態", "status"),
    "趋势": ("趨勢", "trend"),
    # the issue sheet
    "问题清单": ("問題清單", "Issues"),
    "严重程度": ("嚴重程度", "Severity"),
    "代码": ("代碼", "Code"),
    "工作表": ("工作表", "Sheet"),
    "单元格": ("儲存格", "Cell"),
    "说明": ("說明", "Message"),
}


def said(word: str, lang: str = "zh") -> str:
    """A word a status column holds (words.STATUS_WORDS) in the sheet's language."""
    return status_word(word, lang)


def in_lang(text: str, lang: str = "zh") -> str:
    """Text salesbook made in 简 (a message, a trend, a month split) as a sheet in `lang` holds
    it: 繁 in a Traditional sheet (OpenCC), else as it is."""
    return traditional(text) if lang == "zh-Hant" else text


def added(word: str, lang: str = "zh", period: str | None = None) -> str:
    """`word` (简) in `lang` (zh, zh-Hant, en); `period` follows in brackets: 本期数值(2026Q3)."""
    if lang != "zh":
        word = ADDED_WORDS[word][lang == "en"]
    if period is None:
        return word
    return f"{word} ({period})" if lang == "en" else f"{word}({period})"


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


def target_columns(figures: Figures, lang: str = "zh") -> list[Computed]:
    # Only the breakdown's own rows: a figure from a target-completion export has none (row
    # None) and is never written into a breakdown row.
    by_row: dict[int, TargetFigure] = {f.row: f for f in figures.targets if f.row is not None}
    pace_labels = labels("pace", lang)

    def get(attribute: str) -> Callable[[int], object]:
        return lambda i: getattr(by_row[i], attribute) if i in by_row else None

    def pace(i: int) -> object:
        figure = by_row.get(i)
        return pace_labels.get(figure.pace) if figure and figure.pace else None

    def standard(i: int) -> object:
        figure = by_row.get(i)
        if not figure or not figure.standard:
            return None
        if figure.standard.met is None:
            return said("无数据", lang)
        return said("达标" if figure.standard.met else "未达标", lang)

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
        month = "{}" if lang == "en" else "{}月"
        return in_lang(
            " / ".join(
                f"{month.format(label[5:])} {split_text(amount, figure.unit, figures.money_unit)}"
                for label, amount in figure.months
            ),
            lang,
        )

    def pace_lines(i: int) -> tuple[Decimal, ...]:
        figure = by_row.get(i)
        return attainment_lines(figures, figure) if figure else ()

    def h(word: str) -> str:
        return added(word, lang)

    return [
        Computed(h("占总体目标"), PERCENT, get("share")),
        Computed(h("月度目标"), None, amount("monthly"), format_of=format_of),
        Computed(h("按月分解"), None, months),
        Computed(h("周目标"), None, amount("weekly"), format_of=format_of),
        Computed(h("日目标(工作日)"), None, amount("daily"), format_of=format_of),
        Computed(h("实际完成"), None, amount("actual"), fills="actual", format_of=format_of),
        Computed(h("达成率"), PERCENT, get("attainment"), lines_of=pace_lines),
        # a shortfall under 差额 and an over-achievement under 超额, both positive, as the review
        Computed(h("差额"), None, amount("shortfall"), format_of=format_of),
        Computed(h("超额"), None, amount("over"), format_of=format_of),
        Computed(h("时间进度"), PERCENT, get("elapsed")),
        Computed(h("进度状态"), None, pace, status=True),
        Computed(h("预计期末完成"), None, amount("projection"), format_of=format_of),
        Computed(h("完成标准判定"), None, standard, status=True),
    ]


def plan_columns(figures: Figures, lang: str = "zh") -> list[Computed]:
    by_row = {p.row: p for p in figures.plans}

    def get(attribute: str) -> Callable[[int], object]:
        return lambda i: getattr(by_row[i], attribute) if i in by_row else None

    def status(i: int) -> object:
        plan = by_row.get(i)
        if plan is None:
            return None
        if plan.follow_ups == 0:
            return said("未跟进", lang)
        return said("达标" if plan.visits >= plan.planned else "未达标", lang)

    return [
        Computed(added("本期计划拜访", lang, figures.run.period.label), COUNT, get("planned")),
        Computed(added("实际拜访", lang), COUNT, get("visits")),
        Computed(added("跟进次数", lang), COUNT, get("follow_ups")),
        Computed(added("拜访完成率", lang), PERCENT, get("attainment")),
        Computed(added("计划执行", lang), None, status, status=True),
    ]


def follow_up_columns(figures: Figures, lang: str = "zh") -> list[Computed]:
    follow_ups = figures.follow_ups
    overdue = {c.row for c in follow_ups.customers if c.overdue}
    stale = {c.row for c in follow_ups.customers if c.stale}
    backfilled = set(follow_ups.backfilled_rows)
    incomplete = set(follow_ups.incomplete_rows)
    in_period = set(follow_ups.in_period_rows)

    yes, no = said("是", lang), said("否", lang)

    def flag(rows: set[int], only_period: bool = True) -> Callable[[int], object]:
        return lambda i: (yes if i in rows else no) if not only_period or i in in_period else None

    columns = [
        Computed(added("下一步逾期", lang), None, flag(overdue, only_period=False), status=True),
        Computed(added("客户停滞", lang), None, flag(stale, only_period=False), status=True),
        Computed(added("补录", lang), None, flag(backfilled), status=True),
        Computed(added("记录不完整", lang), None, flag(incomplete), status=True),
    ]
    pool = {c.row: c.pool_date for c in follow_ups.customers if c.pool_date}
    if pool:
        columns.append(Computed(added("转入公海日期", lang), "yyyy-mm-dd", pool.get))
    return columns


def appraisal_columns(figures: Figures, lang: str = "zh") -> list[Computed]:
    by_row = {p.row: p for p in figures.people.values()}

    def get(attribute: str) -> Callable[[int], object]:
        return lambda i: getattr(by_row[i], attribute) if i in by_row else None

    def lines(kind: str) -> Callable[[int], tuple[Decimal, ...]]:
        return lambda i: figures.lines.get(kind, ())

    def h(word: str) -> str:
        return added(word, lang)

    award_names = {a.name: say(f"award.{a.key}", lang) for a in figures.awards}
    join = ", " if lang == "en" else "、"

    def grade(i: int) -> object:
        value = by_row[i].grade if i in by_row else None
        return said(value, lang) if value else value

    def awards(i: int) -> object:
        if i not in by_row:
            return None
        return join.join(award_names.get(a, a) for a in by_row[i].awards)

    return [
        Computed(
            h("达成率"),
            PERCENT,
            get("attainment"),
            fills="attainment",
            lines_of=lines("attainment"),
        ),
        Computed(h("综合评分(100分)"), SCORE, get("score"), fills="score", lines_of=lines("score")),
        Computed(h("等级"), None, grade, status=True, fills="grade"),
        Computed(h("计算达成率"), PERCENT, get("attainment"), lines_of=lines("attainment")),
        Computed(h("计算等级"), None, grade, status=True),
        Computed(h("排名"), COUNT, get("rank")),
        Computed(h("奖项"), None, awards),
    ]


def health_columns(figures: Figures, lang: str = "zh") -> list[Computed]:
    by_row = {f.row: f for f in figures.health if f.row is not None}
    status_labels = labels("status", lang)

    def value(i: int) -> object:
        figure = by_row.get(i)
        return figure.value if figure else None

    def status(i: int) -> object:
        figure = by_row.get(i)
        return status_labels.get(figure.status) if figure and figure.status else None

    def trend(i: int) -> object:
        figure = by_row.get(i)
        if not figure or not figure.trend:
            return None
        shown = (f"{label} {measure_text(v, figure.unit)}" for label, v in figure.trend[-4:])
        return in_lang(" → ".join(shown), lang)

    def format_of(i: int) -> str | None:
        figure = by_row.get(i)
        return PERCENT if figure and figure.unit == "%" else SCORE

    def lines_of(i: int) -> tuple[Decimal, ...]:
        figure = by_row.get(i)
        return health_lines(figure) if figure else ()

    return [
        Computed(
            added("本期数值", lang, figures.run.period.label),
            None,
            value,
            format_of=format_of,
            lines_of=lines_of,
        ),
        Computed(added("状态", lang), None, status, status=True),
        Computed(added("趋势", lang), None, trend),
    ]


COLUMNS_BY_KIND: dict[str, Callable[[Figures, str], list[Computed]]] = {
    "target_breakdown": target_columns,
    "follow_up": follow_up_columns,
    "appraisal": appraisal_columns,
    "health_monitoring": health_columns,
    "sales_plan": plan_columns,
}


# --- filled copies ------------------------------------------------------------------------------------


def fill_plan(book: Book, folder: Path, issues: list[Issue]) -> tuple[list[str], list[Issue]]:
    """The inputs to make a filled copy of, the most cells first (so no long copy starts last
    while the other workers wait), and an SB-F016 for each left out by its size.

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
    names.sort(key=lambda name: -cells[name])  # stable: equal ones in the folder's order
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
                    COLUMNS_BY_KIND[kind](figures, source.lang),
                    [(p, rows[p]) for p in positions],
                )
        sources = by_file.get(name, [])
        _issue_sheet(
            workbook, issues_by_file.get(name, []), sources[0][2].lang if sources else "zh"
        )
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
            for name, part in sheet_parts(archive).items():
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
            header = table.schema.column(key).header(source.lang)
            set_text(sheet.cell(source.header_row, column + 1), header)
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
    lang = source.lang
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
            for word, fill in status_fills(lang).items():
                sheet.conditional_formatting.add(
                    area, CellIsRule(operator="equal", formula=[f'"{word}"'], fill=fill)
                )
    if not has_print_setup(sheet):  # the owner's own print setup is theirs to keep (README)
        print_setup(sheet, next_column - 1, max(last_row, sheet.max_row), header_row)


def _issue_sheet(workbook: Workbook, issues: Iterable[Issue], lang: str = "zh") -> None:
    """The issue sheet, in the language of the workbook's headers: en, 简, or 繁 (the 简
    severity words and messages converted by OpenCC)."""
    name = added("问题清单", lang)
    while name in workbook.sheetnames:
        name += "_"
    sheet = workbook.create_sheet(name)
    headers = tuple(added(word, lang) for word in ("严重程度", "代码", "工作表", "单元格", "说明"))
    said_in = "en" if lang == "en" else "zh"
    for column, (title, width) in enumerate(zip(headers, (10, 10, 18, 10, 80), strict=True), 1):
        cell = sheet.cell(1, column, title)
        cell.font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    link_font = Font(color="0563C1", underline="single")
    row = 1
    for row, issue in enumerate(issues, start=2):
        loc = issue.location
        set_text(sheet.cell(row, 1), in_lang(issue.severity.label(said_in), lang))
        sheet.cell(row, 1).fill = FILLS[issue.severity]
        set_text(sheet.cell(row, 2), issue.code)
        set_text(sheet.cell(row, 3), loc.sheet or "")
        place = loc.cell or (
            ("row {}" if said_in == "en" else "第{}行").format(loc.row) if loc.row else ""
        )
        cell = sheet.cell(row, 4)
        set_text(cell, place)
        if loc.sheet and loc.sheet in workbook.sheetnames:
            cell.hyperlink = (
                f"#'{loc.sheet.replace(chr(39), chr(39) * 2)}'!{loc.cell or f'A{loc.row or 1}'}"
            )
            cell.font = link_font
        message = in_lang(issue.message(said_in), lang)
        set_text(sheet.cell(row, 5), message)
        sheet.cell(row, 5).alignment = WRAP
        if height := wrapped_height([(message, 80)]):
            sheet.row_dimensions[row].height = height
    sheet.auto_filter.ref = f"A1:E{max(row, 1)}"
    print_setup(sheet, len(headers), row)
