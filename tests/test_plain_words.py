"""Issue 13 §3 and §5: the company's name or a clear warning, and words an admin understands."""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from conftest import validate_json, write_company

from salesbook.cli import cli
from salesbook.config import SETTINGS, commented_toml, load_config
from salesbook.issues import CODES
from salesbook.schemas import APPRAISAL, FOLLOW_UP, ROSTER, TARGET_BREAKDOWN, TARGET_OVERALL

SAMPLE = Path(__file__).resolve().parent.parent / "workbooks"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


# --- §3 the company's name ---------------------------------------------------------------------


def test_run_warns_sb_c005_without_a_company_and_says_how_to_set_it(
    org: Path, tmp_path: Path
) -> None:
    (org / "salesbook.toml").unlink()
    code, output = invoke(
        "run", str(org), "-o", str(tmp_path / "out"), "--no-pdf", "-q", "--today", "2026-11-25"
    )
    assert code == 0, output  # a warning, not an error
    assert "SB-C005" in output
    assert 'company = "贵公司全称"' in output  # the line to write, in full, not only a count
    assert "salesbook.toml" in output
    code, report = validate_json(org)
    assert code == 0
    assert [(i["code"], i["file"]) for i in report["issues"]] == [("SB-C005", "salesbook.toml")]


def test_no_warning_once_the_company_is_set(org: Path, tmp_path: Path) -> None:
    write_company(org, "华信科技有限公司")
    code, output = invoke(
        "run", str(org), "-o", str(tmp_path / "out"), "--no-pdf", "-q", "--today", "2026-11-25"
    )
    assert code == 0, output
    assert "SB-C005" not in output
    # the placeholder written out by hand is still no company
    write_company(org, "（公司名称）")
    _, report = validate_json(org)
    assert "SB-C005" in report["by_code"]


def test_init_leaves_the_company_commented_so_the_warning_stays(tmp_path: Path) -> None:
    invoke("init", str(tmp_path))
    text = (tmp_path / "salesbook.toml").read_text(encoding="utf-8")
    assert '# company = "示例有限公司"' in text  # an example to edit, not yet in effect
    assert "company" not in tomllib.loads(text)
    config, issues = load_config(tmp_path)
    assert issues == []
    assert config.company == "（公司名称）"
    _, report = validate_json(tmp_path)
    assert "SB-C005" in report["by_code"]
    # Done as the comment says: the warning goes.
    (tmp_path / "salesbook.toml").write_text(
        text.replace('# company = "示例有限公司"', 'company = "华信科技有限公司"'), encoding="utf-8"
    )
    assert load_config(tmp_path)[0].company == "华信科技有限公司"
    _, report = validate_json(tmp_path)
    assert "SB-C005" not in report["by_code"]


def test_demo_and_the_sample_folder_name_a_company(tmp_path: Path) -> None:
    invoke("demo", str(tmp_path / "demo"))
    config, issues = load_config(tmp_path / "demo")
    assert issues == []
    assert config.company == "示例科技有限公司"
    # the sample folder's settings are exactly what demo writes
    assert (SAMPLE / "salesbook.toml").read_bytes() == (
        tmp_path / "demo" / "salesbook.toml"
    ).read_bytes()
    assert (
        commented_toml(company="示例科技有限公司").encode()
        == (SAMPLE / "salesbook.toml").read_bytes()
    )


# --- §5 words an admin understands ---------------------------------------------------------------


def test_no_internal_wording_in_messages_or_setting_help() -> None:
    texts = [t.zh for t in CODES.values()] + [t.en for t in CODES.values()]
    texts += [s.help_zh for s in SETTINGS] + [s.help_en for s in SETTINGS]
    for text in texts:
        assert "种子" not in text, text
        assert not re.search(r"\bseed\b", text, re.I), text
    assert "种子" not in commented_toml()


def test_chinese_messages_quote_with_corner_brackets() -> None:
    # ASCII quotes stay only where they are TOML to type (company = "…", templates = "…").
    for issue in CODES.values():
        text = re.sub(r'\w+ = "[^"]*"', "", issue.zh)
        assert not re.search(r"['\"“”]", text), issue.code
    code, output = invoke("validate", "x", "--period", "2026-13")
    assert code == 2
    assert "「2026-13」" in output


def test_init_rows_are_in_the_current_quarter_with_example_names(tmp_path: Path) -> None:
    folder = tmp_path / "init"
    invoke("init", str(folder), "--period", "2026Q4")
    targets = openpyxl.load_workbook(folder / "销售目标分解表.xlsx")
    overall = [row for row in targets[TARGET_OVERALL.zh].iter_rows(min_row=2, values_only=True)]
    assert [row[3] for row in overall] == ["2026Q4", "2026Q4"]
    assert overall[0][4:6] == (dt.datetime(2026, 10, 1), dt.datetime(2026, 12, 31))
    breakdown = list(targets[TARGET_BREAKDOWN.zh].iter_rows(min_row=2, values_only=True))
    assert [row[3] for row in breakdown] == ["张伟", "李四", "张三"]
    assert breakdown[2][1] == "个人-张三"
    assert {row[4] for row in breakdown} == {"2026年12月31日"}
    roster = [row[0] for row in targets[ROSTER.zh].iter_rows(min_row=2, values_only=True)]
    assert roster == ["张伟", "张三", "李四"]
    follow_up = openpyxl.load_workbook(folder / "客户跟进记录表.xlsx")[FOLLOW_UP.zh]
    assert [(r[1], r[2]) for r in follow_up.iter_rows(min_row=2, values_only=True)] == [
        ("张三", dt.datetime(2026, 10, 10)),
        ("李四", dt.datetime(2026, 10, 11)),
    ]
    appraisal = openpyxl.load_workbook(folder / "销售业绩评估表.xlsx")[APPRAISAL.zh]
    assert [r[0] for r in appraisal.iter_rows(min_row=2, values_only=True)] == ["张三", "李四"]
    for path in folder.glob("*.xlsx"):  # no `*` placeholder and no 2023 left anywhere
        for sheet in openpyxl.load_workbook(path):
            for row in sheet.iter_rows(min_row=2, values_only=True):
                for value in row:
                    assert "*" not in str(value or ""), (path.name, row)
                    assert "2023" not in str(value or ""), (path.name, row)
    # What validate reports on a fresh folder: no company yet, and the one example action that is
    # 进行中 past its due date (2026-11-15) on 2026-11-25; no "fill in a real name", no errors.
    code, report = validate_json(folder)
    assert code == 0
    assert report["by_code"] == {"SB-C005": 1, "SB-R002": 1}


def test_init_defaults_to_the_clock_quarter(tmp_path: Path) -> None:
    invoke("init", str(tmp_path))
    today = dt.date.today()
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    sheet = openpyxl.load_workbook(tmp_path / "销售目标分解表.xlsx")[TARGET_OVERALL.zh]
    assert sheet["D2"].value == quarter
    code, output = invoke("init", str(tmp_path / "m"), "--period", "2026-10")
    assert code == 2
    assert "2026Q4" in output
    assert not (tmp_path / "m").exists()


def test_verify_names_the_folder_and_the_count(org: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    invoke("run", str(org), "-o", str(output), "--no-pdf", "-q", "--today", "2026-11-25")
    count = len(json.loads((output / "manifest.json").read_text(encoding="utf-8"))["outputs"])
    code, text = invoke("verify", str(output))
    assert code == 0
    assert f"已核对 {output} 中清单所列的 {count} 个文件，与清单一致" in text
    code, text = invoke("verify", str(output), "--lang", "en")
    assert f"Checked the {count} files the manifest lists in {output}" in text
    next(output.rglob("*.xlsx")).write_bytes(b"changed")
    code, text = invoke("verify", str(output))
    assert code == 1
    assert f"已核对 {output} 中清单所列的 {count} 个文件，与清单不符：改动 1" in text
