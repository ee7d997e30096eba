"""A seed and a size → a deterministic sample organisation's workbooks (`salesbook demo`)."""

from __future__ import annotations

import datetime as dt
import random
import re
from decimal import Decimal
from pathlib import Path

from salesbook.config import CONFIG_NAME, commented_toml
from salesbook.errors import SalesbookError
from salesbook.samples.data import (
    ACTION,
    DEFAULT_LOG_STYLE,
    DEFAULT_PERIOD,
    DONE,
    EXCELLENT,
    GOOD,
    GROUP_DIM,
    KINDS,
    LOG_FOLDER,
    LOG_STYLES,
    MANAGER,
    NEEDS_WORK,
    NOT_STARTED,
    PERSON_DIM,
    PRODUCT_DIM,
    QUARTERLY,
    REGION_DIM,
    REGIONS,
    RESOURCES,
    REVIEW_ACTIONS,
    REVIEW_FINDINGS,
    STRATEGIES,
    SUGGESTIONS,
    YEARLY,
)
from salesbook.samples.logs import (
    follow_up_logs,
    log_name,
    log_sheet,
    make_accounts,
    plant_follow_up_mistakes,
)
from salesbook.samples.org import Account, Org, Seeds, Targets, build_org, plan_targets
from salesbook.samples.typed import cn_date, nth_month, numeral, quarter_before, typed_money, wan
from salesbook.samples.writing import SheetData, refuse_overwrite, write_book
from salesbook.schemas import (
    APPRAISAL,
    HEALTH_DATA,
    HEALTH_INDICATORS,
    HEALTH_MONITORING,
    REVIEW_ITEMS,
    ROSTER,
    SALES_PLAN,
    TARGET_BREAKDOWN,
    TARGET_OVERALL,
)
from salesbook.values import Period, parse_measure, parse_money, parse_threshold, year_period

DEMO_COMPANY = "示例科技有限公司"  # the sample's 甲方: made up, and says so


def write_demo(
    folder: Path,
    reps: int = 24,
    seed: int = 42,
    period: Period = DEFAULT_PERIOD,
    force: bool = False,
) -> list[Path]:
    """A realistic sample organisation for one quarter (default 2026Q3), deterministic to the byte.

    It holds a few planted mistakes, each once, for `salesbook validate` to find: a due date
    before its follow-up (SB-U001), an owner missing from the roster in a log (SB-U004) and in
    the breakdown (SB-T002), an unreadable amount (SB-V002), a follow-up copied into a second
    region's log (SB-U005), an unknown channel (SB-V006) and an overdue review action (SB-R002);
    and oddities that must read fine: 四十万, 2026年8月5日, 2026/8/5.
    """
    if period.kind != "quarter":
        raise SalesbookError(
            f"示例数据按季度生成，请用如 2026Q3 的季度，而不是 {period.label} "
            f"(the demo covers one quarter, e.g. 2026Q3, not {period.label})"
        )
    if reps < 1:
        raise SalesbookError(f"销售代表人数至少为 1：{reps} (at least one sales rep: {reps})")
    folder = Path(folder)
    seeds = Seeds.read()
    rng = random.Random(seed)
    org = build_org(rng, reps, period, seeds)
    targets = plan_targets(rng, org, seeds, reps)
    accounts = make_accounts(rng, org, targets)
    logs = follow_up_logs(rng, org, accounts, seeds)
    plant_follow_up_mistakes(org, logs)
    actuals = _actuals(rng, org, targets)

    books = {  # the kinds one team keeps in one file each, in Simplified Chinese
        "targets": _targets_sheets(rng, org, targets, seeds),
        "appraisal": _appraisal_sheets(rng, org, targets, actuals),
        "health": _health_sheets(rng, org, targets, actuals),
        "sales_plan": _plan_sheets(rng, org, accounts),
        "review": _review_sheets(org, seeds),
    }
    files = {folder / f"{KINDS[key].title()}.xlsx": ("zh", sheets) for key, sheets in books.items()}
    for region, rows in logs.items():
        position = REGIONS.index(region)
        style = LOG_STYLES[position] if position < len(LOG_STYLES) else DEFAULT_LOG_STYLE
        files[folder / LOG_FOLDER / log_name(style, region, period)] = (
            style.lang,
            [log_sheet(style, region, org, rows)],
        )
    settings = folder / CONFIG_NAME
    refuse_overwrite(folder, [*files, settings], force)
    stamp = dt.datetime.combine(period.end, dt.time(18, 0))  # stable bytes: no clock anywhere
    for path, (lang, sheets) in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_book(path, lang, sheets, stamp)
    settings.write_text(commented_toml(company=DEMO_COMPANY), encoding="utf-8")
    return sorted([*files, settings])


# --- targets ----------------------------------------------------------------------------------------

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _renumber(text: object, number: object) -> str:
    """The seed's own wording with its first number replaced: (季度销售额100万元, 80) -> …80万元."""
    return _NUMBER.sub(str(number), str(text), count=1)


def _first_number(text: object) -> Decimal:
    match = _NUMBER.search(str(text))
    assert match is not None, text
    return Decimal(match[0])


def _targets_sheets(
    rng: random.Random, org: Org, targets: Targets, seeds: Seeds
) -> list[SheetData]:
    period = org.period
    keys = [c.key for c in TARGET_OVERALL.columns]
    overall = []
    for example, amount in zip(
        TARGET_OVERALL.example_rows, (wan(targets.sales_total), targets.new_total), strict=True
    ):
        values = dict(zip(keys, example, strict=True))
        values.update(
            target=_renumber(example[1], amount),
            period=period.label,
            start=period.start,
            end=period.end,
        )
        overall.append(values)

    region_row, product_row, person_row = TARGET_BREAKDOWN.example_rows
    sales_text = _renumber(region_row[0], wan(targets.sales_total))
    new_text = _renumber(person_row[0], targets.new_total)
    deadline = cn_date(period.end)

    def row(
        overall_text: str,
        dimension: str,
        name: str,
        target: object,
        owner: str,
        standard: object = None,
        due: object = deadline,
    ) -> dict[str, object]:
        return {
            "overall": overall_text,
            "dimension": f"{dimension}-{name}",
            "target": target,
            "owner": owner,
            "deadline": due,
            "standard": standard,
        }

    def monthly(yuan: int) -> str:  # the seed's run-rate wording: 40万 / 3 months = 13.3万
        return _renumber(region_row[5], wan(Decimal(yuan) / period.months, 1))

    rows = [
        row(
            sales_text,
            REGION_DIM,
            region + seeds.region_suffix,
            _renumber(region_row[2], wan(amount)),
            org.managers[region].name,
            monthly(amount),
        )
        for region, amount in targets.regions.items()
    ]
    # Planted SB-T002: the last region's owner typed as people say it (刘经理), not the roster name.
    rows[-1]["owner"] = f"{str(rows[-1]['owner'])[0]}{MANAGER[-2:]}"
    # The seed gives a product line to a group (*小组); a 责任人 must be a person who signs
    # (SB-T013), so the group's lead owns it.
    owners = [org.leads[group].name for group in targets.groups]
    # The seed's product standard (新客户签约≥20个) grows with the team's new-customer target.
    signed = _renumber(
        product_row[5], round(_first_number(product_row[5]) * targets.new_total / seeds.new_total)
    )
    for index, (product, amount) in enumerate(targets.products.items()):
        rows.append(
            row(
                sales_text,
                PRODUCT_DIM,
                product,
                _renumber(product_row[2], wan(amount)),
                owners[index % len(owners)],
                signed if index == 0 else monthly(amount),
            )
        )
    for index, (group, amount) in enumerate(targets.groups.items()):
        # The first group's lead types the amount in words (四十万): it must still read right.
        rows.append(
            row(
                sales_text,
                GROUP_DIM,
                group,
                numeral(amount) if index == 0 else f"{wan(amount)}万元",
                org.leads[group].name,
                monthly(amount) if rng.random() < 0.5 else None,
            )
        )
    seeded = _seeded_rows(org, targets)
    for name, amount in targets.sales.items():
        typed = seeded[name][1] if name in seeded else typed_money(rng, amount)
        rows.append(
            row(
                sales_text,
                PERSON_DIM,
                name,
                typed,
                name,
                monthly(amount) if rng.random() < 0.6 else None,
                period.end if rng.random() < 0.2 else deadline,
            )
        )
    new_rows: list[dict[str, object]] = []
    for name, count in targets.new.items():
        if name == targets.seed_new_owner:
            new_rows.insert(0, row(new_text, PERSON_DIM, name, person_row[2], name, person_row[5]))
        elif count:
            new_rows.append(
                row(
                    new_text,
                    PERSON_DIM,
                    name,
                    f"{count}个" if rng.random() < 0.7 else count,
                    name,
                    person_row[5] if rng.random() < 0.5 else None,
                )
            )
    # no 签署日期: the demo's letters are not printed yet, so nobody has signed
    breakdown_keys = tuple(
        c.key for c in TARGET_BREAKDOWN.columns if c.key not in ("actual", "signed")
    )
    return [
        SheetData(TARGET_OVERALL, overall),
        SheetData(TARGET_BREAKDOWN, rows + new_rows, breakdown_keys),
        SheetData(ROSTER, [person.roster_row() for person in org.people]),
    ]


# --- appraisal, health, plan, review ------------------------------------------------------------


def _grade(score: int) -> str:
    # The seed puts 92 in 优秀 and 75 in 待改进; 80-89 is 良好, as scorecards usually have it.
    return EXCELLENT if score >= 90 else GOOD if score >= 80 else NEEDS_WORK


def _seeded_rows(org: Org, targets: Targets) -> dict[str, tuple[object, ...]]:
    """Rep -> the appraisal seed row they take (only if their target is the seed's)."""
    pairs = zip(org.appraised, APPRAISAL.example_rows, strict=False)
    return {p.name: row for p, row in pairs if targets.sales.get(p.name) == parse_money(row[1])}


def _actuals(rng: random.Random, org: Org, targets: Targets) -> dict[str, int]:
    """Each active rep's sales this quarter: the seed's figure for its reps, else around target."""
    seeded = _seeded_rows(org, targets)
    actuals = {}
    for rep in org.active_reps:
        target = targets.sales[rep.name]
        seed_row = seeded.get(rep.name)
        actuals[rep.name] = (
            int(parse_money(seed_row[2]))
            if seed_row
            else max(100, int(round(target * rng.triangular(0.55, 1.35, 0.97), -2)))
        )
    return actuals


def _appraisal_sheets(
    rng: random.Random, org: Org, targets: Targets, actuals: dict[str, int]
) -> list[SheetData]:
    """One row per active rep; the seed's two rows for its two reps, the rest worked out alike."""
    keys = [c.key for c in APPRAISAL.columns]
    seeded = _seeded_rows(org, targets)
    rows: list[dict[str, object]] = []
    for rep in org.active_reps:
        if rep.name in seeded:
            rows.append(dict(zip(keys, (rep.name, *seeded[rep.name][1:]), strict=True)))
            continue
        target, actual = targets.sales[rep.name], actuals[rep.name]
        attainment = Decimal(actual) / target
        new = max(0, targets.new[rep.name] + rng.randint(-1, 2))
        retention = Decimal(rng.randint(62, 97)) / 100
        score = max(40, min(99, round(25 + 45 * attainment + 15 * retention + 2 * min(new, 5))))
        grade = _grade(score)
        rows.append(
            {
                "name": rep.name,
                "target": typed_money(rng, target),
                "actual": typed_money(rng, actual),
                "attainment": (
                    float(attainment.quantize(Decimal("0.0001")))
                    if rng.random() < 0.6
                    else f"{attainment * 100:.1f}%"
                ),
                "new_customers": f"{new}个" if rng.random() < 0.5 else new,
                "retention": float(retention) if rng.random() < 0.5 else f"{retention * 100:.0f}%",
                "score": score,
                "grade": grade,
                "suggestion": rng.choice(SUGGESTIONS[grade]),
            }
        )
    # SB-V002: an estimate typed instead of the figure, in the third row worked out here.
    worked = [row for row in rows if row["name"] not in seeded]
    if worked:
        row = worked[min(2, len(worked) - 1)]
        row["actual"] = f"约{wan(actuals[str(row['name'])], 1)}万"
    return [SheetData(APPRAISAL, rows)]


def _measure_text(value: Decimal, unit: str) -> str:
    if unit == "%":
        return f"{value * 100:.1f}%"
    return f"{value:.0f}{unit}"


def _health_sheets(
    rng: random.Random, org: Org, targets: Targets, actuals: dict[str, int]
) -> list[SheetData]:
    """The seed's indicator list and monitoring table, and values on both sides of each line."""
    period = org.period
    recent = [quarter_before(period, 2), quarter_before(period, 1)]
    months = [nth_month(period, offset) for offset in range(period.months)]
    indicator_keys = [c.key for c in HEALTH_INDICATORS.columns]
    monitoring_keys = [c.key for c in HEALTH_MONITORING.columns]
    indicators = [dict(zip(indicator_keys, r, strict=True)) for r in HEALTH_INDICATORS.example_rows]
    monitoring = [
        dict(zip(monitoring_keys, r, strict=True)) for r in HEALTH_MONITORING.example_rows
    ]
    data_keys = [c.key for c in HEALTH_DATA.columns]
    data = []
    for example in HEALTH_DATA.example_rows:  # the seed's measured value, for this quarter
        data.append({**dict(zip(data_keys, example, strict=True)), "period": period.label})

    def uniform(low: Decimal, high: Decimal) -> Decimal:
        return low + (high - low) * Decimal(rng.randint(0, 1000)) / 1000

    for row in monitoring:
        healthy, alert = parse_threshold(row["healthy"]), parse_threshold(row["alert"])
        low, high = sorted((healthy.limit, alert.limit))
        span = high - low
        # Bands from best to worst: healthy, in between (关注), past the alert line (预警).
        bands = [(low - span / 2, low), (low, high), (high, high + span / 2)]
        if healthy.op in (">", ">="):
            bands.reverse()
        if healthy.unit == "%":  # a rate tops out at 100%
            bands = [(a, min(b, Decimal(1))) for a, b in bands]
        statuses = [0, 0, 1, 1, 2]  # every indicator shows each status at least once
        rng.shuffle(statuses)
        for when, status in zip([*recent, *months], statuses, strict=True):
            start, end = bands[status]
            margin = (end - start) / 10  # clear of the lines, even once rounded for display
            data.append(
                {
                    "period": when.label,
                    "indicator": row["indicator"],
                    "value": _measure_text(uniform(start + margin, end - margin), healthy.unit),
                }
            )
    revenue = HEALTH_INDICATORS.example_rows[0][1]  # 营收达成率 = 实际营收/目标营收
    for row in indicators:
        target = parse_measure(row["target"])
        if row["cycle"] == YEARLY:
            periods = [year_period(period.start.year - 2), year_period(period.start.year - 1)]
        elif row["cycle"] == QUARTERLY:
            periods = [*recent, period]
        else:
            periods = [*recent, *months]
        for when in periods:
            ratio = uniform(target.value * Decimal("0.7"), target.value * Decimal("1.15"))
            size = rng.randint(80, 400) * when.months
            numerator = round(size * ratio)
            if row["name"] == revenue:  # in 元; this quarter's is the appraisal's total
                size = targets.sales_total
                numerator = sum(actuals.values()) if when == period else round(size * ratio)
            data.append(
                {
                    "period": when.label,
                    "indicator": row["name"],
                    "value": _measure_text(Decimal(numerator) / size, target.unit),
                    "numerator": numerator,
                    "denominator": size,
                }
            )
    return [
        SheetData(HEALTH_INDICATORS, indicators),
        SheetData(HEALTH_MONITORING, monitoring),
        SheetData(HEALTH_DATA, data),
    ]


def _plan_sheets(
    rng: random.Random, org: Org, accounts: dict[str, list[Account]]
) -> list[SheetData]:
    """Key customers and planned visits per month, for every third rep and the seed's owner."""
    keys = [c.key for c in SALES_PLAN.columns]
    owner = org.seed_owner
    seed_rows = [dict(zip(keys, example, strict=True)) for example in SALES_PLAN.example_rows]
    first_month = nth_month(org.period, 0).label
    for row in seed_rows:
        row.update(owner=owner.name, period=first_month)
    planners = [owner, *(p for p in org.active_reps[::3] if p is not owner)]
    rows: list[dict[str, object]] = []
    for rep in planners:
        for offset in range(org.period.months):
            month = nth_month(org.period, offset).label
            if rep is owner and offset == 0:
                rows += seed_rows
            planned = {
                str(row["key_customer"])
                for row in rows
                if row["owner"] == rep.name and row["period"] == month
            }
            mine = [a for a in accounts[rep.name] if a.name not in planned]
            for account in rng.sample(mine, min(len(mine), rng.randint(2, 3))):
                rows.append(
                    {
                        "owner": rep.name,
                        "period": month,
                        "key_customer": account.name,
                        "planned_visits": rng.randint(1, 4),
                        "strategy": rng.choice(STRATEGIES).format(product=account.product),
                        "resources": rng.choice(RESOURCES),
                    }
                )
    return [SheetData(SALES_PLAN, rows)]


def _review_sheets(org: Org, seeds: Seeds) -> list[SheetData]:
    """The seed's discussion items with real owners and dates in the quarter, plus a few more.

    The seed's second action stays 未开始 past its due date: the one overdue action (SB-R002).
    """
    keys = [c.key for c in REVIEW_ITEMS.columns]
    problem, *actions = (dict(zip(keys, r, strict=True)) for r in REVIEW_ITEMS.example_rows)
    owners = [org.people[0], org.managers[org.regions[0]]]
    for row, owner, status in zip(actions, owners, (DONE, NOT_STARTED), strict=False):
        row.update(owner=owner.name, due=seeds.move(row["due"], org.period), status=status)
    findings: list[dict[str, object]] = [
        {"category": category, "content": content} for category, content in REVIEW_FINDINGS
    ]
    leads = list(org.leads.values()) or owners
    more = [
        {
            "category": ACTION,
            "content": content,
            "owner": leads[i % len(leads)].name,
            "due": nth_month(org.period, month).start.replace(day=day),
            "status": DONE,
        }
        for i, (content, month, day) in enumerate(REVIEW_ACTIONS)
    ]
    return [SheetData(REVIEW_ITEMS, [problem, *findings, *actions, *more])]
