"""figures document → HealthContext, the 销售流程健康度报告 (indicators, thresholds, trends)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from salesbook.charts import Chart, TrendSeries, trend_chart
from salesbook.contexts.common import decimal_or_none, key_text
from salesbook.errors import BadValue
from salesbook.shown import count_text, percent_text, places_of, shown
from salesbook.values import Period, parse_period

# A mark beside every status colour, so a black-and-white copy reads the same (all in Noto CJK).
STATUS_MARKS = {"healthy": "●", "watch": "▲", "alert": "■", None: "○"}
OPS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="}
UNITS_EN = {"天": "days", "个": "", "次": "", "人": ""}


def _measure(value: object, unit: str | None, lang: str, lines: Iterable[object] = ()) -> str:
    """`0.823` with unit % -> 82.3%; `86` 天 -> 86 天 (86 days); never rounded across `lines`
    (the limits of the thresholds the value is judged by)."""
    if value in (None, ""):
        return "—"
    if unit == "%":
        return percent_text(value, lines)
    unit = UNITS_EN.get(unit or "", unit) if lang == "en" else unit
    exact = Decimal(str(value))
    limits = [Decimal(str(line)) for line in lines if line not in (None, "")]
    text = (
        count_text(value)
        if exact == exact.to_integral_value()
        else count_text(shown(exact, 2, limits), places=places_of(shown(exact, 2, limits)))
    )
    return f"{text} {unit}".strip()


def _threshold(threshold: dict | None, lang: str) -> str:
    if not threshold:
        return "—"
    op = OPS.get(threshold["op"], threshold["op"])
    return f"{op} {_measure(threshold['limit'], threshold.get('unit'), lang)}"


@dataclass
class IndicatorRow:
    """One health indicator as printed: value and thresholds already in their units."""

    name: str
    dimension: str
    value: str | None
    value_text: str
    unit: str
    healthy_text: str
    alert_text: str
    status: str | None  # healthy, watch, alert; None: no value this period
    status_label: str  # with its mark (● ▲ ■ ○), so black-and-white prints read the same
    improvement: str | None
    source: str | None
    formula: str | None
    trend: dict[str, str]  # period label -> value as printed, every period the input has
    series: TrendSeries | None  # periods of one kind only
    source_text: str = ""  # where the value comes from: 指标数据 2026-09, 按工作簿计算
    computed_period: str | None = None  # the computed value's period when the typed row's differs
    computed_text: str | None = None  # the workbooks' value beside a typed one (SB-P009)


def _status_label(status: str | None, lang: str) -> str:
    mark = STATUS_MARKS.get(status, "○")
    if status is None:
        return f"{mark} {'No data' if lang == 'en' else '无数据'}"
    word = key_text("status", status, lang)
    return f"{mark} {word}"


def _period(label: str) -> Period | None:
    try:
        return parse_period(label)
    except BadValue:
        return None


def _period_end(label: str) -> tuple[int, str]:
    """Sort key of a trend label: by the period's end, unknown labels last."""
    period = _period(label)
    return (period.end.toordinal() if period else 10**7), label


# The kinds of period a trend can hold, widest first: each gets its own table and a chart never
# puts two kinds on one evenly spaced axis (2026Q2 then 2026-07 would read as one step).
KINDS = ("year", "quarter", "month", "other")
KIND_WORDS = {
    "year": ("按年", "yearly"),
    "quarter": ("按季度", "quarterly"),
    "month": ("按月", "monthly"),
    "other": ("其他周期", "other periods"),
}


def _kind(label: str) -> str:
    period = _period(label)
    return period.kind if period else "other"


def kind_text(kind: str, lang: str) -> str:
    zh, en = KIND_WORDS[kind]
    return en if lang == "en" else zh


def _chart_points(
    points: list[tuple[str, Decimal]], run_kind: str | None
) -> tuple[str, list[tuple[str, Decimal]]] | None:
    """The points of one kind a trend chart draws: the kind with the most points (two at least);
    on a tie the run period's kind, then the finer one."""
    by_kind: dict[str, list[tuple[str, Decimal]]] = {}
    for label, value in points:
        by_kind.setdefault(_kind(label), []).append((label, value))
    candidates = [(kind, kind_points) for kind, kind_points in by_kind.items() if kind != "other"]
    if not candidates:
        return None
    kind, chosen = max(candidates, key=lambda c: (len(c[1]), c[0] == run_kind, KINDS.index(c[0])))
    return (kind, chosen) if len(chosen) >= 2 else None


def indicator_rows(figures: dict, lang: str) -> list[IndicatorRow]:
    rows = []
    period_label = (figures.get("run") or {}).get("period")
    run_kind = _kind(period_label) if period_label else None
    for item in figures.get("health", []):
        unit = item.get("unit") or ""
        healthy, alert = item.get("healthy"), item.get("alert")
        # The unit of a series is the thresholds' when the period has no value of its own.
        percent = unit == "%" or any(t and t.get("unit") == "%" for t in (healthy, alert))
        shown_unit = (
            "%"
            if percent
            else unit or next((t["unit"] for t in (healthy, alert) if t and t.get("unit")), "")
        )
        points = [(label, Decimal(value)) for label, value in item.get("trend", [])]
        chart_points = _chart_points(points, run_kind)
        series = None
        if chart_points:
            kind, drawn = chart_points
            series = TrendSeries(
                f"{item['name']} ({kind_text(kind, lang)})"
                if lang == "en"
                else f"{item['name']}（{kind_text(kind, lang)}）",
                drawn,
                percent,
                decimal_or_none(healthy["limit"]) if healthy else None,
                decimal_or_none(alert["limit"]) if alert else None,
            )
        rows.append(
            IndicatorRow(
                name=item["name"],
                dimension=item.get("dimension") or "",
                value=item.get("value"),
                value_text=_measure(
                    item.get("value"),
                    shown_unit,
                    lang,
                    [t["limit"] for t in (healthy, alert) if t and t.get("limit") is not None],
                ),
                unit=shown_unit,
                healthy_text=_threshold(healthy, lang),
                alert_text=_threshold(alert, lang),
                status=item.get("status"),
                status_label=_status_label(item.get("status"), lang),
                improvement=item.get("improvement"),
                source=item.get("source"),
                formula=item.get("formula"),
                trend={label: _measure(value, shown_unit, lang) for label, value in points},
                series=series,
                source_text=_source_text(item, lang),
                computed_period=period_label
                if item.get("source_period") not in (None, period_label)
                else None,
                computed_text=_measure(item["computed"], "%", lang)
                if item.get("computed") not in (None, "")
                and Decimal(str(item["computed"])) != Decimal(str(item.get("value")))
                else None,
            )
        )
    return rows


def _source_text(item: dict, lang: str) -> str:
    """`指标数据 2026-09` (a typed value, with the period of its row) or `按工作簿计算`."""
    source = item.get("source")
    if not source:
        return ""
    if source == "指标数据":
        label = item.get("source_period") or ""
        return (f"entered for {label}" if lang == "en" else f"指标数据 {label}").strip()
    return "computed from the workbooks" if lang == "en" else "按工作簿计算"


@dataclass
class TrendGroup:
    """The trend's periods of one kind (years, quarters or months), printed side by side under
    the kind's name: a table never runs 2026Q2 straight into 2026-07."""

    kind: str
    title: str  # 按季度, quarterly
    labels: list[str]


@dataclass
class TrendTable:
    groups: list[TrendGroup]  # widest kind first
    rows: list[tuple[str, list[list[str]]]]  # indicator, its values per group ("—": none typed)


def trend_table(indicators: list[IndicatorRow], lang: str) -> TrendTable | None:
    groups = []
    for kind in KINDS:
        labels = sorted(
            {label for row in indicators for label in row.trend if _kind(label) == kind},
            key=_period_end,
        )
        if labels:  # a column heading: Quarterly; in a chart's title: (quarterly)
            groups.append(TrendGroup(kind, kind_text(kind, lang).capitalize(), labels))
    if not groups:
        return None
    rows = [
        (row.name, [[row.trend.get(label, "—") for label in group.labels] for group in groups])
        for row in indicators
    ]
    return TrendTable(groups, rows)


@dataclass
class HealthContext:
    company: str
    period: str
    as_of: str
    indicators: list[IndicatorRow]
    trend: TrendTable | None
    chart: Chart | None
    counts: dict[str, int]  # status label -> indicators
    attention: list[IndicatorRow]  # not healthy: the improvement direction is printed
    unmeasured: list[IndicatorRow]
    created: str


def health_context(document: dict, lang: str = "zh") -> HealthContext:
    indicators = indicator_rows(document["figures"], lang)
    series = [row.series for row in indicators if row.series]
    counts = {
        _status_label(status, lang): sum(1 for r in indicators if r.status == status)
        for status in ("healthy", "watch", "alert", None)
    }
    return HealthContext(
        company=document["config"].get("company", ""),
        period=document["period"],
        as_of=document["as_of"],
        indicators=indicators,
        trend=trend_table(indicators, lang),
        chart=trend_chart(series, lang) if series else None,
        counts=counts,
        attention=[r for r in indicators if r.status in ("watch", "alert")],
        unmeasured=[r for r in indicators if r.status is None],
        created=document["as_of"],
    )
