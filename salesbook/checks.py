"""Book -> Issues: the checks of SPEC §1 that need no computed figures. Never raises on bad data.

Each check is a small generator over one table; `check_book` runs those whose tables exist.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from salesbook.issues import Issue, Severity
from salesbook.read import Book, Table, column_names
from salesbook.schemas import ACTIVE, DONE, REP_ROLE, REVIEW_CATEGORIES
from salesbook.values import (
    PLACEHOLDER,
    Period,
    Quantity,
    Threshold,
    choice_key,
    completion_label,
    indicator_key,
    split_dimension,
    split_overall,
)


@dataclass(frozen=True)
class Context:
    """What every check may look at besides its own table."""

    book: Book
    period: Period | None  # the period the run is about; None when nothing says
    today: dt.date
    people: frozenset[str]  # roster names
    groups: frozenset[str]  # roster groups and regions (owners of group targets)

    @property
    def has_roster(self) -> bool:
        return bool(self.people)


def check_book(book: Book, period: Period | None, today: dt.date) -> list[Issue]:
    """All checks over everything read; the reading issues are in `book.issues` already."""
    roster = book.table("roster")
    people: set[str] = set()
    groups: set[str] = set()
    if roster is not None:
        people = {n for n in roster.texts("name") if n}
        groups = {g for key in ("group", "region") for g in roster.texts(key) if g}
    context = Context(book, period, today, frozenset(people), frozenset(groups))
    issues: list[Issue] = []
    for kind, check in CHECKS:
        table = book.table(kind)
        if table is not None and len(table):
            issues.extend(check(table, context))
    return issues


def target_period(book: Book) -> Period | None:
    """The period the overall targets cover (the earliest start to the latest end), if any."""
    table = book.table("target_overall")
    if table is None:
        return None
    periods = [p for p in table.periods("period") if p is not None]
    if not periods:
        return None
    if len({p.label for p in periods}) == 1:
        return periods[0]
    start = min(p.start for p in periods)
    end = max(p.end for p in periods)
    return Period(start, end, f"{start:%Y-%m-%d}~{end:%Y-%m-%d}")


def _period_params(period: Period) -> dict[str, object]:
    return {"period": period.label, "start": period.start, "end": period.end}


# --- targets (SPEC §1.1) -------------------------------------------------------------------------


def check_overall_targets(table: Table, context: Context) -> Iterator[Issue]:
    for i, (target, period, start, end) in enumerate(
        zip(
            table.quantities("target"),
            table.periods("period"),
            table.dates("start"),
            table.dates("end"),
            strict=True,
        )
    ):
        if isinstance(target, Quantity) and target.amount <= 0:
            yield Issue("SB-T001", table.location(i, "target"), {"raw": target.amount})
        if isinstance(start, dt.date) and isinstance(end, dt.date):
            if start > end:
                yield Issue("SB-T006", table.location(i, "start"), {"start": start, "end": end})
            elif isinstance(period, Period) and (start, end) != (period.start, period.end):
                yield Issue("SB-T008", table.location(i, "start"), {"period": period.label})


def overall_periods(book: Book) -> dict[str, Period]:
    """Overall-target text (`季度销售额100万元` and `季度销售额`) -> its period."""
    table = book.table("target_overall")
    if table is None:
        return {}
    found: dict[str, Period] = {}
    for metric, period in zip(table.texts("metric"), table.periods("period"), strict=True):
        if metric and isinstance(period, Period):
            found.setdefault(choice_key(metric), period)
    return found


def check_breakdown(table: Table, context: Context) -> Iterator[Issue]:
    periods = overall_periods(context.book)
    has_overall = context.book.table("target_overall") is not None
    for i, (overall, dimension, target, owner, deadline) in enumerate(
        zip(
            table.texts("overall"),
            table.texts("dimension"),
            table.quantities("target"),
            table.texts("owner"),
            table.dates("deadline"),
            strict=True,
        )
    ):
        if isinstance(target, Quantity) and target.amount <= 0:
            yield Issue("SB-T001", table.location(i, "target"), {"raw": target.amount})
        if dimension and split_dimension(dimension) is None:
            yield Issue("SB-T005", table.location(i, "dimension"), {"raw": dimension})
        if (
            owner
            and context.has_roster
            and owner not in context.people
            and owner not in context.groups
            and not PLACEHOLDER.match(owner)
        ):
            yield Issue("SB-T002", table.location(i, "owner"), {"person": owner})
        if owner and owner in context.groups and owner not in context.people:
            yield Issue("SB-T013", table.location(i, "owner"), {"person": owner})
        period = context.period
        if overall:
            metric, _ = split_overall(overall)
            period = periods.get(choice_key(metric), period)
            if has_overall and choice_key(metric) not in periods:
                yield Issue("SB-T007", table.location(i, "overall"), {"raw": overall})
        if isinstance(deadline, dt.date) and period and deadline not in period:
            yield Issue(
                "SB-T003",
                table.location(i, "deadline"),
                {"date": deadline, **_period_params(period)},
            )


def individual_target_names(book: Book) -> set[str]:
    """Everyone with an individual target: named in a `个人-…` dimension, or owning one, or
    in a target-completion export."""
    table = book.table("target_breakdown")
    names: set[str] = set()
    rows = zip(table.texts("dimension"), table.texts("owner"), strict=True) if table else ()
    for dimension, owner in rows:
        split = split_dimension(dimension) if dimension else None
        if split and split[0] == "个人":
            names.add(split[1])
            if owner:
                names.add(owner)
    export = book.table("target_completion")  # a CRM's per-person targets count as well
    if export is not None:
        names |= {n for n in export.texts("name") if n}
    return names


def check_roster(table: Table, context: Context) -> Iterator[Issue]:
    seen: dict[str, int] = {}
    for i, name in enumerate(table.texts("name")):
        if not name:
            continue
        if name in seen:
            yield Issue(
                "SB-T009",
                table.location(i, "name"),
                {"person": name, "other": table.location(seen[name], "name")},
            )
        else:
            seen[name] = i
    for i, manager in enumerate(table.texts("manager")):
        if manager and manager not in context.people and not PLACEHOLDER.match(manager):
            yield Issue("SB-T010", table.location(i, "manager"), {"person": manager})
    # 千斤重担人人挑，人人头上有指标 (seed 001): every active rep carries an individual target.
    if context.book.table("target_breakdown") is None:
        return
    with_target = individual_target_names(context.book)
    for i, (name, role, status) in enumerate(
        zip(table.texts("name"), table.texts("role"), table.texts("status"), strict=True)
    ):
        if name and role == REP_ROLE and status in (None, ACTIVE) and name not in with_target:
            yield Issue("SB-T004", table.location(i, "name"), {"person": name})


# --- follow-ups (SPEC §1.2) ------------------------------------------------------------------------


def check_follow_ups(table: Table, context: Context) -> Iterator[Issue]:
    today, period = context.today, context.period
    for i, (owner, day, due, entered) in enumerate(
        zip(
            table.texts("owner"),
            table.dates("date"),
            table.dates("due"),
            table.dates("entered"),
            strict=True,
        )
    ):
        if day is not None:
            if due is not None and due < day:
                yield Issue("SB-U001", table.location(i, "due"), {"due": due, "date": day})
            if day > today:
                yield Issue("SB-U002", table.location(i, "date"), {"date": day, "today": today})
            elif period is not None and day not in period:
                yield Issue(
                    "SB-U003", table.location(i, "date"), {"date": day, **_period_params(period)}
                )
            if entered is not None and entered < day:
                yield Issue(
                    "SB-U006", table.location(i, "entered"), {"entered": entered, "date": day}
                )
        if entered is not None and entered > today:
            yield Issue("SB-U002", table.location(i, "entered"), {"date": entered, "today": today})
        if off_roster(owner, context):
            yield Issue("SB-U004", table.location(i, "owner"), {"person": owner})
    yield from _duplicates(table, ("customer", "owner", "date", "summary"), "SB-U005", "customer")


def off_roster(owner: str | None, context: Context) -> bool:
    """An owner a roster exists for but does not name (a placeholder is SB-V009's)."""
    return bool(
        owner
        and context.has_roster
        and owner not in context.people
        and not PLACEHOLDER.match(owner)
    )


def _duplicates(table: Table, keys: tuple[str, ...], code: str, at: str) -> Iterator[Issue]:
    """Rows repeating an earlier row on `keys` (blank keys never match), pointing at the first."""
    frame = table.frame[list(keys)]
    complete = frame.notna().all(axis=1)
    if not complete.any():
        return
    subset = frame[complete]
    repeated = subset.duplicated(keep=False)
    if not repeated.any():
        return
    first_of: dict[tuple, int] = {}
    for position, row in zip(
        subset.index[repeated], subset[repeated].itertuples(index=False), strict=True
    ):
        key = tuple(row)
        if key in first_of:
            yield Issue(
                code, table.location(position, at), {"other": table.location(first_of[key], at)}
            )
        else:
            first_of[key] = position


# --- appraisal (SPEC §1.3) -------------------------------------------------------------------------


def check_appraisal(table: Table, context: Context) -> Iterator[Issue]:
    seen: dict[str, int] = {}
    for i, name in enumerate(table.texts("name")):
        if not name:
            continue
        if context.has_roster and name not in context.people and not PLACEHOLDER.match(name):
            yield Issue("SB-P001", table.location(i, "name"), {"person": name})
        if name in seen and not PLACEHOLDER.match(name):
            yield Issue(
                "SB-P002",
                table.location(i, "name"),
                {"person": name, "other": table.location(seen[name], "name")},
            )
        seen.setdefault(name, i)


# --- health (SPEC §1.4) ------------------------------------------------------------------------------


def check_health_data(table: Table, context: Context) -> Iterator[Issue]:
    known: set[str] = set()
    for kind, key in (("health_indicators", "name"), ("health_monitoring", "indicator")):
        other = context.book.table(kind)
        if other is not None:
            known |= {indicator_key(n) for n in other.texts(key) if n}
    if not known:
        return
    for i, name in enumerate(table.texts("indicator")):
        if name and indicator_key(name) not in known:
            yield Issue("SB-M001", table.location(i, "indicator"), {"indicator": name})


def check_monitoring(table: Table, context: Context) -> Iterator[Issue]:
    for i, (healthy, alert) in enumerate(
        zip(table.thresholds("healthy"), table.thresholds("alert"), strict=True)
    ):
        if healthy is None or alert is None:
            continue
        lower_is_better = healthy.op in ("<", "<=")
        if lower_is_better == (alert.op in ("<", "<=")) or (
            healthy.limit > alert.limit if lower_is_better else healthy.limit < alert.limit
        ):
            yield Issue(
                "SB-M002",
                table.location(i, "alert"),
                {"healthy": _threshold_text(healthy), "alert": _threshold_text(alert)},
            )


def _threshold_text(threshold: Threshold) -> str:
    op = {"<=": "≤", ">=": "≥"}.get(threshold.op, threshold.op)
    limit, unit = threshold.limit, threshold.unit
    if unit == "%":
        return f"{op}{(limit * 100).normalize():f}%"
    return f"{op}{limit.normalize():f}{unit}"


# --- review items and plans (SPEC §1.5, §1.6) ----------------------------------------------------

_ACTION = REVIEW_CATEGORIES[2].value


def check_review_items(table: Table, context: Context) -> Iterator[Issue]:
    for i, (category, owner, due, status) in enumerate(
        zip(
            table.texts("category"),
            table.texts("owner"),
            table.dates("due"),
            table.texts("status"),
            strict=True,
        )
    ):
        if category == _ACTION and (not owner or due is None):
            yield Issue("SB-R001", table.location(i, "owner" if not owner else "due"))
        if due is not None and due < context.today and status != DONE:
            yield Issue(
                "SB-R002", table.location(i, "status"), {"due": due, "status": status or "—"}
            )


def check_sales_plan(table: Table, context: Context) -> Iterator[Issue]:
    for i, (owner, visits) in enumerate(
        zip(table.texts("owner"), table.counts("planned_visits"), strict=True)
    ):
        if visits == 0:
            yield Issue("SB-R003", table.location(i, "planned_visits"))
        if (
            owner
            and context.has_roster
            and owner not in context.people
            and not PLACEHOLDER.match(owner)
        ):
            yield Issue("SB-U004", table.location(i, "owner"), {"person": owner})


# --- a CRM's target-completion export (issue 14) ----------------------------------------------------

COMPLETION_LABELS = "一月…十二月、1月…12月、第一季度…第四季度、Q1…Q4、全年"
RATE_SLACK = Decimal("0.00005")  # 完成率 is written rounded to 0.01 points


def completion_months(label: tuple[str, int]) -> range:
    """The months a subtotal row of the export adds up (第三季度: 7–9, 全年: 1–12)."""
    kind, number = label
    if kind == "quarter":
        return range(3 * number - 2, 3 * number + 1)
    return range(1, 13) if kind == "year" else range(number, number + 1)


def check_target_completion(table: Table, context: Context) -> Iterator[Issue]:
    """V006: a 月份 that is neither a month nor a subtotal (the row is not used). T015: a
    subtotal row (第N季度, 全年) whose 目标 or 完成 is not the sum of its months, exactly; a
    完成率 that is not 完成/目标 beyond its rounding to 0.01 points."""
    names, labels = table.texts("name"), table.texts("month")
    targets, actuals, rates = (table.decimals(k) for k in ("target", "actual", "rate"))
    month_column = column_names(table.schema.column("month"))
    months: dict[str, dict[str, dict[int, Decimal]]] = {}  # person -> column -> month -> value
    subtotals: list[tuple[int, str, tuple[str, int]]] = []
    for i, (name, text) in enumerate(zip(names, labels, strict=True)):
        if text is None:
            continue  # required: reported by the reader
        label = completion_label(text)
        if label is None:
            yield Issue(
                "SB-V006",
                table.location(i, "month"),
                {"column": month_column, "raw": text, "allowed": COMPLETION_LABELS},
            )
            continue
        target, actual, rate = targets[i], actuals[i], rates[i]
        if rate is not None and target and actual is not None:
            expected = actual / target
            if abs(rate - expected) > RATE_SLACK:
                yield _completion_issue(
                    table, i, "rate", name, text, pct_points(rate), pct_points(expected), "rate"
                )
        if not name:
            continue
        if label[0] == "month":
            person = months.setdefault(name, {"target": {}, "actual": {}})
            for key, value in (("target", target), ("actual", actual)):
                if value is not None:
                    person[key].setdefault(label[1], value)
        else:
            subtotals.append((i, name, label))
    for i, name, label in subtotals:
        for key, found in (("target", targets[i]), ("actual", actuals[i])):
            values = months.get(name, {}).get(key, {})
            wanted = completion_months(label)
            if found is None or any(m not in values for m in wanted):
                continue  # a month missing: nothing sound to compare with
            expected = sum((values[m] for m in wanted), Decimal(0))
            if found != expected:
                yield _completion_issue(
                    table, i, key, name, labels[i], _plain(found), _plain(expected), "sum"
                )


_BASIS = {
    "sum": {"zh": "所含各月之和", "en": "the sum of its months"},
    "rate": {"zh": "完成÷目标", "en": "actual ÷ target"},
}


def _completion_issue(
    table: Table,
    i: int,
    key: str,
    person: str | None,
    label: str | None,
    found: str,
    expected: str,
    basis: str,
) -> Issue:
    return Issue(
        "SB-T015",
        table.location(i, key),
        {
            "person": person or "—",
            "label": label or "",
            "column": column_names(table.schema.column(key)),
            "found": found,
            "expected": expected,
            "basis": _BASIS[basis],
        },
    )


def _plain(value: Decimal) -> str:
    return f"{value.normalize():,f}"


def pct_points(ratio: Decimal) -> str:
    """A ratio as the export writes 完成率: points to two places (0.855 -> 85.50%)."""
    return f"{(ratio * 100).quantize(Decimal('0.01'))}%"


def check_opportunities(table: Table, context: Context) -> Iterator[Issue]:
    """An opportunity list (商机): owners as in the follow-up log (SB-U004); one opportunity listed
    twice (two exports in the folder) counts once (SB-U007), its amount not added twice."""
    for i, owner in enumerate(table.texts("owner")):
        if off_roster(owner, context):
            yield Issue("SB-U004", table.location(i, "owner"), {"person": owner})
    yield from _duplicates(table, ("customer", "name"), "SB-U007", "name")


CHECKS: tuple[tuple[str, Callable[[Table, Context], Iterator[Issue]]], ...] = (
    ("target_overall", check_overall_targets),
    ("target_breakdown", check_breakdown),
    ("roster", check_roster),
    ("follow_up", check_follow_ups),
    ("appraisal", check_appraisal),
    ("health_data", check_health_data),
    ("health_monitoring", check_monitoring),
    ("review_items", check_review_items),
    ("sales_plan", check_sales_plan),
    ("opportunity", check_opportunities),
    ("target_completion", check_target_completion),
)


@dataclass
class CheckResult:
    book: Book
    issues: list[Issue]
    period: Period | None
    today: dt.date
    counts: Counter = field(default_factory=Counter)

    @property
    def has_errors(self) -> bool:
        return self.counts[Severity.ERROR] > 0

    @property
    def exit_code(self) -> int:
        return 1 if self.has_errors else 0
