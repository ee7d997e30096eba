"""Book + RunPeriod + People -> FollowUpFigures (per rep, region, customer, funnel), plans and discipline.

The follow-up log gives the activity (counts, visits, completeness, overdue, stale); an opportunity
list (商机, issue 14) read beside it gives each customer's current stage and deal value, joined by
customer name. Opportunities are not follow-ups: they never add to follow-up counts.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypedDict

from salesbook.compute.people import People
from salesbook.compute.period import INTERNAL, STAGE_ORDER, WON, RunPeriod, ratio
from salesbook.config import Config
from salesbook.read import Book, Table
from salesbook.schemas import LOST, VISIT
from salesbook.values import Period, column_letter, is_placeholder
from salesbook.workdays import WorkCalendar


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


@dataclass
class CustomerStatus:
    """A customer at the as-of date, from its latest follow-up up to then (SPEC §4) and from its
    opportunities in the opportunity list (商机), when one was read."""

    customer: str
    owner: str
    last_date: dt.date | None  # None: in the opportunity list only, no follow-up date anywhere
    stage: str | None  # its current stage: 输单 when lost
    due: dt.date | None
    next_action: str | None
    overdue: bool = False
    stale: bool = False
    pool_date: dt.date | None = None
    idle_days: int | None = 0  # working days from last_date to the as-of date
    in_period: bool = False  # followed up within the run period
    region: str = ""  # the owner's region on the roster
    reassign: str | None = (
        None  # reassign.<key> in salesbook.words when the owner cannot follow it up
    )
    # The latest stage is 输单 (lost, invalid): its funnel has ended, never overdue or stale.
    lost: bool = False
    # Its opportunities that are not lost, their amounts added up in exact Decimal yuan; None
    # without an opportunity in the list, or when one of those amounts could not be read.
    deal_value: Decimal | None = None
    opportunities: int = 0  # its opportunities in the list, up to the as-of date
    row: int = field(default=-1, metadata=INTERNAL)  # latest follow-up; -1: none


class FunnelStage(TypedDict):
    stage: str
    customers: int  # prospects of the period that reached this stage or a later one
    conversion: Decimal | None  # of the stage before; None for the first


class FollowUpTotals(TypedDict):
    follow_ups: int
    customers: int
    overdue: int
    stale: int
    reassign: int
    backfilled: int
    completeness: Decimal | None
    node_completion: Decimal | None


@dataclass
class FollowUpFigures:
    reps: dict[str, RepFollowUps] = field(default_factory=dict)
    regions: dict[str, dict[str, int]] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)
    customers: list[CustomerStatus] = field(default_factory=list)  # every customer, at as-of
    reassign: list[CustomerStatus] = field(default_factory=list)  # 待重新分配
    funnel: list[FunnelStage] = field(default_factory=list)
    backfilled_rows: list[int] = field(default_factory=list, metadata=INTERNAL)
    incomplete_rows: list[int] = field(default_factory=list, metadata=INTERNAL)
    in_period_rows: list[int] = field(default_factory=list, metadata=INTERNAL)
    # rows repeating an earlier one (SB-U005): counted nowhere
    repeated_rows: list[int] = field(default_factory=list, metadata=INTERNAL)
    # Up to as-of: customer -> (signing date, who signed); customers first recorded at
    # 履约交付/售后跟进 (existing business); owner -> (customer, date) of each follow-up and of
    # each dated opportunity (Opportunity.active) the owner holds.
    _signed: dict[str, tuple[dt.date, str]] = field(default_factory=dict)
    _existing: set[str] = field(default_factory=set)
    _by_owner: dict[str, list[tuple[str, dt.date]]] = field(default_factory=dict)
    _touched: set[str] = field(default_factory=set)  # customers followed up in the run period
    _lost: set[str] = field(default_factory=set)  # latest stage 输单 at as-of: never a signing

    def new_signings(self, owners: set[str], period: Period) -> set[str]:
        """Customers that reached 合同签订 within `period` in a follow-up by one of `owners`
        (SPEC §4: after an earlier stage, or first recorded at 合同签订 in the period)."""
        return {
            c
            for owner in owners
            for c, _ in self._by_owner.get(owner, ())
            if c in self._signed
            and self._signed[c][1] == owner
            and self._signed[c][0] in period
            and c not in self._lost
        }

    def prospects(self, owners: set[str], period: Period) -> set[str]:
        """Customers these owners followed up within `period` (or whose opportunity they own was
        followed up or won in it) that were not customers yet: not first recorded at
        履约交付/售后跟进, and not signed before the period."""
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
    def totals(self) -> FollowUpTotals:
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


def same_customers(names: list[str | None], spellings: dict[str, str]) -> list[str | None]:
    """A customer column with each name in its kept spelling (Book.customer_spellings)."""
    if not spellings:
        return names
    return [spellings.get(n, n) if n else n for n in names]


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


@dataclass(frozen=True)
class Opportunity:
    """One row of the opportunity list (商机) as seen at the as-of date."""

    row: int  # position in the opportunity table
    customer: str
    owner: str
    step: int | None  # its stage in STAGE_ORDER; None when lost or not read
    lost: bool
    amount: Decimal | None
    day: dt.date  # when its stage was seen (see opportunities_at)
    active: bool  # dated: activity of its owner on `day` (prospects), a signing if won
    last_follow_up: dt.date | None


def opportunities_at(book: Book, as_of: dt.date) -> dict[str, list[Opportunity]]:
    """Each customer's opportunities whose stage was seen by `as_of`. A stage is dated by the
    row's 最后跟进时间, else by 预计成交日期 for a won one (the signing), else it stands at the
    as-of date (an export is the CRM's state now) as the customer's stage, but is no activity
    and no signing of any period: it would count again in every later run. A row repeating an earlier one on customer and
    商机名称 (SB-U007) counts once, as the first."""
    table = book.table("opportunity")
    if table is None or not len(table):
        return {}
    seen: set[tuple[str, str]] = set()
    found: dict[str, list[Opportunity]] = defaultdict(list)
    spellings = book.customer_spellings
    for i, (name, customer, owner, stage, amount, close, last) in enumerate(
        zip(
            table.texts("name"),
            table.texts("customer"),
            table.texts("owner"),
            table.texts("stage"),
            table.decimals("amount"),
            table.dates("close_date"),
            table.dates("last_follow_up"),
            strict=True,
        )
    ):
        if not customer:
            continue
        customer = spellings.get(customer, customer)
        if name:
            if (customer, name) in seen:
                continue
            seen.add((customer, name))
        step = STAGE_ORDER.index(stage) if stage in STAGE_ORDER else None
        won = step is not None and step >= WON
        day = last or (close if won else None)
        if day is not None and day > as_of:
            continue  # not seen yet at the as-of date
        found[customer].append(
            Opportunity(
                i,
                customer,
                owner or "",
                step,
                stage == LOST,
                amount,
                day or as_of,
                day is not None,  # an undated won deal is no signing of any period: never guessed
                last,
            )
        )
    return found


def deal_value(deals: list[Opportunity]) -> Decimal | None:
    """The amounts of the opportunities not lost, added up exactly (Decimal yuan, never rounded);
    None when one of them could not be read (a sum without it would look complete)."""
    amounts = [d.amount for d in deals if not d.lost]
    if any(a is None for a in amounts):
        return None
    return sum((a for a in amounts if a is not None), Decimal(0))


def compute_follow_ups(
    book: Book, config: Config, run: RunPeriod, calendar: WorkCalendar, people: People
) -> FollowUpFigures:
    figures = FollowUpFigures()
    period, as_of = run.period, run.as_of
    deals = opportunities_at(book, as_of)
    table = book.table("follow_up")
    if (table is None or not len(table)) and not deals:
        return figures
    history: dict[str, list[tuple[dt.date, int]]] = defaultdict(list)
    owners: list[str | None] = []
    stages: list[str | None] = []
    dues: list[dt.date | None] = []
    actions: list[str | None] = []

    def rep(owner: str) -> RepFollowUps:
        if owner not in figures.reps:
            figures.reps[owner] = RepFollowUps(owner, people.region.get(owner, ""))
        return figures.reps[owner]

    if table is not None and len(table):
        owners, stages, dues, actions = (
            table.texts("owner"),
            table.texts("stage"),
            table.dates("due"),
            table.texts("next_action"),
        )
        history = _count_follow_ups(book, table, config, run, calendar, figures, rep)

    # Every customer's state at as-of, from its latest follow-up, whether or not it was followed
    # up in the run period (SPEC §4): the customers nobody followed up are the ones to see. The
    # opportunity list adds its customers' stages and deal values, and customers never followed up.
    reach: dict[str, int] = {}  # furthest step by as-of
    funnel_reach: dict[str, int] = {}  # by the period's end too: a later signing is not its
    for customer in sorted(set(history) | set(deals)):
        rows = history.get(customer, [])
        own = deals.get(customer, [])
        for day, j in rows:
            figures._by_owner.setdefault(owners[j] or "", []).append((customer, day))
        for deal in own:
            if deal.active:
                figures._by_owner.setdefault(deal.owner, []).append((customer, deal.day))
        # Stage observations in date order, follow-ups before opportunities on a day: (day,
        # source, step, who). Lost ones end the funnel but are no step.
        noted = [
            (day, 0, STAGE_ORDER.index(stage) if stage != LOST else None, owners[j] or "")
            for day, j in rows
            if (stage := stages[j]) is not None and (stage in STAGE_ORDER or stage == LOST)
        ]
        steps = sorted(
            [n for n in noted if n[2] is not None]
            + [(d.day, 1, d.step, d.owner) for d in own if d.step is not None and d.active],
            key=lambda n: (n[0], n[1]),
        )
        reach[customer] = max(
            [n[2] for n in steps if n[2] is not None] + [d.step for d in own if d.step is not None],
            default=-1,
        )
        funnel_reach[customer] = max(
            (n[2] for n in steps if n[2] is not None and n[0] <= period.end), default=-1
        )
        # The latest stage: the opportunity list's (lost only when every one is lost) when seen
        # on or after the latest staged follow-up, else that follow-up's.
        current: str | None = None
        if own and (not noted or max(d.day for d in own) >= noted[-1][0]):
            lost = all(d.lost for d in own)
            furthest = max((d.step for d in own if d.step is not None), default=None)
            if lost:
                current = LOST
            elif furthest is not None:
                current = STAGE_ORDER[furthest]
        elif noted:
            step = noted[-1][2]
            lost = step is None
            current = LOST if step is None else STAGE_ORDER[step]
        else:
            lost = False
        if steps and (steps[0][2] or 0) > WON:
            figures._existing.add(customer)  # first seen in delivery or after-sales
        else:
            signing = next((n for n in steps if (n[2] or 0) >= WON), None)
            if signing is not None:
                figures._signed[customer] = (signing[0], signing[3])
        if lost:
            figures._lost.add(customer)
            funnel_reach[customer] = min(funnel_reach[customer], WON - 1)  # never a signing
        if rows:
            last_day, last = rows[-1]
            status = CustomerStatus(
                customer,
                owners[last] or "",
                last_day,
                current or stages[last],
                dues[last],
                actions[last],
                row=last,
            )
        else:
            # Only in the opportunity list: its owner is the one of the furthest open deal (any
            # deal when all are lost); its last follow-up the CRM's 最后跟进时间.
            lead = max(own, key=lambda d: (not d.lost, d.step if d.step is not None else -1, d.day))
            days = [d.last_follow_up for d in own if d.last_follow_up is not None]
            status = CustomerStatus(
                customer, lead.owner, max(days) if days else None, current, None, None
            )
        if own:
            status.deal_value = deal_value(own)
            status.opportunities = len(own)
        owner = status.owner
        status.lost = lost
        status.idle_days = (
            calendar.workdays_between(status.last_date, as_of) if status.last_date else None
        )
        status.in_period = customer in figures._touched
        status.region = people.region.get(owner, "")
        status.reassign = reassign_reason(owner, people)
        status.overdue = not lost and status.due is not None and status.due < as_of
        # Stale is about open opportunities (seed 002): a customer that has signed is past it,
        # one lost has left the funnel, one without a follow-up date cannot be measured.
        status.stale = (
            not lost
            and reach[customer] < WON
            and status.idle_days is not None
            and status.idle_days > config.stale_days
        )
        if config.pool_days and status.last_date is not None:
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
    # longest idle first; never followed up before all
    figures.reassign.sort(
        key=lambda c: (-(c.idle_days if c.idle_days is not None else 10**9), c.owner, c.customer)
    )

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
    # its 合同签订 count is the period's new signings, the rule the standards use. FUNNEL has the
    # steps only: 输单 is an outcome, never a step of it.
    prospects = figures.prospects(set(figures._by_owner), period)
    reached = Counter(funnel_reach[c] for c in prospects if funnel_reach[c] >= 0)
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


def _count_follow_ups(
    book: Book,
    table: Table,
    config: Config,
    run: RunPeriod,
    calendar: WorkCalendar,
    figures: FollowUpFigures,
    rep: Callable[[str], RepFollowUps],
) -> dict[str, list[tuple[dt.date, int]]]:
    """The follow-up log's own figures (counts, channels, visits, completeness, back-filling,
    process nodes); returns every customer's follow-ups up to as-of, in date order."""
    frame = table.frame
    period, as_of = run.period, run.as_of
    dates = table.dates("date")
    owners = table.texts("owner")
    customers = same_customers(table.texts("customer"), book.customer_spellings)
    channels = table.texts("channel")
    dues = table.dates("due")
    entered = table.dates("entered")
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
    # Each row as (date, position): a row in the history always has its date.
    history: dict[str, list[tuple[dt.date, int]]] = defaultdict(list)
    for i, (day, customer) in enumerate(zip(dates, customers, strict=True)):
        if isinstance(day, dt.date) and customer and day <= as_of and i not in repeated:
            history[customer].append((day, i))
    for rows in history.values():
        rows.sort(key=lambda row: row[0])  # stable: a day's rows stay in table order

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
        customer = customers[i]
        if customer:
            touched[owner].add(customer)
            figures._touched.add(customer)
        if filled[i]:
            record.complete += 1
        else:
            figures.incomplete_rows.append(i)
        typed_in = entered[i]
        if (
            isinstance(typed_in, dt.date)
            and calendar.workdays_between(day, typed_in) > config.backfill_days
        ):
            record.backfilled += 1
            figures.backfilled_rows.append(i)
        # A process node is the next action with its due date; done when the customer was
        # followed up again by then (seed 002 "流程节点完成率").
        due = dues[i]
        if isinstance(due, dt.date) and due <= as_of and customer:
            record.process_nodes_due += 1
            later = [other for other, _ in history[customer] if other > day]
            if later and later[0] <= due:
                record.process_nodes_done += 1
    for owner, names in touched.items():
        rep(owner).customers = len(names)
    return history


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
) -> list[PlanFigure]:
    """Visits against each plan row for the months its 计划周期 shares with the run period (a plan
    for 2023-11 does not count in October; a quarter adds its months' plans; a quarterly plan in
    a monthly run counts its 次/月 once). A plan row with no follow-up is SB-R004 (reconcile).
    Sets each rep's planned_visits and plan_visits from the same rows (the 计划执行 figures)."""
    plan = book.table("sales_plan")
    log = book.table("follow_up")
    if plan is None:
        return []
    made: dict[tuple[str, str | None], list[tuple[dt.date, bool]]] = defaultdict(list)
    spellings = book.customer_spellings
    if log is not None:
        owners, customers, channels, dates = (
            log.texts("owner"),
            same_customers(log.texts("customer"), spellings),
            log.texts("channel"),
            log.dates("date"),
        )
        for i in follow_ups.in_period_rows:  # in the run period, up to as-of, duplicates once
            owner, day = owners[i], dates[i]
            if owner is None or day is None:
                continue  # never: in_period_rows are dated rows with an owner
            visit = channels[i] == VISIT or bool(config.visits_any_channel and channels[i])
            made[(owner, customers[i])].append((day, visit))
    figures = []
    for i, (owner, period, customer, planned) in enumerate(
        zip(
            plan.texts("owner"),
            plan.periods("period"),
            plan.texts("key_customer"),
            plan.counts("planned_visits"),
            strict=True,
        )
    ):
        if not owner or not customer or not isinstance(planned, int):
            continue
        customer = spellings.get(customer, customer)
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
    for figure in figures:
        record = follow_ups.reps.get(figure.owner)
        if record is None:
            region = people.region.get(figure.owner, "") if people else ""
            record = follow_ups.reps[figure.owner] = RepFollowUps(figure.owner, region)
        record.planned_visits = (record.planned_visits or 0) + figure.planned
        record.plan_visits = (record.plan_visits or 0) + figure.visits
    return figures


@dataclass
class Discipline:
    """What the documents print of follow-up discipline: each rep's ratios and the team total."""

    completeness: dict[str, Decimal | None] = field(default_factory=dict)  # per rep
    node_completion: dict[str, Decimal | None] = field(default_factory=dict)
    total: dict[str, object] | None = None  # the reps added up; None without reps


def discipline(reps: dict[str, RepFollowUps]) -> Discipline:
    """Per rep and for the team (the reps added up, as the review's 合计 row prints them)."""
    figure = Discipline(
        {name: rep.completeness for name, rep in reps.items()},
        {name: rep.node_completion for name, rep in reps.items()},
    )
    rows = list(reps.values())
    if not rows:
        return figure
    planned = [r.planned_visits for r in rows if r.planned_visits is not None]
    follow_ups = sum(r.follow_ups for r in rows)
    figure.total = {
        "follow_ups": follow_ups,
        "customers": sum(r.customers for r in rows),
        "visits": sum(r.visits for r in rows),
        "planned_visits": sum(planned) if planned else None,
        "overdue": sum(r.overdue for r in rows),
        "stale": sum(r.stale for r in rows),
        "backfilled": sum(r.backfilled for r in rows),
        "completeness": ratio(sum(r.complete for r in rows), follow_ups),
        "node_completion": ratio(
            sum(r.process_nodes_done for r in rows), sum(r.process_nodes_due for r in rows)
        ),
        "plan_visits": sum(r.plan_visits or 0 for r in rows) if planned else None,
    }
    return figure
