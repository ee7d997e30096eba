"""`salesbook run` end to end: filled workbooks, summary, figures.json and history, read back."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from conftest import TODAY, headers, write_book

from salesbook.cli import cli


def run(folder: Path, output: Path, *args: str) -> str:
    result = CliRunner().invoke(
        cli, ["run", str(folder), "-o", str(output), "--today", TODAY, "--no-pdf", *args]
    )
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.output


def fingerprint(folder: Path) -> dict[Path, tuple[str, int]]:
    return {
        p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def header_index(sheet, title: str) -> int:
    for row in sheet.iter_rows(max_row=5):
        for cell in row:
            if cell.value == title:
                return cell.column
    raise AssertionError(f"no column {title}")


def test_run_fills_copies_and_leaves_inputs_untouched(seed_org: Path, tmp_path: Path) -> None:
    before = fingerprint(seed_org)
    output = tmp_path / "output"
    text = run(seed_org, output, "--period", "2023Q4", "--as-of", "2023-11-15")
    assert "计算周期 2023Q4，截至 2023-11-15。" in text
    assert fingerprint(seed_org) == before

    targets = openpyxl.load_workbook(output / "workbooks" / "销售目标分解表.xlsx")
    sheet = targets["目标分解"]
    share = header_index(sheet, "占总体目标")
    monthly = header_index(sheet, "月度目标")
    pace = header_index(sheet, "进度状态")
    assert sheet.cell(2, share).value == 0.4
    assert sheet.cell(2, share).number_format == "0.0%"
    assert sheet.cell(2, monthly).value == 133333.33
    assert sheet.cell(2, pace).value == "领先"
    rules = [r for cf in sheet.conditional_formatting for r in cf.rules]
    assert any(r.formula == ['"落后"'] for r in rules)
    assert targets.sheetnames == ["总体目标", "目标分解", "团队名册", "问题清单"]

    appraisal = openpyxl.load_workbook(output / "workbooks" / "销售业绩评估表.xlsx")["评估"]
    score = header_index(appraisal, "综合评分(100分)")
    assert appraisal.cell(2, score).value == 92  # typed scores stay
    assert appraisal.cell(4, score).value is not None  # the blank one is filled in
    assert appraisal.cell(4, header_index(appraisal, "等级")).value in {"优秀", "良好", "待改进"}


def test_summary_workbook_and_figures_json_agree(seed_org: Path, tmp_path: Path) -> None:
    output = tmp_path / "output"
    run(seed_org, output, "--period", "2023Q4", "--as-of", "2023-12-31")
    summary = openpyxl.load_workbook(output / "汇总-2023Q4.xlsx")
    assert summary.sheetnames == [
        "区域达成",
        "产品达成",
        "个人达成",
        "目标分解",
        "层级汇总",
        "计划执行",
        "跟进纪律",
        "待重新分配",
        "客户分层",
        "分层人数",
        "分层变动",
        "风险预警清单",
        "评估排名",
        "奖项",
        "健康度",
    ]
    regions = summary["区域达成"]
    assert regions.freeze_panes == "A2"
    assert regions.auto_filter.ref == "A1:K3"  # with 差额, 超额 and 说明
    assert len(regions._charts) == 1
    rows = {r[0]: r for r in regions.iter_rows(min_row=2, values_only=True)}
    figures = json.loads((output / "figures.json").read_text(encoding="utf-8"))
    east = next(t for t in figures["figures"]["targets"] if t["name"] == "华东区域")
    assert east["monthly"] == "133333.33"
    assert Decimal(str(rows["华东区域"][3])) == Decimal(east["actual"]) == Decimal(980000)
    assert figures["period"] == "2023Q4"
    ranking = list(summary["评估排名"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in ranking][:1] == ["李明"]


def test_issue_sheet_in_each_copy_links_to_the_cell(seed_org: Path, tmp_path: Path) -> None:
    write_book(
        seed_org / "华南.xlsx",
        {
            "Sheet1": (
                headers(
                    "follow_up", keys=["customer", "owner", "date", "channel", "summary", "due"]
                ),
                [
                    [
                        '=HYPERLINK("http://evil")',
                        "李明",
                        "2023-10-12",
                        "电话",
                        "+1 报价",
                        "2023-10-01",
                    ]
                ],
            )
        },
    )
    output = tmp_path / "output"
    run(seed_org, output, "--period", "2023Q4")
    copy = openpyxl.load_workbook(output / "workbooks" / "华南.xlsx")
    issues = copy["问题清单"]
    row = next(r for r in issues.iter_rows(min_row=2) if r[1].value == "SB-U001")
    assert row[3].value == "F2"
    assert row[3].hyperlink.location == "'Sheet1'!F2" or row[3].hyperlink.target.endswith("F2")
    data = copy["Sheet1"]
    assert data["A2"].value == '=HYPERLINK("http://evil")'
    assert data["A2"].data_type == "s"  # text from an input never becomes a formula
    for sheet in openpyxl.load_workbook(output / "汇总-2023Q4.xlsx"):
        assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)


def test_history_is_replaced_per_period_and_feeds_awards(seed_org: Path, tmp_path: Path) -> None:
    output = tmp_path / "output"
    history = tmp_path / "kept" / "history.sqlite"
    run(seed_org, output, "--period", "2023Q4", "--history", str(history))
    first = sqlite3.connect(history).execute("SELECT COUNT(*) FROM figures").fetchone()[0]
    run(seed_org, output, "--period", "2023Q4", "--history", str(history))
    second = sqlite3.connect(history).execute("SELECT COUNT(*) FROM figures").fetchone()[0]
    assert first == second > 0  # re-running a period replaces its rows, nothing else
    listing = CliRunner().invoke(cli, ["history", str(history)])
    assert "2023Q4" in listing.output
    # The next quarter's run finds 2023Q4 as the previous period for 最佳进步奖.
    write_book(
        seed_org / "销售业绩评估表.xlsx",
        {
            "评估": (
                headers("appraisal"),
                [
                    ["李明", "30万元", "30万元", "", "", "", "", "", ""],
                    ["王芳", "25万元", "25万元", "", "", "", "", "", ""],
                ],
            )
        },
    )
    run(seed_org, output, "--period", "2024Q1", "--history", str(history))
    figures = json.loads((output / "figures.json").read_text(encoding="utf-8"))["figures"]
    awards = {a["key"]: a for a in figures["awards"]}
    assert awards["most_improved"]["available"] is True
    assert awards["most_improved"]["winners"] == ["王芳"]  # 80% -> 100%: +20 points
    stored = sqlite3.connect(history).execute("SELECT DISTINCT period FROM runs").fetchall()
    assert sorted(p for (p,) in stored) == ["2023Q4", "2024Q1"]


def test_settings_file_problems_are_issues_with_lines(seed_org: Path, tmp_path: Path) -> None:
    (seed_org / "salesbook.toml").write_text(
        'company = "华信科技"\n[grades]\nexcellent = 95\nsuperb = 99\n', encoding="utf-8"
    )
    output = tmp_path / "output"
    text = run(seed_org, output, "--period", "2023Q4")
    assert "SB-C002" in text
    sheet = openpyxl.load_workbook(output / "问题清单.xlsx")["问题清单"]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[1] == "SB-C002")
    assert row[2] == "salesbook.toml"
    assert row[4] == 4  # the line of the unknown key
    figures = json.loads((output / "figures.json").read_text(encoding="utf-8"))
    assert figures["config"]["company"] == "华信科技"
    assert figures["config"]["grade_excellent"] == "95"
    people = {p["name"]: p for p in figures["figures"]["people"].values()}
    assert people["李明"]["grade"] == "良好"  # 92 is no longer 优秀 with the 95 threshold


def test_money_in_wan_yuan_when_configured(seed_org: Path, tmp_path: Path) -> None:
    (seed_org / "salesbook.toml").write_text('money_unit = "万元"\n', encoding="utf-8")
    output = tmp_path / "output"
    run(seed_org, output, "--period", "2023Q4")
    sheet = openpyxl.load_workbook(output / "workbooks" / "销售目标分解表.xlsx")["目标分解"]
    monthly = sheet.cell(2, header_index(sheet, "月度目标"))
    assert round(monthly.value, 4) == 13.3333  # 40万 ÷ 3, shown in 万元
    assert monthly.number_format == '#,##0.00"万元"'
    count = sheet.cell(9, header_index(sheet, "月度目标"))  # 新客户开发: a count, not money
    assert count.value is None  # 8 个 over a quarter is not "2.67 个" a month: whole units
    split = sheet.cell(9, header_index(sheet, "按月分解"))
    assert split.value == "10月 3 / 11月 3 / 12月 2"
    regions = openpyxl.load_workbook(output / "汇总-2023Q4.xlsx")["区域达成"]
    assert regions["C2"].value == 40
    # figures.json keeps yuan whatever the display
    figures = json.loads((output / "figures.json").read_text(encoding="utf-8"))["figures"]
    assert figures["targets"][0]["target"] == "400000"


def test_layout_of_inputs_is_kept_in_the_copies(tmp_path: Path) -> None:
    folder = tmp_path / "blank"
    assert CliRunner().invoke(cli, ["init", str(folder)]).exit_code == 0
    log = openpyxl.load_workbook(folder / "客户跟进记录表.xlsx")
    sheet = log.active
    sheet.insert_rows(1)
    sheet["A1"] = "华东区客户跟进记录表"
    sheet.merge_cells("A1:H1")
    log.save(folder / "客户跟进记录表.xlsx")
    output = tmp_path / "output"
    run(folder, output)
    copy = openpyxl.load_workbook(output / "workbooks" / "客户跟进记录表.xlsx")
    original = openpyxl.load_workbook(folder / "客户跟进记录表.xlsx")
    for name in original.sheetnames:
        before, after = original[name], copy[name]
        assert after.merged_cells.ranges == before.merged_cells.ranges
        assert [str(v.sqref) for v in after.data_validations.dataValidation] == [
            str(v.sqref) for v in before.data_validations.dataValidation
        ]
        assert after.freeze_panes == before.freeze_panes
        for letter, dimension in before.column_dimensions.items():
            assert after.column_dimensions[letter].width == dimension.width
    assert copy.sheetnames == [*original.sheetnames, "问题清单"]
