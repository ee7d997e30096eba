"""Cell parsers: what people type becomes an exact value, anything else a BadValue, never a crash."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesbook.errors import BadValue
from salesbook.values import (
    Measure,
    header_key,
    parse_count,
    parse_date,
    parse_measure,
    parse_money,
    parse_percent,
    parse_period,
    parse_quantity,
    parse_threshold,
)


@pytest.mark.parametrize(
    ("typed", "yuan"),
    [
        ("40万元", "400000"),
        ("40万", "400000"),
        ("¥400,000", "400000"),
        ("1.2亿", "120000000"),
        ("４０万", "400000"),
        ("四十万", "400000"),
        ("叁拾万元", "300000"),
        ("肆拾万元整", "400000"),
        ("RMB 5000", "5000"),
        ("400,000.50", "400000.50"),
        (0.1, "0.1"),
        (133333.33, "133333.33"),
    ],
)
def test_money(typed: object, yuan: str) -> None:
    value = parse_money(typed)
    assert isinstance(value, Decimal)
    assert value == Decimal(yuan)


@pytest.mark.parametrize("typed", ["约40万", "四十多万", "40万元元", "abc", "", "1.2.3万", True])
def test_money_not_understood(typed: object) -> None:
    with pytest.raises(BadValue):
        parse_money(typed)


@pytest.mark.parametrize(
    ("typed", "ratio"),
    [
        ("110%", "1.1"),
        ("1.1", "1.1"),
        (1.1, "1.1"),
        ("110", "1.1"),
        (90, "0.9"),
        ("０.９", "0.9"),
        ("90 %", "0.9"),
        ("80％", "0.8"),
    ],
)
def test_percent(typed: object, ratio: str) -> None:
    assert parse_percent(typed) == Decimal(ratio)


@pytest.mark.parametrize(
    ("typed", "count"), [("8个", 8), ("8", 8), (8.0, 8), ("八个", 8), ("10人", 10), ("２０家", 20)]
)
def test_count(typed: object, count: int) -> None:
    assert parse_count(typed) == count


@pytest.mark.parametrize("typed", ["3.5", "-1", 2.5, "很多"])
def test_count_not_whole(typed: object) -> None:
    with pytest.raises(BadValue):
        parse_count(typed)


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("2023年12月31日", dt.date(2023, 12, 31)),
        ("2023/10/10", dt.date(2023, 10, 10)),
        ("2023-10-10", dt.date(2023, 10, 10)),
        ("2023-10-10 14:30", dt.date(2023, 10, 10)),
        ("2023.1.5", dt.date(2023, 1, 5)),
        ("20231010", dt.date(2023, 10, 10)),
        (dt.datetime(2023, 10, 10, 8), dt.date(2023, 10, 10)),
        (45200, dt.date(2023, 10, 1)),
        ("45200", dt.date(2023, 10, 1)),
        (59, dt.date(1900, 2, 28)),
        (1, dt.date(1900, 1, 1)),
        (61, dt.date(1900, 3, 1)),
    ],
)
def test_dates(typed: object, day: dt.date) -> None:
    assert parse_date(typed) == day


def test_serial_in_the_1904_date_system() -> None:
    assert parse_date(45200, date1904=True) == dt.date(2027, 10, 2)
    assert parse_date(0.0 + 1, date1904=True) == dt.date(1904, 1, 2)


@pytest.mark.parametrize("typed", ["2023-02-30", "10/10/2023", "下周三", -5, 10**9])
def test_dates_not_understood(typed: object) -> None:
    with pytest.raises(BadValue):
        parse_date(typed)


@pytest.mark.parametrize(
    ("typed", "label", "start", "end"),
    [
        ("2026-10", "2026-10", "2026-10-01", "2026-10-31"),
        ("2026年10月", "2026-10", None, None),
        ("2026Q4", "2026Q4", "2026-10-01", "2026-12-31"),
        ("2026年第4季度", "2026Q4", None, None),
        ("2026年第四季度", "2026Q4", None, None),
        ("2026", "2026", "2026-01-01", "2026-12-31"),
        (2026, "2026", None, None),
        ("2024-02", "2024-02", "2024-02-01", "2024-02-29"),
    ],
)
def test_periods(typed: object, label: str, start: str | None, end: str | None) -> None:
    period = parse_period(typed)
    assert period.label == label
    if start:
        assert (period.start.isoformat(), period.end.isoformat()) == (start, end)


def test_thresholds_and_measures() -> None:
    assert parse_threshold("≤90天").met_by(Decimal(90))
    assert not parse_threshold(">120天").met_by(Decimal(120))
    assert parse_threshold("≥80%").met_by(parse_measure("80%").value)
    assert not parse_threshold("<60%").met_by(Decimal("0.6"))
    assert parse_threshold("≥50").met_by(Decimal(52))
    assert parse_measure("85天") == Measure(Decimal(85), "天")


def test_quantity_tells_money_from_counts() -> None:
    assert parse_quantity("40万元").is_money
    assert parse_quantity("8个").amount == 8
    assert not parse_quantity("8个").is_money


def test_headers_compare_across_scripts_and_typing() -> None:
    assert header_key("客戶名稱") == header_key(" 客户\n名称 ") == header_key("客户名称*")
    assert header_key("客户需求／反馈") == header_key("客户需求/反馈")


PARSERS = [
    parse_money,
    parse_percent,
    parse_count,
    parse_date,
    parse_period,
    parse_quantity,
    parse_measure,
    parse_threshold,
]
CELLS = st.one_of(
    st.text(),
    st.text(alphabet="0123456789.,%万亿元¥￥-+ 年月日/:Q第季度个零一二三四五六七八九十百千≤≥<>天"),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(),
    st.booleans(),
    st.none(),
    st.dates(),
)


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.__name__)
@given(value=CELLS)
def test_any_cell_gives_a_value_or_bad_value(parser, value: object) -> None:
    try:
        result = parser(value)
    except BadValue:
        return
    assert result is not None
    assert not isinstance(result, float)  # exact values only
