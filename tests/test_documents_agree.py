"""Issue 11 §4–5: one period per document, one figure per concept, documents only for people.

Every test runs the CLI on real workbooks made in tmp_path and reads what a manager would read:
figures.json, the issue list, the PDFs (pdftotext) and the files present.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import (
    FOLLOW_UP_KEYS,
    HEALTH_SEED,
    TODAY,
    headers,
    validate_json,
    write_book,
    write_targets,
)

from salesbook.cli import cli
from salesbook.values import is_placeholder

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext")

ROSTER = [
    ["王总", "S000", "销售总监", "", "", "", "2019-01-01", "", "在职"],
    ["李经理", "S001", "区域经理", "华东", "华东一组", "王总", "2020-03-01", "", "在职"],
    ["李明", "S002", "销售代表", "华东", "华东一组", "李经理", "2021-05-01", "", "在职"],
    ["王芳", "S003", "销售代表", "华东", "华东一组", "李经理", "2022-07-01", "", "在职"],
    ["赵强", "S004", "销售代表", "华南", "华南一组", "王总", "2022-07-01", "", "在职"],
]
BREAKDOWN = [
    ["季度销售额50万元", "区域-华东区域", "40万元", "李经理", "2023-12-31", ""],
    ["季度销售额50万元", "区域-华南区域", "10万元", "赵强", "2023-12-31", ""],
    ["季度销售额50万元", "个人-李明", "20万元", "李明", "2023-12-31", ""],
    ["季度销售额50万元", "个人-王芳", "20万元", "王芳", "2023-12-31", ""],
    ["季度销售额50万元", "个人-赵强", "10万元", "赵强", "2023-12-31", ""],
    ["季度销售额50万元", "产品-产品A", "30万元", "华东一组", "2023-12-31", ""],  # row 7
    ["季度销售额50万元", "产品-产品B", "20万元", "待定", "2023-12-31", ""],  # row 8
    ["新客户开发2个", "个人-李明", "1个", "李明", "2023-12-31", ""],
    ["新客户开发2个", "个人-*销售代表", "1个", "*", "2023-12-31", ""],  # row 10
    ["新客户开发2个", "个人-陌生人", "1个", "陌生人", "2023-12-31", ""],  # row 11: SB-T002
]
APPRAISAL = [
    ["李明", "20万元", "218500", "", "1个", "90%", "", "", "继续保持"],
    # "约2.9万" cannot be read: the region is not summed without it, and 王芳 is not graded
    ["王芳", "20万元", "约2.9万", "", "0个", "75%", 88, "", ""],
    # 118,500 of 100,000: 华南区域 is over by 18,500
    ["赵强", "10万元", "118500", "", "0个", "80%", "", "", ""],
]
LOG = [
    ["甲公司", "李明", "2023-10-10", "电话", "报价", "需定制", "发方案", "2023-10-17"],
    ["甲公司", "李明", "2023-10-16", "上门拜访", "演示", "比价", "谈判", "2023-10-20"],
    ["乙公司", "李明", "2023-11-06", "微信", "确认", "同意", "签约", "2023-11-07"],
    ["丙公司", "王芳", "2023-11-08", "电话", "询价", "需样品", "寄样", "2023-11-10"],
]


def make_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "workbooks"
    write_targets(
        folder / "目标.xlsx",
        [
            ["季度销售额", "50万元", "元", "2023Q4", "2023-10-01", "2023-12-31"],
            ["新客户开发", "2", "个", "2023Q4", "2023-10-01", "2023-12-31"],
        ],
        BREAKDOWN,
        ROSTER,
    )
    write_book(folder / "评估.xlsx", {"评估": (headers("appraisal"), APPRAISAL)})
    write_book(folder / "跟进.xlsx", {"Sheet1": (headers("follow_up", keys=FOLLOW_UP_KEYS), LOG)})
    write_book(
        folder / "健康度.xlsx",
        {
            "健康度监控": (headers("health_monitoring"), [list(r) for r in HEALTH_SEED]),
            "指标数据": (
                headers("health_data", keys=["period", "indicator", "value"]),
                [["2023Q4", "流程节点完成率", "85%"]],  # the log gives 1 of 3 = 33.3 %
            ),
        },
    )
    return folder


def run(folder: Path, output: Path, *args: str) -> tuple[str, dict, list[dict]]:
    result = CliRunner().invoke(
        cli, ["run", str(folder), "-o", str(output), "--today", TODAY, *args]
    )
    assert result.exit_code in (0, 1), result.output
    figures = json.loads((output / "figures.json").read_text(encoding="utf-8"))
    return result.output, figures, figures["figures"]["issues"]


def text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    return "".join(out.stdout.split())


@pytest.fixture(scope="module")
def quarter(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict, list[dict]]:
    """One default run (no --period) with PDFs, shared by the tests that only read it."""
    tmp = tmp_path_factory.mktemp("quarter")
    folder = make_folder(tmp)
    output = tmp / "out"
    return (output, *run(folder, output))


def codes(issues: list[dict], code: str) -> list[dict]:
    return [i for i in issues if i["code"] == code]


# --- §4 one period per document -------------------------------------------------------------------


@pytest.mark.slow
def test_the_default_period_is_the_targets_period_everywhere(quarter) -> None:
    output, said, document, _ = quarter
    assert document["period"] == "2023Q4"
    assert document["figures"]["run"]["basis"] == "targets"
    assert "计算周期 2023Q4（取总体目标的周期）" in said
    for name in ("销售复盘报告-2023Q4.pdf", "汇总-2023Q4.xlsx", "评估单/2023Q4-李明.pdf"):
        assert (output / name).is_file(), name
    assert "复盘周期：2023Q4" in text(output / "销售复盘报告-2023Q4.pdf")
    assert "评估周期：2023Q4" in text(output / "评估单/2023Q4-李明.pdf")
    assert "考核期限" in text(output / "责任书/2023Q4-李明.pdf")
    # the help of both commands and the README say the same default
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert "takes the period of the overall targets" in readme
    for command in ("run", "validate"):
        shown = CliRunner().invoke(cli, [command, "--help"]).output
        assert "默认取总体目标的周期" in "".join(shown.split()), command


@pytest.mark.slow
def test_a_monthly_run_still_appraises_the_quarter(tmp_path: Path, quarter) -> None:
    folder = make_folder(tmp_path)
    output = tmp_path / "month"
    _, document, _ = run(folder, output, "--period", "2023-11")
    figures = document["figures"]
    assert document["period"] == "2023-11"
    assert figures["appraisal_period"] == "2023Q4"
    # the review counts November; the appraisal counts the quarter up to the as-of date
    assert figures["follow_ups"]["reps"]["李明"]["follow_ups"] == 1
    assert figures["appraisal_reps"]["李明"]["follow_ups"] == 3
    sheet = text(output / "评估单/2023Q4-李明.pdf")
    assert "评估周期：2023Q4" in sheet
    # the same file name holds the same numbers as the quarter's own run
    _, quarterly, _ = quarter[1:]
    assert (
        figures["people"]["李明"]["score_parts"]
        == quarterly["figures"]["people"]["李明"]["score_parts"]
    )
    assert figures["people"]["李明"]["score"] == quarterly["figures"]["people"]["李明"]["score"]


# --- §4 roll-ups never leave out an unreadable member ---------------------------------------------


@pytest.mark.slow
def test_a_region_with_an_unreadable_member_is_incomplete_and_names_the_cell(quarter) -> None:
    output, _, document, _ = quarter
    figures = document["figures"]
    region = next(t for t in figures["targets"] if t["name"] == "华东区域")
    assert region["actual"] is None
    assert region["attainment"] is None
    assert region["missing"] == ["王芳（评估.xlsx › 评估 › C3）"]
    assert figures["rollup"][0]["missing"] == region["missing"]
    group = figures["rollup"][0]["children"][0]
    assert group["children_actual"] is None  # 李明's 218,500 alone is not the group's sum
    review = text(output / "销售复盘报告-2023Q4.pdf")
    assert "不完整，未合计：无法读取王芳（评估.xlsx›评估›C3）" in review


# --- §4 one figure per concept, with its source ----------------------------------------------------


@pytest.mark.slow
def test_a_typed_health_value_that_differs_is_warned_and_both_are_shown(quarter) -> None:
    output, _, document, issues = quarter
    [warning] = codes(issues, "SB-P009")
    assert warning["location"] == "健康度.xlsx › 指标数据 › C2"
    assert "85.0%" in warning["message"]
    assert "33.3%" in warning["message"]
    node = next(h for h in document["figures"]["health"] if h["name"] == "流程节点完成率")
    assert (node["value"], node["source"]) == ("0.85", "指标数据")
    assert Decimal(node["computed"]) == Decimal(1) / 3
    for report in ("销售流程健康度报告-2023Q4.pdf", "销售复盘报告-2023Q4.pdf"):
        page = text(output / report)
        assert "85.0%" in page, report
        assert "指标数据2023Q4按工作簿计算：33.3%" in page, report


@pytest.mark.slow
def test_over_achievement_reads_over_not_a_negative_gap(quarter) -> None:
    output, _, _, _ = quarter
    review = text(output / "销售复盘报告-2023Q4.pdf")
    assert "超额18,500.00元" in review
    assert "-18,500.00" not in review


def sheet_rows(path: Path, sheet: str, key: str) -> dict[str, dict[str, object]]:
    """A sheet read back as a user would: each row by its `key` column (the first row of a key
    that repeats, e.g. 个人-李明's sales before its new customers), as {header: value}."""
    rows = list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))
    header = rows[0]
    found: dict[str, dict[str, object]] = {}
    for row in rows[1:]:
        name = str(row[header.index(key)]).strip("\u3000")
        found.setdefault(name, dict(zip(header, row, strict=True)))
    return found


@pytest.mark.slow
def test_workbooks_show_over_and_short_as_the_review_does(tmp_path: Path, quarter) -> None:
    output = quarter[0]
    filled = sheet_rows(output / "workbooks/目标.xlsx", "目标分解", "目标维度")
    south = filled["区域-华南区域"]
    assert (south["差额"], south["超额"]) == (None, 18500)  # not a gap of -18,500
    assert (filled["个人-李明"]["差额"], filled["个人-李明"]["超额"]) == (None, 18500)
    assert filled["个人-王芳"]["差额"] is filled["个人-王芳"]["超额"] is None  # unreadable
    summary = output / "汇总-2023Q4.xlsx"
    for sheet, key, name in (
        ("区域达成", "名称", "华南区域"),
        ("层级汇总", "区域 › 小组 › 个人", "华南"),
    ):
        row = sheet_rows(summary, sheet, key)[name]
        assert (row["差额"], row["超额"]) == (None, 18500), sheet
    # a shortfall is a positive 差额 with 超额 blank: 赵强 at 81,500 of 100,000
    folder = make_folder(tmp_path)
    short = [row if row[0] != "赵强" else [*row[:2], "81500", *row[3:]] for row in APPRAISAL]
    write_book(folder / "评估.xlsx", {"评估": (headers("appraisal"), short)})
    run(folder, tmp_path / "short", "--no-pdf")
    filled = sheet_rows(tmp_path / "short/workbooks/目标.xlsx", "目标分解", "目标维度")
    assert (filled["区域-华南区域"]["差额"], filled["区域-华南区域"]["超额"]) == (18500, None)
    summary = tmp_path / "short/汇总-2023Q4.xlsx"
    for sheet, key, name in (
        ("区域达成", "名称", "华南区域"),
        ("个人达成", "名称", "赵强"),
        ("层级汇总", "区域 › 小组 › 个人", "赵强"),
    ):
        row = sheet_rows(summary, sheet, key)[name]
        assert (row["差额"], row["超额"]) == (18500, None), sheet
    for path in (summary, tmp_path / "short/workbooks/目标.xlsx"):
        numbers = openpyxl.load_workbook(path, read_only=True)
        for sheet in numbers.worksheets:
            for row in sheet.iter_rows(values_only=True):
                assert not any(isinstance(v, (int, float)) and v == -18500 for v in row)


@pytest.mark.slow
def test_the_summary_roll_up_names_the_unreadable_member(quarter) -> None:
    output = quarter[0]
    summary = output / "汇总-2023Q4.xlsx"
    note = "不完整，未合计：无法读取 王芳（评估.xlsx › 评估 › C3）"
    east = sheet_rows(summary, "层级汇总", "区域 › 小组 › 个人")["华东"]
    assert east["说明"] == note
    assert east["目标"] == 400000
    assert east["实际完成"] is east["达成率"] is None  # never 李明's 218,500 alone
    assert east["差额"] is east["超额"] is None
    assert sheet_rows(summary, "区域达成", "名称")["华东区域"]["说明"] == note
    assert sheet_rows(summary, "层级汇总", "区域 › 小组 › 个人")["华南"]["说明"] is None


# --- §5 documents only for people who can sign them ------------------------------------------------


@pytest.mark.slow
def test_letters_and_sheets_only_for_people_on_the_roster(quarter) -> None:
    output, said, _, issues = quarter
    letters = sorted(p.stem for p in (output / "责任书").glob("*.pdf"))
    assert letters == ["2023Q4-李明", "2023Q4-李经理", "2023Q4-王芳", "2023Q4-赵强"]
    sheets = sorted(p.stem for p in (output / "评估单").glob("*.pdf"))
    assert sheets == ["2023Q4-李明", "2023Q4-王芳", "2023Q4-赵强"]
    _, checked = validate_json(output.parent / "workbooks")
    [group] = codes(checked["issues"], "SB-T013")
    assert group["severity"] == "error"
    assert group["location"] == "目标.xlsx › 目标分解 › D7"
    assert "必须是具体的人" in group["message"]
    withheld = {(i["location"], i["params"]["name"]) for i in codes(issues, "SB-T014")}
    assert withheld == {
        ("目标.xlsx › 目标分解 › D7", "华东一组"),
        ("目标.xlsx › 目标分解 › D8", "待定"),
        ("目标.xlsx › 目标分解 › D10", "*"),
        ("目标.xlsx › 目标分解 › D11", "陌生人"),
    }
    assert all(i["severity"] == "info" for i in codes(issues, "SB-T014"))
    assert "未生成的文件4份" in "".join(said.split())
    assert "销售目标责任书2023Q4「华东一组」：是小组、区域或产品线，不是具体的人" in "".join(
        said.split()
    )
    assert "乙方：华东一组" not in text(output / "责任书-2023Q4-全部.pdf")


def test_one_placeholder_rule_for_checks_and_documents() -> None:
    for name in ("*", "*经理", "＊销售代表", "XX", "X经理", "某", "某经理", "待定", "TBD", "n/a"):
        assert is_placeholder(name), name
    for name in ("李明", "Xiao", "Xavier", "华东一组", "王某某"):
        assert not is_placeholder(name), name
    from salesbook import checks, read, values
    from salesbook.contexts import letters

    assert read.PLACEHOLDER is values.PLACEHOLDER
    assert letters.PLACEHOLDER is values.PLACEHOLDER
    assert checks.PLACEHOLDER is values.PLACEHOLDER


@pytest.mark.slow
def test_an_unreadable_actual_gives_a_sheet_without_a_grade(quarter) -> None:
    output, _, document, issues = quarter
    person = document["figures"]["people"]["王芳"]
    assert person["actual_missing"] == "评估.xlsx › 评估 › C3"
    assert person["grade"] is None
    assert person["rank"] is None
    sheet = text(output / "评估单/2023Q4-王芳.pdf")
    assert "无法读取" in sheet
    assert "暂不评级" in sheet
    # a typed 88 that the scorecard cannot reach even with every missing part at 100
    [p004] = [i for i in codes(issues, "SB-P004") if i["location"] == "评估.xlsx › 评估 › G3"]
    assert p004["params"]["entered"] == "88"
    _, high = (Decimal(v) for v in p004["params"]["computed"].split("–"))
    assert high < 88


@pytest.mark.slow
def test_the_new_customer_part_uses_the_persons_own_target(quarter) -> None:
    _, _, document, _ = quarter
    person = document["figures"]["people"]["李明"]
    assert person["new_customer_target"] == "1"
    assert Decimal(person["score_parts"]["new_customers"]) == 100  # 1 of their own 1, not of 10
    # without their own target the setting (10) counts
    assert document["figures"]["people"]["王芳"]["new_customer_target"] is None


@pytest.mark.slow
def test_a_missing_part_is_named_and_the_weights_used_are_shown(quarter) -> None:
    output, _, document, _ = quarter
    person = document["figures"]["people"]["李明"]
    assert person["missing_parts"] == ["qualitative"]
    used = {k: Decimal(v) for k, v in person["weights_used"].items()}
    assert used["attainment"] == Decimal(40) / 85  # 40 of the 85 points that have data
    sheet = text(output / "评估单/2023Q4-李明.pdf")
    assert "主管定性评价无数据不计入" in sheet
    assert "47.1%" in sheet
    assert "无数据的评分项（主管定性评价）不计入" in sheet


@pytest.mark.slow
def test_init_templates_give_documents_only_to_their_example_people(tmp_path: Path) -> None:
    """init's example rows name example people on its example roster (张三, 李四, 张伟): the
    documents go to them, and never to a placeholder file such as 评估单/2023Q4-_.pdf."""
    folder = tmp_path / "workbooks"
    assert CliRunner().invoke(cli, ["init", str(folder), "--period", "2023Q4"]).exit_code == 0
    output = tmp_path / "out"
    run(folder, output)
    sheets = sorted(p.name for p in (output / "评估单").iterdir())
    letters = sorted(p.name for p in (output / "责任书").glob("*.pdf"))
    assert sheets == ["2023Q4-张三.pdf", "2023Q4-李四.pdf"]
    assert letters == ["2023Q4-张三.pdf", "2023Q4-张伟.pdf", "2023Q4-李四.pdf"]


# --- issue 12: figures.json and the documents from one library call ------------------------------


def test_figures_json_is_the_library_figures_document(tmp_path: Path) -> None:
    """batch writes figures_document(...) as it is; a library user gets the same bytes, with
    each record on a line of its own (a program reading it, or grep, finds one per line)."""
    from salesbook import __version__, load
    from salesbook.compute import document_text, figures_document

    folder = make_folder(tmp_path)
    output = tmp_path / "out"
    run(folder, output, "--no-pdf")
    loaded = load(folder, jobs=1)
    document = figures_document(loaded.compute(), loaded.config, __version__)
    text = document_text(document)
    assert (output / "figures.json").read_text(encoding="utf-8") == text + "\n"
    assert json.loads(text) == json.loads(json.dumps(document))  # tuples are lists in JSON
    lines = text.splitlines()
    for target in document["figures"]["targets"]:
        assert json.dumps(target, ensure_ascii=False) in (line.strip(" ,") for line in lines)
    # what the documents print beside the per-row figures is in the file too
    saved = json.loads(text)["figures"]
    assert saved["overview"]
    assert saved["discipline"]["total"]
    assert all(award["words"] for award in saved["awards"])


def test_the_review_prints_what_compute_summed(tmp_path: Path) -> None:
    """The review's overview and discipline total are compute's figures, not sums of its own."""
    from salesbook import __version__, load
    from salesbook.compute import figures_document
    from salesbook.contexts.appraisal import award_rows
    from salesbook.contexts.review import review_context
    from salesbook.words import say

    loaded = load(make_folder(tmp_path), jobs=1)
    figures = loaded.compute()
    document = json.loads(json.dumps(figures_document(figures, loaded.config, __version__)))
    context = review_context(document)
    whole = next(o for o in figures.overview if o.overall == "季度销售额50万元")
    row = next(r for r in context.overview if r.overall == "季度销售额50万元")
    assert (row.target, row.attainment, row.measured) == (
        whole.target,
        whole.attainment,
        whole.measured,
    )
    total = figures.discipline.total
    assert context.discipline_total.follow_ups == total["follow_ups"]
    assert context.discipline_total.completeness == total["completeness"]
    star = award_rows(document, "en")[0]
    threshold = f"{loaded.config.star_min_attainment.normalize():f}"
    assert (star.name, star.rule) == (
        say("award.star", "en"),
        say("award.star.rule", "en", {"threshold": threshold}),
    )
    assert award_rows(document, "zh")[0].rule == figures.awards[0].rule  # zh as figures.json
