"""Figures' numbers → what a cell holds and its number format, for the filled copies and 汇总."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from openpyxl.styles import PatternFill

from salesbook.compute import (
    Figures,
    IndicatorFigure,
    TargetFigure,
)
from salesbook.shown import percent_format, score_format, shown, shown_percent
from salesbook.words import STATUS_WORDS

PERCENT = "0.0%"
MONEY = "#,##0.00"
COUNT = "0"
SCORE = "0.0"
GREEN = PatternFill("solid", fgColor="C6EFCE")
AMBER = PatternFill("solid", fgColor="FFEB9C")
RED = PatternFill("solid", fgColor="FFC7CE")
BLUE = PatternFill("solid", fgColor="DDEBF7")
# The colour of each status word (简); its 繁 and English forms come from words.STATUS_WORDS.
STATUS_FILLS = {
    "领先": GREEN,
    "正常": GREEN,
    "关注": AMBER,
    "落后": RED,
    "健康": GREEN,
    "预警": RED,
    "优秀": GREEN,
    "良好": BLUE,
    "待改进": AMBER,
    "是": RED,
    "达标": GREEN,
    "未达标": RED,
    "未跟进": RED,
}
STATUS_FILLS_HANT = {STATUS_WORDS[word][0]: fill for word, fill in STATUS_FILLS.items()}
STATUS_FILLS_EN = {STATUS_WORDS[word][1]: fill for word, fill in STATUS_FILLS.items()}


def status_fills(lang: str = "zh") -> dict[str, PatternFill]:
    """The colour of each status word in `lang` (zh, zh-Hant, en): a sheet holds its own words."""
    return {"en": STATUS_FILLS_EN, "zh-Hant": STATUS_FILLS_HANT}.get(lang, STATUS_FILLS)


@dataclass(frozen=True)
class Lined:
    """A summary cell's value with the rule lines it must not be rounded across."""

    value: object
    lines: tuple[Decimal, ...] = ()
    number_format: str | None = None  # this cell's own format, when the column's does not fit


def displayed(
    value: object, number_format: str | None, lines: tuple[Decimal, ...] = ()
) -> tuple[object, str | None]:
    """The value a cell holds and its format, so it shows what the PDFs show: a percentage or
    score rounded once from the exact value, with more decimals where one decimal would cross a
    rule's line (0.99995 -> 99.99 %, not 100.0 %; a score of 89.99 is not shown as 90.0). The
    cell holds the shown value: Excel would otherwise round the exact one its own way."""
    if isinstance(value, Lined):
        number_format = value.number_format or number_format
        lines = value.lines
        value = value.value
    if not isinstance(value, Decimal) or isinstance(value, bool):
        return value, number_format
    if number_format == PERCENT:
        percent = shown_percent(value, (Decimal(1), *lines))
        return percent / 100, percent_format(percent)
    if number_format == SCORE:
        score = shown(value, 1, lines)
        return score, score_format(score)
    return value, number_format


WAN = Decimal(10_000)


def shown_money(value: Decimal | None, money_unit: str) -> Decimal | None:
    """Money as the settings show it: yuan, or 万元 (value ÷ 10,000, exact)."""
    if value is None or money_unit != "万元":
        return value
    return value / WAN


def money_format(money_unit: str) -> str:
    return '#,##0.00"万元"' if money_unit == "万元" else MONEY


def split_gap(gap: Decimal | None) -> tuple[Decimal | None, Decimal | None]:
    """compute's gap (target − actual) as (差额, 超额): a shortfall or an over-achievement, each
    a positive number and the other blank, so no sheet shows a gap of -18,500.00 (exactly met:
    差额 0)."""
    if gap is None:
        return None, None
    return (gap, None) if gap >= 0 else (None, -gap)


def incomplete_note(missing: Iterable[str], lang: str = "zh") -> str | None:
    """The review's note on a roll-up that leaves out a member whose actual could not be read."""
    cells = list(missing)
    if not cells:
        return None
    if lang == "en":
        return "Incomplete, not summed: cannot read " + ", ".join(cells)
    return "不完整，未合计：无法读取 " + "、".join(cells)


def health_lines(figure: IndicatorFigure) -> tuple[Decimal, ...]:
    """The limits of an indicator's healthy and alert thresholds."""
    return tuple(t.limit for t in (figure.healthy, figure.alert) if t is not None)


def attainment_lines(figures: Figures, figure: TargetFigure) -> tuple[Decimal, ...]:
    """What a target's attainment is judged by: 100 %, the star line, and the pace bands."""
    lines = figures.lines.get("attainment", ())
    if figure.elapsed is None:
        return lines
    band = figures.lines.get("pace", (Decimal(10),))[0] / 100
    return (*lines, figure.elapsed - band, figure.elapsed, figure.elapsed + band)


def split_text(amount: Decimal, unit: str | None, money_unit: str) -> str:
    """One month's part of a target as the letters print it: money to the fen, counts whole."""
    if unit == "元":
        shown_amount = shown_money(amount, money_unit) or Decimal(0)
        return f"{shown_amount:,.2f}" + (" 万元" if money_unit == "万元" else "")
    return f"{amount.normalize():f}"


def measure_text(value: Decimal, unit: str) -> str:
    if unit == "%":
        return f"{shown_percent(value)}%"  # once, half up, as the PDFs print it
    return f"{value.normalize():f}{unit}"
