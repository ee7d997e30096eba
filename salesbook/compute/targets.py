"""Book + RunPeriod + appraisal -> TargetFigure per breakdown row: splits, actual, attainment, pace, standard."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from salesbook.compute.appraisal import PersonFigure
from salesbook.compute.follow_ups import FollowUpFigures
from salesbook.compute.people import People
from salesbook.compute.period import (
    HUNDRED,
    INTERNAL,
    RunPeriod,
    elapsed_share,
    money,
    ratio,
    round_to,
)
from salesbook.config import Config
from salesbook.errors import BadValue
from salesbook.read import Book
from salesbook.values import (
    Period,
    Quantity,
    Threshold,
    choice_key,
    month_period,
    parse_quantity,
    parse_threshold,
    quarter_period,
    split_dimension,
    split_overall,
)
from salesbook.workdays import WorkCalendar

_STANDARD = re.compile(r"^(?P<metric>[^≥≤><=]+?)\s*(?P<op>≥|>=|≤|<=|>|<|=)\s*(?P<value>.+)$")


@dataclass
class Standard:
    """A completion standard: parsed when it reads `指标 op 数值`, evaluated when data exists."""

    text: str
    metric: str | None = None
    threshold: Threshold | None = None
    value: Decimal | None = None  # the measured value, when the data exists
    met: bool | None = None


@dataclass
class TargetFigure:
    row: int = field(metadata=INTERNAL)  # position in the breakdown table
    overall: str
    metric: str
    dimension_type: str | None
    name: str | None
    owner: str | None
    target: Decimal
    unit: str | None  # 元, 个 or None
    period: Period
    share: Decimal | None = None
    monthly: Decimal | None = None  # the even monthly share; None for a count that does not divide
    months: list[tuple[str, Decimal]] = field(default_factory=list)  # adds back to the target
    quarters: list[tuple[str, Decimal]] = field(default_factory=list)  # when it spans quarters
    weekly: Decimal | None = None
    daily: Decimal | None = None
    actual: Decimal | None = None
    actual_source: str | None = None  # sheet, appraisal
    attainment: Decimal | None = None
    gap: Decimal | None = None
    elapsed: Decimal | None = None
    pace: str | None = None  # ahead, on_track, watch, behind
    projection: Decimal | None = None
    standard: Standard | None = None
    deadline: dt.date | None = None
    dimension: str | None = None  # as typed: 区域-华东区域
    # Members whose actual could not be read (name and cell): the actual is then left unknown
    # rather than summed from the others (see mark_incomplete).
    missing: list[str] = field(default_factory=list)


def pace_of(attainment: Decimal, elapsed: Decimal, tolerance_points: Decimal) -> str:
    """Expected progress rises in a straight line over the period (SPEC §1.1, §4): ahead at
    `tolerance` points or more above expected, behind at `tolerance` points or more below."""
    lead = (attainment - elapsed) * HUNDRED
    if lead >= tolerance_points:
        return "ahead"
    if lead >= 0:
        return "on_track"
    if lead > -tolerance_points:
        return "watch"
    return "behind"


def split_months(total: Decimal, period: Period, unit: str | None) -> list[tuple[str, Decimal]]:
    """The target per month of its period, adding back exactly to `total` (SPEC §4).

    Money: each month the even share rounded to the fen, the LAST month absorbing the cents left
    (40万 / 3 = 133,333.33 + 133,333.33 + 133,333.34). Counts: whole units, the remainder one
    each to the EARLIEST months (8 个 / 3 = 3 + 3 + 2), so the work is asked for early."""
    labels = []
    year, month = period.start.year, period.start.month
    while dt.date(year, month, 1) <= period.end:
        labels.append(month_period(year, month).label)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    n = len(labels)
    if not n:
        return []
    if unit == "个" and total == total.to_integral_value():
        base, remainder = divmod(int(total), n)
        return [(label, Decimal(base + (i < remainder))) for i, label in enumerate(labels)]
    even = round_to(total / n, unit)
    parts = [even] * (n - 1) + [total - even * (n - 1)]
    return list(zip(labels, parts, strict=True))


def quarter_sums(months: list[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    """The monthly split added up per quarter, for a target spanning more than one quarter
    (an annual letter reads quarters first, then months); empty otherwise."""
    sums: dict[str, Decimal] = {}
    for label, amount in months:
        year, month = label.split("-")
        quarter = f"{year}Q{(int(month) - 1) // 3 + 1}"
        sums[quarter] = sums.get(quarter, Decimal(0)) + amount
    return list(sums.items()) if len(sums) > 1 else []


def count_rate(value: Decimal) -> Decimal | None:
    """A count's weekly or daily run-rate in whole units: rounded up (the pace that reaches the
    target), and not shown at all below one unit (never "0.02 个" per working day)."""
    if value < 1:
        return None
    return value.to_integral_value(rounding=ROUND_CEILING)


def overall_targets(book: Book) -> dict[str, tuple[Quantity, Period | None]]:
    """Metric key -> (overall target, its period), from the 总体目标 sheet.

    The unit comes from the value (`100万元`) or else from the 单位 column (`30` with unit `个`).
    """
    table = book.table("target_overall")
    found: dict[str, tuple[Quantity, Period | None]] = {}
    if table is None:
        return found
    for metric, target, unit, period in zip(
        table.texts("metric"),
        table.quantities("target"),
        table.texts("unit"),
        table.periods("period"),
        strict=True,
    ):
        if metric and isinstance(target, Quantity):
            if target.unit is None and unit:
                target = Quantity(target.amount, _unit_of(unit))
            found.setdefault(
                choice_key(metric), (target, period if isinstance(period, Period) else None)
            )
    return found


def _unit_of(text: str) -> str | None:
    """A 单位 cell as 元 (money) or 个 (a count): `元`, `万元`, `个`, `家`, `人`…"""
    text = text.strip()
    if "元" in text or text.lower() in ("rmb", "cny", "yuan"):
        return "元"
    return "个" if text else None


def compute_targets(
    book: Book,
    config: Config,
    run: RunPeriod,
    calendar: WorkCalendar,
    people: People,
    appraisal: dict[str, PersonFigure],
    follow_ups: FollowUpFigures,
) -> list[TargetFigure]:
    table = book.table("target_breakdown")
    if table is None:
        return []
    deadlines, standards = table.dates("deadline"), table.texts("standard")
    overall = overall_targets(book)
    figures = []
    for i, (overall_text, dimension, target, owner, actual) in enumerate(
        zip(
            table.texts("overall"),
            table.texts("dimension"),
            table.quantities("target"),
            table.texts("owner"),
            table.quantities("actual"),
            strict=True,
        )
    ):
        if not isinstance(target, Quantity) or target.amount <= 0 or not overall_text:
            continue  # reported by the checks; nothing sound to compute from
        metric, embedded = split_overall(overall_text)
        whole, period = overall.get(choice_key(metric), (embedded, None))
        period = period or _default_target_period(run)
        split = split_dimension(dimension) if dimension else None
        unit = (
            target.unit or (whole.unit if whole else None) or (embedded.unit if embedded else None)
        )
        figure = TargetFigure(
            i,
            overall_text,
            metric,
            split[0] if split else None,
            split[1] if split else None,
            owner,
            target.amount,
            unit,
            period,
        )
        deadline = deadlines[i]
        figure.deadline = deadline if isinstance(deadline, dt.date) else None
        figure.dimension = dimension
        if whole is not None and whole.amount > 0:
            figure.share = ratio(target.amount, whole.amount)
        workdays = calendar.workdays(period.start, period.end)
        figure.months = split_months(target.amount, period, unit)
        figure.quarters = quarter_sums(figure.months)
        amounts = {amount for _, amount in figure.months}
        if len(amounts) == 1 or unit != "个":
            figure.monthly = figure.months[0][1] if figure.months else None
        if workdays:
            if unit == "个":
                figure.daily = count_rate(target.amount / workdays)
            else:
                figure.daily = round_to(target.amount / workdays, unit)
            if period.months >= 3 or period.kind == "quarter":
                weekly = target.amount * 5 / workdays
                figure.weekly = count_rate(weekly) if unit == "个" else round_to(weekly, unit)
        figure.actual, figure.actual_source = _actual(figure, actual, appraisal, people)
        figure.elapsed = elapsed_share(period, run.as_of, calendar)
        if figure.actual is not None:
            figure.attainment = ratio(figure.actual, figure.target)
            figure.gap = round_to(figure.target - figure.actual, unit)
            figure.pace = pace_of(
                figure.attainment or Decimal(0), figure.elapsed, config.pace_tolerance
            )
            if figure.elapsed:
                figure.projection = round_to(figure.actual / figure.elapsed, unit)
        standard_text = standards[i]
        if standard_text:
            figure.standard = evaluate_standard(standard_text, figure, people, follow_ups)
        figures.append(figure)
    return figures


def _default_target_period(run: RunPeriod) -> Period:
    start = run.period.start
    return (
        quarter_period(start.year, (start.month - 1) // 3 + 1)
        if run.period.kind == "month"
        else run.period
    )


def _actual(
    figure: TargetFigure, entered: object, appraisal: dict[str, PersonFigure], people: People
) -> tuple[Decimal | None, str | None]:
    """Actual to date: the sheet's 实际完成, else for people (and their regions) the appraisal."""
    if isinstance(entered, Quantity):
        return entered.amount, "sheet"
    members = people.reps_in(figure.dimension_type, figure.name)
    if figure.dimension_type == "个人" and figure.owner:
        members = {n for n in (figure.name, figure.owner) if n} & set(appraisal) or members
    if not members:
        return None, None
    rows = [appraisal[m] for m in members if m in appraisal]
    if not rows:
        return None, None
    if figure.unit == "个":
        counts = [r.new_customers for r in rows if r.new_customers is not None]
        return (Decimal(sum(counts)), "appraisal") if counts else (None, None)
    actuals = [r.actual for r in rows if r.actual is not None]
    return (money(sum(actuals, Decimal(0))), "appraisal") if actuals else (None, None)


def evaluate_standard(
    text: str, figure: TargetFigure, people: People, follow_ups: FollowUpFigures
) -> Standard:
    """`月度销售额≥13.3万元`, `客户转化率≥15%`, `新客户签约≥20个` against the data where it exists."""
    standard = Standard(text)
    match = _STANDARD.match(text.replace(" ", ""))
    if not match:
        return standard
    op = {"=": ">="}.get(match["op"], match["op"])
    try:
        threshold = parse_threshold(op + match["value"])
    except BadValue:
        try:  # money written with 万元: the threshold parser keeps units, the money parser scales
            amount = parse_quantity(match["value"]).amount
            threshold = Threshold({"≥": ">=", "≤": "<="}.get(op, op), amount, "元")
        except BadValue:
            return standard
    if threshold.unit in ("万元", "万"):
        threshold = Threshold(threshold.op, threshold.limit * 10_000, "元")
    elif threshold.unit == "亿元":
        threshold = Threshold(threshold.op, threshold.limit * 100_000_000, "元")
    standard.metric, standard.threshold = match["metric"], threshold
    metric = match["metric"]
    members = people.reps_in(figure.dimension_type, figure.name)
    if figure.owner and not members:
        members = people.reps_in("小组", figure.owner) or {figure.owner}
    value: Decimal | None = None
    if "销售额" in metric and figure.actual is not None:
        if metric.startswith("月") and figure.elapsed:
            months = figure.elapsed * figure.period.months
            value = figure.actual / months if months else None  # exact: decided, then shown
        else:
            value = figure.actual
    elif "转化率" in metric and members:
        value = follow_ups.conversion(members, figure.period)
    elif ("签约" in metric or "成交" in metric) and members:
        value = Decimal(follow_ups.won_customers(members, figure.period))
    if value is not None:
        standard.value = value
        standard.met = threshold.met_by(value)
    return standard


def mark_incomplete(
    book: Book, targets: list[TargetFigure], appraisal: dict[str, PersonFigure], people: People
) -> None:
    """A target whose actual adds up people's appraisal actuals is left without an actual when a
    member's could not be read, naming the member and the cell: a sum without them would show the
    others' sales against the whole target (华东区域 at 81.2 % without 冯慧平's "约2.9万")."""
    table = book.table("appraisal")
    if table is None:
        return
    for figure in targets:
        if figure.actual_source == "sheet":
            continue
        members = people.reps_in(figure.dimension_type, figure.name)
        if figure.dimension_type == "个人" and figure.owner:
            members = {n for n in (figure.name, figure.owner) if n} & set(appraisal) or members
        attribute = "new_customers" if figure.unit == "个" else "actual"
        rows = sorted((appraisal[m] for m in members or () if m in appraisal), key=lambda p: p.row)
        lost = [p for p in rows if getattr(p, attribute) is None]
        if not lost:
            continue
        figure.missing = [f"{p.name}（{table.location(p.row, attribute)}）" for p in lost]
        figure.actual = figure.attainment = figure.gap = figure.projection = None
        figure.pace = None
        standard = figure.standard
        if standard is not None and standard.metric and "销售额" in standard.metric:
            standard.value = standard.met = None
