"""Book + RunPeriod + derived values + history -> IndicatorFigure per health indicator (value, status, trend)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from salesbook.compute.follow_ups import FollowUpFigures
from salesbook.compute.period import INTERNAL, STAGE_ORDER, WON, RunPeriod, ratio
from salesbook.compute.targets import TargetFigure
from salesbook.errors import BadValue
from salesbook.read import Book
from salesbook.values import (
    Period,
    Threshold,
    indicator_key,
    parse_period,
    parse_threshold,
)


@dataclass
class IndicatorFigure:
    name: str
    dimension: str | None
    healthy: Threshold | None
    alert: Threshold | None
    improvement: str | None
    value: Decimal | None = None
    unit: str = ""
    source: str | None = None  # data sheet, or what it was derived from
    status: str | None = None  # healthy, watch, alert
    trend: list[tuple[str, Decimal]] = field(default_factory=list)
    target: str | None = None
    formula: str | None = None
    row: int | None = field(default=None, metadata=INTERNAL)  # position in the monitoring table
    source_period: str | None = None  # the 指标数据 row's period (a month of a quarter run)
    computed: Decimal | None = None  # derived from the workbooks, shown beside a typed value
    data_row: int | None = field(default=None, metadata=INTERNAL)  # position in 指标数据


def status_of(value: Decimal, healthy: Threshold | None, alert: Threshold | None) -> str | None:
    if healthy is None and alert is None:
        return None
    if healthy is not None and healthy.met_by(value):
        return "healthy"
    if alert is not None and alert.met_by(value):
        return "alert"
    return "watch"


def compute_health(
    book: Book,
    run: RunPeriod,
    derived: dict[str, Decimal],
    history: dict[str, list[tuple[str, Decimal]]],
) -> list[IndicatorFigure]:
    monitoring = book.table("health_monitoring")
    listing = book.table("health_indicators")
    data = book.table("health_data")
    indicators: dict[str, IndicatorFigure] = {}
    if monitoring is not None:
        for i, (dimension, name, healthy, alert, improvement) in enumerate(
            zip(
                monitoring.texts("dimension"),
                monitoring.texts("indicator"),
                monitoring.thresholds("healthy"),
                monitoring.thresholds("alert"),
                monitoring.texts("improvement"),
                strict=True,
            )
        ):
            if name:
                indicators[indicator_key(name)] = IndicatorFigure(
                    name, dimension, healthy, alert, improvement, row=i
                )
    if listing is not None:
        for name, target, formula in zip(
            listing.texts("name"), listing.texts("target"), listing.texts("formula"), strict=True
        ):
            if not name:
                continue
            figure = indicators.setdefault(
                indicator_key(name),
                IndicatorFigure(name, None, _target_threshold(target), None, None),
            )
            figure.target, figure.formula = target, formula
    measured: dict[str, dict[str, tuple[Decimal, str]]] = defaultdict(dict)
    data_rows: dict[tuple[str, str], int] = {}
    if data is not None:
        for i, (period, name, value, numerator, denominator) in enumerate(
            zip(
                data.periods("period"),
                data.texts("indicator"),
                data.measures("value"),
                data.decimals("numerator"),
                data.decimals("denominator"),
                strict=True,
            )
        ):
            if not isinstance(period, Period) or not name:
                continue
            data_rows[(indicator_key(name), period.label)] = i
            if value is not None:
                measured[indicator_key(name)][period.label] = (value.value, value.unit)
            elif numerator is not None and denominator:
                measured[indicator_key(name)][period.label] = (numerator / denominator, "%")
    for key, figure in indicators.items():
        series = measured.get(key, {})
        label = _label_for(series, run.period)
        if label is not None:
            figure.value, figure.unit = series[label]
            figure.source, figure.source_period = "指标数据", label
            figure.data_row = data_rows.get((key, label))
            figure.computed = derived.get(key) if figure.unit == "%" else None
        elif key in derived:
            figure.value, figure.unit, figure.source = derived[key], "%", "计算"
        if figure.value is not None:
            figure.status = status_of(figure.value, figure.healthy, figure.alert)
        past = dict(history.get(key, []))
        past.update({label: v for label, (v, _) in series.items()})
        figure.trend = sorted(
            ((label, v) for label, v in past.items() if _label_end(label) <= run.period.end),
            key=lambda point: (_label_end(point[0]), point[0]),
        )
    return list(indicators.values())


def _target_threshold(target: str | None) -> Threshold | None:
    """An indicator-list target (`100%`) read as a healthy threshold (≥ target)."""
    if not target:
        return None
    try:
        return parse_threshold(target if target[0] in "<>≤≥" else "≥" + target)
    except BadValue:
        return None


def _label_end(label: str) -> dt.date:
    try:
        return parse_period(label).end
    except BadValue:
        return dt.date.max


def _label_for(series: dict[str, tuple[Decimal, str]], period: Period) -> str | None:
    """The period's own row, else the latest month inside it (its label is printed with it)."""
    if period.label in series:
        return period.label
    inside = sorted((label for label in series if _label_end(label) in period), key=_label_end)
    return inside[-1] if inside else None


def derived_indicators(
    targets: list[TargetFigure], follow_ups: FollowUpFigures
) -> dict[str, Decimal]:
    """Indicator key -> its value as the workbooks give it (营收达成率, CRM信息完整度, 流程节点完成率,
    线索转化率, 商机赢单率), shown beside or instead of a typed 指标数据 value."""
    totals = follow_ups.totals
    derived: dict[str, Decimal] = {}
    sales = [
        (f.target, actual)
        for f in targets
        if f.unit == "元" and f.dimension_type == "区域" and (actual := f.actual) is not None
    ]
    if sales and not any(f.missing for f in targets if f.dimension_type == "区域"):
        derived[indicator_key("营收达成率")] = ratio(
            sum(actual for _, actual in sales), sum(target for target, _ in sales)
        ) or Decimal(0)
    if totals["completeness"] is not None:
        derived[indicator_key("CRM信息完整度")] = totals["completeness"]
    if totals["node_completion"] is not None:
        derived[indicator_key("流程节点完成率")] = totals["node_completion"]
    if follow_ups.funnel and follow_ups.funnel[0]["customers"]:
        leads = follow_ups.funnel[0]["customers"]
        opportunities = follow_ups.funnel[STAGE_ORDER.index("需求诊断")]["customers"]
        won = follow_ups.funnel[WON]["customers"]
        derived[indicator_key("线索转化率")] = Decimal(opportunities) / leads  # leads > 0
        if opportunities:
            derived[indicator_key("商机赢单率")] = Decimal(won) / opportunities
    return derived
