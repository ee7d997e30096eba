"""Seed rows + a random generator → the demo's people, groups and targets."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from salesbook.samples.data import (
    ACTIVE,
    BASE_REPS,
    DIRECTOR,
    GIVEN,
    GROUP_SIZE,
    LEAD,
    LEFT,
    MANAGER,
    PRODUCT_WEIGHTS,
    REGION_WEIGHTS,
    REGIONS,
    REP,
    SURNAMES,
    TARGET_UNIT,
)
from salesbook.samples.typed import nth_month, numeral
from salesbook.schemas import APPRAISAL, TARGET_BREAKDOWN, TARGET_OVERALL
from salesbook.values import (
    Period,
    parse_count,
    parse_date,
    parse_money,
    parse_period,
    parse_quantity,
    split_dimension,
    split_overall,
)

# --- the organisation's records -------------------------------------------------------------------


@dataclass(frozen=True)
class Seeds:
    """The figures the seed's example rows state (schemas.py), which the demo builds around."""

    sales_total: int  # 季度销售额100万元
    new_total: int  # 新客户开发30个
    region_share: Decimal  # 区域-华东区域 40万元 of 100万
    product_share: Decimal  # 产品-产品A 60万元 of 100万
    product: str  # 产品A
    region_suffix: str  # 华东区域 -> 区域
    person_new: int  # 个人 8个
    appraised: tuple[int, ...]  # the appraisal rows' targets: 30万元, 25万元
    period: Period  # the seed's quarter (2023Q4), to move its dates into the demo's

    @classmethod
    def read(cls) -> Seeds:
        region_row, product_row, person_row = TARGET_BREAKDOWN.example_rows
        _, total = split_overall(str(region_row[0]))
        _, new_total = split_overall(str(person_row[0]))
        region = split_dimension(str(region_row[1]))
        product = split_dimension(str(product_row[1]))
        # The seed rows of schemas.py state these figures; a changed seed must fail here.
        assert total is not None
        assert new_total is not None
        assert region is not None
        assert product is not None
        return cls(
            sales_total=int(total.amount),
            new_total=int(new_total.amount),
            region_share=parse_quantity(region_row[2]).amount / total.amount,
            product_share=parse_quantity(product_row[2]).amount / total.amount,
            product=product[1],
            region_suffix=region[1].removeprefix(REGIONS[0]),
            person_new=parse_count(person_row[2]),
            appraised=tuple(int(parse_money(row[1])) for row in APPRAISAL.example_rows),
            period=parse_period(TARGET_OVERALL.example_rows[0][3]),
        )

    def move(self, day: object, period: Period) -> dt.date:
        """A seed date moved into `period`, same month of the quarter and same day (clamped)."""
        seed_day = parse_date(day)
        start = self.period.start
        month = nth_month(period, (seed_day.year - start.year) * 12 + seed_day.month - start.month)
        return min(month.start + dt.timedelta(days=seed_day.day - 1), month.end)


@dataclass
class Person:
    """One person on the roster."""

    name: str
    role: str
    region: str = ""
    group: str = ""
    manager: str = ""
    hire_date: dt.date | None = None
    status: str = ACTIVE
    staff_id: str = ""

    def roster_row(self) -> dict[str, object]:
        return {
            "name": self.name,
            "staff_id": self.staff_id,
            "role": self.role,
            "region": self.region,
            "group": self.group,
            "manager": self.manager,
            "hire_date": self.hire_date,
            "email": f"{self.staff_id.lower()}@example.com",
            "status": self.status,
        }


@dataclass
class Org:
    """The whole organisation for the demo's quarter."""

    period: Period
    people: list[Person]  # roster order
    regions: list[str]
    managers: dict[str, Person]
    leads: dict[str, Person]  # group -> its lead
    groups: dict[str, list[Person]]  # group -> its reps
    products: list[str]
    outsider: str  # a name on no roster: the planted "owner not on the roster"
    appraised: list[Person]  # who gets the appraisal's seed rows, in their order

    @property
    def reps(self) -> list[Person]:
        return [p for p in self.people if p.role == REP]

    @property
    def active_reps(self) -> list[Person]:
        return [p for p in self.reps if p.status == ACTIVE]

    @property
    def seed_owner(self) -> Person:
        """Who owns the seed's follow-ups and plan row: a rep of the first region."""
        return self.appraised[-1] if self.appraised else self.reps[0]


@dataclass
class Targets:
    """The quarter's targets: totals, each active rep's, and their sums by region, group, product."""

    sales_total: int  # yuan
    new_total: int  # new customers
    sales: dict[str, int]  # active rep -> individual sales target
    new: dict[str, int]  # active rep -> new-customer target (0: no row)
    regions: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    products: dict[str, int] = field(default_factory=dict)
    seed_new_owner: str | None = None  # who carries the seed's individual new-customer row (8个)


@dataclass
class Account:
    """One customer of one rep, moving along the funnel as the quarter goes on."""

    name: str
    product: str
    stage: int
    deal: int


# --- people ---------------------------------------------------------------------------------------


class _Names:
    """Unique, common-looking Chinese names: a surname and one or two given-name characters."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def __call__(self) -> str:
        name = ""
        for _ in range(200):
            given = self.rng.choice(GIVEN)
            if self.rng.random() < 0.65:
                given += self.rng.choice(GIVEN)
            name = self.rng.choice(SURNAMES) + given
            if name not in self.used and len(set(name)) == len(name):
                self.used.add(name)
                return name
        number = 2  # only a huge demo runs out of names: then a digit, as HR systems do
        while f"{name}{number}" in self.used:
            number += 1
        self.used.add(f"{name}{number}")
        return f"{name}{number}"


def _share(total: int, weights: Sequence[float], unit: int = 1) -> list[int]:
    """`total` in whole `unit`s shared by `weights`, summing exactly (largest remainder first)."""
    units, rest = divmod(total, unit)
    whole = sum(weights)
    exact = [units * w / whole for w in weights]
    parts = [math.floor(x) for x in exact]
    by_fraction = sorted(range(len(exact)), key=lambda i: parts[i] - exact[i])
    for i in by_fraction[: units - sum(parts)]:
        parts[i] += 1
    parts = [p * unit for p in parts]
    parts[0] += rest
    return parts


def build_org(rng: random.Random, reps: int, period: Period, seeds: Seeds) -> Org:
    """A director, a manager per region, groups of at most GROUP_SIZE reps under a lead each."""
    names = _Names(rng)
    count = 4 + (reps > 80) + (reps > 160) + (reps > 320)  # more regions only for large teams
    regions = list(REGIONS[:count])

    def hired(low: int, high: int) -> dt.date:
        return period.start - dt.timedelta(days=rng.randint(low, high))

    director = Person(names(), DIRECTOR, hire_date=hired(3300, 4000))
    people = [director]
    managers: dict[str, Person] = {}
    leads: dict[str, Person] = {}
    groups: dict[str, list[Person]] = {}
    for region, size in zip(regions, _share(reps, REGION_WEIGHTS[:count]), strict=True):
        manager = Person(names(), MANAGER, region, "", director.name, hired(1500, 3200))
        managers[region] = manager
        people.append(manager)
        sizes = _share(size, [1] * math.ceil(size / GROUP_SIZE)) if size else []
        for number, group_size in enumerate(sizes, start=1):
            group = f"{region}{numeral(number)}组"
            lead = Person(names(), LEAD, region, group, manager.name, hired(900, 2800))
            leads[group] = lead
            groups[group] = [
                Person(names(), REP, region, group, lead.name, hired(45, 2400))
                for _ in range(group_size)
            ]
            people += [lead, *groups[group]]
    for number, person in enumerate(people, start=1):
        person.staff_id = f"S{number:04d}"
    # A couple of reps have left: the last rep of the last two groups that can spare one.
    for members in [g for g in groups.values() if len(g) > 2][::-1][: 2 if reps >= 10 else 0]:
        members[-1].status = LEFT
    products = [
        f"{seeds.product[:-1]}{chr(ord(seeds.product[-1]) + i)}"
        for i in range(3 + (reps > 200) + (reps > 500))
    ]
    # The seed's two appraised reps carry 30万 and 25万 of the team's 100万: the 25万 one sits in
    # the first region (华东, 40万 in the seed), the 30万 one elsewhere, so both pools stay plausible.
    active = [p for members in groups.values() for p in members if p.status == ACTIVE]
    first = [p for p in active if p.region == regions[0]]
    rest = [p for p in active if p.region != regions[0]]
    appraised = (rest[:1] or first[1:2]) + first[:1]
    return Org(period, people, regions, managers, leads, groups, products, names(), appraised)


# --- targets ----------------------------------------------------------------------------------------


def plan_targets(rng: random.Random, org: Org, seeds: Seeds, reps: int) -> Targets:
    """Individual targets first (one pool for the first region, one for the rest), then sums."""
    if reps <= BASE_REPS:
        total, new_total = seeds.sales_total, seeds.new_total
    else:
        total = int(round(seeds.sales_total * reps / BASE_REPS, -5))
        new_total = round(seeds.new_total * reps / BASE_REPS)
    fixed = {p.name: amount for p, amount in zip(org.appraised, seeds.appraised, strict=False)}
    active = org.active_reps
    first = [p for p in active if p.region == org.regions[0]]
    rest = [p for p in active if p.region != org.regions[0]]
    first_budget = int(total * seeds.region_share) if rest else total
    sales: dict[str, int] = {}
    for pool, budget in ((first, first_budget), (rest, total - first_budget)):
        others = [p for p in pool if p.name not in fixed]
        remaining = budget - sum(fixed.get(p.name, 0) for p in pool)
        if pool and (not others or remaining < len(others) * TARGET_UNIT * 5):
            others, remaining = pool, budget  # too small a team for the seed's amounts
        else:
            sales.update((p.name, fixed[p.name]) for p in pool if p.name in fixed)
        weights = [rng.uniform(0.7, 1.3) for _ in others]
        sales.update(
            zip(
                (p.name for p in others),
                _share(remaining, weights, TARGET_UNIT) if others else [],
                strict=True,
            )
        )
    new_owner = org.appraised[0] if org.appraised else None
    others = [p for p in active if p is not new_owner]
    new = {new_owner.name: seeds.person_new} if new_owner and others else {}
    if others:
        weights = [rng.uniform(0.6, 1.4) for _ in others]
        new.update(
            zip(
                (p.name for p in others),
                _share(new_total - sum(new.values()), weights),
                strict=True,
            )
        )
    elif new_owner:
        new[new_owner.name] = new_total
    targets = Targets(
        total,
        new_total,
        {p.name: sales[p.name] for p in active},
        {p.name: new.get(p.name, 0) for p in active},
    )
    if new_owner and others:
        targets.seed_new_owner = new_owner.name
    for person in active:
        amount = sales[person.name]
        targets.regions[person.region] = targets.regions.get(person.region, 0) + amount
        targets.groups[person.group] = targets.groups.get(person.group, 0) + amount
    lead = int(total * seeds.product_share)
    tail = _share(total - lead, PRODUCT_WEIGHTS[: len(org.products) - 1], TARGET_UNIT)
    targets.products = dict(zip(org.products, [lead, *tail], strict=True))
    return targets
