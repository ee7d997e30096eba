"""Report pages that read well (issue 13 §6), read back from the PDFs as a reader sees them: the
health trend prints every value the input has, one kind of period per column group and per chart;
no page ends with a heading; a grade word (待改进) is never broken inside its cell."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import HEALTH_SEED, headers, write_book

from salesbook.cli import cli
from salesbook.contexts.health import health_context
from salesbook.render import Renderer, template_dirs
from salesbook.values import parse_period

# 一、健康度监控表 / （三）按人员 / 复盘会记录的问题与原因： / 2. Trend… / 2.3 By person
HEADING = re.compile(
    r"^([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+(\.\d+)?\s\D)|：$"
)
FOOTER = re.compile(r"^(第\s*\d+\s*页|Page \d+)")


def pages(path: Path) -> list[list[str]]:
    """Each page's text lines as laid out, blank lines and the page-number footer left out."""
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [
        [
            line.strip()
            for line in page.splitlines()
            if line.strip() and not FOOTER.match(line.strip())
        ]
        for page in out.split("\f")
    ]


def squeezed(lines: list[str]) -> list[str]:
    return ["".join(line.split()) for line in lines]


def stranded(path: Path) -> list[tuple[int, str]]:
    """(page, line) for every page but the last whose last line is a heading."""
    found = pages(path)
    return [
        (number, lines[-1])
        for number, lines in enumerate(found[:-1], 1)
        if lines and HEADING.search(lines[-1])
    ]


def run(folder: Path, output: Path) -> None:
    result = CliRunner().invoke(cli, ["run", str(folder), "-o", str(output)])
    assert result.exit_code in (0, 1), result.output  # 1: warnings in the data, documents written


# --- the health trend -------------------------------------------------------------------------

# 平均销售周期 has a quarter row and the months inside it (2023Q3 and 2023-08/09; 2023Q4 and
# 2023-10): every one of them is printed. NPS has a year and a month: one point of each kind.
HEALTH_DATA = [
    ["2023Q3", "平均销售周期", "95天"],
    ["2023-08", "平均销售周期", "90天"],
    ["2023-09", "平均销售周期", "92天"],
    ["2023-10", "平均销售周期", "85天"],
    ["2023Q4", "平均销售周期", "88天"],
    ["2023-10", "需求匹配度", "70%"],
    ["2023-10", "流程节点完成率", "85%"],
    ["2022", "客户满意度(NPS)", 40],
    ["2023-10", "客户满意度(NPS)", 52],
]


@pytest.fixture
def mixed_periods(seed_org: Path) -> Path:
    """The seed organisation whose 指标数据 has years, quarters and months for one indicator."""
    write_book(
        seed_org / "销售流程健康度.xlsx",
        {
            "健康度监控": (headers("health_monitoring"), [list(r) for r in HEALTH_SEED]),
            "指标数据": (
                headers("health_data", keys=["period", "indicator", "value"]),
                HEALTH_DATA,
            ),
        },
    )
    return seed_org


@pytest.mark.slow
def test_health_trend_prints_every_value_one_kind_per_group(
    mixed_periods: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    run(mixed_periods, output)
    lines = squeezed(
        [line for page in pages(output / "销售流程健康度报告-2023Q4.pdf") for line in page]
    )
    text = "".join(lines)
    trend = text[text.index("二、历史趋势") : text.index("三、改进方向")]
    # the kinds are marked apart, widest first, each with its own periods in order
    assert any("按年按季度按月" in line for line in lines), lines
    assert any("20222023Q32023Q42023-082023-092023-10" in line for line in lines), lines
    # every value typed for 平均销售周期 is in its row, quarters and months alike: no "—" for any
    assert "平均销售周期—95天88天90天92天85天" in lines, lines
    assert "客户满意度(NPS)4052" in "".join(line.replace("—", "") for line in lines)
    # the chart draws one kind: the months of 平均销售周期 (three of them beat two quarters)
    assert "平均销售周期（按月）" in trend
    assert "平均销售周期（按季度）" not in trend
    assert "健康线" in trend  # drawn only inside the chart: its text is vector text, in the font

    document = json.loads((output / "figures.json").read_text(encoding="utf-8"))
    report = health_context(document)
    assert report.chart is not None
    for row in report.indicators:
        if row.series:
            kinds = {parse_period(label).kind for label, _ in row.series.points}
            assert len(kinds) == 1, (row.name, row.series.points)
    # the table holds every point of the input, each under its own kind
    groups = {group.kind: group.labels for group in report.trend.groups}
    assert groups == {
        "year": ["2022"],
        "quarter": ["2023Q3", "2023Q4"],
        "month": ["2023-08", "2023-09", "2023-10"],
    }


# --- headings and grade words -----------------------------------------------------------------


SWEEP = """{% extends "_base.html" %}{% block body %}<article class="report">
{% for gap in gaps %}
<div style="break-before: page; height: {{ gap }}mm"></div>
<h2>三、分析原因</h2>
<h3>（一）主要差距</h3>
<p>本节列出差距最大的目标。</p>
<p class="lead">复盘会记录的问题与原因：</p>
<table class="items long"><thead><tr><th class="category">类别</th><th>内容</th></tr></thead>
{% for n in range(6) %}<tr><td class="category">问题</td><td>客户跟进记录不完整 {{ n }}</td></tr>{% endfor %}
</table>
{% endfor %}
</article>{% endblock %}"""


@pytest.mark.slow
def test_no_heading_is_left_at_the_bottom_of_a_page(tmp_path: Path) -> None:
    """The report stylesheet, with the blocks placed at every height down the page: whatever lands
    at the bottom, a heading or a lead-in line goes over with what it introduces."""
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "sweep.html").write_text(SWEEP, encoding="utf-8")
    renderer = Renderer(template_dirs(folder))  # the built-in print.css: none in `folder`
    html = renderer.html("sweep.html", gaps=range(180, 252, 2), created="2024-01-01")
    pdf = tmp_path / "sweep.pdf"
    renderer.write(renderer.document(html), pdf)
    assert stranded(pdf) == []
    # and each lead-in line is printed, on the page of its table's first row
    for lines in pages(pdf):
        if "复盘会记录的问题与原因：" in lines:
            assert any("客户跟进记录不完整 0" in line for line in lines)


@pytest.fixture(scope="module")
def demo_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 40-rep demo run: a review long enough to cross pages, many people graded 待改进."""
    base = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(cli, ["demo", str(base / "in"), "--reps", "40"])
    assert result.exit_code == 0, result.output
    run(base / "in", base / "out")
    return base / "out"


@pytest.mark.slow
def test_demo_reports_end_no_page_with_a_heading(demo_output: Path) -> None:
    for name in ["销售复盘报告-2026Q3.pdf", "销售流程健康度报告-2026Q3.pdf"]:
        assert stranded(demo_output / name) == [], name


@pytest.mark.slow
def test_grade_words_stay_on_one_line(demo_output: Path) -> None:
    lines = [line for page in pages(demo_output / "销售复盘报告-2026Q3.pdf") for line in page]
    grades = [line.split()[0] for line in lines if line.split()[0] in ("优秀", "良好", "待改进")]
    assert "待改进" in grades, lines
    # a word broken in its cell prints as 待改 with 进 on the line below
    assert not [line for line in lines if line.split()[0] in ("待改", "待", "进")], lines
