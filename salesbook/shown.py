"""Exact Decimal -> the Decimal and the text a document shows: rounded once, never across a line.

Figures are decided on exact values; this module only decides how many decimals to print. A value
is rounded half-up to the usual places; when that would put it on the other side of a line it is
compared with (99.995 % next to "不低于 100 %" would print 100.0 %), decimals are added and the
last one is rounded towards the value's own side, so 99.995 % prints 99.99 %.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
MAX_EXTRA_PLACES = 6  # past this the exact value itself is shown


def _side(value: Decimal, line: Decimal) -> int:
    return (value > line) - (value < line)


def shown(value: Decimal, places: int = 1, lines: Iterable[Decimal | None] = ()) -> Decimal:
    """`value` rounded to `places` decimals, with more when needed to stay on its side of `lines`."""
    value = Decimal(value)
    drawn = [Decimal(line) for line in lines if line is not None]
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    crossed = [line for line in drawn if _side(rounded, line) != _side(value, line)]
    if not crossed:
        return rounded
    # Landing on a line from above (100.004 -> 100.0) reads as "at the line", true for the usual
    # ≥ and < rules: add decimals half-up (100.004). Anything else crossed or touched from below
    # (99.995 -> 100.0) rounds the added decimal towards the value's side (99.99).
    from_above = all(value > line and rounded == line for line in crossed)
    nearest = min(crossed, key=lambda line: abs(value - line))
    directed = ROUND_FLOOR if value < nearest else ROUND_CEILING
    for extra in range(places + 1, places + MAX_EXTRA_PLACES + 1):
        quantum = Decimal(1).scaleb(-extra)
        rounded = value.quantize(quantum, rounding=ROUND_HALF_UP if from_above else directed)
        if all(_side(rounded, line) == _side(value, line) for line in drawn):
            return rounded
    return value


def places_of(value: Decimal) -> int:
    """Decimals a shown value carries (for a matching spreadsheet number format)."""
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def shown_percent(ratio: Decimal, lines: Iterable[Decimal | None] = (Decimal(1),)) -> Decimal:
    """A ratio (1.1 = 110 %) as the percentage shown, one decimal by default (SPEC §3).

    `lines` are ratios the figure is judged against; 100 % is one by default, so a figure short
    of the whole never prints as 100.0 %."""
    return shown(
        Decimal(ratio) * HUNDRED, 1, [Decimal(line) * HUNDRED for line in lines if line is not None]
    )


def percent_format(percent: Decimal) -> str:
    """The spreadsheet number format that shows `percent` (as from shown_percent) unchanged."""
    places = places_of(percent)
    return "0%" if not places else "0." + "0" * places + "%"


def score_format(value: Decimal) -> str:
    """The spreadsheet number format that shows a score (as from shown) unchanged."""
    places = places_of(value)
    return "0" if not places else "0." + "0" * places


# --- values as printed in the PDFs ---------------------------------------------------------------


def money_text(value: object, unit: str = "元", places: int = 2, lang: str = "zh") -> str:
    """`"400000"` -> `400,000.00 元` (or `40.00 万元`); in English `CNY 400,000.00` (or
    `CNY 40.00 ×10k`); None -> an em dash."""
    if value in (None, ""):
        return "—"
    amount = Decimal(str(value))
    if unit == "万元":
        amount /= 10_000
    quantum = Decimal(1).scaleb(-places)
    text = f"{amount.quantize(quantum, rounding=ROUND_HALF_UP):,}"
    if lang == "en":
        return f"CNY {text} ×10k" if unit == "万元" else f"CNY {text}"
    return f"{text} {unit}"


def count_text(value: object, places: int = 0) -> str:
    if value in (None, ""):
        return "—"
    amount = Decimal(str(value))
    if amount == amount.to_integral_value():
        return f"{amount:,.0f}"
    return f"{amount.quantize(Decimal(1).scaleb(-max(places, 2)), rounding=ROUND_HALF_UP):,}"


def percent_text(value: object, lines: Iterable[object] = ()) -> str:
    """A ratio string `"1.1"` -> `110.0%` (SPEC §3: one decimal, rounded once from the exact
    ratio); more decimals when one decimal would cross 100 % or one of `lines` (ratios the figure
    is judged against): 0.99995 -> `99.99%`, never `100.0%`."""
    if value in (None, ""):
        return "—"
    extra = [Decimal(str(line)) for line in lines if line not in (None, "")]
    return f"{shown_percent(Decimal(str(value)), (Decimal(1), *extra))}%"


def number_text(value: object, lines: Iterable[object] = ()) -> str:
    """A score or points, one decimal, never rounded across one of `lines` (89.99 -> 89.99)."""
    if value in (None, ""):
        return "—"
    extra = [Decimal(str(line)) for line in lines if line not in (None, "")]
    return f"{shown(Decimal(str(value)), 1, extra)}"


def capital_text(value: object, lang: str = "zh") -> str:
    """Money in capital numerals for contracts: 400000 -> 肆拾万元整 (cn2an, SPEC §2); in English
    the amount in words: `Four hundred thousand yuan only`."""
    if value in (None, ""):
        return "—"
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    if lang == "en":
        return english_amount(amount)
    import cn2an

    return cn2an.an2cn(str(amount), "rmb")


_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = ("", " thousand", " million", " billion", " trillion")


def _words_below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    words = [f"{_ONES[hundreds]} hundred"] if hundreds else []
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        words.append(_TENS[tens] + (f"-{_ONES[ones]}" if ones else ""))
    elif rest:
        words.append(_ONES[rest])
    return " ".join(words)


def english_words(n: int) -> str:
    """A whole number in English words: 133333 -> one hundred thirty-three thousand three
    hundred thirty-three."""
    if n == 0:
        return "zero"
    groups: list[str] = []
    scale = 0
    while n:
        n, group = divmod(n, 1000)
        if group:
            groups.append(_words_below_thousand(group) + _SCALES[min(scale, len(_SCALES) - 1)])
        scale += 1
    return " ".join(reversed(groups))


def english_amount(amount: Decimal) -> str:
    """A yuan amount as a contract writes it out: `One hundred thirty-three thousand three
    hundred thirty-three and 33/100 yuan only`."""
    sign = "minus " if amount < 0 else ""
    whole, cents = divmod(abs(amount).quantize(Decimal("0.01")) * 100, 100)
    text = sign + english_words(int(whole))
    if cents:
        text += f" and {int(cents):02d}/100"
    text = text[0].upper() + text[1:]
    return f"{text} yuan only"


MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def date_text(value: object, lang: str = "zh") -> str:
    if value in (None, ""):
        return "—"
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    if lang == "en":
        # 30 Sep 2026: no month/day order to guess; not %b, which follows the locale
        return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"
