"""Book + requested period -> RunPeriod (period, as-of date); the money and ratio helpers every figure uses.

Money stays Decimal yuan and ratios Decimal fractions (1.1 = 110%). Every rule (award threshold,
pace band, grade, completion standard, health threshold) is decided on the exact value; ratios and
scores are kept exact (Decimal division, 28 significant digits) and only money amounts that are
themselves paid or split are rounded to the fen. Writers round for display (salesbook.shown).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from salesbook.read import Book
from salesbook.schemas import FUNNEL
from salesbook.shown import shown, shown_percent
from salesbook.values import Period, month_period, quarter_period, year_period
from salesbook.workdays import WorkCalendar

FEN = Decimal("0.01")
INTERNAL = {"json": False}  # positions in the merged tables: for the writers, not for figures.json
HUNDRED = Decimal(100)
STAGE_ORDER = [s.value for s in FUNNEL]
WON = STAGE_ORDER.index("合同签订")  # stages from here on are won business


def money(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    """The exact ratio: never rounded here, so rules compare the true value (99.995 % < 100 %)."""
    if not denominator:
        return None
    return Decimal(numerator) / Decimal(denominator)


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
    return [d for d in table.dates("date") if d is not None] if table else []


def targets_period(book: Book) -> Period | None:
    """The overall targets' period: the one they share, else the one holding the latest data."""
    overall = book.table("target_overall")
    periods = [p for p in overall.periods("period") if p is not None] if overall else []
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


def round_to(value: Decimal, unit: str | None) -> Decimal:
    """A target amount rounded to the fen (money) or to two places (counts)."""
    return money(value) if unit == "元" else value.quantize(FEN, rounding=ROUND_HALF_UP)


def plain(value: Decimal) -> str:
    """A Decimal as typed in a sentence: no exponent, no trailing zeros (100, 5.5)."""
    return f"{value.normalize():f}"


def pct(value: Decimal, *lines: Decimal) -> str:
    """A ratio as printed next to a rule: never on the other side of `lines` (salesbook.shown)."""
    return f"{shown_percent(value, (Decimal(1), *lines))}%"


def points(value: Decimal, *lines: Decimal) -> str:
    """Attainment points as printed next to a rule, one decimal, never across `lines`."""
    return f"{shown(value, 1, (Decimal(0), *lines))}"
