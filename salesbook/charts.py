"""Figures -> small vector charts (matplotlib SVG) as data: URLs for the report templates.

Text stays text (`svg.fonttype = "none"`): WeasyPrint draws it with the documents' own CJK font, so
chart labels look like the tables beside them and pdftotext gives them back. Output is
deterministic (fixed ids, no date), and no global pyplot state is touched.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from salesbook.fonts import FONT_FAMILIES, check_fonts, font_coverage
from salesbook.shown import percent_text

if TYPE_CHECKING:  # matplotlib is imported when a chart is drawn, not with the module
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.typing import RcKeyType

MM = 1 / 25.4  # matplotlib sizes are in inches
INK = "#1a1a1a"
BAR_MET = "#2f5d8c"  # dark: readable as "reached" in black and white too
BAR_SHORT = "#a9bdd4"
TARGET_LINE = "#b03a2e"
PACE_LINE = "#555555"
HEALTHY_LINE = "#2e7d32"
ALERT_LINE = "#b03a2e"
STYLE: dict[RcKeyType, object] = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT_FAMILIES[0], "DejaVu Sans"],
    "font.size": 7.5,
    "axes.unicode_minus": False,  # U+2212 is not worth a font fallback: print "-"
    "axes.edgecolor": "#777777",
    "axes.linewidth": 0.6,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "xtick.major.width": 0.5,
    "ytick.major.width": 0.5,
    "svg.fonttype": "none",  # text as <text>: the PDF font, selectable and extractable
    "svg.hashsalt": "salesbook",  # stable clip-path ids: same figures, same bytes
    "svg.image_inline": True,
}


@dataclass(frozen=True)
class Chart:
    """An SVG chart ready for `<img src>`, with its size and the words drawn in it."""

    uri: str
    width_mm: float
    height_mm: float
    alt: str


@contextmanager
def _style() -> Iterator[None]:
    import matplotlib

    _know_document_font()
    with matplotlib.rc_context(STYLE):
        yield


def _know_document_font() -> None:
    """matplotlib measures text with the documents' font even when its font cache was built
    before fonts-noto-cjk was installed (it never rescans): add the file fontconfig finds."""
    from matplotlib import font_manager

    family = FONT_FAMILIES[0]
    if not any(font.name == family for font in font_manager.fontManager.ttflist):
        path, covered = font_coverage(family)
        if covered:
            font_manager.fontManager.addfont(path)


def _figure(width_mm: float, height_mm: float) -> Figure:
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_mm * MM, height_mm * MM))
    FigureCanvasSVG(figure)  # a canvas of its own: no pyplot, no global figure manager
    return figure


def _finish(figure: Figure, alt: str, texts: Sequence[str]) -> Chart:
    check_fonts(texts)  # a label the font cannot print fails here, not as boxes on paper
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, transparent=True)
    svg = buffer.getvalue().encode("utf-8")
    width, height = (x / MM for x in figure.get_size_inches())
    return Chart(
        "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"),
        round(width, 1),
        round(height, 1),
        alt,
    )


def _label_width_mm(labels: Sequence[str], size_pt: float) -> float:
    """Roughly how wide the longest label prints: CJK characters are one em, others half."""
    em = size_pt * 0.3528  # mm per point
    return max((sum(em if ord(ch) > 0x2E80 else em * 0.55 for ch in s) for s in labels), default=0)


def attainment_chart(
    bars: Sequence[tuple[str, Decimal]],
    lang: str = "zh",
    elapsed: Decimal | None = None,
    width_mm: float = 170,
) -> Chart:
    """Horizontal bars of attainment (1.1 = 110%), a 100% target line, and the time elapsed."""
    en = lang == "en"
    target_text = "Target 100%" if en else "目标线 100%"
    pace_text = (
        f"{'Time elapsed' if en else '时间进度'} {percent_text(elapsed)}"
        if elapsed is not None and Decimal(0) < elapsed < 1
        else None
    )
    height_mm = 14 + 5.2 * len(bars)
    with _style():
        figure = _figure(width_mm, height_mm)
        labels = [label for label, _ in bars]
        left = min(0.45, max(0.08, (_label_width_mm(labels, 7.5) + 4) / width_mm))
        axes = figure.add_axes((left, 12 / height_mm, 0.92 - left, 1 - 15 / height_mm))
        values = [float(value) * 100 for _, value in bars]
        positions = range(len(bars))[::-1]  # first bar at the top, as in the table
        colours = [BAR_MET if v >= 100 else BAR_SHORT for v in values]
        axes.barh(list(positions), values, height=0.62, color=colours, edgecolor=BAR_MET, lw=0.5)
        for position, value, (_, raw) in zip(positions, values, bars, strict=True):
            axes.text(
                value + 1,
                position,
                percent_text(raw),
                va="center",
                fontsize=6.5,
                color=INK,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.4},  # over the 100% line
            )
        axes.set_yticks(list(positions), labels)
        top = max([*values, 100.0]) * 1.14
        axes.set_xlim(0, top)
        axes.set_ylim(-0.7, len(bars) - 0.3)
        axes.axvline(100, color=TARGET_LINE, lw=0.9, ls="--")
        # Above the bars, the target's words start at its line and the pace's end at its own.
        axes.text(
            100, len(bars) - 0.35, " " + target_text, color=TARGET_LINE, fontsize=6.5, va="bottom"
        )
        if pace_text and elapsed is not None:
            axes.axvline(float(elapsed) * 100, color=PACE_LINE, lw=0.8, ls=":")
            axes.text(
                float(elapsed) * 100,
                len(bars) - 0.35,
                pace_text + " ",
                color=PACE_LINE,
                fontsize=6.5,
                ha="right",
                va="bottom",
            )
        axes.xaxis.set_major_formatter("{x:.0f}%")
        axes.tick_params(axis="y", length=0)
        axes.spines[["top", "right"]].set_visible(False)
        texts = [*labels, target_text, pace_text or ""]
        return _finish(
            figure,
            ("Attainment: " if en else "达成率：") + (", " if en else "、").join(labels),
            texts,
        )


@dataclass(frozen=True)
class TrendSeries:
    """One indicator's values over past periods; percent series are fractions (0.8 = 80%)."""

    name: str
    points: Sequence[tuple[str, Decimal]]
    percent: bool
    healthy: Decimal | None = None
    alert: Decimal | None = None


def trend_chart(series: Sequence[TrendSeries], lang: str = "zh", width_mm: float = 170) -> Chart:
    """Small multiples: one line per indicator (units differ), with its healthy and alert lines."""
    en = lang == "en"
    healthy_text, alert_text = ("Healthy line", "Alert line") if en else ("健康线", "预警线")
    columns = 1 if len(series) == 1 else 2 if len(series) <= 8 else 3  # stays on one page
    rows = -(-len(series) // columns)
    height_mm = 10 + 36 * rows
    with _style():
        figure = _figure(width_mm, height_mm)
        grid = figure.subplots(rows, columns, squeeze=False)
        figure.subplots_adjust(
            left=0.07,
            right=0.98,
            top=1 - 12 / height_mm,
            bottom=8 / height_mm,
            hspace=0.75,
            wspace=0.2,
        )
        texts = [healthy_text, alert_text]
        for index, axes in enumerate(grid.flat):
            if index >= len(series):
                axes.set_visible(False)
                continue
            line = series[index]
            scale = 100 if line.percent else 1
            labels = [label for label, _ in line.points]
            values = [float(value) * scale for _, value in line.points]
            axes.plot(range(len(values)), values, color=BAR_MET, lw=1.2, marker="o", ms=2.6)
            for limit, colour in ((line.healthy, HEALTHY_LINE), (line.alert, ALERT_LINE)):
                if limit is not None:
                    axes.axhline(float(limit) * scale, color=colour, lw=0.8, ls="--")
            axes.set_title(line.name, fontsize=8, loc="left", color=INK)
            axes.set_xticks(range(len(labels)), labels, fontsize=6.3)
            axes.margins(x=0.08, y=0.25)
            if line.percent:
                axes.yaxis.set_major_formatter("{x:.0f}%")
            axes.tick_params(axis="y", labelsize=6.3)
            axes.spines[["top", "right"]].set_visible(False)
            texts += [line.name, *labels]
        figure.legend(
            handles=[
                _line_handle(HEALTHY_LINE, healthy_text),
                _line_handle(ALERT_LINE, alert_text),
            ],
            loc="upper right",
            ncols=2,
            frameon=False,
            fontsize=7,
        )
        alt = ("Trends: " if en else "趋势：") + (", " if en else "、").join(s.name for s in series)
        return _finish(figure, alt, texts)


def _line_handle(colour: str, label: str) -> Line2D:
    from matplotlib.lines import Line2D

    return Line2D([], [], color=colour, lw=0.8, ls="--", label=label)
