"""销售复盘报告, 销售流程健康度报告 and 个人业绩评估单: real PDFs, read back through their text,
outline, fonts and file names. The figures document is built here as batch.run builds figures.json."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest
from conftest import headers, write_book

from salesbook import __version__
from salesbook.batch import load
from salesbook.charts import attainment_chart
from salesbook.chunks import assign_file_stems, safe_name
from salesbook.compute import figures_document as compute_document
from salesbook.contexts.appraisal import appraisal_sheets
from salesbook.render import Renderer, template_dirs
from salesbook.reports import render_reports
from salesbook.values import parse_period

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src="file:///etc/passwd">'


def figures_document(folder: Path) -> dict:
    """What the documents read for the seed organisation's 2023Q4, as batch.run builds it."""
    loaded = load(folder)
    figures = loaded.compute(parse_period("2023Q4"), dt.date(2023, 12, 31))
    document = compute_document(figures, loaded.config, __version__)
    return json.loads(json.dumps(document, ensure_ascii=False))  # exactly what the file holds


def render(folder: Path, output: Path, lang: str = "zh") -> tuple[list[Path], list[str]]:
    """render_reports on the folder's figures; also returns every URL WeasyPrint fetched."""
    renderer = Renderer(template_dirs(), lang, "元")
    fetched: list[str] = []
    fetch = renderer.fetcher.fetch

    def recording(url: str, headers: dict | None = None) -> object:
        fetched.append(url)
        return fetch(url, headers)

    renderer.fetcher.fetch = recording
    return render_reports(renderer, figures_document(folder), output), fetched


def text(path: Path) -> str:
    """The PDF's text, spaces removed (pdftotext spaces CJK text as it likes)."""
    out = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return "".join(out.split())


def rows(path: Path) -> list[str]:
    """The PDF's lines as laid out (a table row is a line), spaces removed."""
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return ["".join(line.split()) for line in out.splitlines()]


def has_row(path: Path, row: str) -> bool:
    return any(row in line for line in rows(path))


@pytest.fixture
def reviewed_org(seed_org: Path) -> Path:
    """The seed organisation with a 复盘记录 workbook, two of its items hostile markup."""
    write_book(
        seed_org / "复盘记录.xlsx",
        {
            "复盘记录": (
                headers("review_items"),
                [
                    ["问题", SCRIPT, "", "", ""],
                    ["原因", "王芳负责的YY集团项目需对比竞品价格导致签约推迟", "", "", ""],
                    ["措施", IMG, "李明", "2023-12-15", "进行中"],
                    [
                        "措施",
                        "在客户跟进记录表中增加'信息同步人'列",
                        "张经理",
                        "2023-11-30",
                        "已完成",
                    ],
                ],
            )
        },
    )
    return seed_org


@dataclass
class Rendered:
    output: Path
    files: list[Path]
    fetched: list[str]  # every URL WeasyPrint asked for


_ZH: list[Rendered] = []  # one render serves every test that only reads the Chinese reports


@pytest.fixture
def rendered(reviewed_org: Path, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """The Chinese reports of the reviewed seed organisation (the same workbooks every time,
    so they are rendered once per session: rendering is the slow part)."""
    if not _ZH:
        output = tmp_path_factory.mktemp("reports")
        _ZH.append(Rendered(output, *render(reviewed_org, output)))
    return _ZH[0]


@pytest.mark.slow
def test_review_follows_the_four_steps_with_the_seed_figures(rendered: Rendered) -> None:
    output, files = rendered.output, rendered.files
    review = output / "销售复盘报告-2023Q4.pdf"
    assert review in files
    page = text(review)
    steps = ["一、回顾目标", "二、评估结果", "三、分析原因", "四、总结经验"]
    assert [page.find(step) for step in steps] == sorted(page.find(step) for step in steps)
    assert -1 not in [page.find(step) for step in steps]
    assert "2023Q4" in page
    assert "2023年12月31日" in page  # as-of date
    assert "区域经理张经理（华东）" in page  # participants by role
    assert "销售总监王总" in page
    # the whole target summed over the people, the level where every part has an actual
    assert has_row(review, "季度销售额100万元2023Q4个人1,000,000.00元980,000.00元98.0%100.0%关注")
    # over-achievement reads 超额, never a negative gap (issue 11 §4)
    assert has_row(review, "华东区域张经理400,000.00元980,000.00元245.0%超额580,000.00元领先")
    assert has_row(review, "李明华东300,000.00元330,000.00元110.0%10/8领先")  # by person
    assert has_row(review, "销售之星达成率最高且不低于100%李明")  # award, rule and winner
    assert "尚无上期数据，暂不评选" in page
    # the largest shortfall, with the meeting's cause that names her
    assert has_row(review, "个人：王芳王芳250,000.00元200,000.00元80.0%50,000.00元落后")
    assert "复盘会记录：王芳负责的YY集团项目需对比竞品价格导致签约推迟" in page
    assert has_row(review, "李明2023年12月15日进行中")  # an action and its owner, due, status
    assert "■已逾期" in page  # … still 进行中 after its due date
    assert has_row(review, "李明华东210100100.0%50.0%")  # follow-up discipline per rep
    assert has_row(review, "团队执行流程节点完成率85.0%≥95.0%■预警")  # health summary


@pytest.mark.slow
def test_charts_are_vector_text_in_the_document_font(rendered: Rendered) -> None:
    output = rendered.output
    assert "目标线100%" in text(output / "销售复盘报告-2023Q4.pdf")  # drawn only in the chart
    # the seed's trend has one quarter and one month: no kind has two points, so no chart
    # (the health chart's text is checked in test_report_pages on a trend of three months)
    assert "健康线" not in text(output / "销售流程健康度报告-2023Q4.pdf")
    bars = [("华东区域", Decimal("2.45")), ("李明", Decimal("1.1"))]
    assert attainment_chart(bars).uri == attainment_chart(bars).uri  # deterministic SVG


@pytest.mark.slow
def test_workbook_markup_prints_as_text_and_fetches_nothing(rendered: Rendered) -> None:
    output, fetched = rendered.output, rendered.fetched
    page = text(output / "销售复盘报告-2023Q4.pdf")
    assert SCRIPT in page
    assert "".join(IMG.split()) in page
    assert fetched  # the charts: the recorder sees every fetch
    assert all(url.startswith("data:image/svg+xml") for url in fetched), fetched


@pytest.mark.slow
def test_one_appraisal_page_and_bookmark_per_person(rendered: Rendered) -> None:
    output, files = rendered.output, rendered.files
    combined = output / "评估单-2023Q4-全部.pdf"
    reader = pypdf.PdfReader(combined)
    outline = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]
    assert outline == [("李明", 0), ("王芳", 1), ("张经理", 2)]
    assert len(reader.pages) == 3
    singles = sorted(p.name for p in (output / "评估单").iterdir())
    assert singles == sorted(
        f"{safe_name('2023Q4')}-{safe_name(n)}.pdf" for n in ("李明", "王芳", "张经理")
    )
    assert {combined, *(output / "评估单").iterdir()} <= set(files)
    li = output / "评估单" / "2023Q4-李明.pdf"
    single = pypdf.PdfReader(li)
    assert len(single.pages) == 1
    assert [item.title for item in single.outline] == ["李明"]
    page = text(li)
    assert "个人业绩评估单" in page
    # seed: 30万, 33万, 110%; 10 new customers of their own target of 8
    assert has_row(li, "300,000.00元330,000.00元110.0%10个/目标8个90.0%")
    assert "92.0（评估表填写）" in page  # one decimal, as every score on the sheet and in 汇总
    assert "等级优秀" in page
    assert "排名1/3" in page
    assert "获得奖项销售之星" in page
    assert "挖掘大客户潜力，提升客单价" in page  # the manager's suggestion, punctuation as typed
    assert "被评估人签字" in page
    assert "直属上级签字" in page
    assert "王芳" not in page  # nobody else's sheet
    # a score the sheet leaves blank comes from the weighted scorecard (40/15/15 of 100/50/80)
    manager = output / "评估单" / "2023Q4-张经理.pdf"
    assert has_row(manager, "评分卡合计100.0%85.0")
    assert "85.0（评分卡计算）" in text(manager)


@pytest.mark.slow
def test_fonts_embedded_and_chinese_extractable(rendered: Rendered) -> None:
    output, files = rendered.output, rendered.files
    for path in [*files[:3], output / "评估单" / "2023Q4-王芳.pdf"]:
        fonts = subprocess.run(
            ["pdffonts", str(path)], capture_output=True, text=True, check=True
        ).stdout.splitlines()[2:]
        assert fonts, path
        assert all(line.split()[-5:-2] == ["yes", "yes", "yes"] for line in fonts), fonts
        assert all("Noto" in line for line in fonts), fonts
    assert "加强客户需求分析，优化谈判策略" in text(output / "评估单" / "2023Q4-王芳.pdf")


@pytest.mark.slow
def test_health_report_marks_every_status_in_words(rendered: Rendered) -> None:
    output = rendered.output
    health = output / "销售流程健康度报告-2023Q4.pdf"
    lines = rows(health)
    for indicator, mark in [
        ("平均销售周期85天≤90天>120天", "●健康"),
        ("需求匹配度70.0%≥80.0%<60.0%", "▲关注"),
        ("流程节点完成率85.0%≥95.0%<90.0%", "■预警"),
        ("客户满意度(NPS)52≥50<30", "●健康"),
    ]:
        assert any(indicator in line and line.endswith(mark) for line in lines), (indicator, lines)
    assert "平均销售周期95天85天" in lines  # the trend table: 2023Q3, 2023-10
    page = text(health)
    # the improvement direction for the two indicators that are not healthy, not for the others
    improvement = page.split("三、改进方向")[1]
    assert "加强销售产品培训" in improvement
    assert "检查节点责任是否明确" in improvement
    assert "优化'方案呈现'环节" not in improvement


@pytest.mark.slow
def test_english_reports(reviewed_org: Path, tmp_path: Path) -> None:
    files, _ = render(reviewed_org, tmp_path, "en")
    names = {p.relative_to(tmp_path).as_posix() for p in files}
    assert {
        "review-2023Q4.pdf",
        "health-2023Q4.pdf",
        "appraisal-2023Q4-all.pdf",
        "appraisal/2023Q4-李明.pdf",
    } <= names
    review = text(tmp_path / "review-2023Q4.pdf")
    for heading in ["SalesReviewReport", "1.Reviewthetargets", "2.Evaluatetheresults"]:
        assert heading in review
    assert "Target100%" in review  # the chart speaks English too
    assert "RegionalManager张经理(华东)" in review
    assert "●Healthy" in text(tmp_path / "health-2023Q4.pdf")
    sheet = text(tmp_path / "appraisal" / "2023Q4-李明.pdf")
    assert "PerformanceAppraisal" in sheet
    assert "Excellent" in sheet
    assert "110.0%" in sheet


@pytest.mark.slow
def test_nothing_to_appraise_or_monitor_gives_only_the_review(
    seed_org: Path, tmp_path: Path
) -> None:
    document = figures_document(seed_org)
    document["figures"]["people"] = {}
    document["figures"]["health"] = []
    renderer = Renderer(template_dirs(), "zh", "元")
    assert render_reports(renderer, document, tmp_path) == [tmp_path / "销售复盘报告-2023Q4.pdf"]


def test_appraisal_file_names_are_safe_and_distinct(seed_org: Path) -> None:
    document = figures_document(seed_org)
    people = document["figures"]["people"]
    people["CON"] = people.pop("王芳")
    people["李/明:*"] = people["李明"]
    people["李_明__"] = people.pop("李明")
    document["figures"]["documents"]["appraisals"] = list(people)  # all on the roster
    sheets = appraisal_sheets(document)
    assign_file_stems(sheets)
    assert [s.file_stem for s in sheets] == [
        "2023Q4-张经理",
        "2023Q4-_CON",
        "2023Q4-李_明__",
        "2023Q4-李_明__-2",
    ]


@pytest.mark.slow
def test_same_figures_give_byte_identical_reports(seed_org: Path, tmp_path: Path) -> None:
    render(seed_org, tmp_path / "a")
    render(seed_org, tmp_path / "b")
    for name in (
        "销售复盘报告-2023Q4.pdf",
        "销售流程健康度报告-2023Q4.pdf",
        "评估单/2023Q4-李明.pdf",
    ):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


@pytest.mark.slow
def test_a_large_team_gets_a_review_of_meeting_length(tmp_path: Path) -> None:
    """At 60 reps the ranking shows the best and the lowest 25; everyone stays in the totals."""
    from click.testing import CliRunner

    from salesbook.cli import cli
    from salesbook.contexts.review import TABLE_ENDS, review_context

    folder, output = tmp_path / "demo", tmp_path / "out"
    assert CliRunner().invoke(cli, ["demo", str(folder), "--reps", "60"]).exit_code == 0
    result = CliRunner().invoke(
        cli, ["run", str(folder), "-o", str(output), "--no-pdf", "--today", "2026-11-25"]
    )
    assert result.exit_code in (0, 1), result.output
    document = json.loads((output / "figures.json").read_text("utf-8"))
    context = review_context(document)
    people = [t for t in document["figures"]["targets"] if t.get("dimension_type") == "个人"]
    assert len(context.reps) == 2 * TABLE_ENDS
    assert context.reps_omitted > 0
    assert len(context.discipline) == 2 * TABLE_ENDS
    assert context.discipline_total.follow_ups == sum(
        rep["follow_ups"] for rep in document["figures"]["follow_ups"]["reps"].values()
    )
    attainments = sorted(
        (Decimal(t["attainment"]) for t in people if t.get("attainment") and t.get("unit") == "元"),
        reverse=True,
    )
    shown = [Decimal(r.sales.attainment) for r in context.reps if r.sales and r.sales.attainment]
    assert shown[0] == attainments[0]
    assert min(shown) == attainments[-1]  # the lowest is never the one left out
    renderer = Renderer(template_dirs(), "zh", document["config"]["money_unit"])
    html = renderer.html("review.html", report=context, created=context.created)
    path = tmp_path / "review.pdf"
    renderer.write(renderer.document(html), path)
    assert f"中间{context.reps_omitted}人从略" in text(path)  # text() drops the spaces
