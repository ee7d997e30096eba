"""English that is English in the workbooks (issue 13, part 4): `--lang en` names and heads the
summary and the issue list in English; what salesbook adds to a copy of an input speaks the
language of that input's own headers; English messages name a column as the file heads it."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from conftest import FOLLOW_UP_KEYS, TODAY, headers, one_row_log, validate_json, write_book

from salesbook.cli import cli

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def run(folder: Path, output: Path, *args: str) -> None:
    result = CliRunner().invoke(
        cli, ["run", str(folder), "-o", str(output), "--today", TODAY, "--no-pdf", *args]
    )
    assert result.exit_code in (0, 1), result.output


def header_row(sheet, row: int = 1) -> list[str]:
    return [c.value for c in sheet[row] if c.value is not None]


def test_english_run_writes_summary_and_issue_list_in_english(
    seed_org: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    run(seed_org, output, "--lang", "en", "--period", "2023Q4", "--as-of", "2023-11-15")
    assert (output / "summary-2023Q4.xlsx").is_file()
    assert (output / "issues.xlsx").is_file()
    assert not list(output.glob("汇总*"))
    assert not (output / "问题清单.xlsx").exists()

    summary = openpyxl.load_workbook(output / "summary-2023Q4.xlsx")
    assert summary.sheetnames[:3] == ["By region", "By product", "By person"]
    for sheet in summary:
        assert not CJK.search(sheet.title), sheet.title
        for title in header_row(sheet):
            assert not CJK.search(title), (sheet.title, title)
    ranking = {r[1]: r for r in summary["Ranking"].iter_rows(min_row=2, values_only=True)}
    assert ranking["李明"][6] == "Excellent"  # the grade, as an English sheet says it
    person = {r[0]: r for r in summary["By person"].iter_rows(min_row=2, values_only=True)}
    assert person["李明"][8] in ("Ahead", "On track", "Watch", "Behind")

    issues = openpyxl.load_workbook(output / "issues.xlsx")
    assert issues.sheetnames == ["Issues", "Summary"]
    assert header_row(issues["Issues"]) == [
        "Severity",
        "Code",
        "File",
        "Sheet",
        "Cell",
        "Location (click to open)",
        "Message",
    ]

    # the folder is still salesbook's output: a run in either language may replace it
    run(seed_org, output, "--period", "2023Q4", "--as-of", "2023-11-15")
    assert (output / "汇总-2023Q4.xlsx").is_file()
    assert (output / "问题清单.xlsx").is_file()
    assert not (output / "issues.xlsx").exists()
    run(seed_org, output, "--lang", "en", "--period", "2023Q4", "--as-of", "2023-11-15")
    assert (output / "issues.xlsx").is_file()
    assert not (output / "问题清单.xlsx").exists()


def test_added_columns_and_issue_sheet_follow_each_files_headers(org: Path, tmp_path: Path) -> None:
    one_row_log(org / "简体.xlsx", "zh", "传真")
    one_row_log(org / "繁體.xlsx", "zh-Hant", "傳真")
    one_row_log(org / "english.xlsx", "en", "Fax")
    output = tmp_path / "out"
    run(org, output)  # the run itself in Chinese: each copy follows its own headers
    copies = output / "workbooks"

    simplified = openpyxl.load_workbook(copies / "简体.xlsx")
    assert simplified.sheetnames == ["Log", "问题清单"]
    added = header_row(simplified["Log"])[len(FOLLOW_UP_KEYS) :]
    assert added == ["下一步逾期", "客户停滞", "补录", "记录不完整"]
    assert header_row(simplified["问题清单"]) == ["严重程度", "代码", "工作表", "单元格", "说明"]
    assert simplified["问题清单"]["E2"].value.startswith("「沟通方式」")

    traditional = openpyxl.load_workbook(copies / "繁體.xlsx")
    assert traditional.sheetnames == ["Log", "問題清單"]
    added = header_row(traditional["Log"])[len(FOLLOW_UP_KEYS) :]
    assert added == ["下一步逾期", "客戶停滯", "補錄", "記錄不完整"]
    assert header_row(traditional["問題清單"]) == ["嚴重程度", "代碼", "工作表", "儲存格", "說明"]

    english = openpyxl.load_workbook(copies / "english.xlsx")
    assert english.sheetnames == ["Log", "Issues"]
    log = english["Log"]
    added = header_row(log)[len(FOLLOW_UP_KEYS) :]
    assert added == ["next action overdue", "customer stalled", "backfilled", "record incomplete"]
    assert {log.cell(2, c).value for c in range(len(FOLLOW_UP_KEYS) + 1, log.max_column + 1)} <= {
        "yes",
        "no",
    }
    rules = [r.formula for cf in log.conditional_formatting for r in cf.rules]
    assert ['"yes"'] in rules
    assert ['"是"'] not in rules
    assert header_row(english["Issues"]) == ["Severity", "Code", "Sheet", "Cell", "Message"]
    code, message = english["Issues"]["B2"].value, english["Issues"]["E2"].value
    assert code == "SB-V006"
    assert message.startswith("'channel': 'Fax' is not one of the allowed values (Phone, Visit")


def test_english_message_names_the_column_as_the_file_heads_it(
    seed_org: Path, tmp_path: Path
) -> None:
    appraisal = seed_org / "销售业绩评估表.xlsx"
    book = openpyxl.load_workbook(appraisal)
    book.active["C2"] = "约2.9万"  # 实际完成销售额 of 李明
    book.save(appraisal)
    english = seed_org / "appraisal-en.xlsx"
    english_headers = [h.capitalize() for h in headers("appraisal", "en")]  # Actual, as typed
    write_book(english, {"Appraisal": (english_headers, [["王芳", "25万元", "about 20k"]])})

    _, report = validate_json(seed_org, "--lang", "en")
    messages = {
        (i["file"], i["cell"]): i["message"] for i in report["issues"] if i["code"] == "SB-V002"
    }
    assert (
        messages[("销售业绩评估表.xlsx", "C2")]
        == "'实际完成销售额': amount '约2.9万' is not recognisable"
    )
    assert (
        messages[("appraisal-en.xlsx", "C2")] == "'Actual': amount 'about 20k' is not recognisable"
    )
    assert not any("'actual'" in m for m in messages.values())

    _, report = validate_json(seed_org)  # Chinese messages keep the standard header
    zh = {(i["file"], i["cell"]): i["message"] for i in report["issues"] if i["code"] == "SB-V002"}
    assert zh[("销售业绩评估表.xlsx", "C2")] == "「实际完成销售额」的金额「约2.9万」无法识别"
    assert zh[("appraisal-en.xlsx", "C2")] == "「实际完成销售额」的金额「about 20k」无法识别"
