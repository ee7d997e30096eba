"""Figures + issues -> filled-in copies of the input workbooks and the summary workbook (openpyxl).

A copy keeps the input's layout (styles, merged cells, widths, validation, other sheets): only
computed columns are added or blank computed cells filled, statuses get conditional formats, and an
issue sheet links to every problem's cell. Inputs are only ever read.
"""

from __future__ import annotations

import datetime as dt
import gc
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
from openpyxl.worksheet.worksheet import Worksheet

from salesbook.compute import (
    PACE_LABELS,
    STATUS_LABELS,
    Figures,
    TargetFigure,
)
from salesbook.files import save_workbook
from salesbook.issues import Issue
from salesbook.read import Book, Source
from salesbook.report import FILLS, set_text

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


@dataclass(frozen=True)
class Computed:
    """A computed column: header, number format, and the value for a table row position."""

    header: str
    number_format: str | None
    value: Callable[[int], object]
    status: bool = False  # coloured by conditional formatting
    fills: str | None = None  # an existing column key it fills when blank, instead of adding
    format_of: Callable[[int], str | None] | None = None  # a per-row number format


WAN = Decimal(10_000)


def shown_money(value: Decimal | None, money_unit: str) -> Decimal | None:
    """Money as the settings show it: yuan, or 万元 (value ÷ 10,000, exact)."""
    if value is None or money_unit != "万元":
        return value
    return value / WAN


def money_format(money_unit: str) -> str:
    return '#,##0.00"万元"' if money_unit == "万元" else MONEY


def _money_or_count(unit: str | None) -> str:
    return MONEY if unit == "元" else "#,##0.##"


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
            raw = getattr(figure, attribute)
            return shown_money(raw, figures.money_unit) if figure.unit == "元" else raw

        return value

    def format_of(i: int) -> str | None:
        figure = by_row.get(i)
        return money_format(figures.money_unit) if figure and figure.unit == "元" else "#,##0.00"

    return [
        Computed("占总体目标", PERCENT, get("share")),
        Computed("月度目标", None, amount("monthly"), format_of=format_of),
        Computed("周目标", None, amount("weekly"), format_of=format_of),
        Computed("日目标(工作日)", None, amount("daily"), format_of=format_of),
        Computed("实际完成", None, amount("actual"), fills="actual", format_of=format_of),
        Computed("达成率", PERCENT, get("attainment")),
        Computed("差额", None, amount("gap"), format_of=format_of),
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

    return [
        Computed("达成率", PERCENT, get("attainment"), fills="attainment"),
        Computed("综合评分(100分)", "0.0", get("score"), fills="score"),
        Computed("等级", None, get("grade"), status=True, fills="grade"),
        Computed("计算达成率", PERCENT, get("attainment")),
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

    return [
        Computed(f"本期数值({figures.run.period.label})", "0.####", value),
        Computed("状态", None, status, status=True),
        Computed("趋势", None, trend),
    ]


def _plain(value: Decimal, unit: str) -> str:
    if unit == "%":
        return f"{(value * 100).quantize(Decimal('0.1'))}%"
    return f"{value.normalize():f}{unit}"


COLUMNS_BY_KIND: dict[str, Callable[[Figures], list[Computed]]] = {
    "target_breakdown": target_columns,
    "follow_up": follow_up_columns,
    "appraisal": appraisal_columns,
    "health_monitoring": health_columns,
    "sales_plan": plan_columns,
}


# --- filled copies ------------------------------------------------------------------------------------


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

    `only` limits the copies to those input names; `progress` is called once per input done.
    """
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
    written = []
    for name in sorted(
        set(by_file) | {i.location.file for i in issues if i.location.file in book.files}
    ):
        if only is not None and name not in only:
            continue
        if progress:
            progress()
        source_path = folder / name
        if source_path.suffix.lower() not in EDITABLE:
            target = output / (name + ".xlsx")
            workbook = _rebuilt(book, by_file.get(name, []))
        else:
            target = output / name
            try:
                workbook = openpyxl.load_workbook(
                    source_path, keep_vba=source_path.suffix.lower() == ".xlsm"
                )
            except Exception:
                continue
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
            set_text(cell, value)
            number_format = (
                computed.format_of(position) if computed.format_of else computed.number_format
            )
            if number_format and not isinstance(value, str):
                cell.number_format = number_format
        if computed.status and rows:
            letter = get_column_letter(column)
            area = f"{letter}{header_row + 1}:{letter}{last_row}"
            for word, fill in STATUS_FILLS.items():
                sheet.conditional_formatting.add(
                    area, CellIsRule(operator="equal", formula=[f'"{word}"'], fill=fill)
                )


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
    sheet.auto_filter.ref = f"A1:E{max(row, 1)}"


# --- summary workbook ---------------------------------------------------------------------------------


def write_summary(figures: Figures, path: Path) -> None:
    """汇总-<period>.xlsx: attainment, follow-up discipline, ranking and awards, health.

    Dated by the as-of date, so equal figures give equal bytes."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    period = figures.run.period.label
    unit = figures.money_unit
    money = money_format(unit)
    targets = [f for f in figures.targets if f.unit == "元"]
    for kind, title in (("区域", "区域达成"), ("产品", "产品达成"), ("个人", "个人达成")):
        rows = [
            (
                f.name,
                f.owner,
                shown_money(f.target, unit),
                shown_money(f.actual, unit),
                f.attainment,
                f.elapsed,
                PACE_LABELS.get(f.pace or "", None),
                shown_money(f.projection, unit),
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
                "时间进度",
                "进度状态",
                "预计期末完成",
            ),
            rows,
            (None, None, money, money, PERCENT, PERCENT, None, money),
            chart=("达成率", 5, 1) if rows else None,
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
            )
        )
        for child in level["children"]:
            walk(child, depth + 1)

    for region in figures.rollup:
        walk(region, 0)
    _table(
        workbook,
        "层级汇总",
        ("区域 › 小组 › 个人", "层级", "目标", "下级目标合计", "实际完成", "达成率"),
        flat,
        (None, None, money, money, money, PERCENT),
    )
    _table(
        workbook,
        "计划执行",
        ("负责人", "重点客户", "计划拜访", "实际拜访", "跟进次数", "拜访完成率"),
        [
            (p.owner, p.customer, p.planned, p.visits, p.follow_ups, p.attainment)
            for p in figures.plans
        ],
        (None, None, COUNT, COUNT, COUNT, PERCENT),
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
                r.overdue,
                r.stale,
                r.backfilled,
                r.completeness,
                r.node_completion,
            )
            for r in reps
        ],
        (None, None, COUNT, COUNT, COUNT, COUNT, COUNT, COUNT, COUNT, PERCENT, PERCENT),
        chart=("跟进次数", 3, 1) if reps else None,
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
                p.attainment,
                p.score,
                p.grade,
                "、".join(p.awards),
            )
            for p in people
        ],
        (COUNT, None, money, money, PERCENT, "0.0", None, None),
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
                h.value,
                h.unit,
                _threshold(h.healthy),
                _threshold(h.alert),
                STATUS_LABELS.get(h.status or "", None),
                h.improvement if h.status and h.status != "healthy" else None,
            )
            for h in figures.health
        ],
        (None, None, "0.####", None, None, None, None, None),
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
    if chart and rows:
        name, column, categories = chart
        bar = BarChart()
        bar.title = f"{title} · {name}"
        bar.y_axis.title = name
        bar.height, bar.width = 8, max(16, min(40, len(rows) * 0.8))
        bar.add_data(
            Reference(sheet, min_col=column, min_row=1, max_row=last), titles_from_data=True
        )
        bar.set_categories(Reference(sheet, min_col=categories, min_row=2, max_row=last))
        sheet.add_chart(bar, f"{get_column_letter(len(headers) + 2)}2")
