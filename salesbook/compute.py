"""Book + Config + period -> Figures: every computed figure of SPEC §1. Pure: no I/O, Decimal only.

Money stays Decimal yuan and ratios Decimal fractions (1.1 = 110%). Every rule (award threshold,
pace band, grade, completion standard, health threshold) is decided on the exact value; ratios and
scores are kept exact (Decimal division, 28 significant digits) and only money amounts that are
themselves paid or split are rounded to the fen. Writers round for display (salesbook.shown).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from salesbook.config import Config
from salesbook.errors import BadValue
from salesbook.issues import Issue
from salesbook.read import Book, Table
from salesbook.schemas import ACTIVE, DONE, REP_ROLE, STAGES, VISIT
from salesbook.shown import shown, shown_percent
from salesbook.values import (
    Period,
    Quantity,
    Threshold,
    choice_key,
    column_letter,
    is_placeholder,
    month_period,
    parse_quantity,
    parse_threshold,
    quarter_period,
    split_dimension,
    split_overall,
    year_period,
)
from salesbook.workdays import WorkCalendar

FEN = Decimal("0.01")
INTERNAL = {"json": False}  # positions in the merged tables: for the writers, not for figures.json
HUNDRED = Decimal(100)
STAGE_ORDER = [s.value for s in STAGES]
WON = STAGE_ORDER.index("合同签订")  # stages from here on are won business


def money(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    """The exact ratio: never rounded here, so rules compare the true value (99.995 % < 100 %)."""
    if not denominator:
        return None
    return Decimal(numerator) / Decimal(denominator)


# --- periods ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunPeriod:
    """What a run is about: the period, the as-of date, and how they were chosen."""

    period: Period
    as_of: dt.date
    chosen: bool  # True when the period was picked from the data, not given
    quarter_to_date: Period | None  # monthly runs also report these
    year_to_date: Period | None
    basis: str = "given"  # given, targets (the targets' period) or data (latest month with data)


def data_dates(book: Book) -> list[dt.date]:
    """Every follow-up date read, the data a run's period is chosen from."""
    table = book.table("follow_up")
    return [d for d in table.column("date") if isinstance(d, dt.date)] if table else []


def targets_period(book: Book) -> Period | None:
    """The overall targets' period: the one they share, else the one holding the latest data."""
    overall = book.table("target_overall")
    periods = [p for p in overall.column("period") if isinstance(p, Period)] if overall else []
    if not periods:
        return None
    distinct = {p.label: p for p in periods}
    if len(distinct) == 1:
        return periods[0]
    dates = data_dates(book)
    latest = max(dates) if dates else None
    holding = [p for p in distinct.values() if latest is not None and latest in p]
    return max(holding or distinct.values(), key=lambda p: (p.end, -p.start.toordinal()))


def resolve_period(book: Book, requested: Period | None, as_of: dt.date | None) -> RunPeriod:
    """The requested period; by default the targets' period (letters, appraisal sheets and the
    review then cover one period), or without targets the latest month with data. As-of: the
    latest follow-up date in the period, else its end."""
    dates = data_dates(book)
    chosen = requested is None
    basis = "given"
    if requested is None:
        requested, basis = targets_period(book), "targets"
        if requested is None and dates:
            latest = max(dates)
            requested, basis = month_period(latest.year, latest.month), "data"
        elif requested is None:
            requested, basis = year_period(dt.date.today().year), "data"
    if as_of is None:
        inside = [d for d in dates if d in requested]
        as_of = max(inside) if inside else requested.end
    quarter = year = None
    if requested.kind == "month":
        q = quarter_period(requested.start.year, (requested.start.month - 1) // 3 + 1)
        quarter = Period(q.start, min(q.end, as_of), f"{q.label}（截至 {as_of}）")
        y = year_period(requested.start.year)
        year = Period(y.start, min(y.end, as_of), f"{y.label}（截至 {as_of}）")
    return RunPeriod(requested, as_of, chosen, quarter, year, basis)


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


PACE_LABELS = {"ahead": "领先", "on_track": "正常", "watch": "关注", "behind": "落后"}


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


def _round(value: Decimal, unit: str | None) -> Decimal:
    return money(value) if unit == "元" else value.quantize(FEN, rounding=ROUND_HALF_UP)


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
    even = _round(total / n, unit)
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
        figure.months = split_months(target.amount, period, unit)
        figure.quarters = quarter_sums(figure.months)
        amounts = {amount for _, amount in figure.months}
        if len(amounts) == 1 or unit != "个":
            figure.monthly = figure.months[0][1] if figure.months else None
        if workdays:
            if unit == "个":
                figure.daily = count_rate(target.amount / workdays)
            else:
                figure.daily = _round(target.amount / workdays, unit)
            if period.months >= 3 or period.kind == "quarter":
                weekly = target.amount * 5 / workdays
                figure.weekly = count_rate(weekly) if unit == "个" else _round(weekly, unit)
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
    planned_visits: int | None = None  # the rep's plans for the run period (compute_plans)
    by_channel: dict[str, int] = field(default_factory=dict)
    overdue: int = 0  # of the customers this rep owns at the as-of date, whatever the period
    stale: int = 0
    complete: int = 0
    backfilled: int = 0
    process_nodes_due: int = 0
    process_nodes_done: int = 0
    plan_visits: int | None = None  # visits to those plans' key customers, each in its period

    @property
    def completeness(self) -> Decimal | None:
        return ratio(self.complete, self.follow_ups)

    @property
    def node_completion(self) -> Decimal | None:
        return ratio(self.process_nodes_done, self.process_nodes_due)


# Why a customer is listed 待重新分配 (to reassign): its owner cannot follow it up any more.
REASSIGN_LABELS = {
    "left": "负责人已离职",
    "not_on_roster": "负责人不在团队名册",
    "no_owner": "未指定负责人",
}


@dataclass
class CustomerStatus:
    """A customer at the as-of date, from its latest follow-up up to then (SPEC §4)."""

    customer: str
    owner: str
    last_date: dt.date
    stage: str | None
    due: dt.date | None
    next_action: str | None
    overdue: bool = False
    stale: bool = False
    pool_date: dt.date | None = None
    idle_days: int = 0  # working days from the last follow-up to the as-of date
    in_period: bool = False  # followed up within the run period
    region: str = ""  # the owner's region on the roster
    reassign: str | None = None  # a key of REASSIGN_LABELS when the owner cannot follow it up
    row: int = field(default=0, metadata=INTERNAL)  # position of the latest follow-up


@dataclass
class FollowUpFigures:
    reps: dict[str, RepFollowUps] = field(default_factory=dict)
    regions: dict[str, dict[str, int]] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)
    customers: list[CustomerStatus] = field(default_factory=list)  # every customer, at as-of
    reassign: list[CustomerStatus] = field(default_factory=list)  # 待重新分配
    funnel: list[dict[str, object]] = field(default_factory=list)
    backfilled_rows: list[int] = field(default_factory=list, metadata=INTERNAL)
    incomplete_rows: list[int] = field(default_factory=list, metadata=INTERNAL)
    in_period_rows: list[int] = field(default_factory=list, metadata=INTERNAL)
    # rows repeating an earlier one (SB-U005): counted nowhere
    repeated_rows: list[int] = field(default_factory=list, metadata=INTERNAL)
    # Up to as-of: customer -> (signing date, who signed); customers first recorded at
    # 履约交付/售后跟进 (existing business); owner -> (customer, date) of each follow-up.
    _signed: dict[str, tuple[dt.date, str]] = field(default_factory=dict)
    _existing: set[str] = field(default_factory=set)
    _by_owner: dict[str, list[tuple[str, dt.date]]] = field(default_factory=dict)
    _touched: set[str] = field(default_factory=set)  # customers followed up in the run period

    def new_signings(self, owners: set[str], period: Period) -> set[str]:
        """Customers that reached 合同签订 within `period` in a follow-up by one of `owners`
        (SPEC §4: after an earlier stage, or first recorded at 合同签订 in the period)."""
        return {
            c
            for owner in owners
            for c, _ in self._by_owner.get(owner, ())
            if c in self._signed and self._signed[c][1] == owner and self._signed[c][0] in period
        }

    def prospects(self, owners: set[str], period: Period) -> set[str]:
        """Customers these owners followed up within `period` that were not customers yet: not
        first recorded at 履约交付/售后跟进, and not signed before the period."""
        return {
            c
            for owner in owners
            for c, day in self._by_owner.get(owner, ())
            if day in period
            and c not in self._existing
            and not (c in self._signed and self._signed[c][0] < period.start)
        }

    def conversion(self, owners: set[str], period: Period) -> Decimal | None:
        """New signings of the period, of the prospects these owners followed up in it."""
        prospects = self.prospects(owners, period)
        return ratio(len(self.new_signings(owners, period) & prospects), len(prospects))

    def won_customers(self, owners: set[str], period: Period) -> int:
        return len(self.new_signings(owners, period))

    @property
    def totals(self) -> dict[str, object]:
        reps = self.reps.values()
        follow_ups = sum(r.follow_ups for r in reps)
        return {
            "follow_ups": follow_ups,
            "customers": len(self._touched),
            "overdue": sum(c.overdue for c in self.customers),
            "stale": sum(c.stale for c in self.customers),
            "reassign": len(self.reassign),
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
DUPLICATE_KEYS = ("customer", "owner", "date", "summary")  # SB-U005, checks.check_follow_ups


def repeated_rows(table: Table) -> set[int]:
    """Rows repeating an earlier row on DUPLICATE_KEYS (SB-U005): counted once, as the first."""
    frame = table.frame[list(DUPLICATE_KEYS)]
    repeated = frame.duplicated(keep="first") & frame.notna().all(axis=1)  # blanks never match
    return {int(i) for i in repeated.to_numpy().nonzero()[0]}


def unknown_choice_rows(book: Book, table: Table, key: str) -> set[int]:
    """Rows whose `key` cell holds a value outside the list (SB-V006): filled in, read as blank."""
    bad = {
        (i.location.file, i.location.sheet, i.location.cell)
        for i in book.issues
        if i.code == "SB-V006" and i.location.cell
    }
    if not bad:
        return set()
    letters = {
        n: column_letter(s.columns[key]) for n, s in enumerate(table.sources) if key in s.columns
    }
    rows = set()
    for i, (n, row) in enumerate(zip(table.frame["_source"], table.frame["_row"], strict=True)):
        source, n = table.sources[int(n)], int(n)
        if n in letters and (source.file, source.sheet, f"{letters[n]}{int(row)}") in bad:
            rows.add(i)
    return rows


def reassign_reason(owner: str | None, people: People) -> str | None:
    """Why nobody can follow a customer up; None when its owner is an active person on the roster
    (or when there is no roster to tell)."""
    if not owner or is_placeholder(owner):
        return "no_owner"
    if not people.role:
        return None
    if owner not in people.role:
        return "not_on_roster"
    return None if owner in people.active else "left"


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
    # A row repeated across files (SB-U005) counts once, as its first copy, in every figure.
    repeated = repeated_rows(table)
    figures.repeated_rows = sorted(repeated)
    # A channel outside the list (SB-V006: 钉钉) is that one issue: the follow-up counts, under
    # 其他, and its channel cell is filled in for record completeness.
    unknown_channel = unknown_choice_rows(book, table, "channel")
    # Complete = every column of the seed's template filled (信息同步人 is optional: seed 000
    # added it as an improvement, and many teams leave it blank when nobody else needs to know).
    others = [k for k in COMPLETENESS_KEYS if k != "channel"]
    filled = [
        bool(rest) and (bool(channel) or i in unknown_channel)
        for i, (rest, channel) in enumerate(
            zip(frame[others].notna().all(axis=1).tolist(), channels, strict=True)
        )
    ]

    # Every follow-up up to as-of, by customer in date order: for overdue, stale and process nodes.
    history: dict[str, list[int]] = defaultdict(list)
    for i, (day, customer) in enumerate(zip(dates, customers, strict=True)):
        if isinstance(day, dt.date) and customer and day <= as_of and i not in repeated:
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
        if (
            not isinstance(day, dt.date)
            or not owner
            or day not in period
            or day > as_of
            or i in repeated
        ):
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
            figures._touched.add(customers[i])
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

    # Every customer's state at as-of, from its latest follow-up, whether or not it was followed
    # up in the run period (SPEC §4): the customers nobody followed up are the ones to see.
    reach: dict[str, int] = {}
    for customer, rows in sorted(history.items()):
        last = rows[-1]
        staged = [(j, STAGE_ORDER.index(stages[j])) for j in rows if stages[j] in STAGE_ORDER]
        reach[customer] = max((s for _, s in staged), default=-1)
        for j in rows:
            figures._by_owner.setdefault(owners[j] or "", []).append((customer, dates[j]))
        if staged and staged[0][1] > WON:
            figures._existing.add(customer)  # first seen in delivery or after-sales
        else:
            signing = next((j for j, s in staged if s >= WON), None)
            if signing is not None:
                figures._signed[customer] = (dates[signing], owners[signing] or "")
        owner = owners[last] or ""
        status = CustomerStatus(
            customer,
            owner,
            dates[last],
            stages[last],
            dues[last] if isinstance(dues[last], dt.date) else None,
            actions[last],
            idle_days=calendar.workdays_between(dates[last], as_of),
            in_period=customer in figures._touched,
            region=people.region.get(owner, ""),
            reassign=reassign_reason(owner, people),
            row=last,
        )
        status.overdue = status.due is not None and status.due < as_of
        # Stale is about open opportunities (seed 002): a customer that has signed is past it.
        status.stale = reach[customer] < WON and status.idle_days > config.stale_days
        if config.pool_days:
            try:  # load_config caps pool_days; a Config built in code may not
                status.pool_date = status.last_date + dt.timedelta(days=config.pool_days)
            except OverflowError:
                status.pool_date = None
        figures.customers.append(status)
        if status.reassign:
            figures.reassign.append(status)
        if owner:
            record = rep(owner)
            record.overdue += status.overdue
            record.stale += status.stale
    figures.reassign.sort(key=lambda c: (-c.idle_days, c.owner, c.customer))  # longest idle first

    for record in figures.reps.values():
        region = figures.regions.setdefault(record.region or "—", Counter())
        region["follow_ups"] += record.follow_ups
        region["customers"] += record.customers
        region["visits"] += record.visits
        region["overdue"] += record.overdue
        region["stale"] += record.stale
        region["backfilled"] += record.backfilled
    figures.regions = {k: dict(v) for k, v in figures.regions.items()}

    # Funnel (seed 003): the prospects followed up in the period, by the furthest stage reached;
    # its 合同签订 count is the period's new signings, the rule the standards use.
    prospects = figures.prospects(set(figures._by_owner), period)
    reached = Counter(reach[c] for c in prospects if reach[c] >= 0)
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
    previous_actual: Decimal | None = None
    increase: Decimal | None = None  # sales over the previous period's (成长进步榜, seed 003)
    awards: list[str] = field(default_factory=list)
    actual_missing: str | None = None  # the cell of an actual that could not be read: no grade
    new_customer_target: Decimal | None = None  # own target (个人 … 个), else the setting
    missing_parts: list[str] = field(default_factory=list)  # scorecard parts without data
    weights_used: dict[str, Decimal] = field(default_factory=dict)  # rescaled over the parts used


def grade_of(score: Decimal, config: Config) -> str:
    if score >= config.grade_excellent:
        return "优秀"
    if score >= config.grade_good:
        return "良好"
    return "待改进"


def own_new_customer_targets(book: Book) -> dict[str, Decimal]:
    """Person -> their own new-customer target (a `个人-…` row counted in 个), for the scorecard."""
    table = book.table("target_breakdown")
    found: dict[str, Decimal] = {}
    if table is None:
        return found
    for overall, dimension, target, owner in zip(
        table.column("overall"),
        table.column("dimension"),
        table.column("target"),
        table.column("owner"),
        strict=True,
    ):
        split = split_dimension(dimension) if dimension else None
        if not split or split[0] != "个人" or not isinstance(target, Quantity) or not overall:
            continue
        metric, embedded = split_overall(overall)
        unit = target.unit or (embedded.unit if embedded else None)
        if target.amount > 0 and (unit == "个" or "新客户" in metric):
            for name in {split[1], owner} - {None, ""}:
                found.setdefault(name, target.amount)
    return found


def compute_appraisal(
    book: Book,
    config: Config,
    follow_ups: FollowUpFigures,
    own_targets: dict[str, Decimal] | None = None,
) -> dict[str, PersonFigure]:
    """Each appraised person; `follow_ups` are those of the appraisal's own period."""
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
        if actual is None:
            person.actual_missing = str(table.location(i, "actual"))
        person.new_customer_target = (own_targets or {}).get(name)
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
        person.missing_parts = [k for k, w in config.weights.items() if w and k not in parts]
        used = sum((config.weights.get(k, Decimal(0)) for k in parts), Decimal(0))
        if used:
            person.weights_used = {
                k: ratio(config.weights.get(k, Decimal(0)), used) or Decimal(0) for k in parts
            }
        if entered_score is not None:
            person.score, person.score_source = Decimal(entered_score), "entered"
        elif parts and person.actual_missing is None:
            person.score = _weighted(parts, config)
        # Without the actual the sheet is incomplete: no grade (nor rank) as if it were complete.
        if person.score is not None and person.actual_missing is None:
            person.grade = grade_of(person.score, config)
        people[name] = person
    ranked = sorted((p for p in people.values() if p.grade is not None), key=lambda p: -p.score)
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
    goal = person.new_customer_target or config.new_customer_target
    if person.new_customers is not None and goal:
        parts["new_customers"] = min(HUNDRED, Decimal(person.new_customers) * HUNDRED / goal)
    if person.retention is not None:
        parts["retention"] = min(HUNDRED, person.retention * HUNDRED)
    if rep is not None and rep.node_completion is not None:
        parts["process_nodes"] = rep.node_completion * HUNDRED
    if rep is not None and rep.completeness is not None:
        parts["record_completeness"] = rep.completeness * HUNDRED
    if isinstance(manager, Decimal):
        parts["qualitative"] = min(HUNDRED, manager)
    return parts  # exact: the score and its grade are decided before any rounding


def _weighted(parts: dict[str, Decimal], config: Config) -> Decimal | None:
    weights = {k: config.weights.get(k, Decimal(0)) for k in parts}
    total = sum(weights.values())
    if not total:
        return None
    return sum(parts[k] * w for k, w in weights.items()) / total


# A full scorecard may differ from a typed score by 5 points (the manager's judgement); a partial one
# only by rounding: its range already allows every value of the parts it lacks.
SCORE_SLACK = {True: Decimal(5), False: Decimal("0.05")}


def score_reach(parts: dict[str, Decimal], config: Config) -> tuple[Decimal, Decimal] | None:
    """The lowest and highest score the scorecard can give: the parts without data anywhere
    from 0 to 100 (the manager's part included). One value when every weighted part is known."""
    weights = {k: w for k, w in config.weights.items() if w}
    total = sum(weights.values(), Decimal(0))
    if not total:
        return None
    known = sum((parts[k] * w for k, w in weights.items() if k in parts), Decimal(0))
    unknown = sum((w for k, w in weights.items() if k not in parts), Decimal(0))
    tenth = Decimal("0.1")
    return (
        (known / total).quantize(tenth, rounding=ROUND_HALF_UP),
        ((known + unknown * HUNDRED) / total).quantize(tenth, rounding=ROUND_HALF_UP),
    )


@dataclass
class Award:
    key: str  # star, most_improved, growth_board
    name: str
    rule: str
    winners: list[str] = field(default_factory=list)
    near_misses: list[tuple[str, str]] = field(
        default_factory=list
    )  # (name, why not), closest first
    available: bool = True
    note: str | None = None
    # 成长进步榜: (name, sales increase, attainment points gained) in board order
    standings: list[tuple[str, Decimal, Decimal | None]] = field(default_factory=list)


def compute_awards(
    people: dict[str, PersonFigure],
    config: Config,
    previous: dict[str, Decimal] | None,
    previous_actual: dict[str, Decimal] | None = None,
) -> list[Award]:
    """销售之星, 最佳进步奖, 成长进步榜 with their rules, decided on exact values.

    `previous` holds last period's attainment, `previous_actual` its sales (the history)."""
    threshold = config.star_min_attainment / HUNDRED
    star = Award("star", "销售之星", f"达成率最高且不低于 {_plain(config.star_min_attainment)}%")
    qualified = [
        p for p in people.values() if p.attainment is not None and p.attainment >= threshold
    ]
    if qualified:
        best = max(p.attainment for p in qualified)
        star.winners = sorted(p.name for p in qualified if p.attainment == best)
    # Near misses: everyone within 5 points below the line, the closest first (stable: table order)
    close = sorted(
        (
            p
            for p in people.values()
            if p.attainment is not None and threshold - Decimal("0.05") <= p.attainment < threshold
        ),
        key=lambda p: threshold - p.attainment,
    )
    star.near_misses = [
        (
            p.name,
            f"达成率 {_pct(p.attainment, threshold)}，未达 "
            f"{_plain(config.star_min_attainment)}% 门槛",
        )
        for p in close
    ]
    minimum = config.improvement_min_points
    improved = Award(
        "most_improved",
        "最佳进步奖",
        f"达成率较上期提升最多，且至少 {_plain(minimum)} 个百分点",
    )
    board = Award(
        "growth_board",
        "成长进步榜",
        f"按业绩较上期的增量排名（增量相同按达成率提升），前 {config.growth_board_size} 名",
    )
    if previous:
        for person in people.values():
            before = previous.get(person.name)
            if person.attainment is not None and before is not None:
                person.previous_attainment = before
                person.improvement = (person.attainment - before) * HUNDRED  # exact points
        gains = sorted(
            (p for p in people.values() if p.improvement is not None),
            key=lambda p: -p.improvement,
        )
        if gains and gains[0].improvement >= minimum:
            top = gains[0].improvement
            improved.winners = sorted(p.name for p in gains if p.improvement == top)
        line = gains[0].improvement if improved.winners else minimum
        for person in gains:  # sorted by gain: the closest to the line first
            if person.name in improved.winners or person.improvement <= 0:
                continue
            why = f"提升 {_points(person.improvement, minimum)} 个百分点"
            if not improved.winners:
                why += f"，未达 {_plain(minimum)} 个百分点门槛"
            elif person.improvement < line:
                why += f"，低于最高的 {_points(line, minimum)} 个百分点"
            improved.near_misses.append((person.name, why))
    else:
        improved.available = False
        improved.note = "尚无上期数据，暂不评选"
    if previous_actual:
        for person in people.values():
            before = previous_actual.get(person.name)
            if person.actual is not None and before is not None:
                person.previous_actual = before
                person.increase = person.actual - before
        ranked = sorted(
            (p for p in people.values() if p.increase is not None and p.increase > 0),
            key=lambda p: (
                -p.increase,
                -(p.improvement if p.improvement is not None else Decimal("-Infinity")),
            ),
        )
        size = config.growth_board_size
        cut = ranked[size - 1] if 0 < size <= len(ranked) else None
        # a tie at the last place is on the board too: never decided by name or table order
        board.winners = [
            p.name
            for i, p in enumerate(ranked)
            if i < size
            or (cut is not None and (p.increase, p.improvement) == (cut.increase, cut.improvement))
        ]
        board.standings = [
            (p.name, p.increase, p.improvement) for p in ranked if p.name in board.winners
        ]
    else:
        board.available = False
        board.note = "尚无上期数据，暂不评选"
    for award in (star, improved, board):
        for name in award.winners:
            people[name].awards.append(award.name)
    return [star, improved, board]


def _pct(value: Decimal, *lines: Decimal) -> str:
    """A ratio as printed next to a rule: never on the other side of `lines` (salesbook.shown)."""
    return f"{shown_percent(value, (Decimal(1), *lines))}%"


def _points(value: Decimal, *lines: Decimal) -> str:
    return f"{shown(value, 1, (Decimal(0), *lines))}"


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
        if person.score_source == "entered":
            reach = score_reach(person.score_parts, config)
            slack = SCORE_SLACK[reach is not None and reach[0] == reach[1]]
            if reach is not None and not reach[0] - slack <= person.score <= reach[1] + slack:
                low, high = reach
                shown = _plain(low) if low == high else f"{_plain(low)}–{_plain(high)}"
                issues.append(
                    Issue(
                        "SB-P004",
                        table.location(i, "score"),
                        {"entered": _plain(person.score), "computed": shown},
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
    source_period: str | None = None  # the 指标数据 row's period (a month of a quarter run)
    computed: Decimal | None = None  # derived from the workbooks, shown beside a typed value
    data_row: int | None = field(default=None, metadata=INTERNAL)  # position in 指标数据


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
    data_rows: dict[tuple[str, str], int] = {}
    if data is not None:
        for i, (period, name, value, numerator, denominator) in enumerate(
            zip(
                data.column("period"),
                data.column("indicator"),
                data.column("value"),
                data.column("numerator"),
                data.column("denominator"),
                strict=True,
            )
        ):
            if not isinstance(period, Period) or not name:
                continue
            data_rows[(_indicator_key(name), period.label)] = i
            if value is not None:
                measured[_indicator_key(name)][period.label] = (value.value, value.unit)
            elif numerator is not None and denominator:
                measured[_indicator_key(name)][period.label] = (numerator / denominator, "%")
    for key, figure in indicators.items():
        series = measured.get(key, {})
        label = _label_for(series, run.period)
        if label is not None:
            figure.value, figure.unit = series[label]
            figure.source, figure.source_period = "指标数据", label
            figure.data_row = data_rows.get((key, label))
            figure.computed = derived.get(key) if figure.unit == "%" else None
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


def _label_for(series: dict[str, tuple[Decimal, str]], period: Period) -> str | None:
    """The period's own row, else the latest month inside it (its label is printed with it)."""
    if period.label in series:
        return period.label
    inside = sorted((label for label in series if _label_end(label) in period), key=_label_end)
    return inside[-1] if inside else None


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
    # The lines figures are judged against, so writers never round a figure across one
    lines: dict[str, tuple[Decimal, ...]] = field(default_factory=dict, metadata=INTERNAL)
    # Appraisal sheets cover the targets' period: its follow-up figures per person
    appraisal_period: Period | None = None
    appraisal_reps: dict[str, RepFollowUps] = field(default_factory=dict)
    # Who gets a document: {"letters": {period: [owner]}, "appraisals": [name], "withheld": [...]}
    documents: dict[str, object] = field(default_factory=dict)


def compute(
    book: Book,
    config: Config,
    run: RunPeriod,
    previous_attainment: dict[str, Decimal] | None = None,
    health_history: dict[str, list[tuple[str, Decimal]]] | None = None,
    previous_actual: dict[str, Decimal] | None = None,
) -> Figures:
    """Every figure for the run period; `previous_*` come from the history database."""
    calendar = WorkCalendar(config.calendar)
    people = roster_people(book)
    follow_ups = compute_follow_ups(book, config, run, calendar, people)
    # Appraisals and targets cover the targets' period (a quarter) whatever period the run covers:
    # their follow-up parts are counted over that period, up to the run's as-of date.
    own_period = targets_period(book) or run.period
    own_follow_ups = follow_ups
    if (own_period.start, own_period.end) != (run.period.start, run.period.end):
        own_run = RunPeriod(own_period, min(run.as_of, own_period.end), False, None, None)
        own_follow_ups = compute_follow_ups(book, config, own_run, calendar, people)
    appraisal = compute_appraisal(book, config, own_follow_ups, own_new_customer_targets(book))
    targets = compute_targets(book, config, run, calendar, people, appraisal, own_follow_ups)
    mark_incomplete(book, targets, appraisal, people)
    awards = compute_awards(appraisal, config, previous_attainment, previous_actual)
    totals = follow_ups.totals
    derived: dict[str, Decimal] = {}
    sales = [
        f for f in targets if f.unit == "元" and f.dimension_type == "区域" and f.actual is not None
    ]
    if sales and not any(f.missing for f in targets if f.dimension_type == "区域"):
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
    issues += health_issues(book, health, run.period)
    documents, withheld = document_recipients(book, targets, appraisal, people, own_period)
    issues += withheld
    plans, plan_issues = compute_plans(book, config, run, follow_ups, people)
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
    figures = Figures(
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
        rule_lines(config),
    )
    figures.appraisal_period = own_period
    figures.appraisal_reps = own_follow_ups.reps
    figures.documents = documents
    return figures


def rule_lines(config: Config) -> dict[str, tuple[Decimal, ...]]:
    """Per kind of figure, the lines a rule compares it with (ratios for attainment)."""
    return {
        "attainment": (Decimal(1), config.star_min_attainment / HUNDRED),
        "score": (config.grade_excellent, config.grade_good),
        "improvement": (Decimal(0), config.improvement_min_points),
        "pace": (config.pace_tolerance,),  # points: the bands around expected progress
    }


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
        "gap": figure.gap if figure else None,  # target − actual; 汇总 shows it as 差额 / 超额
        "missing": list(figure.missing) if figure else [],  # unreadable actuals: not summed
        "children_target": sum(below, Decimal(0)) if below else None,
        # a child with a target and no actual makes the sum unknown, never a partial sum
        "children_actual": sum(below_actual, Decimal(0))
        if below_actual
        and all(c["actual"] is not None for c in children if c["target"] is not None)
        else None,
        "children": children,
    }


@dataclass
class PlanFigure:
    row: int = field(metadata=INTERNAL)  # position in the plan table
    owner: str
    customer: str
    planned: int  # visits planned for the months of its 计划周期 inside the run period
    visits: int  # visits made in those months (上门拜访, or every channel if configured)
    follow_ups: int  # follow-ups of any channel in those months
    period: str = ""  # the months counted: the plan's 计划周期, or the run period, the shorter

    @property
    def attainment(self) -> Decimal | None:
        return ratio(self.visits, self.planned)


def _months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1 if start <= end else 0


def compute_plans(
    book: Book,
    config: Config,
    run: RunPeriod,
    follow_ups: FollowUpFigures,
    people: People | None = None,
) -> tuple[list[PlanFigure], list[Issue]]:
    """Visits against each plan row for the months its 计划周期 shares with the run period (a plan
    for 2023-11 does not count in October; a quarter adds its months' plans; a quarterly plan in
    a monthly run counts its 次/月 once); R004 for a key customer not followed up in them.
    Sets each rep's planned_visits and plan_visits from the same rows (the 计划执行 figures)."""
    plan = book.table("sales_plan")
    log = book.table("follow_up")
    if plan is None:
        return [], []
    made: dict[tuple[str, str], list[tuple[dt.date, bool]]] = defaultdict(list)
    if log is not None:
        owners, customers, channels, dates = (
            log.column("owner"),
            log.column("customer"),
            log.column("channel"),
            log.column("date"),
        )
        for i in follow_ups.in_period_rows:  # in the run period, up to as-of, duplicates once
            visit = channels[i] == VISIT or bool(config.visits_any_channel and channels[i])
            made[(owners[i], customers[i])].append((dates[i], visit))
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
        # A plan without 计划周期 stands for every month of the run.
        own = period if isinstance(period, Period) else run.period
        start, end = max(own.start, run.period.start), min(own.end, run.period.end)
        months = _months_between(start, end)
        if not months:
            continue  # a plan for another period
        window = own if own.start >= run.period.start and own.end <= run.period.end else run.period
        done = [visit for day, visit in made[(owner, customer)] if start <= day <= end]
        figure = PlanFigure(
            i, owner, customer, planned * months, sum(done), len(done), window.label
        )
        figures.append(figure)
        if not done and log is not None:
            issues.append(
                Issue(
                    "SB-R004",
                    plan.location(i, "key_customer"),
                    {"customer": customer, "owner": owner, "period": window.label},
                )
            )
    for figure in figures:
        record = follow_ups.reps.get(figure.owner)
        if record is None:
            region = people.region.get(figure.owner, "") if people else ""
            record = follow_ups.reps[figure.owner] = RepFollowUps(figure.owner, region)
        record.planned_visits = (record.planned_visits or 0) + figure.planned
        record.plan_visits = (record.plan_visits or 0) + figure.visits
    return figures, issues


# --- one figure per concept, documents per person (SPEC §4) ----------------------------------------


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
            members = {figure.name, figure.owner} & set(appraisal) or members
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


def health_issues(book: Book, health: list[IndicatorFigure], period: Period) -> list[Issue]:
    """SB-P009: a value typed in 指标数据 for the run's period that differs from the one the
    workbooks give, beyond the one-decimal rounding of a percentage. The typed value is used; both
    are printed. A month's row standing in for a quarter is printed beside the quarter's computed
    value, with both periods, but is not compared: they measure different spans."""
    data = book.table("health_data")
    issues: list[Issue] = []
    if data is None:
        return issues
    for figure in health:
        if figure.computed is None or figure.value is None or figure.data_row is None:
            continue
        if figure.source_period != period.label:
            continue
        if abs(figure.value - figure.computed) > Decimal("0.0005"):
            issues.append(
                Issue(
                    "SB-P009",
                    data.location(figure.data_row, "value"),
                    {
                        "indicator": figure.name,
                        "entered": _pct(figure.value),
                        "computed": _pct(figure.computed),
                    },
                )
            )
    return issues


WITHHELD_REASONS = {
    "placeholder": ("是占位符，不是具体的人", "is a placeholder, not a person"),
    "group": (
        "是小组、区域或产品线，不是具体的人",
        "is a group, region or product line, not a person",
    ),
    "unknown": ("不在团队名册中", "is not on the roster"),
}
DOCUMENT_NAMES = {
    "letter": ("销售目标责任书", "target letter"),
    "appraisal": ("个人业绩评估单", "appraisal sheet"),
}


def why_not_signer(name: str, people: People, places: set[str]) -> str | None:
    """Why `name` cannot sign a document (a key of WITHHELD_REASONS), or None when they can.

    With a roster, only the people on it sign; without one, any name that is not a placeholder
    and not the name of a region, group or product line in the targets."""
    if is_placeholder(name):
        return "placeholder"
    if name in people.role:
        return None
    key = _place_key(name)
    if name in places or key in {_place_key(p) for p in places if p}:
        return "group"
    return "unknown" if people.role else None


def document_recipients(
    book: Book,
    targets: list[TargetFigure],
    appraisal: dict[str, PersonFigure],
    people: People,
    period: Period,
) -> tuple[dict[str, object], list[Issue]]:
    """Who gets a 责任书 and an 评估单, and an SB-T014 issue per document withheld."""
    places = {p for p in (*people.region.values(), *people.group.values()) if p}
    places |= {f.name for f in targets if f.name and f.dimension_type in ("区域", "小组", "产品")}
    letters: dict[str, list[str]] = defaultdict(list)
    withheld: list[dict[str, str]] = []
    issues: list[Issue] = []
    seen: set[tuple[str, str]] = set()
    breakdown = book.table("target_breakdown")

    def withhold(document: str, name: str, label: str, reason: str, location) -> None:
        zh, en = WITHHELD_REASONS[reason]
        withheld.append(
            {"document": document, "name": name, "period": label, "reason": reason, "why": zh}
        )
        issues.append(
            Issue(
                "SB-T014",
                location,
                {
                    "document": dict(zip(("zh", "en"), DOCUMENT_NAMES[document], strict=True)),
                    "name": name,
                    "reason": {"zh": zh, "en": en},
                },
            )
        )

    for figure in targets:
        owner = (figure.owner or "").strip()
        label = figure.period.label
        if not owner or (label, owner) in seen:
            continue
        seen.add((label, owner))
        reason = why_not_signer(owner, people, places)
        if reason is None:
            letters[label].append(owner)
        else:
            withhold("letter", owner, label, reason, breakdown.location(figure.row, "owner"))
    sheets: list[str] = []
    table = book.table("appraisal")
    for name, person in appraisal.items():
        reason = why_not_signer(name.strip(), people, places)
        if reason is None:
            sheets.append(name)
        else:
            withhold("appraisal", name, period.label, reason, table.location(person.row, "name"))
    return {"letters": dict(letters), "appraisals": sheets, "withheld": withheld}, issues
