"""Cell values as people type them -> exact Python values (SPEC §0, §3). Pure functions, no I/O.

Every parser takes what a spreadsheet reader returns (str, int, float, bool, date, datetime, …) and
either returns a value or raises `BadValue`; it never raises anything else, whatever the input.
Money is Decimal yuan, percentages Decimal ratios (110% -> 1.10); no float survives parsing.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from salesbook.errors import AmbiguousDate, BadValue, ForeignCurrency
from salesbook.schemas import DIMENSION_TYPES

# --- text -----------------------------------------------------------------------------------------

# A name that stands for "someone": the seed's `*`, `*经理`, `XX`, `某经理`, `待定`, `TBD`. The one
# rule the checks (SB-V009, the roster checks) and the documents (no letter or sheet) share.
PLACEHOLDER = re.compile(
    r"^(?:[*＊?？×]+|[xX]{2,}|[xX](?![a-z]))\S{0,6}$"  # `Xiao` is a name, `X经理` is not
    r"|^某\S{0,6}$|^(?:待定|待分配|未定)\S{0,6}$|^(?:tbd|n/?a|-+|—+)$",
    re.IGNORECASE,
)


def is_placeholder(name: object) -> bool:
    """True for a name that holds a place rather than names a person (see PLACEHOLDER)."""
    return isinstance(name, str) and bool(PLACEHOLDER.match(name.strip()))


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # imported lazily: it loads dictionaries (~30 ms)

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def simplified(text: str) -> str:
    """Traditional -> Simplified (電話 -> 电话) with OpenCC; ASCII passes through untouched."""
    if text.isascii():
        return text
    return _t2s().convert(text)


@lru_cache(maxsize=1)
def _s2t():
    import opencc  # lazily, as _t2s

    return opencc.OpenCC("s2t")


@lru_cache(maxsize=65536)
def traditional(text: str) -> str:
    """Simplified -> Traditional (电话 -> 電話), the twin of `simplified`: what salesbook writes
    into a workbook whose headers are Traditional."""
    if text.isascii():
        return text
    return _s2t().convert(text)


_SPACES = re.compile(r"\s+")
_BRACKETS = re.compile(r"\([^)]*\)")


def clean_text(value: object) -> str:
    """A cell as trimmed text: full-width forms folded (NFKC), non-breaking spaces removed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = value if isinstance(value, str) else str(value)
    if not unicodedata.is_normalized("NFKC", text):  # the quick check is far cheaper than NFKC
        text = unicodedata.normalize("NFKC", text)
    if "_x000D_" in text:  # a carriage return escaped by some writers
        text = text.replace("_x000D_", "")
    return text.strip()


# Full-width letters, digits and spaces typed on a Chinese IME, folded to ASCII. Unlike NFKC this
# keeps the full-width punctuation (，：（）) that Chinese prose is written with.
_WIDTH_FOLD = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF5B) if chr(c - 0xFEE0).isalnum()}
_WIDTH_FOLD |= {0x3000: 0x20, 0x00A0: 0x20}


def prose_text(value: str) -> str:
    """Free text (a customer, a suggestion) as typed, trimmed, with full-width letters folded."""
    return value.translate(_WIDTH_FOLD).replace("_x000D_", "").strip()


def customer_key(name: str) -> str:
    """A customer name as customers are matched: the reader has trimmed it and folded its
    full-width letters (prose_text); this also folds Traditional to Simplified (臺灣電子 = 台湾电子)."""
    return simplified(prose_text(name))


@lru_cache(maxsize=65536)
def header_key(text: str) -> str:
    """A header cell as a comparable key: NFKC, Simplified, no spaces or line breaks, lower case.

    `客戶名稱`, ` 客户名称 `, `客户\\n名称` and `客户名称*` give the same key.
    """
    text = clean_text(text).replace("*", "").replace("：", "").rstrip(":")
    return simplified(_SPACES.sub("", text)).lower()


def header_keys(text: str) -> set[str]:
    """The key and the key without bracketed notes: `综合评分(100分)` also matches `综合评分`."""
    key = header_key(text)
    keys = {key}
    stripped = _BRACKETS.sub("", key)
    if stripped:
        keys.add(stripped)
    return keys


def spelled_keys(text: str) -> set[str]:
    """header_keys without the fold to Simplified: what tells a 繁 header row (目標維度) from a
    简 one (目标维度) that reads the same."""
    key = _SPACES.sub("", clean_text(text).replace("*", "").replace("：", "").rstrip(":")).lower()
    return {key, _BRACKETS.sub("", key)} - {""}


def choice_key(text: str) -> str:
    """An enumerated value as a comparable key (电話/電話/ 电话 -> 电话; Visit -> visit)."""
    return header_key(text)


def indicator_key(name: str) -> str:
    """An indicator's name as matched across sheets: `CRM信息完整度(%)` is `CRM信息完整度`."""
    return re.sub(r"\(.*?\)", "", choice_key(name))


# --- numbers ----------------------------------------------------------------------------------------

_CURRENCY = re.compile(r"^(?:RMB|CNY|人民币|¥|￥)\s*|\s*(?:RMB|CNY)$", re.IGNORECASE)
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:,\d{3})*|\d*)(?:\.\d+)?$")
_SCALE = {
    "": 1,
    "十": 10,
    "百": 100,
    "千": 1000,
    "k": 1000,
    "w": 10_000,
    "万": 10_000,
    "十万": 100_000,
    "百万": 1_000_000,
    "千万": 10_000_000,
    "亿": 100_000_000,
}
_AMOUNT = re.compile(
    r"^(?P<num>[+-]?[\d,]*\.?\d+)\s*(?P<scale>十万|百万|千万|万|亿|千|百|十|k|w)?$", re.IGNORECASE
)
_CN_DIGITS = set("零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟貳參陸兩萬億点")


def _float_decimal(value: float) -> Decimal:
    """A float cell as the Decimal a person typed: repr gives the shortest round-trip digits."""
    if value != value or value in (float("inf"), float("-inf")):
        raise BadValue("not a number")
    return canonical(Decimal(repr(value)))


def canonical(number: Decimal) -> Decimal:
    """Whole numbers without a fraction part (40.0 -> 40, 1.2亿 -> 120000000), others as typed."""
    if number != number.to_integral_value():
        return number
    try:
        return number.quantize(1)
    except InvalidOperation:  # more digits than Decimal's precision: keep it as it is
        return number


def _chinese_numeral(text: str) -> Decimal:
    """四十万, 叁拾万, 一点五万 -> Decimal, via cn2an (a maintained converter, SPEC §3)."""
    if not text or any(ch not in _CN_DIGITS and not ch.isdigit() and ch != "." for ch in text):
        raise BadValue(text)
    import cn2an  # lazy: only for the rare cell typed in words

    try:
        number = cn2an.cn2an(text, "smart")
    except Exception as error:  # cn2an raises bare ValueError/KeyError/IndexError on bad text
        raise BadValue(text) from error
    return _float_decimal(number) if isinstance(number, float) else Decimal(number)


def _amount(text: str, units: Iterable[str]) -> Decimal:
    """`40万`, `¥400,000`, `1.2亿`, `四十万`, `8` with any of `units` trailing -> Decimal."""
    text = _CURRENCY.sub("", text.replace(" ", "")).strip()
    for unit in units:
        if unit and text.endswith(unit):
            text = text[: -len(unit)]
            break
    if text.endswith("整"):  # 肆拾万元整
        text = text[:-1]
        for unit in units:
            if unit and text.endswith(unit):
                text = text[: -len(unit)]
                break
    match = _AMOUNT.match(text)
    if match:
        number = match["num"].replace(",", "")
        if not _NUMBER.match(match["num"]):
            raise BadValue(text)
        try:
            return canonical(Decimal(number) * _SCALE[(match["scale"] or "").lower()])
        except InvalidOperation as error:
            raise BadValue(text) from error
    return _chinese_numeral(text)


MONEY_UNITS = ("元", "人民币", "块", "rmb", "yuan")
COUNT_UNITS = ("个", "人", "家", "次", "单", "件", "位", "名", "户", "条", "项")


# Other currencies a CRM report may carry: an amount in them is an issue, never yuan.
_FOREIGN = re.compile(
    r"(?P<code>\b(?:USD|US\$|HKD|HK\$|EUR|GBP|JPY|SGD|TWD|NT\$|AUD|CAD|CHF|KRW)\b|US\$|HK\$|NT\$"
    r"|\$|€|£|円|美元|港币|港元|欧元|英镑|日元|台币|新台币)",
    re.IGNORECASE,
)
_CURRENCY_NAMES = {"$": "USD", "us$": "USD", "美元": "USD", "hk$": "HKD", "港币": "HKD"}
_CURRENCY_NAMES |= {"港元": "HKD", "€": "EUR", "欧元": "EUR", "£": "GBP", "英镑": "GBP"}
_CURRENCY_NAMES |= {"円": "JPY", "日元": "JPY", "nt$": "TWD", "台币": "TWD", "新台币": "TWD"}


def _foreign(text: str) -> str | None:
    """The currency a money text is written in when it is not yuan (USD, EUR…), else None."""
    match = _FOREIGN.search(text)
    if match is None:
        return None
    code = match["code"].lower()
    return _CURRENCY_NAMES.get(code, code.upper())


def parse_money(value: object) -> Decimal:
    """Money as exact Decimal yuan: 40万元, 40万, ¥400,000, CNY 1,200.00, 1.2亿, ４０万, 四十万,
    400000.0. An amount in another currency (`USD 5,000`, `$5,000`) raises ForeignCurrency."""
    if isinstance(value, bool):
        raise BadValue(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return _float_decimal(value)
    if isinstance(value, str):
        text = clean_text(value).lower()
        if text:
            currency = _foreign(text)
            if currency:
                raise ForeignCurrency(value, currency)
            return _amount(text, MONEY_UNITS)
    raise BadValue(value)


@dataclass(frozen=True)
class Quantity:
    """A target value: money (`40万元`) or a count (`8个`); `unit` None when the cell does not say."""

    amount: Decimal
    unit: str | None  # "元", "个" or None

    @property
    def is_money(self) -> bool:
        return self.unit == "元"


def parse_quantity(value: object) -> Quantity:
    """分解目标值: `40万元` -> 400000 元, `8个` -> 8 个, `30` -> 30 (unit unknown)."""
    if isinstance(value, str):
        text = clean_text(value).lower()
        if _foreign(text):
            return Quantity(parse_money(text), "元")  # raises ForeignCurrency
        if any(unit in text for unit in ("元", "¥", "￥", "rmb", "cny", "人民币")):
            return Quantity(parse_money(text), "元")
        if text.endswith(COUNT_UNITS):
            return Quantity(Decimal(parse_count(text)), "个")
        return Quantity(parse_money(text), None)
    return Quantity(parse_money(value), None)


def parse_count(value: object) -> int:
    """A whole number of things: 8个, 8, 8.0, 八个, ８ -> 8. Negative or fractional counts are bad."""
    if isinstance(value, bool):
        raise BadValue(value)
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = _float_decimal(value)
    elif isinstance(value, str) and clean_text(value):
        number = _amount(clean_text(value).lower(), COUNT_UNITS)
    else:
        raise BadValue(value)
    if number < 0 or number != number.to_integral_value():
        raise BadValue(value)
    return int(number)


def parse_number(value: object) -> Decimal:
    """A plain number (a score `92`, `92分`, an NPS `52`) as Decimal."""
    if isinstance(value, bool):
        raise BadValue(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return _float_decimal(value)
    if isinstance(value, str) and clean_text(value):
        return _amount(clean_text(value).lower(), ("分", "点"))
    raise BadValue(value)


# Numbers up to this are ratios (1.1 = 110%); above it they are percentage points (90 = 90%).
PERCENT_RATIO_LIMIT = Decimal(3)


def parse_percent(value: object) -> Decimal:
    """A percentage as a Decimal ratio: `110%`, `1.1`, `110`, `０.９` -> 1.10, 1.1, 1.10, 0.9."""
    if isinstance(value, str):
        text = clean_text(value).replace(" ", "")
        if text.endswith(("%", "％")):
            try:
                return Decimal(_plain_number(text[:-1])) / 100
            except InvalidOperation as error:
                raise BadValue(value) from error
        if text.endswith("‰"):
            return Decimal(_plain_number(text[:-1])) / 1000
        number = Decimal(_plain_number(text)) if text else None
    elif isinstance(value, bool) or value is None:
        raise BadValue(value)
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = _float_decimal(value)
    else:
        raise BadValue(value)
    if number is None:
        raise BadValue(value)
    return number if abs(number) <= PERCENT_RATIO_LIMIT else number / 100


def parse_points(value: object) -> Decimal:
    """A percentage written as points, as a Decimal ratio: `85.5` and `85.5%` -> 0.855, `2.5` ->
    0.025 (a column whose header says so: the size of the number never decides)."""
    if isinstance(value, str) and clean_text(value).replace(" ", "").endswith(("%", "％", "‰")):
        return parse_percent(value)
    return parse_number(value) / 100


def _plain_number(text: str) -> str:
    if not text or not _NUMBER.match(text) or text in {"+", "-", "."}:
        raise BadValue(text)
    return text.replace(",", "")


# --- compound target cells (目标分解表: 总体目标, 目标维度) -----------------------------------------

_OVERALL = re.compile(
    r"^(?P<metric>.*?)(?P<amount>[+-]?[\d,]*\.?\d+\s*(?:十万|百万|千万|万|亿|千)?"
    r"\s*(?:元|个|人|家|单|户)?)$"
)


def split_overall(text: str) -> tuple[str, Quantity | None]:
    """`季度销售额100万元` -> ("季度销售额", 1000000 元); no number -> (text, None)."""
    match = _OVERALL.match(clean_text(text).replace(" ", ""))
    if not match or not match["metric"]:
        return clean_text(text), None
    try:
        return match["metric"], parse_quantity(match["amount"])
    except BadValue:
        return clean_text(text), None


_DIMENSION_TYPE = {choice_key(s): c.value for c in DIMENSION_TYPES for s in c.spellings()}


def split_dimension(text: str) -> tuple[str, str] | None:
    """`区域-华东区域` -> ("区域", "华东区域"); also `区域：华东`, `区域/华东`; None if not that form."""
    parts = re.split(r"\s*[-－—–:：/／]\s*", clean_text(text), maxsplit=1)
    if len(parts) != 2 or not parts[1]:
        return None
    kind = _DIMENSION_TYPE.get(choice_key(parts[0]))
    return (kind, parts[1]) if kind else None


# --- measures and thresholds (health metrics, SPEC §1.4) ----------------------------------------


@dataclass(frozen=True)
class Measure:
    """A measured value: `85天` -> (85, 天); `75%` -> (0.75, %); `52` -> (52, '')."""

    value: Decimal
    unit: str


_MEASURE = re.compile(
    r"^(?P<num>[+-]?\d[\d,]*(?:\.\d+)?|[+-]?\.\d+)\s*(?P<unit>%|[^\d\s.,+-]{0,4})$"
)


def parse_measure(value: object) -> Measure:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Measure(parse_number(value), "")
    if not isinstance(value, str):
        raise BadValue(value)
    match = _MEASURE.match(clean_text(value).replace(" ", ""))
    if not match:
        raise BadValue(value)
    number = Decimal(match["num"].replace(",", ""))
    unit = match["unit"]
    if unit == "%":
        return Measure(number / 100, "%")
    return Measure(number, unit)


@dataclass(frozen=True)
class Threshold:
    """`≤90天` -> (≤, 90, 天): a value meets it when `value op limit` holds."""

    op: str  # one of < <= > >=
    limit: Decimal
    unit: str

    def met_by(self, value: Decimal) -> bool:
        return {
            "<": value < self.limit,
            "<=": value <= self.limit,
            ">": value > self.limit,
            ">=": value >= self.limit,
        }[self.op]


_OPS = {
    "≤": "<=",
    "<=": "<=",
    "≦": "<=",
    "≥": ">=",
    ">=": ">=",
    "≧": ">=",
    "<": "<",
    ">": ">",
    "不低于": ">=",
    "不少于": ">=",
    "不高于": "<=",
    "不超过": "<=",
    "低于": "<",
    "高于": ">",
    "小于": "<",
    "大于": ">",
}
_THRESHOLD = re.compile(
    r"^(?P<op>" + "|".join(sorted(map(re.escape, _OPS), key=len, reverse=True)) + r")(?P<rest>.+)$"
)


def parse_threshold(value: object) -> Threshold:
    if not isinstance(value, str):
        raise BadValue(value)
    match = _THRESHOLD.match(clean_text(value).replace(" ", ""))
    if not match:
        raise BadValue(value)
    measure = parse_measure(match["rest"])
    return Threshold(_OPS[match["op"]], measure.value, measure.unit)


# --- dates and periods -----------------------------------------------------------------------------

_EXCEL_1900 = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01, counting Excel's phantom 1900-02-29
_EXCEL_1904 = dt.date(1904, 1, 1)
_MAX_SERIAL = 2_958_465  # 9999-12-31
_DATE = re.compile(
    r"^(?P<y>\d{4})\s*(?:年|-|/|\.)\s*(?P<m>\d{1,2})\s*(?:月|-|/|\.)\s*(?P<d>\d{1,2})\s*[日号]?"
    r"(?:[T\s]+\d{1,2}[:：]\d{2}(?:[:：]\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT_DATE = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")
# 9/3/2026 (10:15 AM): month/day order as the export's setting says (read.us_dates).
_SLASHED_DATE = re.compile(
    r"^(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})"
    r"(?:[T\s]+\d{1,2}[:：]\d{2}(?:[:：]\d{2})?(?:\s*[ap]\.?m\.?)?)?$",
    re.IGNORECASE,
)


def excel_serial_to_date(serial: float, date1904: bool = False) -> dt.date:
    """An Excel date serial in the workbook's date system -> date."""
    if serial != serial or not 1 <= serial <= _MAX_SERIAL:
        raise BadValue(serial)
    days = int(serial)
    if date1904:
        return _EXCEL_1904 + dt.timedelta(days=days)
    if days < 61:  # before Excel's phantom 1900-02-29
        return _EXCEL_1900 + dt.timedelta(days=days + 1)
    return _EXCEL_1900 + dt.timedelta(days=days)


def parse_date(value: object, date1904: bool = False, us_dates: bool = False) -> dt.date:
    """2023-10-10, 2023/10/10, 2023年10月10日, 2026-09-03 10:15:00, 20231010, datetimes and
    Excel serials -> date. `9/3/2026` is read only when `us_dates` says it is month/day (a US
    export); otherwise it raises AmbiguousDate: the order is never guessed from one value."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise BadValue(value)
    if isinstance(value, (int, float)):
        return excel_serial_to_date(value, date1904)
    if not isinstance(value, str):
        raise BadValue(value)
    text = clean_text(value)
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if match:
        try:
            return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
        except ValueError as error:
            raise BadValue(value) from error
    if text.isdigit() and len(text) <= 7:  # a serial stored as text
        return excel_serial_to_date(int(text), date1904)
    slashed = _SLASHED_DATE.match(text)
    if slashed:
        if not us_dates:
            raise AmbiguousDate(value)
        try:
            return dt.date(int(slashed["y"]), int(slashed["a"]), int(slashed["b"]))
        except ValueError as error:
            raise BadValue(value) from error
    raise BadValue(value)


@dataclass(frozen=True, order=True)
class Period:
    """A month, a quarter or a year."""

    start: dt.date
    end: dt.date  # inclusive
    label: str  # 2026-10, 2026Q4, 2026

    @property
    def kind(self) -> str:
        return "year" if len(self.label) == 4 else "quarter" if "Q" in self.label else "month"

    @property
    def months(self) -> int:
        return {"year": 12, "quarter": 3, "month": 1}[self.kind]

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    def __str__(self) -> str:
        return self.label


def month_period(year: int, month: int) -> Period:
    if not 1 <= month <= 12:
        raise BadValue(f"{year}-{month}")
    end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return Period(dt.date(year, month, 1), end, f"{year}-{month:02d}")


def quarter_period(year: int, quarter: int) -> Period:
    if not 1 <= quarter <= 4:
        raise BadValue(f"{year}Q{quarter}")
    first = month_period(year, quarter * 3 - 2)
    last = month_period(year, quarter * 3)
    return Period(first.start, last.end, f"{year}Q{quarter}")


def year_period(year: int) -> Period:
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year}")


_QUARTER_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_PERIODS = (
    (re.compile(r"^(?P<y>\d{4})\s*[-/年.]?\s*(?:Q|第)(?P<q>[1-4一二三四])(?:季度?)?$", re.I), "q"),
    (re.compile(r"^Q(?P<q>[1-4])\s*[-/ ]?\s*(?P<y>\d{4})$", re.I), "q"),
    (re.compile(r"^(?P<y>\d{4})\s*(?:年|-|/|\.)\s*(?P<m>\d{1,2})\s*月?(?:份)?$"), "m"),
    (re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})$"), "m"),
    (re.compile(r"^(?P<y>\d{4})\s*(?:年度?)?$"), "y"),
)


def parse_period(value: object) -> Period:
    """2026-10, 2026年10月, 2026Q4, 2026年第4季度, 2026 Q4, 2026年, 2026 -> Period."""
    if isinstance(value, Period):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, dt.date):  # a month typed as a date (Excel turns 2026-10 into 2026-10-01)
        return month_period(value.year, value.month)
    if not isinstance(value, str):
        raise BadValue(value)
    text = clean_text(value).replace(" ", "")
    for pattern, kind in _PERIODS:
        match = pattern.match(text)
        if not match:
            continue
        year = int(match["y"])
        if not 1900 <= year <= 9999:
            raise BadValue(value)
        if kind == "q":
            return quarter_period(year, _QUARTER_WORDS[match["q"]])
        if kind == "m":
            return month_period(year, int(match["m"]))
        return year_period(year)
    raise BadValue(value)


_CN_MONTHS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")
_EN_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_COMPLETION_LABELS: dict[str, tuple[str, int]] = {
    **{f"{w}月": ("month", m) for m, w in enumerate(_CN_MONTHS, 1)},
    **{f"{m}月": ("month", m) for m in range(1, 13)},
    **{f"{m:02d}月": ("month", m) for m in range(1, 10)},
    **{f"{m:02d}": ("month", m) for m in range(1, 13)},
    **{str(m): ("month", m) for m in range(1, 13)},
    **{w: ("month", m) for m, w in enumerate(_EN_MONTHS, 1)},
    **{w[:3]: ("month", m) for m, w in enumerate(_EN_MONTHS, 1)},
    "sept": ("month", 9),
    **{f"第{w}季度": ("quarter", q) for q, w in enumerate(_CN_MONTHS[:4], 1)},
    **{f"{w}季度": ("quarter", q) for q, w in enumerate(_CN_MONTHS[:4], 1)},
    **{f"第{q}季度": ("quarter", q) for q in range(1, 5)},
    **{f"q{q}": ("quarter", q) for q in range(1, 5)},
    **{w: ("year", 0) for w in ("全年", "全年合计", "年度", "年度合计", "合计", "总计", "total")},
}


def completion_label(value: object) -> tuple[str, int] | None:
    """A 月份 cell of a target-completion export (no year): ("month", 1–12) for 一月, 1月, 01;
    ("quarter", 1–4) for 第一季度, Q1; ("year", 0) for 全年; None for anything else."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = clean_text(simplified(str(value))).replace(" ", "").lower()
    text = text.removesuffix("份").rstrip(".")  # 一月份, Sept.
    return _COMPLETION_LABELS.get(text)


# --- enumerations ----------------------------------------------------------------------------------


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
