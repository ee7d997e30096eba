"""figures.json -> 销售复盘报告, 销售流程健康度报告 and 个人业绩评估单 PDFs.

Everything printed comes from the figures document (what figures.json holds), never from a
workbook. Each document has one context dataclass built here; the templates only lay it out. The
appraisal sheets are laid out as one WeasyPrint document (fonts subset once) with a bookmark per
person, and the per-person files are page ranges cut from the combined PDF, as for the letters.
"""

from __future__ import annotations

import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from salesbook.charts import Chart, TrendSeries, attainment_chart, trend_chart
from salesbook.chunks import (
    Bundle,
    Rendered,
    assign_file_stems,
    plan_chunks,
    render_chunked,
    safe_name,
)
from salesbook.errors import BadValue
from salesbook.letters import NAME_CHARS, PLACEHOLDER, on_paper
from salesbook.render import Renderer, count_text, money_text, number_text, percent_text
from salesbook.runner import Task, run_tasks
from salesbook.schemas import (
    DIMENSION_TYPES,
    GRADES,
    REVIEW_CATEGORIES,
    REVIEW_STATUS,
    ROLES,
    Choice,
)
from salesbook.shown import places_of, shown
from salesbook.values import Period, parse_period
from salesbook.words import WORDS, Phrase, say

if TYPE_CHECKING:
    pass

# A mark beside every status colour, so a black-and-white copy reads the same (all in Noto CJK).
STATUS_MARKS = {"healthy": "●", "watch": "▲", "alert": "■", None: "○"}
OPS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="}
UNITS_EN = {"天": "days", "个": "", "次": "", "人": ""}
SCORE_PARTS = {  # scorecard parts of compute._score_parts, in the order they are printed
    "attainment": ("销售达成率", "Sales attainment"),
    "new_customers": ("新客户开发", "New customers"),
    "retention": ("客户留存率", "Customer retention"),
    "process_nodes": ("流程节点完成率", "Process-node completion"),
    "record_completeness": ("跟进记录完整率", "Follow-up record completeness"),
    "qualitative": ("主管定性评价", "Manager's qualitative rating"),
}
ROLE_ORDER = [c.value for c in ROLES]
SHORTFALLS = 5  # the largest gaps the review discusses
FINDINGS = ("问题", "原因")  # review-item categories that explain; the rest (措施) are actions


def _word(value: str | None, choices: Iterable[Choice], lang: str) -> str:
    """An enumerated workbook value (已完成, 优秀, 区域…) in the report's language."""
    if not value:
        return ""
    if lang == "en":
        for choice in choices:
            if value == choice.value:
                return choice.en or value
    return value


def _decimal(value: object) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _measure(value: object, unit: str | None, lang: str, lines: Iterable[object] = ()) -> str:
    """`0.823` with unit % -> 82.3%; `86` 天 -> 86 天 (86 days); never rounded across `lines`
    (the limits of the thresholds the value is judged by)."""
    if value in (None, ""):
        return "—"
    if unit == "%":
        return percent_text(value, lines)
    unit = UNITS_EN.get(unit or "", unit) if lang == "en" else unit
    exact = Decimal(str(value))
    limits = [Decimal(str(line)) for line in lines if line not in (None, "")]
    text = (
        count_text(value)
        if exact == exact.to_integral_value()
        else count_text(shown(exact, 2, limits), places=places_of(shown(exact, 2, limits)))
    )
    return f"{text} {unit}".strip()


def _threshold(threshold: dict | None, lang: str) -> str:
    if not threshold:
        return "—"
    op = OPS.get(threshold["op"], threshold["op"])
    return f"{op} {_measure(threshold['limit'], threshold.get('unit'), lang)}"


def _place_key(name: str) -> str:
    """`华东区域`, `华东区` and `华东` name one region (as compute matches them)."""
    return re.sub(r"(区域|大区|区|组)$", "", name)


# --- shared rows ------------------------------------------------------------------------------------


@dataclass
class TargetRow:
    kind: str  # dimension type as printed: 区域 / Region
    name: str
    owner: str
    metric: str
    period: str
    unit: str | None  # 元, 个 or None
    target: str
    actual: str | None
    attainment: str | None
    gap: str | None
    elapsed: str | None
    projection: str | None
    pace: str | None  # ahead, on_track, watch, behind
    pace_label: str
    standard: str | None = None
    standard_met: bool | None = None
    lines: list[Decimal] = field(default_factory=list)  # pace bands the attainment is judged by
    missing: list[str] = field(default_factory=list)  # members whose actual is unreadable (cell)

    @property
    def money(self) -> bool:
        return self.unit == "元"


def _label(family: str, key: str, lang: str) -> str:
    """A pace, status or reassign key in words (salesbook.words); an unknown key as it is."""
    return say(f"{family}.{key}", lang) if f"{family}.{key}" in WORDS else key


def _pace_label(pace: str | None, lang: str) -> str:
    return _label("pace", pace, lang) if pace else "—"


def target_row(target: dict, lang: str, tolerance: Decimal = Decimal(10)) -> TargetRow:
    standard = target.get("standard") or {}
    elapsed = _decimal(target.get("elapsed"))
    band = tolerance / 100
    return TargetRow(
        kind=_word(target.get("dimension_type"), DIMENSION_TYPES, lang),
        name=on_paper(
            target.get("name") or target.get("dimension") or target.get("overall"), NAME_CHARS
        ),
        owner=on_paper(target.get("owner"), NAME_CHARS),
        metric=target["metric"],
        period=target["period"],
        unit=target.get("unit"),
        target=target["target"],
        actual=target.get("actual"),
        attainment=target.get("attainment"),
        gap=target.get("gap"),
        elapsed=target.get("elapsed"),
        projection=target.get("projection"),
        pace=target.get("pace"),
        pace_label=_pace_label(target.get("pace"), lang),
        standard=on_paper(standard.get("text")) or None,
        standard_met=standard.get("met"),
        lines=[elapsed - band, elapsed, elapsed + band] if elapsed is not None else [],
        missing=[on_paper(m, NAME_CHARS * 2) for m in target.get("missing") or []],
    )


@dataclass
class DisciplineRow:
    """One rep's follow-up discipline in the period (SPEC §1.2)."""

    name: str
    region: str
    follow_ups: int
    customers: int
    visits: int
    planned_visits: int | None
    overdue: int
    stale: int
    backfilled: int
    completeness: Decimal | None
    node_completion: Decimal | None
    plan_visits: int | None = None  # visits to the plans' key customers (汇总 › 计划执行)


def discipline_rows(
    figures: dict, lang: str = "zh", own: str = "discipline"
) -> tuple[list[DisciplineRow], DisciplineRow | None]:
    """Per rep (grouped by region, log order within), and the team total; the ratios and the
    total are compute's (`figures[own]`: discipline, or appraisal_discipline for the
    appraisal's period)."""
    reps = figures.get("follow_ups", {}).get("reps", {})
    if own == "appraisal_discipline" and figures.get("appraisal_reps"):
        reps = figures["appraisal_reps"]
    else:
        own = "discipline"
    computed = figures.get(own) or {}
    completeness = computed.get("completeness") or {}
    node_completion = computed.get("node_completion") or {}
    rows = [
        DisciplineRow(
            name=rep["owner"],
            region=rep.get("region") or "",
            follow_ups=rep["follow_ups"],
            customers=rep["customers"],
            visits=rep["visits"],
            planned_visits=rep.get("planned_visits"),
            overdue=rep["overdue"],
            stale=rep["stale"],
            backfilled=rep["backfilled"],
            completeness=_decimal(completeness.get(name)),
            node_completion=_decimal(node_completion.get(name)),
            plan_visits=rep.get("plan_visits"),
        )
        for name, rep in reps.items()
    ]
    regions = list(dict.fromkeys(r.region for r in rows if r.region))
    rows.sort(key=lambda r: regions.index(r.region) if r.region in regions else len(regions))
    total = computed.get("total")
    if not rows or not total:
        return rows, None
    return rows, DisciplineRow(
        name="Total" if lang == "en" else "合计",
        region="",
        follow_ups=total["follow_ups"],
        customers=total["customers"],
        visits=total["visits"],
        planned_visits=total["planned_visits"],
        overdue=total["overdue"],
        stale=total["stale"],
        backfilled=total["backfilled"],
        completeness=_decimal(total["completeness"]),
        node_completion=_decimal(total["node_completion"]),
        plan_visits=total["plan_visits"],
    )


@dataclass
class ReassignRow:
    """A customer to reassign (待重新分配): its owner left or is not an active person."""

    customer: str
    owner: str
    reason: str
    last_date: str
    idle_days: int
    overdue: bool
    stale: bool


def reassign_rows(figures: dict, lang: str = "zh") -> list[ReassignRow]:
    return [
        ReassignRow(
            customer=on_paper(c["customer"]),
            owner=on_paper(c.get("owner") or "", NAME_CHARS) or "—",
            reason=_label("reassign", c.get("reassign") or "", lang),
            last_date=c.get("last_date") or "",
            idle_days=int(c.get("idle_days") or 0),
            overdue=bool(c.get("overdue")),
            stale=bool(c.get("stale")),
        )
        for c in figures.get("follow_ups", {}).get("reassign", [])
    ]


@dataclass
class IndicatorRow:
    """One health indicator as printed: value and thresholds already in their units."""

    name: str
    dimension: str
    value: str | None
    value_text: str
    unit: str
    healthy_text: str
    alert_text: str
    status: str | None  # healthy, watch, alert; None: no value this period
    status_label: str  # with its mark (● ▲ ■ ○), so black-and-white prints read the same
    improvement: str | None
    source: str | None
    formula: str | None
    trend: dict[str, str]  # period label -> value as printed
    series: TrendSeries | None
    source_text: str = ""  # where the value comes from: 指标数据 2026-09, 按工作簿计算
    computed_period: str | None = None  # the computed value's period when the typed row's differs
    computed_text: str | None = None  # the workbooks' value beside a typed one (SB-P009)


def _status_label(status: str | None, lang: str) -> str:
    mark = STATUS_MARKS.get(status, "○")
    if status is None:
        return f"{mark} {'No data' if lang == 'en' else '无数据'}"
    word = _label("status", status, lang)
    return f"{mark} {word}"


def _period(label: str) -> Period | None:
    try:
        return parse_period(label)
    except BadValue:
        return None


def _period_end(label: str) -> tuple[int, str]:
    """Sort key of a trend label: by the period's end, unknown labels last."""
    period = _period(label)
    return (period.end.toordinal() if period else 10**7), label


def _finest(points: list[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    """Leave out a period that finer points already cover (2026Q3 beside 2026-07…09): on one
    axis it would read as the step after 2026-09."""
    periods = [(label, _period(label)) for label, _ in points]

    def covers(outer: Period | None, label: str) -> bool:
        return outer is not None and any(
            other != label and inner and outer.start <= inner.start and inner.end <= outer.end
            for other, inner in periods
        )

    return [
        (label, value)
        for (label, value), (_, period) in zip(points, periods, strict=True)
        if not covers(period, label)
    ]


def indicator_rows(figures: dict, lang: str) -> list[IndicatorRow]:
    rows = []
    period_label = (figures.get("run") or {}).get("period")
    for item in figures.get("health", []):
        unit = item.get("unit") or ""
        healthy, alert = item.get("healthy"), item.get("alert")
        # The unit of a series is the thresholds' when the period has no value of its own.
        percent = unit == "%" or any(t and t.get("unit") == "%" for t in (healthy, alert))
        shown_unit = (
            "%"
            if percent
            else unit or next((t["unit"] for t in (healthy, alert) if t and t.get("unit")), "")
        )
        points = _finest([(label, Decimal(value)) for label, value in item.get("trend", [])])
        series = None
        if len(points) >= 2:
            series = TrendSeries(
                item["name"],
                points,
                percent,
                _decimal(healthy["limit"]) if healthy else None,
                _decimal(alert["limit"]) if alert else None,
            )
        rows.append(
            IndicatorRow(
                name=item["name"],
                dimension=item.get("dimension") or "",
                value=item.get("value"),
                value_text=_measure(
                    item.get("value"),
                    shown_unit,
                    lang,
                    [t["limit"] for t in (healthy, alert) if t and t.get("limit") is not None],
                ),
                unit=shown_unit,
                healthy_text=_threshold(healthy, lang),
                alert_text=_threshold(alert, lang),
                status=item.get("status"),
                status_label=_status_label(item.get("status"), lang),
                improvement=item.get("improvement"),
                source=item.get("source"),
                formula=item.get("formula"),
                trend={label: _measure(value, shown_unit, lang) for label, value in points},
                series=series,
                source_text=_source_text(item, lang),
                computed_period=period_label
                if item.get("source_period") not in (None, period_label)
                else None,
                computed_text=_measure(item["computed"], "%", lang)
                if item.get("computed") not in (None, "")
                and Decimal(str(item["computed"])) != Decimal(str(item.get("value")))
                else None,
            )
        )
    return rows


def _source_text(item: dict, lang: str) -> str:
    """`指标数据 2026-09` (a typed value, with the period of its row) or `按工作簿计算`."""
    source = item.get("source")
    if not source:
        return ""
    if source == "指标数据":
        label = item.get("source_period") or ""
        return (f"entered in 指标数据 {label}" if lang == "en" else f"指标数据 {label}").strip()
    return "computed from the workbooks" if lang == "en" else "按工作簿计算"


@dataclass
class AwardRow:
    key: str
    name: str
    rule: str
    winners: list[str]
    near_misses: list[tuple[str, str]]  # (name, why not yet), closest to the line first
    available: bool
    note: str | None
    standings: list[tuple[str, str]] = field(
        default_factory=list
    )  # 成长进步榜: (name, by how much)


def award_rows(document: dict, lang: str) -> list[AwardRow]:
    """Awards with their rule and near misses (SPEC §2), in `lang` from compute's phrases
    (salesbook.words); a document without them shows figures.json's sentences."""
    figures = document["figures"]
    said = figures.get("award_words") or {}
    rows = []
    for award in figures.get("awards", []):
        words = said.get(award["key"])
        row = AwardRow(
            award["key"],
            award["name"],
            award["rule"],
            list(award.get("winners", [])),
            [(name, why) for name, why in award.get("near_misses", [])],
            award.get("available", True),
            award.get("note"),
            [
                (name, _growth(increase, points, document, lang))
                for name, increase, points in award.get("standings", [])
            ],
        )
        if words:
            row.name = say(f"award.{award['key']}", lang)
            row.rule = _phrase(words["rule"], lang)
            row.note = _phrase(words["note"], lang) if words.get("note") else None
            row.near_misses = [(name, _phrase(why, lang)) for name, why in words["near_misses"]]
        rows.append(row)
    return rows


def _phrase(phrase: dict, lang: str) -> str:
    return Phrase(phrase["key"], phrase.get("params") or {}).text(lang)


def _growth(increase: object, points: object, document: dict, lang: str) -> str:
    """`业绩增量 +12,000.00 元，达成率 +4.8 个百分点` for a line of the 成长进步榜."""
    amount = "+" + money_text(increase, document["config"].get("money_unit", "元"))
    if points is None:
        return say("award.growth.sales", lang, {"amount": amount})
    gained = shown(Decimal(str(points)), 1, (Decimal(0),))
    sign = "+" if gained >= 0 else ""
    return say("award.growth.sales_points", lang, {"amount": amount, "points": f"{sign}{gained}"})


# --- 销售复盘报告 --------------------------------------------------------------------------------------


@dataclass
class ParticipantGroup:
    role: str
    names: list[str]


@dataclass
class OverviewRow:
    """A whole target (e.g. 季度销售额100万元) summed over one breakdown level."""

    overall: str
    metric: str
    period: str
    unit: str | None
    level: str
    parts: int
    measured: int  # parts with an actual
    target: Decimal
    actual: Decimal | None
    attainment: Decimal | None
    elapsed: str | None
    pace_label: str
    missing: list[str] = field(default_factory=list)  # unreadable actuals of the parts (cells)

    @property
    def money(self) -> bool:
        return self.unit == "元"


@dataclass
class RepRow:
    name: str
    region: str
    sales: TargetRow | None
    customers: TargetRow | None  # the new-customer target (unit 个), when there is one


@dataclass
class Shortfall:
    row: TargetRow
    reasons: list[str]  # review items of category 问题/原因 that name this target


@dataclass
class ReviewItem:
    category: str
    content: str
    owner: str
    due: str | None
    status: str
    overdue: bool


@dataclass
class GradeGroup:
    grade: str
    names: list[str]


@dataclass
class ReviewContext:
    """Everything review.html shows, in the order of a 复盘: 回顾目标 → 评估结果 → 分析原因 → 总结经验."""

    company: str
    period: str
    as_of: str
    calendar: str
    quarter_to_date: str | None
    participants: list[ParticipantGroup]
    overview: list[OverviewRow]
    regions: list[TargetRow]
    products: list[TargetRow]
    reps: list[RepRow]
    reps_omitted: int  # people between the best and the lowest TABLE_ENDS, left out of the table
    region_chart: Chart | None
    product_chart: Chart | None
    rep_chart: Chart | None
    rep_chart_cut: bool  # only the best and the lowest CHART_ENDS people are drawn
    grades: list[GradeGroup]
    appraised: int
    awards: list[AwardRow]
    shortfalls: list[Shortfall]
    findings: list[ReviewItem]  # problems and causes from the meeting
    discipline: list[DisciplineRow]
    discipline_omitted: int  # reps with fewer lapses than the 2 × TABLE_ENDS listed
    discipline_total: DisciplineRow | None
    health: list[IndicatorRow]
    actions: list[ReviewItem]
    stale_days: int
    backfill_days: int
    created: str
    reassign: list[ReassignRow] = field(default_factory=list)  # the first 2 × TABLE_ENDS
    reassign_total: int = 0  # all customers to reassign; the rest are in 汇总 › 待重新分配


def review_context(document: dict, lang: str = "zh") -> ReviewContext:
    figures, config = document["figures"], document["config"]
    targets = figures.get("targets", [])
    tolerance = Decimal(str(config.get("pace_tolerance", "10")))
    rows = [target_row(t, lang, tolerance) for t in targets]
    by_kind: dict[str, list[tuple[dict, TargetRow]]] = defaultdict(list)
    for raw, row in zip(targets, rows, strict=True):
        by_kind[raw.get("dimension_type") or ""].append((raw, row))
    money_rows = {kind: [row for raw, row in pairs if row.money] for kind, pairs in by_kind.items()}
    regions, products = money_rows.get("区域", []), money_rows.get("产品", [])
    reps = _rep_rows(figures, by_kind.get("个人", []), lang)
    elapsed = next((_decimal(r.elapsed) for r in rows if r.elapsed), None)
    raw_items = figures.get("review_items", [])
    findings = [_review_item(i, lang) for i in raw_items if i.get("category") in FINDINGS]
    actions = [_review_item(i, lang) for i in raw_items if i.get("category") not in FINDINGS]
    discipline, total = discipline_rows(figures, lang)
    reassign = reassign_rows(figures, lang)
    return ReviewContext(
        company=config.get("company", ""),
        period=document["period"],
        as_of=document["as_of"],
        calendar=_calendar_name(figures.get("calendar", ""), lang),
        quarter_to_date=_to_date_label((figures.get("run") or {}).get("quarter_to_date"), lang),
        participants=participants(figures, lang),
        overview=overview_rows(figures, lang),
        regions=regions,
        products=products,
        reps=_ends(reps, TABLE_ENDS),
        reps_omitted=max(0, len(reps) - 2 * TABLE_ENDS),
        region_chart=_chart(regions, lang, elapsed),
        product_chart=_chart(products, lang, elapsed),
        rep_chart=_chart(_ends([r.sales for r in reps if r.sales], CHART_ENDS), lang, elapsed),
        rep_chart_cut=sum(1 for r in reps if r.sales) > 2 * CHART_ENDS,
        grades=grade_groups(figures, lang),
        appraised=sum(1 for p in figures.get("people", {}).values() if p.get("grade")),
        awards=award_rows(document, lang),
        shortfalls=shortfalls(targets, rows, figures.get("review_items", [])),
        findings=findings,
        discipline=_most_lapses(discipline, 2 * TABLE_ENDS),
        discipline_omitted=max(0, len(discipline) - 2 * TABLE_ENDS),
        discipline_total=total,
        health=indicator_rows(figures, lang),
        actions=actions,
        stale_days=config.get("stale_days", 3),
        backfill_days=config.get("backfill_days", 1),
        created=document["as_of"],
        reassign=reassign[: 2 * TABLE_ENDS],
        reassign_total=len(reassign),
    )


def _calendar_name(text: str, lang: str) -> str:
    """workdays.WorkCalendar.name (Chinese) in English for English reports."""
    if lang != "en":
        return text
    text = text.replace(
        "中国法定节假日与调休（chinesecalendar）",
        "Chinese official holidays and adjusted working days (chinesecalendar)",
    ).replace("自然日 calendar days", "calendar days")
    return re.sub(
        r"；(.+?) 年尚未发布，按周末计算",
        lambda m: f"; {m[1].replace('、', ', ')} not published yet, weekends only",
        text,
    )


def _to_date_label(label: str | None, lang: str) -> str | None:
    """compute labels a to-date span `2026Q3（截至 2026-09-30）`; English: `2026Q3 to 2026-09-30`."""
    if label and lang == "en":
        return re.sub(r"\s*（截至\s*(.+?)）", r" to \1", label)
    return label


# A meeting report of a large team shows the ends of each ranking; everyone is in 汇总-<period>.xlsx
# and on their own appraisal sheet. (At 5000 reps the full tables ran to 300 pages and 2 GiB.)
CHART_ENDS = 20  # a chart of more people than 2 × this shows the best and the lowest only
TABLE_ENDS = 25  # a table of more people than 2 × this shows the best and the lowest only


def _ends(rows: list, ends: int) -> list:
    """The first and last `ends` rows, when there are more than twice that many."""
    return rows if len(rows) <= 2 * ends else rows[:ends] + rows[-ends:]


def _most_lapses(rows: list[DisciplineRow], keep: int) -> list[DisciplineRow]:
    """The `keep` reps with the most overdue, stale and back-filled customers, in table order."""
    if len(rows) <= keep:
        return rows
    worst = sorted(rows, key=lambda r: -(r.overdue + r.stale + r.backfilled))[:keep]
    chosen = {id(r) for r in worst}
    return [r for r in rows if id(r) in chosen]


def _chart(rows: list[TargetRow], lang: str, elapsed: Decimal | None) -> Chart | None:
    bars = [(r.name, Decimal(r.attainment)) for r in rows if r.attainment is not None]
    return attainment_chart(bars, lang, elapsed) if bars else None


def participants(figures: dict, lang: str) -> list[ParticipantGroup]:
    """The roster's people who appear in the figures, and their direct managers, by role."""
    roster = figures.get("roster", {})
    seen: set[str] = set()
    for target in figures.get("targets", []):
        seen.update(n for n in (target.get("owner"), target.get("name")) if n)
    seen.update(figures.get("people", {}))
    seen.update(figures.get("follow_ups", {}).get("reps", {}))
    seen.update(i["owner"] for i in figures.get("review_items", []) if i.get("owner"))
    present = {n for n in seen if n in roster and not PLACEHOLDER.match(n)}
    present |= {roster[n]["manager"] for n in present if roster[n].get("manager") in roster}
    groups: dict[tuple[int, str, str], list[str]] = defaultdict(list)
    for name in sorted(present, key=lambda n: (roster[n].get("region") or "", n)):
        person = roster[name]
        role = person.get("role") or ""
        rank = ROLE_ORDER.index(role) if role in ROLE_ORDER else len(ROLE_ORDER)
        label = _word(role, ROLES, lang) or ("Others" if lang == "en" else "其他")
        region = person.get("region") or ""
        shown = (f" ({region})" if lang == "en" else f"（{region}）") if region else ""
        if role == ROLE_ORDER[-1] and region:  # reps: one line per region
            groups[(rank, region, label + shown)].append(name)
        else:
            groups[(rank, "", label)].append(name + shown)
    return [ParticipantGroup(key[2], names) for key, names in sorted(groups.items())]


def overview_rows(figures: dict, lang: str) -> list[OverviewRow]:
    """Each whole target summed over one breakdown level, as compute summed it (overview)."""
    return [
        OverviewRow(
            overall=whole["overall"],
            metric=whole["metric"],
            period=whole["period"],
            unit=whole.get("unit"),
            level=_word(whole.get("level"), DIMENSION_TYPES, lang),
            parts=whole["parts"],
            measured=whole["measured"],
            missing=[on_paper(m, NAME_CHARS * 2) for m in whole.get("missing") or []],
            target=Decimal(whole["target"]),
            actual=_decimal(whole.get("actual")),
            attainment=_decimal(whole.get("attainment")),
            elapsed=whole.get("elapsed"),
            pace_label=_pace_label(whole.get("pace"), lang),
        )
        for whole in figures.get("overview", [])
    ]


def _rep_rows(figures: dict, personal: list[tuple[dict, TargetRow]], lang: str) -> list[RepRow]:
    """One row per person: the sales target beside the new-customer target, best first."""
    roster, people = figures.get("roster", {}), figures.get("people", {})
    reps: dict[str, RepRow] = {}
    for raw, row in personal:
        name = raw.get("name") or raw.get("owner") or ""
        rep = reps.setdefault(
            name, RepRow(name, roster.get(name, {}).get("region", ""), None, None)
        )
        if row.money and rep.sales is None:
            rep.sales = row
        elif row.unit == "个" and rep.customers is None:
            rep.customers = row
    for name, person in people.items():  # appraised without an individual target (SB-P006)
        rep = reps.setdefault(
            name, RepRow(name, roster.get(name, {}).get("region", ""), None, None)
        )
        if rep.sales is None and person.get("target"):
            rep.sales = TargetRow(
                kind=_word("个人", DIMENSION_TYPES, lang),
                name=name,
                owner=name,
                metric="",
                period=figures.get("run", {}).get("period", ""),
                unit="元",
                target=person["target"],
                actual=person.get("actual"),
                attainment=person.get("attainment"),
                gap=None,
                elapsed=None,
                projection=None,
                pace=None,
                pace_label="—",
            )

    def best_first(rep: RepRow) -> tuple[int, Decimal]:
        value = rep.sales.attainment if rep.sales else None
        return (0, -Decimal(value)) if value is not None else (1, Decimal(0))

    return sorted(reps.values(), key=best_first)


def shortfalls(targets: list[dict], rows: list[TargetRow], items: list[dict]) -> list[Shortfall]:
    """The money targets furthest behind, with the meeting's problems and causes that name them."""
    regions = {
        (t["target"], t.get("actual"), t["period"])
        for t in targets
        if t.get("dimension_type") == "区域"
    }
    behind = [
        (raw, row)
        for raw, row in zip(targets, rows, strict=True)
        if row.money
        and row.gap is not None
        and Decimal(row.gap) > 0
        # a group that is its whole region would list the same gap twice
        and not (
            raw.get("dimension_type") == "小组"
            and (raw["target"], raw.get("actual"), raw["period"]) in regions
        )
    ]
    behind.sort(key=lambda pair: -Decimal(pair[1].gap or 0))
    found = []
    for _, row in behind[:SHORTFALLS]:
        keys = {k for k in (row.name, _place_key(row.name), row.owner) if k and len(k) >= 2}
        reasons = [
            on_paper(item["content"])
            for item in items
            if item.get("category") in FINDINGS
            and any(k in str(item.get("content") or "") for k in keys)
        ]
        found.append(Shortfall(row, reasons))
    return found


def grade_groups(figures: dict, lang: str) -> list[GradeGroup]:
    people = sorted(
        figures.get("people", {}).values(), key=lambda p: (p.get("rank") or 10**6, p["name"])
    )
    groups = []
    for choice in GRADES:
        names = [p["name"] for p in people if p.get("grade") == choice.value]
        groups.append(GradeGroup(_word(choice.value, GRADES, lang), names))
    return groups


def _review_item(item: dict, lang: str) -> ReviewItem:
    return ReviewItem(
        category=_word(item.get("category"), REVIEW_CATEGORIES, lang),
        content=on_paper(item.get("content")),
        owner=on_paper(item.get("owner"), NAME_CHARS),
        due=item.get("due"),
        status=_word(item.get("status"), REVIEW_STATUS, lang),
        overdue=bool(item.get("overdue")),
    )


# --- 销售流程健康度报告 --------------------------------------------------------------------------------


@dataclass
class HealthContext:
    company: str
    period: str
    as_of: str
    indicators: list[IndicatorRow]
    trend_labels: list[str]
    chart: Chart | None
    counts: dict[str, int]  # status label -> indicators
    attention: list[IndicatorRow]  # not healthy: the improvement direction is printed
    unmeasured: list[IndicatorRow]
    created: str


def health_context(document: dict, lang: str = "zh") -> HealthContext:
    indicators = indicator_rows(document["figures"], lang)
    labels = sorted({label for row in indicators for label in row.trend}, key=_period_end)
    series = [row.series for row in indicators if row.series]
    counts = {
        _status_label(status, lang): sum(1 for r in indicators if r.status == status)
        for status in ("healthy", "watch", "alert", None)
    }
    return HealthContext(
        company=document["config"].get("company", ""),
        period=document["period"],
        as_of=document["as_of"],
        indicators=indicators,
        trend_labels=labels,
        chart=trend_chart(series, lang) if series else None,
        counts=counts,
        attention=[r for r in indicators if r.status in ("watch", "alert")],
        unmeasured=[r for r in indicators if r.status is None],
        created=document["as_of"],
    )


# --- 个人业绩评估单 ------------------------------------------------------------------------------------


@dataclass
class ScorePart:
    key: str
    label: str
    value: Decimal  # 0–100
    weight: Decimal  # configured weight
    share: Decimal  # weight among the parts that have data (compute renormalises)
    points: Decimal  # value × share

    @property
    def points_shown(self) -> Decimal:
        return _tenths(self.points)  # the total is summed unrounded, as compute weighs it


@dataclass
class AppraisalSheet:
    """Everything one person's 评估单 shows; one page each."""

    company: str
    period: str
    as_of: str
    name: str
    role: str
    region: str
    group: str
    manager: str
    targets: list[TargetRow]
    target: str | None
    actual: str | None
    attainment: str | None
    new_customers: int | None
    retention: str | None
    parts: list[ScorePart]
    scorecard: Decimal | None  # the weighted sum of the parts
    score: str | None
    score_entered: bool
    grade: str
    rank: int | None
    ranked: int
    awards: list[str]
    near_misses: list[tuple[str, str]]  # (award, why not yet)
    suggestion: str | None
    follow_ups: DisciplineRow | None
    file_stem: str = ""
    missing_parts: list[str] = field(default_factory=list)  # scorecard parts without data
    actual_missing: str | None = None  # the cell of an unreadable actual: no grade
    new_customer_target: str | None = None  # the person's own target the part measures against

    @property
    def person(self) -> str:
        """Whose sheet this is: names its file."""
        return self.name


def appraisal_sheets(document: dict, lang: str = "zh") -> list[AppraisalSheet]:
    """One sheet per appraised person, in the appraisal table's order."""
    figures, config = document["figures"], document["config"]
    people, roster = figures.get("people", {}), figures.get("roster", {})
    weights = {k: Decimal(str(v)) for k, v in config.get("weights", {}).items()}
    # The follow-ups of the appraisal's own period (the targets' quarter), not the run's month
    rows, _ = discipline_rows(figures, lang, "appraisal_discipline")
    discipline = {row.name: row for row in rows}
    awards = award_rows(document, lang)
    allowed = (figures.get("documents") or {}).get("appraisals")
    ranked = sum(1 for p in people.values() if p.get("rank"))
    grade_lines = [Decimal(str(config.get(k, 0))) for k in ("grade_excellent", "grade_good")]
    sheets = []
    for name, person in people.items():
        if allowed is not None and name not in allowed:
            continue  # not a person on the roster: SB-T014 says why
        info = roster.get(name, {})
        personal = [
            target_row(t, lang, Decimal(str(config.get("pace_tolerance", "10"))))
            for t in figures.get("targets", [])
            if t.get("dimension_type") == "个人" and name in (t.get("name"), t.get("owner"))
        ]
        parts = score_parts(person.get("score_parts", {}), weights, lang)
        sheets.append(
            AppraisalSheet(
                company=config.get("company", ""),
                # The appraisal covers its targets' period (a quarter), not the month the run chose.
                period=figures.get("appraisal_period")
                or (personal[0].period if personal else document["period"]),
                as_of=document["as_of"],
                name=name,
                role=_word(info.get("role"), ROLES, lang),
                region=info.get("region", ""),
                group=info.get("group", ""),
                manager=info.get("manager", ""),
                targets=personal,
                target=person.get("target"),
                actual=person.get("actual"),
                attainment=person.get("attainment"),
                new_customers=person.get("new_customers"),
                retention=person.get("retention"),
                parts=parts,
                # shown once from the exact sum, never across a grade line (89.99 is not 90.0)
                scorecard=shown(sum((p.points for p in parts), Decimal(0)), 1, grade_lines)
                if parts
                else None,
                score=number_text(person["score"], grade_lines)
                if person.get("score") is not None
                else None,
                score_entered=person.get("score_source") == "entered",
                grade=_word(person.get("grade"), GRADES, lang),
                rank=person.get("rank"),
                ranked=ranked,
                awards=[a.name for a in awards if name in a.winners],
                near_misses=[
                    (a.name, why) for a in awards for who, why in a.near_misses if who == name
                ],
                suggestion=person.get("suggestion"),
                follow_ups=discipline.get(name),
                missing_parts=[
                    SCORE_PARTS.get(k, (k, k))[1 if lang == "en" else 0]
                    for k in person.get("missing_parts", [])
                ],
                actual_missing=person.get("actual_missing"),
                new_customer_target=person.get("new_customer_target"),
            )
        )
    return sheets


def score_parts(values: dict, weights: dict[str, Decimal], lang: str) -> list[ScorePart]:
    """The scorecard as compute weighs it: parts without data drop out, the others renormalise."""
    present = {k: Decimal(str(v)) for k, v in values.items()}
    total = sum((weights.get(k, Decimal(0)) for k in present), Decimal(0))
    parts = []
    for key in [*SCORE_PARTS, *(k for k in present if k not in SCORE_PARTS)]:
        if key not in present:
            continue
        weight = weights.get(key, Decimal(0))
        share = weight / total if total else Decimal(0)
        zh, en = SCORE_PARTS.get(key, (key, key))
        parts.append(
            ScorePart(
                key,
                en if lang == "en" else zh,
                present[key],
                weight,
                share,
                present[key] * share,
            )
        )
    return parts


def _tenths(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- rendering --------------------------------------------------------------------------------------


def render_reports(
    renderer: Renderer,
    document: dict,
    output: Path,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[Path]:
    """Write the review, the health report (when there are indicators) and the appraisal sheets
    (when anyone is appraised) into `output`, `jobs` documents at once; returns the files written.
    `progress(n)` is called with the number of documents each finished task produced."""
    en = renderer.lang == "en"
    period = safe_name(document["period"])
    output.mkdir(parents=True, exist_ok=True)
    tasks: list[Task] = []
    sizes: list[int] = []

    review = review_context(document, renderer.lang)
    review_path = output / (f"review-{period}.pdf" if en else f"销售复盘报告-{period}.pdf")
    tasks.append(_report_task(renderer, "review.html", review, review_path))
    sizes.append(1)

    health = health_context(document, renderer.lang)
    if health.indicators:
        health_path = output / (
            f"health-{period}.pdf" if en else f"销售流程健康度报告-{period}.pdf"
        )
        tasks.append(_report_task(renderer, "health.html", health, health_path))
        sizes.append(1)
    heads = len(tasks)  # the reports, then the chunks of appraisal sheets

    sheets = appraisal_sheets(document, renderer.lang)
    with tempfile.TemporaryDirectory(dir=output, prefix=".appraisal-") as scratch:
        plan = None
        if sheets:
            assign_file_stems(sheets)
            periods = {sheet.period for sheet in sheets}
            if len(periods) == 1:
                period = safe_name(periods.pop())
            combined = output / (
                f"appraisal-{period}-all.pdf" if en else f"评估单-{period}-全部.pdf"
            )
            folder = output / ("appraisal" if en else "评估单")
            plan = plan_chunks(renderer, AppraisalBundle(), sheets, folder, combined, Path(scratch))
            tasks += plan.tasks
            sizes += plan.sizes
        results = run_tasks(tasks, jobs, (lambda n: progress(sizes[n])) if progress else None)
        written = [path for files in results[:heads] for path in files]
        if plan:
            rendered = plan.finish(results[heads:])
            written += [rendered.combined, *rendered.files]
    return written


def _report_task(
    renderer: Renderer, template: str, report: ReviewContext | HealthContext, path: Path
) -> Task[list[Path]]:
    return Task(write_report, (renderer, template, report, path), label=path.name)


def write_report(
    renderer: Renderer, template: str, report: ReviewContext | HealthContext, path: Path
) -> list[Path]:
    """One report laid out from its context and written to `path`."""
    html = renderer.html(template, report=report, created=report.created)
    renderer.write(renderer.document(html), path)
    return [path]


class AppraisalBundle(Bundle):
    """Appraisal sheets in one layout: one page per person, the footer names the person."""

    end_prefix = "sheet-end-"
    what = ("评估单", "sheets")

    def html(self, renderer: Renderer, documents: Sequence[AppraisalSheet]) -> str:
        return renderer.html("appraisal.html", sheets=documents, created=documents[0].as_of)

    def outline(self, document: AppraisalSheet, lang: str) -> tuple[str, str]:
        title = "Performance appraisal" if lang == "en" else "个人业绩评估单"
        return document.name, f"{title} {document.period} {document.name}"


def render_appraisals(
    renderer: Renderer,
    sheets: list[AppraisalSheet],
    folder: Path,
    combined: Path,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Rendered:
    """The sheets into `combined` and one file per person in `folder` (chunks.py), by themselves;
    render_reports lays them out together with the reports."""
    return render_chunked(renderer, AppraisalBundle(), sheets, folder, combined, jobs, progress)
