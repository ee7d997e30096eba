"""Book + RunPeriod + appraisal -> TargetFigure per breakdown row (and per person of a CRM's
target-completion export): splits, actual, attainment, pace, standard."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from salesbook.compute.appraisal import PersonFigure
from salesbook.compute.follow_ups import FollowUpFigures
from salesbook.compute.people import People, place_key
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
    completion_label,
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


BREAKDOWN, EXPORT = "breakdown", "target_completion"  # where a target figure comes from
EXPORT_OVERALL, EXPORT_METRIC = "目标完成情况", "销售额"  # how an export's figures are named


@dataclass
class TargetFigure:
    # Position in the breakdown table; None for a figure from a target-completion export, which
    # has no breakdown row: nothing is ever written back for it (fill skips it).
    row: int | None = field(metadata=INTERNAL)
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
    source: str = BREAKDOWN  # or EXPORT: one person's months of a target-completion export
    # For an export figure: the export's first month row of the person (issue locations)
    export_row: int | None = field(default=None, metadata=INTERNAL)


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
        period = period or run_target_period(run)
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
        figure.months = split_months(target.amount, period, unit)
        figure.quarters = quarter_sums(figure.months)
        amounts = {amount for _, amount in figure.months}
        if len(amounts) == 1 or unit != "个":
            figure.monthly = figure.months[0][1] if figure.months else None
        _run_rates(figure, calendar)
        figure.actual, figure.actual_source = _actual(figure, actual, appraisal, people)
        _progress(figure, config, run, calendar)
        standard_text = standards[i]
        if standard_text:
            figure.standard = evaluate_standard(standard_text, figure, people, follow_ups)
        figures.append(figure)
    return figures


def _run_rates(figure: TargetFigure, calendar: WorkCalendar) -> None:
    """Daily (per working day) and, over a quarter or more, weekly targets."""
    period, unit, target = figure.period, figure.unit, figure.target
    workdays = calendar.workdays(period.start, period.end)
    if workdays:
        if unit == "个":
            figure.daily = count_rate(target / workdays)
        else:
            figure.daily = round_to(target / workdays, unit)
        if period.months >= 3 or period.kind == "quarter":
            weekly = target * 5 / workdays
            figure.weekly = count_rate(weekly) if unit == "个" else round_to(weekly, unit)


def _progress(figure: TargetFigure, config: Config, run: RunPeriod, calendar: WorkCalendar) -> None:
    """Elapsed share, and from the actual (when known) attainment, gap, pace and projection."""
    figure.elapsed = elapsed_share(figure.period, run.as_of, calendar)
    figure.attainment = figure.gap = figure.pace = figure.projection = None
    if figure.actual is not None:
        figure.attainment = ratio(figure.actual, figure.target)
        figure.gap = round_to(figure.target - figure.actual, figure.unit)
        figure.pace = pace_of(
            figure.attainment or Decimal(0), figure.elapsed, config.pace_tolerance
        )
        if figure.elapsed:
            figure.projection = round_to(figure.actual / figure.elapsed, figure.unit)


def run_target_period(run: RunPeriod) -> Period:
    """A target's period when nothing names one: a monthly run's quarter, else the run's period."""
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


# --- a CRM's target-completion export (issue 14) -------------------------------------------------


@dataclass
class CompletionMonths:
    """One person's month rows of a target-completion export (subtotal rows are not data)."""

    first_row: int  # the person's first month row in the export table
    target: dict[int, Decimal] = field(default_factory=dict)  # month (1–12) -> 目标
    actual: dict[int, Decimal] = field(default_factory=dict)  # month -> 完成

    def sums(
        self, year: int, period: Period, as_of: dt.date
    ) -> tuple[list[tuple[str, Decimal]], Decimal | None] | None:
        """The month targets in `period` (labelled 2026-07) and the sum of 完成 of those begun
        by `as_of` (None when none has); None when the export lacks a month of the period, or
        the period reaches outside `year`: a partial sum would pass for the whole target."""
        months = completion_period_months(year, period)
        if not months or any(m not in self.target for m in months):
            return None
        targets = [(month_period(year, m).label, self.target[m]) for m in months]
        begun = [m for m in months if month_period(year, m).start <= as_of]
        if not begun or any(m not in self.actual for m in begun):
            return targets, None
        return targets, sum((self.actual[m] for m in begun), Decimal(0))


def completion_period_months(year: int, period: Period) -> list[int]:
    """The months of `year` that make up `period`; empty when it is not made of them."""
    months = [
        m
        for m in range(1, 13)
        if period.start <= month_period(year, m).start and month_period(year, m).end <= period.end
    ]
    if not months:
        return []
    spans = (month_period(year, months[0]).start, month_period(year, months[-1]).end)
    return months if spans == (period.start, period.end) else []


def completion_year(config: Config, run: RunPeriod) -> int:
    """The year of the export's months (it names none): the setting, else the run's."""
    return config.completion_year or run.period.start.year


def completion_data(book: Book) -> dict[str, CompletionMonths]:
    """Person -> their month rows of the export, the first row of a month counting (checks
    report the rows that are neither months nor subtotals, and subtotals that disagree)."""
    table = book.table("target_completion")
    found: dict[str, CompletionMonths] = {}
    if table is None:
        return found
    for i, (name, text, target, actual) in enumerate(
        zip(
            table.texts("name"),
            table.texts("month"),
            table.decimals("target"),
            table.decimals("actual"),
            strict=True,
        )
    ):
        label = completion_label(text) if name and text else None
        if name is None or label is None or label[0] != "month":
            continue
        person = found.setdefault(name, CompletionMonths(i))
        if target is not None:
            person.target.setdefault(label[1], target)
        if actual is not None:
            person.actual.setdefault(label[1], actual)
    return found


def covering_breakdown(
    targets: list[TargetFigure], person: str, period: Period
) -> list[TargetFigure]:
    """The breakdown's individual money targets of `person` whose period covers `period`."""
    key = place_key(person)
    return [
        f
        for f in targets
        if f.source == BREAKDOWN
        and f.dimension_type == "个人"
        and f.unit == "元"
        and f.name
        and place_key(f.name) == key
        and f.period.start <= period.start
        and period.end <= f.period.end
    ]


def add_export_targets(
    book: Book,
    config: Config,
    run: RunPeriod,
    calendar: WorkCalendar,
    targets: list[TargetFigure],
    people: People,
    follow_ups: FollowUpFigures,
) -> None:
    """Each person of a target-completion export: a target figure for the run's target period
    (the month targets in it, as the export splits them; 完成 of the months begun by the as-of
    date), unless the breakdown already has their individual money target for that period: that
    row then takes the export's actual only if it has none (SB-T016 when the targets differ)."""
    data = completion_data(book)
    if not data:
        return
    year, period = completion_year(config, run), run_target_period(run)
    for person, months in data.items():
        covering = covering_breakdown(targets, person, period)
        for figure in covering:
            sums = months.sums(year, figure.period, run.as_of)
            if figure.actual is None and sums is not None and sums[1] is not None:
                figure.actual, figure.actual_source, figure.missing = sums[1], EXPORT, []
                _progress(figure, config, run, calendar)
                if figure.standard is not None:
                    figure.standard = evaluate_standard(
                        figure.standard.text, figure, people, follow_ups
                    )
        sums = months.sums(year, period, run.as_of)
        if covering or sums is None:
            continue
        split, actual = sums
        total = sum((amount for _, amount in split), Decimal(0))
        if total <= 0:
            continue  # no target in the period: nothing to measure against
        figure = TargetFigure(
            None,
            EXPORT_OVERALL,
            EXPORT_METRIC,
            "个人",
            person,
            person,
            total,
            "元",
            period,
            months=split,
            quarters=quarter_sums(split),
            dimension=f"个人-{person}",
            source=EXPORT,
            export_row=months.first_row,
        )
        if len({amount for _, amount in split}) == 1:
            figure.monthly = split[0][1]  # the even monthly target, when the export's is even
        _run_rates(figure, calendar)
        figure.actual, figure.actual_source = actual, EXPORT if actual is not None else None
        _progress(figure, config, run, calendar)
        targets.append(figure)
