"""FollowUpFigures + the logs + the sales plan -> customer tiers by RFM (seed 003: A/B/C), pure.

R = working days since the customer's last follow-up at the as-of date (CustomerStatus.idle_days),
F = its follow-ups in the `tiers.window_days` calendar days up to the as-of date (each row once:
SB-U005 repeats are left out, as everywhere), M = its deal value from the opportunity list, else
the latest non-empty 商机金额 of its follow-ups. Each dimension is scored 1–5 over the folder's
customers (score_of); the tier follows from the scores (tier_of). One pass over the log, then
sorting: no per-customer scan of the log.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from salesbook.compute.follow_ups import FollowUpFigures, same_customers
from salesbook.compute.period import RunPeriod
from salesbook.config import Config
from salesbook.read import Book
from salesbook.values import Period, customer_key, simplified
from salesbook.words import tier_change

__all__ = [
    "LOST",
    "TIERS",
    "TIER_CODES",
    "CustomerTier",
    "TierMove",
    "compute_tiers",
    "score_of",
    "tier_change",
    "tier_counts",
    "tier_moves",
    "tier_of",
]

TIERS = ("A", "B", "C")
LOST = "lost"  # a TierMove's tier when a customer tiered last period has since been lost (输单)
TIER_CODES = {"A": 1, "B": 2, "C": 3}  # how the history database keeps a tier (a Decimal)
SCORES = 5  # quintiles


@dataclass
class CustomerTier:
    """One customer's RFM values, scores and tier at the as-of date."""

    customer: str
    owner: str
    stage: str | None
    recency_days: int | None  # working days since the last follow-up; None: never followed up
    frequency: int  # follow-ups in the window
    monetary: Decimal | None  # exact yuan; None: no deal value anywhere
    r_score: int | None
    f_score: int | None
    m_score: int | None  # None when rated on R and F only
    tier: str  # A, B or C
    key_customer: bool  # a key customer of the sales plan: never below B
    rated_on: str  # RFM, or RF without a deal value
    previous_tier: str | None  # the previous period's tier from the history, if any
    service: str  # the tier's service approach (tiers.service_a …)


@dataclass
class TierMove:
    """A customer whose tier changed since the previous period (A -> B first), or who was
    tiered then and is lost now (tier LOST: the largest drop)."""

    customer: str
    owner: str
    previous_tier: str
    tier: str  # A, B, C or LOST

    @property
    def dropped(self) -> bool:
        return _rank(self.tier) > _rank(self.previous_tier)


def _rank(tier: str) -> int:
    """A, B, C, then lost: a higher rank is a lower tier."""
    return 3 if tier == LOST else TIERS.index(tier)


def score_of(goodness: list[Decimal]) -> list[int]:
    """Quintile scores 1–5: a value scores 1 + ⌊5 × (values strictly worse) ÷ (values)⌋, so equal
    values share the score of their lowest rank, the best distinct value of five scores 5 and a
    folder of one customer scores 1. Higher goodness is better (R passes minus the days)."""
    ranked = sorted(goodness)
    n = len(ranked)
    return [1 + SCORES * bisect_left(ranked, g) // n for g in goodness]


def tier_of(
    r: int, f: int, m: int | None, high: int, low: int, key_customer: bool
) -> tuple[str, str]:
    """(tier, rated_on): A when R, F and M all score ≥ high; C when M and F score ≤ low; B
    otherwise. Without M: A on R and F, C on F alone. A plan's key customer is never C."""
    if m is None:
        rated_on = "RF"
        tier = "A" if r >= high and f >= high else "C" if f <= low else "B"
    else:
        rated_on = "RFM"
        tier = "A" if min(r, f, m) >= high else "C" if m <= low and f <= low else "B"
    if key_customer and tier == "C":
        tier = "B"
    return tier, rated_on


def key_customers(book: Book, period: Period) -> set[str]:
    """customer_key of each plan row's 重点客户 whose 计划周期 meets the run period (or is blank)."""
    plan = book.table("sales_plan")
    if plan is None:
        return set()
    return {
        customer_key(name)
        for name, own in zip(plan.texts("key_customer"), plan.periods("period"), strict=True)
        if name and (own is None or (own.start <= period.end and own.end >= period.start))
    }


def log_activity(
    book: Book, follow_ups: FollowUpFigures, as_of: dt.date, window_days: int
) -> tuple[dict[str, int], dict[str, Decimal]]:
    """One pass over the log: each customer's follow-ups in the window, and its latest non-empty
    商机金额 up to as-of (the later row on the same day)."""
    table = book.table("follow_up")
    counts: dict[str, int] = defaultdict(int)
    latest: dict[str, tuple[dt.date, Decimal]] = {}
    if table is None or not len(table):
        return counts, {}
    start = as_of - dt.timedelta(days=window_days - 1)
    customers = same_customers(table.texts("customer"), book.customer_spellings)
    dates = table.dates("date")
    for i in follow_ups.repeated_rows:  # SB-U005: counted once, as the first copy
        dates[i] = None
    for customer, day, value in zip(customers, dates, table.decimals("deal_value"), strict=True):
        if day is None or not customer or day > as_of:
            continue
        if day >= start:
            counts[customer] += 1
        if value is not None and (customer not in latest or day >= latest[customer][0]):
            latest[customer] = (day, value)
    return counts, {c: v for c, (_, v) in latest.items()}


def compute_tiers(
    book: Book,
    config: Config,
    run: RunPeriod,
    follow_ups: FollowUpFigures,
    previous: dict[str, Decimal] | None = None,
) -> list[CustomerTier]:
    """Every customer that is not lost, tiered; `previous` is the history's customer -> tier code."""
    customers = [c for c in follow_ups.customers if not c.lost]
    if not customers:
        return []
    counts, amounts = log_activity(book, follow_ups, run.as_of, config.tier_window_days)
    keys = key_customers(book, run.period)
    before = _previous_by_key(previous)
    never = max((c.idle_days or 0 for c in customers), default=0) + 1  # no date: least recent
    r_scores = score_of(
        [-Decimal(c.idle_days if c.idle_days is not None else never) for c in customers]
    )
    frequency = [counts.get(c.customer, 0) for c in customers]
    f_scores = score_of([Decimal(f) for f in frequency])
    monetary = [
        c.deal_value if c.deal_value is not None else amounts.get(c.customer) for c in customers
    ]
    valued = [m for m in monetary if m is not None]
    m_iter = iter(score_of(valued))
    m_scores = [next(m_iter) if m is not None else None for m in monetary]
    services = {"A": config.tier_service_a, "B": config.tier_service_b, "C": config.tier_service_c}
    tiers = []
    for status, f, m, r_score, f_score, m_score in zip(
        customers, frequency, monetary, r_scores, f_scores, m_scores, strict=True
    ):
        key = simplified(status.customer)  # the reader trimmed and folded it: customer_key
        is_key = key in keys
        tier, rated_on = tier_of(
            r_score, f_score, m_score, config.tier_high, config.tier_low, is_key
        )
        tiers.append(
            CustomerTier(
                status.customer,
                status.owner,
                status.stage,
                status.idle_days,
                f,
                m,
                r_score,
                f_score,
                m_score,
                tier,
                is_key,
                rated_on,
                before.get(key),
                services[tier],
            )
        )
    tiers.sort(
        key=lambda t: (
            t.tier,
            -(t.monetary or 0),
            t.recency_days if t.recency_days is not None else never,
            t.customer,
        )
    )
    return tiers


def tier_counts(tiers: list[CustomerTier]) -> dict[str, dict[str, int]]:
    """owner (— when none) -> customers per tier, owners in name order."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(TIERS, 0))
    for tier in tiers:
        counts[tier.owner or "—"][tier.tier] += 1
    return {owner: counts[owner] for owner in sorted(counts)}


def tier_moves(
    tiers: list[CustomerTier],
    follow_ups: FollowUpFigures | None = None,
    previous: dict[str, Decimal] | None = None,
) -> list[TierMove]:
    """Customers tiered last period and now in another tier, or lost since (their previous tier
    from `previous`, the history's customer -> tier code): drops first (A→lost, A→C, A→B, B→…),
    then rises, each by customer."""
    moves = [
        TierMove(t.customer, t.owner, t.previous_tier, t.tier)
        for t in tiers
        if t.previous_tier is not None and t.previous_tier != t.tier
    ]
    before = _previous_by_key(previous)
    for status in follow_ups.customers if follow_ups and before else []:
        if status.lost and (tier := before.get(simplified(status.customer))):
            moves.append(TierMove(status.customer, status.owner, tier, LOST))
    moves.sort(key=lambda m: (not m.dropped, m.previous_tier, -_rank(m.tier), m.customer))
    return moves


def _previous_by_key(previous: dict[str, Decimal] | None) -> dict[str, str]:
    """The history's customer -> tier code as folded name -> tier (A, B, C)."""
    return {
        customer_key(name): tier
        for name, code in (previous or {}).items()
        for tier in TIERS
        if TIER_CODES[tier] == code
    }
