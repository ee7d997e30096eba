"""End to end: `salesbook validate` and `salesbook run` on real workbook files."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import FOLLOW_UP_KEYS, TODAY, found, headers, validate_json, write_book

from salesbook.cli import cli

LOG = "10月跟进记录-华东(终版2).xlsx"


def add_follow_ups(folder: Path, rows: list[list[object]], name: str = "华南跟进.xlsx") -> Path:
    return write_book(
        folder / name, {"跟进记录": (headers("follow_up", keys=FOLLOW_UP_KEYS), rows)}
    )


def test_clean_folder_has_no_issues_and_exits_0(org: Path) -> None:
    code, report = validate_json(org)
    assert code == 0
    assert report["issues"] == []
    assert report["period"] == "2023Q4"
    assert sorted(report["files"]) == sorted([LOG, "销售目标分解表.xlsx"])


def test_due_before_follow_up_is_an_error_at_its_cell(org: Path) -> None:
    add_follow_ups(
        org, [["ZZ公司", "李明", "2023/11/05", "微信", "报价", "", "回访", "2023-11-01"]]
    )
    code, report = validate_json(org)
    assert code == 1
    assert ("SB-U001", "华南跟进.xlsx › 跟进记录 › H2") in found(report)
    issue = next(i for i in report["issues"] if i["code"] == "SB-U001")
    assert issue["severity"] == "error"
    assert issue["message"] == "预计完成时间 2023-11-01 早于跟进日期 2023-11-05"


def test_warnings_alone_exit_0(org: Path) -> None:
    add_follow_ups(
        org, [["ZZ公司", "赵六", "2023-11-05", "微信", "报价", "", "回访", "2023-11-09"]]
    )
    code, report = validate_json(org)
    assert code == 0
    assert found(report) == {("SB-U004", "华南跟进.xlsx › 跟进记录 › B2")}


def test_english_messages(org: Path) -> None:
    add_follow_ups(org, [["ZZ公司", "李明", "2023-11-05", "飞鸽", "报价", "", "", ""]])
    _, report = validate_json(org, "--lang", "en")
    issue = next(i for i in report["issues"] if i["code"] == "SB-V006")
    assert issue["location"] == "华南跟进.xlsx › 跟进记录 › D2"
    # the column as the file heads it, the allowed values as English spells them (issue 13)
    assert issue["message"].startswith("'沟通方式': '飞鸽' is not one of the allowed values (Phone")


def test_text_output_groups_by_file_and_counts(org: Path) -> None:
    add_follow_ups(org, [["ZZ公司", "李明", "2023-11-05", "微信", "报价", "", "", "2023-11-01"]])
    result = CliRunner().invoke(cli, ["validate", str(org), "--today", TODAY])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "华南跟进.xlsx" in lines
    assert any("SB-U001" in line and "跟进记录 › H2" in line for line in lines)
    assert "  SB-U001  错误       1" in lines
    assert lines[-1] == "错误 1 个，警告 0 个，提示 0 个。"


def test_missing_folder_and_empty_folder_exit_2(tmp_path: Path) -> None:
    missing = CliRunner().invoke(cli, ["validate", str(tmp_path / "nope")])
    assert missing.exit_code == 2
    assert "文件夹不存在" in missing.output
    empty = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert empty.exit_code == 2
    assert "没有可读取的工作簿" in empty.output


def test_json_structure_is_documented_and_stable(org: Path) -> None:
    add_follow_ups(org, [["ZZ公司", "李明", "2023-11-05", "微信", "报价", "", "", "2023-11-01"]])
    _, report = validate_json(org)
    assert set(report) == {
        "format",
        "salesbook",
        "folder",
        "period",
        "today",
        "files",
        "counts",
        "by_code",
        "issues",
    }
    assert report["format"] == 1
    assert report["counts"] == {"error": 1, "warning": 0, "info": 0}
    assert report["by_code"] == {"SB-U001": 1}
    assert set(report["issues"][0]) == {
        "code",
        "severity",
        "file",
        "sheet",
        "cell",
        "row",
        "location",
        "message",
        "params",
    }


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_run_writes_issue_workbook_with_links_and_leaves_inputs_alone(
    org: Path, tmp_path: Path
) -> None:
    add_follow_ups(
        org,
        [['=HYPERLINK("http://x")', "李明", "2023-11-05", "微信", "报价", "", "", "2023-11-01"]],
    )
    before = {p: (sha256(p), p.stat().st_mtime_ns) for p in org.rglob("*") if p.is_file()}
    output = tmp_path / "output"
    result = CliRunner().invoke(cli, ["run", str(org), "-o", str(output), "--today", TODAY])
    assert result.exit_code == 1, result.output
    assert {p: (sha256(p), p.stat().st_mtime_ns) for p in org.rglob("*") if p.is_file()} == before
    workbook = openpyxl.load_workbook(output / "问题清单.xlsx")
    sheet = workbook["问题清单"]
    assert [c.value for c in sheet[1]][:3] == ["严重程度", "代码", "文件"]
    row = [c.value for c in sheet[2]]
    assert row[:5] == ["错误", "SB-U001", "华南跟进.xlsx", "跟进记录", "H2"]
    link = sheet.cell(2, 6).hyperlink
    assert link.target == "../workbooks/华南跟进.xlsx#'跟进记录'!H2"
    assert (output / link.target.split("#")[0]).resolve() == (org / "华南跟进.xlsx").resolve()
    assert sheet.freeze_panes == "A2"
    assert "错误 1 个" in result.output
    assert not list(output.glob(".tmp-*"))  # nothing half-written left behind


@pytest.mark.slow
def test_formula_text_from_inputs_stays_text(org: Path, tmp_path: Path) -> None:
    add_follow_ups(org, [["=1+1", "李明", "2023-11-05", "微信", "报价", "", "", "2023-11-01"]])
    # a sheet named like a formula still comes back as plain text in the issue list
    output = tmp_path / "out"
    CliRunner().invoke(cli, ["run", str(org), "-o", str(output), "--today", TODAY])
    sheet = openpyxl.load_workbook(output / "问题清单.xlsx")["问题清单"]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_console_script_runs_as_a_real_process(org: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "salesbook", "validate", str(org), "--json", "--today", TODAY],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["issues"] == []
