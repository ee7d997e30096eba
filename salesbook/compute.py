"""Book + Config + period -> Figures: every computed figure of SPEC §1. Pure: no I/O, Decimal only.

Money stays Decimal yuan and ratios Decimal fractions (1.1 = 110%); rounding happens once, here,
with ROUND_HALF_UP to the fen for money and to 0.0001 for ratios, so writers only format.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from salesbook.checks import split_dimension, split_overall
from salesbook.config import Config
from salesbook.issues import Issue
from salesbook.read import Book
from salesbook.schemas import ACTIVE, DONE, REP_ROLE, STAGES, VISIT
from salesbook.values import (
    BadValue,
    Period,
    Quantity,
    Threshold,
    choice_key,
    month_period,
    parse_quantity,
    parse_threshold,
    quarter_period,
    year_period,
)
from salesbook.workdays import WorkCalendar

FEN = Decimal("0.01")
INTERNAL = {"json": False}  # positions in the merged tables: for the writers, not for figures.json
RATIO = Decimal("0.0001")
HUNDRED = Decimal(100)
STAGE_ORDER = [s.value for s in STAGES]
WON = STAGE_ORDER.index("合同签订")  # stages from here on are won business


def money(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATIO, rounding=ROUND_HALF_UP)


# --- periods ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunPeriod:
    """What a run is about: the period, the as-of date, and how they were chosen."""

    period: Period
    as_of: dt.date
    chosen: bool  # True when the period was picked from the data, not given
    quarter_to_date: Period | None  # monthly runs also report these
    year_to_date: Period | None


def data_dates(book: Book) -> list[dt.date]:
    """Every follow-up date read, the data a run's period is chosen from."""
    table = book.table("follow_up")
    return [d for d in table.column("date") if isinstance(d, dt.date)] if table else []


def resolve_period(book: Book, requested: Period | None, as_of: dt.date | None) -> RunPeriod:
    """The requested period, or the latest month with data; as-of: the latest date in it."""
    dates = data_dates(book)
    chosen = requested is None
    if requested is None:
        if dates:
            latest = max(dates)
            requested = month_period(latest.year, latest.month)
        else:
            overall = book.table("target_overall")
            periods = (
                [p for p in overall.column("period") if isinstance(p, Period)] if overall else []
            )
            requested = (
                max(periods, key=lambda p: p.end) if periods else year_period(dt.date.today().year)
            )
    if as_of is None:
        inside = [d for d in dates if d in requested]
        as_of = max(inside) if inside else requested.end
    quarter = year = None
    if requested.kind == "month":
        q = quarter_period(requested.start.year, (requested.start.month - 1) // 3 + 1)
        quarter = Period(q.start, min(q.end, as_of), f"{q.label}（截至 {as_of}）")
        y = year_period(requested.start.year)
        year = Period(y.start, min(y.end, as_of), f"{y.label}（截至 {as_of}）")
    return RunPeriod(requested, as_of, chosen, quarter, year)


def elapsed_share(period: Period, as_of: dt.date, calendar: WorkCalendar) -> Decimal:
    """Share of the period's working days up to and including as-of (0 before, 1 after)."""
    total = calendar.workdays(period.start, period.end)
    done = calendar.workdays(period.start, min(as_of, period.end))
    return ratio(done, total) or Decimal(0)


# --- targets (SPEC §1.1) ---------------------------------------------------------------------------

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
    monthly: Decimal | None = None
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


PACE_LABELS = {"ahead": "领先", "on_track": "正常", "watch": "关注", "behind": "落后"}


def pace_of(attainment: Decimal, elapsed: Decimal, tolerance_points: Decimal) -> str:
    """Expected progress rises in a straight line over the period (SPEC §1.1)."""
    lead = (attainment - elapsed) * HUNDRED
    if lead >= tolerance_points:
        return "ahead"
    if lead >= 0:
        return "on_track"
    if lead >= -tolerance_points:
        return "watch"
    return "behind"


def _round(value: Decimal, unit: str | None) -> Decimal:
    return money(value) if unit == "元" else value.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass
class People:
    """The roster as lookups."""

    region: dict[str, str] = field(default_factory=dict)  # name -> region
    group: dict[str, str] = field(default_factory=dict)  # name -> group
    role: dict[str, str] = field(default_factory=dict)
    manager: dict[str, str] = field(default_factory=dict)
    active: set[str] = field(default_factory=set)

    def reps_in(self, kind: str | None, name: str | None) -> set[str] | None:
        """Everyone a dimension covers: a region's or group's people, or the person; None: unknown."""
        if not name:
            return None
        if kind == "个人":
            return {name}
        lookup = self.region if kind == "区域" else self.group if kind == "小组" else None
        if lookup is None:
            return None
        key = _place_key(name)
        members = {p for p, place in lookup.items() if place and _place_key(place) == key}
        return members or None


def _place_key(name: str) -> str:
    """`华东区域`, `华东区`, `华东` name the same region."""
    return re.sub(r"(区域|大区|区|组)$", "", choice_key(name))


def roster_people(book: Book) -> People:
    people = People()
    table = book.table("roster")
    if table is None:
        return people
    for name, role, region, group, manager, status in zip(
        table.column("name"),
        table.column("role"),
        table.column("region"),
        table.column("group"),
        table.column("manager"),
        table.column("status"),
        strict=True,
    ):
        if not name:
            continue
        people.manager[name] = manager or ""
        people.region[name] = region or ""
        people.group[name] = group or ""
        people.role[name] = role or ""
        if status in (None, ACTIVE):
            people.active.add(name)
    return people


def overall_targets(book: Book) -> dict[str, tuple[Quantity, Period | None]]:
    """Metric key -> (overall target, its period), from the 总体目标 sheet.

    The unit comes from the value (`100万元`) or else from the 单位 column (`30` with unit `个`).
    """
    table = book.table("target_overall")
    found: dict[str, tuple[Quantity, Period | None]] = {}
    if table is None:
        return found
    for metric, target, unit, period in zip(
        table.column("metric"),
        table.column("target"),
        table.column("unit"),
        table.column("period"),
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
    deadlines = table.column("deadline")
    overall = overall_targets(book)
    figures = []
    for i, (overall_text, dimension, target, owner, actual) in enumerate(
        zip(
            table.column("overall"),
            table.column("dimension"),
            table.column("target"),
            table.column("owner"),
            table.column("actual"),
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
        figure.monthly = _round(target.amount / period.months, unit)
        if workdays:
            figure.daily = _round(target.amount / workdays, unit)
            if period.months >= 3 or period.kind == "quarter":
                figure.weekly = _round(target.amount * 5 / workdays, unit)
        figure.actual, figure.actual_source = _actual(figure, actual, appraisal, people)
        figure.elapsed = elapsed_share(period, run.as_of, calendar)
        if figure.actual is not None:
            figure.attainment = ratio(figure.actual, figure.target)
            figure.gap = _round(figure.target - figure.actual, unit)
            figure.pace = pace_of(
                figure.attainment or Decimal(0), figure.elapsed, config.pace_tolerance
            )
            if figure.elapsed:
                figure.projection = _round(figure.actual / figure.elapsed, unit)
        standard_text = table.column("standard")[i]
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
        members = {figure.name, figure.owner} & set(appraisal) or members
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
            value = money(figure.actual / months) if months else None
        else:
            value = figure.actual
    elif "转化率" in metric and members:
        value = follow_ups.conversion(members)
    elif ("签约" in metric or "成交" in metric) and members:
        value = Decimal(follow_ups.won_customers(members))
    if value is not None:
        standard.value = value
        standard.met = threshold.met_by(value)
    return standard


def allocation_issues(book: Book, figures: list[TargetFigure]) -> list[Issue]:
    """T011/T012: one overall target's breakdown along one dimension type sums above or below it."""
    table = book.table("target_breakdown")
    overall = overall_targets(book)
    groups: dict[tuple[str, str], list[TargetFigure]] = defaultdict(list)
    for figure in figures:
        if figure.dimension_type:
            groups[(choice_key(figure.metric), figure.dimension_type)].append(figure)
    issues = []
    for (metric_key, kind), members in groups.items():
        whole = overall.get(metric_key, (None, None))[0]
        if whole is None:
            _, whole = split_overall(members[0].overall)
        if whole is None or (kind == "个人" and len(members) < 2):
            continue
        total = sum((f.target for f in members), Decimal(0))
        difference = total - whole.amount
        if difference:
            code = "SB-T011" if difference > 0 else "SB-T012"
            issues.append(
                Issue(
                    code,
                    table.location(members[0].row, "target"),
                    {
                        "overall": members[0].overall,
                        "kind": kind,
                        "total": _plain(total),
                        "amount": _plain(abs(difference)),
                    },
                )
            )
    return issues


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


# --- follow-ups (SPEC §1.2) ----------------------------------------------------------------------


@dataclass
class RepFollowUps:
    owner: str
    region: str
    follow_ups: int = 0
    customers: int = 0
    visits: int = 0
    planned_visits: int | None = None
    by_channel: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    stale: int = 0
    complete: int = 0
    backfilled: int = 0
    process_nodes_due: int = 0
    process_nodes_done: int = 0

    @property
    def completeness(self) -> Decimal | None:
        return ratio(self.complete, self.follow_ups)

    @property
    def node_completion(self) -> Decimal | None:
        return ratio(self.process_nodes_done, self.process_nodes_due)


@dataclass
class CustomerStatus:
    customer: str
    owner: str
    last_date: dt.date
    stage: str | None
    due: dt.date | None
    next_action: str | None
    overdue: bool = False
    stale: bool = False
    pool_date: dt.date | None = None
    row: int = field(default=0, metadata=INTERNAL)  # position of the latest follow-up


@dataclass
class FollowUpFigures:
    reps: dict[str, RepFollowUps] = field(default_factory=dict)
    regions: dict[str, dict[str, int]] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)
    customers: list[CustomerStatus] = field(default_factory=list)
    funnel: list[dict[str, object]] = field(default_factory=list)
    backfilled_rows: list[int] = field(default_factory=list, metadata=INTERNAL)
    incomplete_rows: list[int] = field(default_factory=list, metadata=INTERNAL)
    in_period_rows: list[int] = field(default_factory=list, metadata=INTERNAL)
    _stage_reach: dict[str, int] = field(default_factory=dict)  # customer -> furthest stage index
    _customer_owner: dict[str, str] = field(default_factory=dict)

    def conversion(self, owners: set[str]) -> Decimal | None:
        """Customers reaching 合同签订 or later, of the customers these owners touched."""
        mine = [c for c, o in self._customer_owner.items() if o in owners]
        won = sum(1 for c in mine if self._stage_reach.get(c, -1) >= WON)
        return ratio(won, len(mine))

    def won_customers(self, owners: set[str]) -> int:
        return sum(
            1
            for c, o in self._customer_owner.items()
            if o in owners and self._stage_reach.get(c, -1) >= WON
        )

    @property
    def totals(self) -> dict[str, object]:
        reps = self.reps.values()
        follow_ups = sum(r.follow_ups for r in reps)
        return {
            "follow_ups": follow_ups,
            "customers": len(self._customer_owner),
            "overdue": sum(r.overdue for r in reps),
            "stale": sum(r.stale for r in reps),
            "backfilled": sum(r.backfilled for r in reps),
            "completeness": ratio(sum(r.complete for r in reps), follow_ups),
            "node_completion": ratio(
                sum(r.process_nodes_done for r in reps), sum(r.process_nodes_due for r in reps)
            ),
        }


COMPLETENESS_KEYS = (
    "customer",
    "owner",
    "date",
    "channel",
    "summary",
    "feedback",
    "next_action",
    "due",
)


def compute_follow_ups(
    book: Book, config: Config, run: RunPeriod, calendar: WorkCalendar, people: People
) -> FollowUpFigures:
    figures = FollowUpFigures()
    table = book.table("follow_up")
    if table is None or not len(table):
        return figures
    frame = table.frame
    period, as_of = run.period, run.as_of
    dates = frame["date"].tolist()
    owners = frame["owner"].tolist()
    customers = frame["customer"].tolist()
    channels = frame["channel"].tolist()
    dues = frame["due"].tolist()
    entered = frame["entered"].tolist()
    stages = frame["stage"].tolist()
    actions = frame["next_action"].tolist()
    # Complete = every column of the seed's template filled (信息同步人 is optional: seed 000
    # added it as an improvement, and many teams leave it blank when nobody else needs to know).
    filled = frame[list(COMPLETENESS_KEYS)].notna().all(axis=1).tolist()

    # Every follow-up up to as-of, by customer in date order: for overdue, stale and process nodes.
    history: dict[str, list[int]] = defaultdict(list)
    for i, (day, customer) in enumerate(zip(dates, customers, strict=True)):
        if isinstance(day, dt.date) and customer and day <= as_of:
            history[customer].append(i)
    for rows in history.values():
        rows.sort(key=lambda i: dates[i])

    def rep(owner: str) -> RepFollowUps:
        if owner not in figures.reps:
            figures.reps[owner] = RepFollowUps(owner, people.region.get(owner, ""))
        return figures.reps[owner]

    touched: dict[str, set[str]] = defaultdict(set)
    for i, day in enumerate(dates):
        owner = owners[i]
        if not isinstance(day, dt.date) or not owner or day not in period or day > as_of:
            continue
        figures.in_period_rows.append(i)
        record = rep(owner)
        record.follow_ups += 1
        channel = channels[i] or "其他"
        record.by_channel[channel] = record.by_channel.get(channel, 0) + 1
        figures.channels[channel] = figures.channels.get(channel, 0) + 1
        if channel == VISIT or (config.visits_any_channel and channels[i]):
            record.visits += 1
        if customers[i]:
            touched[owner].add(customers[i])
        if filled[i]:
            record.complete += 1
        else:
            figures.incomplete_rows.append(i)
        if (
            isinstance(entered[i], dt.date)
            and calendar.workdays_between(day, entered[i]) > config.backfill_days
        ):
            record.backfilled += 1
            figures.backfilled_rows.append(i)
        # A process node is the next action with its due date; done when the customer was
        # followed up again by then (seed 002 "流程节点完成率").
        due = dues[i]
        if isinstance(due, dt.date) and due <= as_of and customers[i]:
            record.process_nodes_due += 1
            later = [dates[j] for j in history[customers[i]] if dates[j] > day]
            if later and later[0] <= due:
                record.process_nodes_done += 1
    for owner, names in touched.items():
        rep(owner).customers = len(names)

    # Customer status from each customer's latest follow-up.
    for customer, rows in sorted(history.items()):
        last = rows[-1]
        reach = max(
            (STAGE_ORDER.index(stages[j]) for j in rows if stages[j] in STAGE_ORDER), default=-1
        )
        figures._stage_reach[customer] = reach
        figures._customer_owner[customer] = owners[last] or ""
        if not any(dates[j] in period for j in rows):
            continue
        status = CustomerStatus(
            customer,
            owners[last] or "",
            dates[last],
            stages[last],
            dues[last] if isinstance(dues[last], dt.date) else None,
            actions[last],
            row=last,
        )
        status.overdue = status.due is not None and status.due < as_of
        still_open = reach < WON
        status.stale = (
            still_open and calendar.workdays_between(status.last_date, as_of) > config.stale_days
        )
        if config.pool_days:
            try:  # load_config caps pool_days; a Config built in code may not
                status.pool_date = status.last_date + dt.timedelta(days=config.pool_days)
            except OverflowError:
                status.pool_date = None
        figures.customers.append(status)
        if status.owner:
            record = rep(status.owner)
            record.overdue += status.overdue
            record.stale += status.stale

    # Regions and plans
    for record in figures.reps.values():
        region = figures.regions.setdefault(record.region or "—", Counter())
        region["follow_ups"] += record.follow_ups
        region["customers"] += record.customers
        region["visits"] += record.visits
        region["overdue"] += record.overdue
        region["stale"] += record.stale
        region["backfilled"] += record.backfilled
    figures.regions = {k: dict(v) for k, v in figures.regions.items()}
    plan = book.table("sales_plan")
    if plan is not None:
        planned: dict[str, int] = defaultdict(int)
        for owner, visits in zip(plan.column("owner"), plan.column("planned_visits"), strict=True):
            if owner and isinstance(visits, int):
                planned[owner] += visits * run.period.months
        for owner, visits in planned.items():
            rep(owner).planned_visits = visits

    # Funnel: customers whose furthest stage reached is at least each stage (seed 003).
    known = {s.customer for s in figures.customers}
    reached = Counter(r for c, r in figures._stage_reach.items() if r >= 0 and c in known)
    at_least = [sum(n for r, n in reached.items() if r >= i) for i in range(len(STAGE_ORDER))]
    for i, stage in enumerate(STAGE_ORDER):
        figures.funnel.append(
            {
                "stage": stage,
                "customers": at_least[i],
                "conversion": ratio(at_least[i], at_least[i - 1]) if i else None,
            }
        )
    return figures


# --- appraisal (SPEC §1.3) -------------------------------------------------------------------------

GRADE_ORDER = ("优秀", "良好", "待改进")


@dataclass
class PersonFigure:
    row: int = field(metadata=INTERNAL)  # position in the appraisal table
    name: str
    target: Decimal | None
    actual: Decimal | None
    attainment: Decimal | None = None
    new_customers: int | None = None
    retention: Decimal | None = None
    score: Decimal | None = None
    score_source: str = "computed"  # entered or computed
    score_parts: dict[str, Decimal] = field(default_factory=dict)
    grade: str | None = None
    rank: int | None = None
    suggestion: str | None = None
    previous_attainment: Decimal | None = None
    improvement: Decimal | None = None  # attainment points gained since the previous period
    awards: list[str] = field(default_factory=list)


def grade_of(score: Decimal, config: Config) -> str:
    if score >= config.grade_excellent:
        return "优秀"
    if score >= config.grade_good:
        return "良好"
    return "待改进"


def compute_appraisal(
    book: Book, config: Config, follow_ups: FollowUpFigures
) -> dict[str, PersonFigure]:
    table = book.table("appraisal")
    people: dict[str, PersonFigure] = {}
    if table is None:
        return people
    for i, name in enumerate(table.column("name")):
        if not name or name in people:
            continue
        target, actual = table.column("target")[i], table.column("actual")[i]
        person = PersonFigure(i, name, target, actual)
        if target and actual is not None and target > 0:
            person.attainment = ratio(actual, target)
        person.new_customers = table.column("new_customers")[i]
        person.retention = table.column("retention")[i]
        person.suggestion = table.column("suggestion")[i]
        entered_score = table.column("score")[i]
        parts = _score_parts(
            person,
            follow_ups.reps.get(name),
            table.column("manager_score")[i] if table.has("manager_score") else None,
            config,
        )
        person.score_parts = parts
        if entered_score is not None:
            person.score, person.score_source = Decimal(entered_score), "entered"
        elif parts:
            person.score = _weighted(parts, config)
        if person.score is not None:
            person.grade = grade_of(person.score, config)
        people[name] = person
    ranked = sorted((p for p in people.values() if p.score is not None), key=lambda p: -p.score)
    for position, person in enumerate(ranked, start=1):
        same = [p for p in ranked[: position - 1] if p.score == person.score]
        person.rank = same[0].rank if same else position
    return people


def _score_parts(
    person: PersonFigure, rep: RepFollowUps | None, manager: object, config: Config
) -> dict[str, Decimal]:
    """Each scorecard part as 0–100; parts without data are left out (weights renormalised)."""
    parts: dict[str, Decimal] = {}
    if person.attainment is not None:
        parts["attainment"] = min(HUNDRED, person.attainment * HUNDRED)
    if person.new_customers is not None and config.new_customer_target:
        parts["new_customers"] = min(
            HUNDRED, Decimal(person.new_customers) * HUNDRED / config.new_customer_target
        )
    if person.retention is not None:
        parts["retention"] = min(HUNDRED, person.retention * HUNDRED)
    if rep is not None and rep.node_completion is not None:
        parts["process_nodes"] = rep.node_completion * HUNDRED
    if rep is not None and rep.completeness is not None:
        parts["record_completeness"] = rep.completeness * HUNDRED
    if isinstance(manager, Decimal):
        parts["qualitative"] = min(HUNDRED, manager)
    return {k: v.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) for k, v in parts.items()}


def _weighted(parts: dict[str, Decimal], config: Config) -> Decimal | None:
    weights = {k: config.weights.get(k, Decimal(0)) for k in parts}
    total = sum(weights.values())
    if not total:
        return None
    score = sum(parts[k] * w for k, w in weights.items()) / total
    return score.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Award:
    key: str  # star, most_improved, growth_board
    name: str
    rule: str
    winners: list[str] = field(default_factory=list)
    near_misses: list[tuple[str, str]] = field(default_factory=list)  # (name, why not)
    available: bool = True
    note: str | None = None


def compute_awards(
    people: dict[str, PersonFigure], config: Config, previous: dict[str, Decimal] | None
) -> list[Award]:
    """销售之星, 最佳进步奖, 成长进步榜 with their rules; improvement needs a previous period."""
    threshold = config.star_min_attainment / HUNDRED
    star = Award("star", "销售之星", f"达成率最高且不低于 {_plain(config.star_min_attainment)}%")
    qualified = [
        p for p in people.values() if p.attainment is not None and p.attainment >= threshold
    ]
    if qualified:
        best = max(p.attainment for p in qualified)
        star.winners = sorted(p.name for p in qualified if p.attainment == best)
    for person in people.values():
        if (
            person.attainment is not None
            and threshold - Decimal("0.05") <= person.attainment < threshold
        ):
            star.near_misses.append(
                (
                    person.name,
                    f"达成率 {_pct(person.attainment)}，未达 "
                    f"{_plain(config.star_min_attainment)}% 门槛",
                )
            )
    improved = Award(
        "most_improved",
        "最佳进步奖",
        f"达成率较上期提升最多，且至少 {_plain(config.improvement_min_points)} 个百分点",
    )
    board = Award(
        "growth_board", "成长进步榜", f"按达成率较上期的提升排名，前 {config.growth_board_size} 名"
    )
    if not previous:
        for award in (improved, board):
            award.available = False
            award.note = "尚无上期数据，暂不评选"
    else:
        for person in people.values():
            before = previous.get(person.name)
            if person.attainment is not None and before is not None:
                person.previous_attainment = before
                person.improvement = ((person.attainment - before) * HUNDRED).quantize(
                    Decimal("0.1")
                )
        gains = sorted(
            (p for p in people.values() if p.improvement is not None),
            key=lambda p: (-p.improvement, p.name),
        )
        if gains and gains[0].improvement >= config.improvement_min_points:
            top = gains[0].improvement
            improved.winners = [p.name for p in gains if p.improvement == top]
        for person in gains[1:4]:
            if person.name not in improved.winners and person.improvement > 0:
                improved.near_misses.append((person.name, f"提升 {person.improvement} 个百分点"))
        board.winners = [p.name for p in gains if p.improvement > 0][: config.growth_board_size]
    for award in (star, improved, board):
        for name in award.winners:
            people[name].awards.append(award.name)
    return [star, improved, board]


def _pct(value: Decimal) -> str:
    return f"{(value * HUNDRED).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def appraisal_issues(
    book: Book,
    people: dict[str, PersonFigure],
    config: Config,
    targets: list[TargetFigure],
    roster: People,
) -> list[Issue]:
    """Entered attainment, score or grade that disagree with the figures; people without a pair."""
    table = book.table("appraisal")
    issues: list[Issue] = []
    if table is None:
        return issues
    half_point = Decimal("0.005")
    for person in people.values():
        i = person.row
        entered = table.column("attainment")[i]
        if (
            entered is not None
            and person.attainment is not None
            and abs(entered - person.attainment) > half_point
        ):
            issues.append(
                Issue(
                    "SB-P003",
                    table.location(i, "attainment"),
                    {"entered": _pct(entered), "computed": _pct(person.attainment)},
                )
            )
        # A scorecard without the manager's part cannot contradict a score the manager gave.
        if person.score_source == "entered" and set(person.score_parts) >= set(config.weights):
            computed = _weighted(person.score_parts, config)
            if computed is not None and abs(computed - person.score) > Decimal(5):
                issues.append(
                    Issue(
                        "SB-P004",
                        table.location(i, "score"),
                        {"entered": _plain(person.score), "computed": _plain(computed)},
                    )
                )
        grade = table.column("grade")[i]
        if grade and person.score is not None and grade != grade_of(person.score, config):
            issues.append(
                Issue(
                    "SB-P005",
                    table.location(i, "grade"),
                    {
                        "entered": grade,
                        "computed": grade_of(person.score, config),
                        "score": _plain(person.score),
                    },
                )
            )
    with_target = {f.name for f in targets if f.dimension_type == "个人" and f.unit != "个"} | {
        f.owner for f in targets if f.dimension_type == "个人" and f.unit != "个" and f.owner
    }
    if targets:
        for person in people.values():
            if person.name not in with_target:
                issues.append(
                    Issue("SB-P006", table.location(person.row, "name"), {"person": person.name})
                )
        breakdown = book.table("target_breakdown")
        for figure in targets:
            if (
                figure.dimension_type == "个人"
                and figure.unit != "个"
                and figure.name not in people
                and (figure.owner not in people)
                and roster.role.get(figure.name, REP_ROLE) == REP_ROLE
            ):
                issues.append(
                    Issue(
                        "SB-P007",
                        breakdown.location(figure.row, "dimension"),
                        {"person": figure.name},
                    )
                )
    return issues


# --- health (SPEC §1.4) -------------------------------------------------------------------------------


@dataclass
class IndicatorFigure:
    name: str
    dimension: str | None
    healthy: Threshold | None
    alert: Threshold | None
    improvement: str | None
    value: Decimal | None = None
    unit: str = ""
    source: str | None = None  # data sheet, or what it was derived from
    status: str | None = None  # healthy, watch, alert
    trend: list[tuple[str, Decimal]] = field(default_factory=list)
    target: str | None = None
    formula: str | None = None
    row: int | None = field(default=None, metadata=INTERNAL)  # position in the monitoring table


STATUS_LABELS = {"healthy": "健康", "watch": "关注", "alert": "预警"}


def status_of(value: Decimal, healthy: Threshold | None, alert: Threshold | None) -> str | None:
    if healthy is None and alert is None:
        return None
    if healthy is not None and healthy.met_by(value):
        return "healthy"
    if alert is not None and alert.met_by(value):
        return "alert"
    return "watch"


def _indicator_key(name: str) -> str:
    return re.sub(r"\(.*?\)", "", choice_key(name))


def compute_health(
    book: Book,
    run: RunPeriod,
    derived: dict[str, Decimal],
    history: dict[str, list[tuple[str, Decimal]]],
) -> list[IndicatorFigure]:
    monitoring = book.table("health_monitoring")
    listing = book.table("health_indicators")
    data = book.table("health_data")
    indicators: dict[str, IndicatorFigure] = {}
    if monitoring is not None:
        for i, (dimension, name, healthy, alert, improvement) in enumerate(
            zip(
                monitoring.column("dimension"),
                monitoring.column("indicator"),
                monitoring.column("healthy"),
                monitoring.column("alert"),
                monitoring.column("improvement"),
                strict=True,
            )
        ):
            if name:
                indicators[_indicator_key(name)] = IndicatorFigure(
                    name, dimension, healthy, alert, improvement, row=i
                )
    if listing is not None:
        for name, target, formula in zip(
            listing.column("name"), listing.column("target"), listing.column("formula"), strict=True
        ):
            if not name:
                continue
            figure = indicators.setdefault(
                _indicator_key(name),
                IndicatorFigure(name, None, _target_threshold(target), None, None),
            )
            figure.target, figure.formula = target, formula
    measured: dict[str, dict[str, tuple[Decimal, str]]] = defaultdict(dict)
    if data is not None:
        for period, name, value, numerator, denominator in zip(
            data.column("period"),
            data.column("indicator"),
            data.column("value"),
            data.column("numerator"),
            data.column("denominator"),
            strict=True,
        ):
            if not isinstance(period, Period) or not name:
                continue
            if value is not None:
                measured[_indicator_key(name)][period.label] = (value.value, value.unit)
            elif numerator is not None and denominator:
                measured[_indicator_key(name)][period.label] = (numerator / denominator, "%")
    for key, figure in indicators.items():
        series = measured.get(key, {})
        value = _value_for(series, run.period)
        if value is not None:
            figure.value, figure.unit = value[0], value[1]
            figure.source = "指标数据"
        elif key in derived:
            figure.value, figure.unit, figure.source = derived[key], "%", "计算"
        if figure.value is not None:
            figure.status = status_of(figure.value, figure.healthy, figure.alert)
        past = dict(history.get(key, []))
        past.update({label: v for label, (v, _) in series.items()})
        figure.trend = sorted(
            ((label, v) for label, v in past.items() if _label_end(label) <= run.period.end),
            key=lambda point: (_label_end(point[0]), point[0]),
        )
    return list(indicators.values())


def _target_threshold(target: str | None) -> Threshold | None:
    """An indicator-list target (`100%`) read as a healthy threshold (≥ target)."""
    if not target:
        return None
    try:
        return parse_threshold(target if target[0] in "<>≤≥" else "≥" + target)
    except BadValue:
        return None


def _label_end(label: str) -> dt.date:
    from salesbook.values import parse_period

    try:
        return parse_period(label).end
    except BadValue:
        return dt.date.max


def _value_for(
    series: dict[str, tuple[Decimal, str]], period: Period
) -> tuple[Decimal, str] | None:
    """The period's own row, else the latest month inside it."""
    if period.label in series:
        return series[period.label]
    inside = sorted((label for label in series if _label_end(label) in period), key=_label_end)
    return series[inside[-1]] if inside else None


# --- everything -----------------------------------------------------------------------------------


@dataclass
class Figures:
    run: RunPeriod
    calendar: str
    targets: list[TargetFigure]
    follow_ups: FollowUpFigures
    people: dict[str, PersonFigure]
    awards: list[Award]
    health: list[IndicatorFigure]
    review_items: list[dict[str, object]]
    issues: list[Issue]
    to_date: dict[str, dict[str, object]] = field(default_factory=dict)  # monthly runs: QTD, YTD
    rollup: list[dict[str, object]] = field(default_factory=list)  # 区域 -> 小组 -> 个人
    plans: list[PlanFigure] = field(default_factory=list)
    money_unit: str = "元"  # how writers show money (config money_unit)
    roster: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> role, region, …


def compute(
    book: Book,
    config: Config,
    run: RunPeriod,
    previous_attainment: dict[str, Decimal] | None = None,
    health_history: dict[str, list[tuple[str, Decimal]]] | None = None,
) -> Figures:
    """Every figure for the run period; `previous_*` come from the history database."""
    calendar = WorkCalendar(config.calendar)
    people = roster_people(book)
    follow_ups = compute_follow_ups(book, config, run, calendar, people)
    appraisal = compute_appraisal(book, config, follow_ups)
    targets = compute_targets(book, config, run, calendar, people, appraisal, follow_ups)
    awards = compute_awards(appraisal, config, previous_attainment)
    totals = follow_ups.totals
    derived: dict[str, Decimal] = {}
    sales = [
        f for f in targets if f.unit == "元" and f.dimension_type == "区域" and f.actual is not None
    ]
    if sales:
        derived[_indicator_key("营收达成率")] = ratio(
            sum(f.actual for f in sales), sum(f.target for f in sales)
        ) or Decimal(0)
    if totals["completeness"] is not None:
        derived[_indicator_key("CRM信息完整度")] = totals["completeness"]
    if totals["node_completion"] is not None:
        derived[_indicator_key("流程节点完成率")] = totals["node_completion"]
    if follow_ups.funnel and follow_ups.funnel[0]["customers"]:
        leads = follow_ups.funnel[0]["customers"]
        opportunities = follow_ups.funnel[STAGE_ORDER.index("需求诊断")]["customers"]
        won = follow_ups.funnel[WON]["customers"]
        derived[_indicator_key("线索转化率")] = ratio(opportunities, leads)
        if opportunities:
            derived[_indicator_key("商机赢单率")] = ratio(won, opportunities)
    health = compute_health(book, run, derived, health_history or {})
    issues = allocation_issues(book, targets) + appraisal_issues(
        book, appraisal, config, targets, people
    )
    plans, plan_issues = compute_plans(book, config, run, follow_ups)
    to_date = {}
    for key, span in (("quarter", run.quarter_to_date), ("year", run.year_to_date)):
        if span is not None:
            partial = compute_follow_ups(
                book, config, RunPeriod(span, run.as_of, False, None, None), calendar, people
            )
            to_date[key] = {
                "period": span,
                "follow_ups": partial.totals,
                "regions": partial.regions,
            }
    return Figures(
        run,
        calendar.name,
        targets,
        follow_ups,
        appraisal,
        awards,
        health,
        review_items(book, run),
        issues + plan_issues,
        to_date,
        rollup(targets, people),
        plans,
        config.money_unit,
        {
            name: {
                "role": people.role.get(name, ""),
                "region": people.region.get(name, ""),
                "group": people.group.get(name, ""),
                "manager": people.manager.get(name, ""),
            }
            for name in sorted(people.role)
        },
    )


def review_items(book: Book, run: RunPeriod) -> list[dict[str, object]]:
    table = book.table("review_items")
    if table is None:
        return []
    items = []
    for category, content, owner, due, status in zip(
        table.column("category"),
        table.column("content"),
        table.column("owner"),
        table.column("due"),
        table.column("status"),
        strict=True,
    ):
        if content:
            items.append(
                {
                    "category": category,
                    "content": content,
                    "owner": owner,
                    "due": due,
                    "status": status,
                    "overdue": bool(due and due < run.as_of and status != DONE),
                }
            )
    return items


# --- serialisation -----------------------------------------------------------------------------------


def jsonable(value: object) -> object:
    """Figures as JSON-ready data: Decimal -> string (exact), dates ISO, periods by label."""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, (dt.date, Period)):
        return value.isoformat() if isinstance(value, dt.date) else value.label
    if isinstance(value, Threshold):
        return {"op": value.op, "limit": f"{value.limit:f}", "unit": value.unit}
    if isinstance(value, Issue):
        return value.as_dict()
    if hasattr(value, "__dataclass_fields__"):
        return {
            name: jsonable(getattr(value, name))
            for name, spec in value.__dataclass_fields__.items()
            if not name.startswith("_") and spec.metadata.get("json", True)
        }
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        items = sorted(value) if isinstance(value, set) else value
        return [jsonable(v) for v in items]
    return value


def history_rows(figures: Figures) -> list[tuple[str, str, str, Decimal]]:
    """What the ledger keeps of a run: per person, region and indicator."""
    rows: list[tuple[str, str, str, Decimal]] = []
    for person in figures.people.values():
        for metric in ("attainment", "actual", "target", "score"):
            value = getattr(person, metric)
            if value is not None:
                rows.append(("person", person.name, metric, Decimal(value)))
    for target in figures.targets:
        if target.dimension_type == "区域" and target.name and target.unit == "元":
            for metric in ("attainment", "actual", "target"):
                value = getattr(target, metric)
                if value is not None:
                    rows.append(("region", target.name, metric, value))
    for region, counts in figures.follow_ups.regions.items():
        rows.append(("region", region, "follow_ups", Decimal(counts.get("follow_ups", 0))))
    for indicator in figures.health:
        if indicator.value is not None:
            rows.append(("indicator", _indicator_key(indicator.name), "value", indicator.value))
    return rows


# --- roll-up and plans (SPEC §1.1, §1.5) -----------------------------------------------------------


def rollup(targets: list[TargetFigure], people: People) -> list[dict[str, object]]:
    """区域 → 小组 → 个人 sales targets and actuals, with what the level below adds up to."""
    money = [t for t in targets if t.unit == "元"]
    by_kind: dict[str, dict[str, TargetFigure]] = defaultdict(dict)
    for figure in money:
        if figure.dimension_type and figure.name:
            by_kind[figure.dimension_type][_place_key(figure.name)] = figure
    individual = by_kind.get("个人", {})
    regions = sorted({r for r in people.region.values() if r})
    tree = []
    for region in regions:
        members = {p for p, r in people.region.items() if r == region}
        groups = sorted({people.group[p] for p in members if people.group.get(p)})
        group_rows = []
        for group in groups:
            in_group = sorted(p for p in members if people.group.get(p) == group)
            person_rows = [_level("个人", p, individual.get(_place_key(p)), []) for p in in_group]
            group_rows.append(
                _level("小组", group, by_kind.get("小组", {}).get(_place_key(group)), person_rows)
            )
        loose = sorted(p for p in members if not people.group.get(p))
        children = group_rows + [
            _level("个人", p, individual.get(_place_key(p)), []) for p in loose
        ]
        tree.append(
            _level("区域", region, by_kind.get("区域", {}).get(_place_key(region)), children)
        )
    return tree


def _level(
    kind: str, name: str, figure: TargetFigure | None, children: list[dict[str, object]]
) -> dict[str, object]:
    below = [c["target"] for c in children if c["target"] is not None]
    below_actual = [c["actual"] for c in children if c["actual"] is not None]
    return {
        "level": kind,
        "name": name,
        "target": figure.target if figure else None,
        "actual": figure.actual if figure else None,
        "attainment": figure.attainment if figure else None,
        "children_target": sum(below, Decimal(0)) if below else None,
        "children_actual": sum(below_actual, Decimal(0)) if below_actual else None,
        "children": children,
    }


@dataclass
class PlanFigure:
    row: int = field(metadata=INTERNAL)  # position in the plan table
    owner: str
    customer: str
    planned: int  # visits planned over the run period
    visits: int  # visits made (上门拜访, or every channel if configured)
    follow_ups: int  # follow-ups of any channel

    @property
    def attainment(self) -> Decimal | None:
        return ratio(self.visits, self.planned)


def compute_plans(
    book: Book, config: Config, run: RunPeriod, follow_ups: FollowUpFigures
) -> tuple[list[PlanFigure], list[Issue]]:
    """Visits against the plan per key customer; R004 for a key customer never followed up."""
    plan = book.table("sales_plan")
    log = book.table("follow_up")
    if plan is None:
        return [], []
    done: Counter = Counter()
    visits: Counter = Counter()
    if log is not None:
        owners, customers, channels = (
            log.column("owner"),
            log.column("customer"),
            log.column("channel"),
        )
        for i in follow_ups.in_period_rows:
            key = (owners[i], customers[i])
            done[key] += 1
            if channels[i] == VISIT or (config.visits_any_channel and channels[i]):
                visits[key] += 1
    figures, issues = [], []
    for i, (owner, period, customer, planned) in enumerate(
        zip(
            plan.column("owner"),
            plan.column("period"),
            plan.column("key_customer"),
            plan.column("planned_visits"),
            strict=True,
        )
    ):
        if not owner or not customer or not isinstance(planned, int):
            continue
        if isinstance(period, Period) and not (
            period.start <= run.period.end and run.period.start <= period.end
        ):
            continue  # a plan for another period
        months = (
            run.period.months
            if not isinstance(period, Period)
            else min(period.months, run.period.months)
        )
        key = (owner, customer)
        figures.append(PlanFigure(i, owner, customer, planned * months, visits[key], done[key]))
        if done[key] == 0 and log is not None:
            issues.append(
                Issue(
                    "SB-R004",
                    plan.location(i, "key_customer"),
                    {"customer": customer, "owner": owner, "period": run.period.label},
                )
            )
    return figures, issues
