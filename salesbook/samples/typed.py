"""Numbers, dates and months → as people type them in the workbooks (8万元, 四十万, 2026年8月5日)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

from salesbook.values import Period, month_period, quarter_period


def nth_month(period: Period, offset: int) -> Period:
    """The `offset`-th month from the start of `period` (0 = its first)."""
    index = period.start.year * 12 + period.start.month - 1 + offset
    return month_period(index // 12, index % 12 + 1)


def quarter_before(period: Period, count: int) -> Period:
    """The quarter `count` quarters before the one `period` starts in."""
    index = period.start.year * 4 + (period.start.month - 1) // 3 - count
    return quarter_period(index // 4, index % 4 + 1)


def numeral(number: int) -> str:
    """12 -> 十二 (group names like 华东十二组); 400000 -> 四十万."""
    import cn2an  # a maintained converter (SPEC §3); imported only for the demo

    return str(cn2an.an2cn(number))


def wan(yuan: Decimal | int, places: int | None = None) -> str:
    """Yuan as a number of 万 without trailing zeros: 400000 -> 40, 133333 (1 place) -> 13.3."""
    value = Decimal(yuan) / 10000
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return format(value.normalize(), "f")


def cn_date(day: dt.date) -> str:
    """2026-09-30 -> 2026年9月30日, as the seed types its deadlines."""
    return f"{day.year}年{day.month}月{day.day}日"


def typed_money(rng: random.Random, yuan: int) -> object:
    """An amount as people type it: 8万元, 80000, ¥80,000 or 8万."""
    form = rng.randrange(4)
    if form == 0:
        return f"{wan(yuan)}万元"
    if form == 1:
        return yuan
    if form == 2:
        return f"¥{yuan:,}"
    return f"{wan(yuan)}万"
