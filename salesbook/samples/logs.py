"""The demo organisation → its customers and one follow-up log per region, mistakes planted."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from salesbook.samples.data import (
    ACTIVE,
    BAD_CHANNEL,
    BRANDS,
    CHANNEL_VALUES,
    CHANNEL_WEIGHTS,
    CITIES,
    COMPANY_FORMS,
    FEEDBACK,
    FOLLOW_UPS_PER_MONTH,
    NEXT_ACTIONS,
    PROPOSAL_STAGE,
    STAGE_STEP,
    STAGE_VALUES,
    START_STAGE_WEIGHTS,
    SUMMARIES,
    TARGET_UNIT,
    TRADES,
    LogStyle,
)
from salesbook.samples.org import Account, Org, Person, Seeds, Targets
from salesbook.samples.typed import cn_date, nth_month, typed_money
from salesbook.samples.writing import SheetData
from salesbook.schemas import FOLLOW_UP, FUNNEL
from salesbook.values import Period


def _company(rng: random.Random, region: str, taken: set[str]) -> str:
    """城市 + 字号 + 行业 + 有限公司, unique in the organisation (杭州恒泰科技有限公司)."""
    cities = CITIES[region]
    name = ""
    for attempt in range(100):
        # A large region runs short of names in its own cities: then any city will do.
        city = rng.choice(
            cities if attempt < 50 else tuple(c for cs in CITIES.values() for c in cs)
        )
        name = city + rng.choice(BRANDS) + rng.choice(TRADES) + rng.choice(COMPANY_FORMS)
        if name not in taken:
            break
    else:
        name = f"{name[:-4]}第{len(taken)}分公司"
    taken.add(name)
    return name


def make_accounts(rng: random.Random, org: Org, targets: Targets) -> dict[str, list[Account]]:
    """Each rep's customers (8-14), their product line, starting stage and deal size."""
    seed_customers = [str(row[0]) for row in FOLLOW_UP.example_rows]
    taken = set(seed_customers)
    accounts: dict[str, list[Account]] = {}
    product_weights = [3, *([1] * (len(org.products) - 1))]
    for rep in org.reps:
        quarter = targets.sales.get(rep.name) or targets.sales_total // max(1, len(targets.sales))
        accounts[rep.name] = [
            Account(
                _company(rng, rep.region, taken),
                rng.choices(org.products, weights=product_weights)[0],
                rng.choices(range(len(FUNNEL)), weights=START_STAGE_WEIGHTS)[0],
                max(TARGET_UNIT, int(round(quarter * rng.uniform(0.2, 0.9), -2))),
            )
            for _ in range(rng.randint(8, 14))
        ]
    # The seed's customers (科技公司, YY集团) belong to the rep who owns the seed's follow-ups.
    for customer, summary in ((str(row[0]), str(row[4])) for row in FOLLOW_UP.example_rows):
        product = next((p for p in org.products if p in summary), org.products[0])
        accounts[org.seed_owner.name].append(Account(customer, product, 2, 60 * TARGET_UNIT))
    return accounts


def _workdays(month: Period) -> list[dt.date]:
    days = (month.start + dt.timedelta(days=n) for n in range((month.end - month.start).days + 1))
    return [day for day in days if day.weekday() < 5]


def follow_up_logs(
    rng: random.Random, org: Org, accounts: dict[str, list[Account]], seeds: Seeds
) -> dict[str, list[dict[str, object]]]:
    """Region -> its log's rows, in date order; each rep 15-30 follow-ups a month."""
    months = [nth_month(org.period, offset) for offset in range(org.period.months)]
    workdays = [_workdays(month) for month in months]
    keys = [c.key for c in FOLLOW_UP.columns]
    seed_rows = []
    for example in FOLLOW_UP.example_rows:
        values = dict(zip(keys, example, strict=True))
        values.update(
            owner=org.seed_owner.name,
            date=seeds.move(values["date"], org.period),
            due=seeds.move(values["due"], org.period),
        )
        seed_rows.append(values)
    order = {person.name: index for index, person in enumerate(org.people)}
    regions = [r for r in org.regions if any(p.region == r for p in org.reps)]
    # The planted text dates (2026年8月5日, 2026/8/5) go into the first two logs, on rows of their
    # last rep, who is sure to follow up that day (twice when there is one log only).
    text_days = [_text_date_day(org.period)] * (2 if len(regions) == 1 else 1)
    logs: dict[str, list[dict[str, object]]] = {}
    for region in regions:
        reps = [p for p in org.reps if p.region == region]
        rows: list[dict[str, object]] = []
        for rep in reps:
            forced = text_days if rep is reps[-1] and region in regions[:2] else []
            fixed = seed_rows if rep is org.seed_owner else []
            rows += _rep_follow_ups(rng, org, rep, accounts[rep.name], workdays, forced, fixed)
        rows.sort(key=lambda r: (r["date"], order[str(r["owner"])], str(r["customer"])))
        logs[region] = rows
    return logs


def _text_date_day(period: Period) -> dt.date:
    return nth_month(period, 1).start.replace(day=5)


def _rep_follow_ups(
    rng: random.Random,
    org: Org,
    rep: Person,
    accounts: list[Account],
    workdays: list[list[dt.date]],
    forced: Sequence[dt.date],
    fixed: Sequence[dict[str, object]],
) -> list[dict[str, object]]:
    """One rep's follow-ups over the quarter: a schedule first, then stages walked in date order."""
    seen = {(str(row["customer"]), row["date"]) for row in fixed}  # no accidental duplicate rows
    schedule: list[tuple[dt.date, int]] = []
    weights = [rng.uniform(0.5, 2.0) for _ in accounts]
    # A rep who has left worked the first month only.
    months = workdays if rep.status == ACTIVE else workdays[:1]
    plan = [(days, rng.randint(*FOLLOW_UPS_PER_MONTH)) for days in months]
    if rep.status != ACTIVE:
        plan = [(days, count // 3) for days, count in plan]
    for day in forced:
        plan.insert(0, ([day], 1))
    for days, count in plan:
        for _ in range(count):
            for _attempt in range(4):
                day = rng.choice(days)
                pick = rng.choices(range(len(accounts)), weights=weights)[0]
                if (accounts[pick].name, day) not in seen:
                    seen.add((accounts[pick].name, day))
                    schedule.append((day, pick))
                    break
    schedule.sort(key=lambda item: (item[0], accounts[item[1]].name))
    informed = org.leads[rep.group].name
    rows = list(fixed)
    for day, index in schedule:
        account = accounts[index]
        if account.stage < len(FUNNEL) - 1 and rng.random() < STAGE_STEP:
            account.stage += 1
        stage = account.stage
        deal: object = None
        if stage >= PROPOSAL_STAGE and rng.random() < 0.5:
            deal = account.deal if rng.random() < 0.8 else typed_money(rng, account.deal)
        rows.append(
            {
                "customer": account.name,
                "owner": rep.name,
                "date": day,
                "channel": rng.choices(CHANNEL_VALUES, weights=CHANNEL_WEIGHTS)[0],
                "summary": rng.choice(SUMMARIES[stage]).format(product=account.product),
                "feedback": (
                    rng.choice(FEEDBACK[stage]).format(product=account.product)
                    if rng.random() < 0.85
                    else None
                ),
                "next_action": rng.choice(NEXT_ACTIONS[stage]),
                "due": day + dt.timedelta(days=rng.randint(2, 14)),
                "informed": informed if rng.random() < 0.2 else None,
                "stage": STAGE_VALUES[stage],
                # Most are entered the same day; some are back-filled days later (seed 000: 补录).
                "entered": day
                if rng.random() < 0.85
                else day + dt.timedelta(days=rng.randint(2, 5)),
                "deal_value": deal,
            }
        )
    return rows


def _day(row: dict[str, object]) -> dt.date:
    """A row's date: a date until the dates typed as text are planted, last."""
    day = row["date"]
    assert isinstance(day, dt.date)
    return day


def plant_follow_up_mistakes(org: Org, logs: dict[str, list[dict[str, object]]]) -> None:
    """The follow-up mistakes admins meet, each once, spread over the regions' logs."""
    regions = list(logs)

    def log(position: int) -> list[dict[str, object]]:
        return logs[regions[min(position, len(regions) - 1)]]

    seed_customers = {str(row[0]) for row in FOLLOW_UP.example_rows}
    text_day = _text_date_day(org.period)
    touched: list[dict[str, object]] = []

    def plain(rows: list[dict[str, object]], fraction: float) -> dict[str, object]:
        """A row no other mistake uses, not a seed row, near `fraction` of the way down."""
        start = int(len(rows) * fraction)
        for row in rows[start:] + rows[:start]:
            if (
                row["customer"] not in seed_customers
                and row["date"] != text_day
                and all(row is not other for other in touched)
            ):
                touched.append(row)
                return row
        raise AssertionError("a follow-up log too short for the planted mistakes")

    # SB-U005: a row copied into the next region's log (people paste rows between files).
    copied = dict(plain(log(0), 0.3))
    target = log(2)
    target.insert(
        next((i for i, r in enumerate(target) if _day(r) > _day(copied)), len(target)), copied
    )
    touched.append(copied)
    plain(log(0), 0.5)["owner"] = org.outsider  # SB-U004: a new colleague not yet on the roster
    row = plain(log(2), 0.5)
    row["due"] = _day(row) - dt.timedelta(days=3)  # SB-U001: due before the follow-up
    plain(log(3), 0.25)["channel"] = BAD_CHANNEL  # SB-V006
    # Dates typed as text: they read fine.
    for position, text in (
        (0, cn_date(text_day)),
        (1, f"{text_day.year}/{text_day.month}/{text_day.day}"),
    ):
        row = next(r for r in log(position) if r["date"] == text_day)
        row["date"] = text


def log_name(style: LogStyle, region: str, period: Period) -> str:
    """A region's log file name in its style (10月跟进记录-华东(终版2).xlsx and the like)."""
    return style.file.format(
        label=period.label,
        region=region,
        hant=FOLLOW_UP.hant,
        en=FOLLOW_UP.en,
        year=period.start.year,
        first=period.start.month,
        last=period.end.month,
    )


def log_sheet(style: LogStyle, region: str, org: Org, rows: list[dict[str, object]]) -> SheetData:
    """A region's log as one sheet in its style: language, sheet name, title rows, columns."""
    period = org.period
    titles: tuple[str, ...] = ()
    if style.titles == 1:
        quarter = (period.start.month - 1) // 3 + 1
        titles = (f"{region}区{FOLLOW_UP.zh}（{period.start.year}年第{quarter}季度）",)
    elif style.titles == 2:
        titles = (
            f"{region}区{FOLLOW_UP.zh}",
            f"制表：{org.managers[region].name}　　更新日期：{period.end.isoformat()}",
        )
    return SheetData(FOLLOW_UP, rows, style.columns, titles, style.sheet)
