"""Figures → the summary workbook 汇总-<period>.xlsx: attainment, discipline, ranking and
awards, health, each a sheet with its chart (openpyxl)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from openpyxl.cell import Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from salesbook.cells import (
    COUNT,
    PERCENT,
    SCORE,
    Lined,
    attainment_lines,
    displayed,
    health_lines,
    incomplete_note,
    measure_text,
    money_format,
    shown_money,
    split_gap,
    split_text,
    status_fills,
)
from salesbook.compute import (
    Figures,
    RollupLevel,
    TargetFigure,
)
from salesbook.compute.tiers import tier_change
from salesbook.issue_list import input_link
from salesbook.values import Threshold
from salesbook.words import as_set, labels, say, status_word, tier_name
from salesbook.xlsx import (
    WRAP,
    print_setup,
    save_workbook,
    set_text,
    table_cm,
    text_chars,
    wrapped_height,
)

# Every sheet title and header of the summary, 简 -> English (`--lang en`); the status words
# (是, 领先, 优秀 …) are words.STATUS_WORDS.
ENGLISH: dict[str, str] = {
    "区域达成": "By region",
    "产品达成": "By product",
    "个人达成": "By person",
    "名称": "Name",
    "责任人": "Owner",
    "目标": "Target",
    "实际完成": "Actual",
    "达成率": "Attainment",
    "差额": "Shortfall",
    "超额": "Over target",
    "时间进度": "Time elapsed",
    "进度状态": "Pace",
    "预计期末完成": "Projected at period end",
    "说明": "Note",
    "目标分解": "Target split",
    "指标": "Metric",
    "维度": "Dimension",
    "周期": "Period",
    "单位": "Unit",
    "按月分解": "By month",
    "每周": "Weekly",
    "每工作日": "Per workday",
    "层级汇总": "Roll-up",
    "区域 › 小组 › 个人": "Region › team › person",
    "层级": "Level",
    "下级目标合计": "Sum of lower targets",
    "计划执行": "Plans",
    "负责人": "Owner",
    "重点客户": "Key customer",
    "计划周期": "Plan period",
    "计划拜访": "Planned visits",
    "实际拜访": "Visits",
    "跟进次数": "Follow-ups",
    "拜访完成率": "Visit rate",
    "跟进纪律": "Follow-up discipline",
    "区域": "Region",
    "客户数": "Customers",
    "拜访": "Visits",
    "计划内已拜访": "Planned customers visited",
    "逾期": "Overdue",
    "停滞": "Stalled",
    "补录": "Backfilled",
    "记录完整率": "Complete records",
    "节点完成率": "Deadlines met",
    "待重新分配": "To reassign",
    "客户名称": "Customer",
    "原负责人": "Former owner",
    "原因": "Reason",
    "最近跟进": "Last follow-up",
    "距今工作日": "Workdays since",
    "客户阶段": "Stage",
    "下一步行动": "Next action",
    "预计完成时间": "Due",
    "下一步逾期": "Next action overdue",
    "客户停滞": "Customer stalled",
    "评估排名": "Ranking",
    "排名": "Rank",
    "姓名": "Name",
    "综合评分": "Score",
    "等级": "Grade",
    "奖项": "Awards",
    "规则": "Rule",
    "获奖者": "Winners",
    "健康度": "Health",
    "未签署责任书": "Unsigned letters",
    "文号": "Letter no.",
    "签署截止": "Sign by",
    "本期数值": "Value this period",
    "健康阈值": "Healthy",
    "预警阈值": "Alert",
    "状态": "Status",
    "改进方向": "To improve",
    "风险预警清单": "Risks",
    "序号": "No.",
    "严重程度": "Severity",
    "风险类型": "Risk",
    "对象": "About",
    "触发数值": "What fired it",
    "涉及金额": "At stake",
    "无更新工作日": "Workdays idle",
    "规则（阈值）": "Rule (threshold)",
    "建议措施": "Suggested action",
    "来源（点击打开）": "Source (click to open)",
    "小组": "Team",
    "个人": "Person",
    "客户分层": "Customer tiers",
    "距今工作日(R)": "Workdays since (R)",
    "跟进次数(F)": "Follow-ups (F)",
    "商机金额(M)": "Deal value (M)",
    "R得分": "R score",
    "F得分": "F score",
    "M得分": "M score",
    "评级依据": "Rated on",
    "分层": "Tier",
    "较上期": "Since last period",
    "服务方式": "Service",
    "分层人数": "Tiers by rep",
    "A类": "A",
    "B类": "B",
    "C类": "C",
    "分层变动": "Tier moves",
    "上期分层": "Previous tier",
    "本期分层": "Tier now",
}


def summary_name(period: str, lang: str = "zh") -> str:
    """The summary workbook's file name: 汇总-2026Q3.xlsx, or summary-2026Q3.xlsx in English."""
    return f"summary-{period}.xlsx" if lang == "en" else f"汇总-{period}.xlsx"


def write_summary(
    figures: Figures,
    path: Path,
    lang: str = "zh",
    inputs: str | None = None,
    unsigned: list[dict] | None = None,
) -> None:
    """汇总-<period>.xlsx: attainment, follow-up discipline, risks, ranking and awards, health.
    `inputs`, the workbooks' folder relative to `path`'s (`links_to_inputs`), makes each risk's
    source a link to its cell.

    Dated by the as-of date, so equal figures give equal bytes. `lang` en writes every title,
    header and word in English (the names and the text typed into the inputs stay as typed)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    period = figures.run.period.label
    unit = figures.money_unit
    money = money_format(unit)
    en = lang == "en"

    def w(word: str) -> str:
        return ENGLISH[word] if en else word

    def ws(words: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(w(word) for word in words)

    pace_labels = labels("pace", lang)
    status_labels = labels("status", lang)
    reassign_labels = labels("reassign", lang)
    award_names = {a.name: say(f"award.{a.key}", lang) for a in figures.awards}
    join = ", " if en else "、"

    def table(
        title: str,
        headers: tuple[str, ...],
        rows: list[tuple],
        formats: tuple[str | None, ...],
        chart: tuple[str, int, int] | None = None,
    ) -> None:
        if chart:
            chart = (w(chart[0]), chart[1], chart[2])
        _table(workbook, w(title), ws(headers), rows, formats, chart, lang)

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
                pace_labels.get(f.pace or "", None),
                shown_money(f.projection, unit),
                incomplete_note(f.missing, lang),
            )
            for f in targets
            if f.dimension_type == kind
        ]
        table(
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
    table(
        "目标分解",
        ("指标", "维度", "责任人", "周期", "目标", "单位", "按月分解", "每周", "每工作日"),
        [
            (
                f.metric,
                f.dimension or f.name,
                f.owner,
                f.period.label,
                Lined(shown_money(f.target, unit) if f.unit == "元" else f.target, (), rate(f)),
                _unit_name(unit if f.unit == "元" else f.unit, lang),
                ("; " if en else "；").join(
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

    def walk(level: RollupLevel, depth: int) -> None:
        flat.append(
            (
                "　" * depth + str(level["name"]),
                w(level["level"]),
                shown_money(level["target"], unit),
                shown_money(level["children_target"], unit),
                shown_money(level["actual"], unit),
                level["attainment"],
                *(shown_money(part, unit) for part in split_gap(level["gap"])),
                incomplete_note(level["missing"], lang),
            )
        )
        for child in level["children"]:
            walk(child, depth + 1)

    for region in figures.rollup:
        walk(region, 0)
    table(
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
    table(
        "计划执行",
        ("负责人", "重点客户", "计划周期", "计划拜访", "实际拜访", "跟进次数", "拜访完成率"),
        [
            (p.owner, p.customer, p.period, p.planned, p.visits, p.follow_ups, p.attainment)
            for p in figures.plans
        ],
        (None, None, None, COUNT, COUNT, COUNT, PERCENT),
    )
    reps = sorted(figures.follow_ups.reps.values(), key=lambda r: (r.region, r.owner))
    table(
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
    table(
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
                reassign_labels.get(c.reassign or "", c.reassign),
                c.region,
                c.last_date,
                c.idle_days,
                c.stage,
                c.next_action,
                c.due,
                status_word("是" if c.overdue else "否", lang),
                status_word("是" if c.stale else "否", lang),
            )
            for c in figures.follow_ups.reassign
        ],
        (None, None, None, None, "yyyy-mm-dd", COUNT, None, None, "yyyy-mm-dd", None, None),
    )
    # Customer tiers (RFM, seed 003): every customer not lost, the tiers per owner, the moves.
    yes = status_word("是", lang)
    table(
        "客户分层",
        (
            "客户名称",
            "负责人",
            "客户阶段",
            "距今工作日(R)",
            "跟进次数(F)",
            "商机金额(M)",
            "R得分",
            "F得分",
            "M得分",
            "评级依据",
            "重点客户",
            "分层",
            "较上期",
        ),
        [
            (
                t.customer,
                t.owner or "—",
                t.stage,
                t.recency_days,
                t.frequency,
                shown_money(t.monetary, unit),
                t.r_score,
                t.f_score,
                t.m_score,
                t.rated_on,
                yes if t.key_customer else None,
                t.tier,
                tier_change(t.previous_tier, t.tier, lang),
            )
            for t in figures.tiers
        ],
        (None, None, None, COUNT, COUNT, money, COUNT, COUNT, COUNT, None, None, None, None),
    )
    # Each tier's service approach heads its column (once, not on every customer's row: the
    # 1000-rep sample has 10,000 customers)
    services = {t.tier: as_set(f"tier_service.{t.tier}", t.service, lang) for t in figures.tiers}
    table(
        "分层人数",
        ("负责人", "A类", "B类", "C类"),
        ([(w("服务方式"), *(services.get(k, "") for k in "ABC"))] if services else [])
        + [(owner, n["A"], n["B"], n["C"]) for owner, n in figures.tier_counts.items()],
        (None, COUNT, COUNT, COUNT),
    )
    table(
        "分层变动",
        ("客户名称", "负责人", "上期分层", "本期分层", "较上期"),
        [
            (
                m.customer,
                m.owner or "—",
                m.previous_tier,
                tier_name(m.tier, lang),
                tier_change(m.previous_tier, m.tier, lang),
            )
            for m in figures.tier_moves
        ],
        (None, None, None, None, None),
    )
    _risks(workbook, figures, lang, inputs)
    people = sorted(figures.people.values(), key=lambda p: (p.rank or 10**6, p.name))
    table(
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
                status_word(p.grade, lang) if p.grade else p.grade,
                join.join(award_names.get(a, a) if en else a for a in p.awards),
            )
            for p in people
        ],
        (COUNT, None, money, money, PERCENT, SCORE, None, None),
        chart=("综合评分", 6, 2) if people else None,
    )
    table(
        "奖项",
        ("奖项", "规则", "获奖者", "说明"),
        [
            (
                a.name,
                a.rule,
                "、".join(a.winners) or "—",
                a.note or "；".join(f"{n}：{why}" for n, why in a.near_misses),
            )
            if not en or a.words is None
            else (
                award_names[a.name],
                a.words["rule"].text(lang),
                join.join(a.winners) or "—",
                a.words["note"].text(lang)
                if a.words["note"]
                else "; ".join(f"{n}: {why.text(lang)}" for n, why in a.words["near_misses"]),
            )
            for a in figures.awards
        ],
        (None, None, None, None),
    )
    table(
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
                status_labels.get(h.status or "", None),
                h.improvement if h.status and h.status != "healthy" else None,
            )
            for h in figures.health
        ],
        (None, None, SCORE, None, None, None, None, None),
    )
    if unsigned:  # letters not signed in time (versions.py, SB-T019)
        table(
            "未签署责任书",
            ("责任人", "文号", "周期", "签署截止"),
            [(u["owner"], u["number"], u["period"], u["deadline"]) for u in unsigned],
            (None, None, None, None),
        )
    workbook.properties.title = f"Sales summary {period}" if en else f"销售汇总 {period}"
    save_workbook(workbook, path, figures.run.as_of)


RISK_FILLS = {"high": "F8CBAD", "medium": "FFE699"}  # 低 stays white


def _risks(workbook: Workbook, figures: Figures, lang: str, inputs: str | None) -> None:
    """风险预警清单: every risk, most severe first, its source a link to the input's cell."""
    en = lang == "en"
    unit = figures.money_unit
    kinds, levels = labels("risk", lang), labels("risk_level", lang)
    headers = (
        "序号",
        "严重程度",
        "风险类型",
        "负责人",
        "对象",
        "触发数值",
        "涉及金额",
        "无更新工作日",
        "规则（阈值）",
        "建议措施",
        "来源（点击打开）",
    )
    title = ENGLISH["风险预警清单"] if en else "风险预警清单"
    _table(
        workbook,
        title,
        tuple(ENGLISH[h] for h in headers) if en else headers,
        [
            (
                r.rank,
                levels[r.severity],
                kinds[r.kind],
                r.owner or "—",
                r.subject,
                r.figure_en if en else r.figure,
                shown_money(r.money, unit),
                r.days,
                r.rule_en if en else r.rule,
                r.action_en if en else r.action,
                r.source.text(lang) if r.source else None,
            )
            for r in figures.risks
        ],
        (COUNT, None, None, None, None, None, money_format(unit), COUNT, None, None, None),
        None,
        lang,
    )
    sheet = workbook[title]
    link_font = workbook._fonts.add(Font(color="0563C1", underline="single"))
    fills = {k: workbook._fills.add(PatternFill("solid", fgColor=c)) for k, c in RISK_FILLS.items()}
    for row, risk in enumerate(figures.risks, start=2):
        if risk.severity in fills:
            _styled(sheet.cell(row, 2), "fillId", fills[risk.severity])
        if risk.source is not None and inputs is not None:
            cell = sheet.cell(row, len(headers))
            cell.hyperlink = input_link(inputs, risk.source)
            _styled(cell, "fontId", link_font)


def _styled(cell: Cell, key: str, index: int) -> None:
    """`cell.font = …` (fill, alignment) by the style's index in the workbook's list, added once:
    openpyxl hashes the style again on every assignment, seconds over thousands of rows."""
    if not cell._style:
        cell._style = StyleArray()
    setattr(cell._style, key, index)


def _unit_name(unit: str | None, lang: str) -> str:
    """A target's unit as the summary names it: 元 and 万元 in English are CNY and 10k CNY."""
    if lang == "en":
        return {"元": "CNY", "万元": "10k CNY"}.get(unit or "", unit or "")
    return unit or ""


def _threshold(threshold: Threshold | None) -> str | None:
    if threshold is None:
        return None
    op = {"<=": "≤", ">=": "≥"}.get(threshold.op, threshold.op)
    return op + measure_text(threshold.limit, threshold.unit)


def _table(
    workbook: Workbook,
    title: str,
    headers: tuple[str, ...],
    rows: list[tuple],
    formats: tuple[str | None, ...],
    chart: tuple[str, int, int] | None = None,
    lang: str = "zh",
) -> None:
    sheet = workbook.create_sheet(title)
    fills = status_fills(lang)
    widths = []
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(1, column, header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
        widths.append(max(10, len(header) * 2 + 4))
    # One pass: each cell written once, and each column's widest value noted on the way (a
    # second pass reading the cells back cost as much as writing them, 150k cells in the tiers)
    need = [0] * len(headers)
    texts: list[list[Cell]] = [[] for _ in headers]  # the text cells, to wrap in a wide column
    fill_ids: dict[str, int] = {}  # added when first used: styles.xml lists only what is used
    format_ids: dict[str, int] = {}
    for r, row in enumerate(rows, start=2):
        for index, (value, number_format) in enumerate(zip(row, formats, strict=True)):
            value, number_format = displayed(value, number_format)
            if value is None or value == "":
                continue
            cell = sheet.cell(r, index + 1)
            set_text(cell, value)
            need[index] = max(need[index], text_chars(cell.value) + 2)
            if isinstance(value, str):
                texts[index].append(cell)
                if value in fills:
                    if value not in fill_ids:
                        fill_ids[value] = workbook._fills.add(fills[value])
                    _styled(cell, "fillId", fill_ids[value])
            elif number_format:
                if number_format not in format_ids:
                    cell.number_format = number_format  # registers it: the rest reuse its id
                    format_ids[number_format] = cell._style.numFmtId
                else:
                    _styled(cell, "numFmtId", format_ids[number_format])
    sheet.freeze_panes = "A2"
    last = len(rows) + 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(last, 1)}"
    _fit_widths(sheet, widths, need, texts)
    end = last
    if chart and rows:
        end = _chart_below(sheet, title, chart, last, len(headers), lang)
    print_setup(sheet, len(headers), end)


TEXT_MAX_CHARS = 48  # a text column is no wider; longer text wraps inside its cell


def _fit_widths(
    sheet: Worksheet, widths: list[int], need: list[int], texts: list[list[Cell]]
) -> None:
    """Columns as wide as what they hold (`need`, up to TEXT_MAX_CHARS, then wrapped) and at
    least as wide as their header (`widths`): a printed page shows each value whole, not cut
    off by the next cell or as ###."""
    wrapped: dict[int, list[tuple[object, float]]] = defaultdict(list)
    wrap = sheet.parent._alignments.add(WRAP)
    for column, (header_width, widest) in enumerate(zip(widths, need, strict=True), start=1):
        width = min(widest, TEXT_MAX_CHARS) if widest > header_width else header_width
        sheet.column_dimensions[get_column_letter(column)].width = width
        if widest > TEXT_MAX_CHARS:
            for cell in texts[column - 1]:
                _styled(cell, "alignmentId", wrap)
                wrapped[cell.row].append((cell.value, width))
    for row, cells in wrapped.items():
        if height := wrapped_height(cells):
            sheet.row_dimensions[row].height = height


CHART_CM = 8.0  # chart height
ROW_CM = 0.53  # a default row (15 pt)
PAGE_ROWS = 28  # default rows on a landscape A4 page at 100 %: fewer than on any page we print


def _chart_below(
    sheet: Worksheet,
    title: str,
    chart: tuple[str, int, int],
    last: int,
    columns: int,
    lang: str = "zh",
) -> int:
    """The chart under the table, as wide as the table, starting a page of its own unless
    table and chart fit on the first page, so no chart is printed in two halves. A column with
    no number gets no chart (an empty axis says nothing) but a line saying why. Returns the last
    row the print area must hold."""
    name, column, categories = chart
    values = [sheet.cell(r, column).value for r in range(2, last + 1)]
    if not any(isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in values):
        note = (
            f"No chart of {name}: no row has a value for it."
            if lang == "en"
            else f"未画「{name}」图：没有一行有{name}的数值。"
        )
        set_text(sheet.cell(last + 2, 1), note)
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
