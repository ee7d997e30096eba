"""Issue 14: exports as CRMs write them are read as they are (headers, values, dates, amounts),
an export salesbook cannot place is a warning that points at the mapping, and a mapping in
salesbook.toml makes such an export readable.

The exports are made by tests/crm_exports.py (WukongCRM, ruoyi/jeecg, CordysCRM, Zoho,
Salesforce layouts) in .xlsx, .xls and .csv; every assertion reads salesbook's own answer
(the JSON of `validate`, or the table it read) against the rows the builder wrote.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import validate_json, write_company
from crm_exports import (
    FOREIGN_AMOUNT,
    UNMAPPED_DATE_HEADER,
    cordys_follow_ups,
    jeecg_follow_up_rows,
    jeecg_follow_ups,
    salesforce_opportunities,
    salesforce_opportunity_rows,
    target_completion,
    unknown_export,
    wukong_follow_up_rows,
    wukong_follow_ups,
    wukong_follow_ups_unmapped,
    wukong_opportunities,
    zoho_activities,
    zoho_activity_rows,
)

from salesbook.batch import load
from salesbook.cli import cli
from salesbook.read import Book

FORMATS = ("xlsx", "xls", "csv")
FOLLOW_UP_EXPORTS = (wukong_follow_ups, jeecg_follow_ups, cordys_follow_ups)


def _folder(tmp_path: Path, settings: str = "") -> Path:
    folder = tmp_path / "drop"
    folder.mkdir()
    write_company(folder)
    if settings:
        with (folder / "salesbook.toml").open("a", encoding="utf-8") as file:
            file.write(settings)
    return folder


def _book(folder: Path) -> Book:
    return load(folder, jobs=1).book


def _codes(report: dict, *codes: str) -> list[dict]:
    return [i for i in report["issues"] if i["code"] in codes]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("build", FOLLOW_UP_EXPORTS, ids=lambda b: b.__name__)
def test_chinese_crm_follow_up_exports_read_without_missing_columns(
    tmp_path: Path, build, fmt: str
) -> None:
    folder = _folder(tmp_path)
    path = build(folder, fmt)
    status, report = validate_json(folder)
    # no missing column, no channel or date that could not be read, no unrecognised file
    bad = _codes(report, "SB-H001", "SB-V005", "SB-V006", "SB-F005", "SB-H006", "SB-H002")
    assert bad == []
    table = _book(folder).table("follow_up")
    assert table is not None
    assert len(table) > 0
    assert all(table.dates("date"))
    assert all(table.texts("summary"))
    assert set(table.texts("channel")) <= {
        "电话",
        "上门拜访",
        "微信",
        "邮件",
        "视频会议",
        "短信",
        "活动",
    }
    # how the export was read is said once for the file
    notes = _codes(report, "SB-H005")
    assert [n["file"] for n in notes] == [path.name]
    assert status == 0


def test_wukong_follow_ups_owner_is_who_followed_up_and_type_is_not_channel(
    tmp_path: Path,
) -> None:
    folder = _folder(tmp_path)
    wukong_follow_ups(folder, "xlsx")
    header, rows = wukong_follow_up_rows()
    table = _book(folder).table("follow_up")
    assert table is not None
    by = header.index("跟进人")
    assert table.texts("owner") == [row[by] for row in rows]  # not 负责人
    # 打电话 -> 电话, 见面拜访 -> 上门拜访, 微信沟通 -> 微信, 发邮件 -> 邮件, 发短信 -> 短信
    spoken = {"打电话": "电话", "见面拜访": "上门拜访", "微信沟通": "微信", "发邮件": "邮件"}
    spoken["发短信"] = "短信"
    channel = header.index("跟进方式")
    assert table.texts("channel") == [spoken[row[channel]] for row in rows]
    # `2026-09-01 09:30:00` text: its date part
    assert table.dates("date")[0] == dt.date(2026, 9, 1)
    # 赢单 is a signing (合同签订), 输单 the lost outcome; ¥ amounts exact
    stages = dict(zip(table.texts("customer"), table.texts("stage"), strict=True))
    assert "合同签订" in table.texts("stage")
    assert "输单" in table.texts("stage")
    assert stages  # customers present
    assert Decimal("120000.00") in table.decimals("deal_value")
    _, report = validate_json(folder)
    note = _codes(report, "SB-H005")[0]
    assert "「跟进人」→「负责人」" in note["message"]
    assert "跟进类型" not in note["message"]


def test_title_rows_above_the_header_are_skipped(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    jeecg_follow_ups(folder, "xlsx")
    table = _book(folder).table("follow_up")
    assert table is not None
    assert table.sources[0].header_row == 3
    _, rows = jeecg_follow_up_rows()
    assert len(table) == len(rows)
    assert table.location(0, "customer").cell == "A4"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_us_dates_are_an_error_until_the_setting_says_so(tmp_path: Path, fmt: str) -> None:
    folder = _folder(tmp_path)
    zoho_activities(folder, fmt)
    status, report = validate_json(folder)
    ambiguous = _codes(report, "SB-V017")
    _, rows = zoho_activity_rows()
    assert len(ambiguous) == len(rows)
    assert status == 1
    assert "us_dates = true" in ambiguous[0]["message"]

    (folder / "salesbook.toml").write_text(
        'company = "测试有限公司"\n[read]\nus_dates = true\n', encoding="utf-8"
    )
    status, report = validate_json(folder)
    assert _codes(report, "SB-V017", "SB-V005", "SB-H001", "SB-V006") == []
    table = _book(folder).table("follow_up")
    assert table is not None
    assert table.dates("date")[0] == dt.date(
        2026, int(rows[0][3].split("/")[0]), int(rows[0][3].split("/")[1])
    )
    assert set(table.texts("channel")) <= {"电话", "邮件", "上门拜访", "活动"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_opportunity_exports_are_their_own_kind(tmp_path: Path, fmt: str) -> None:
    folder = _folder(tmp_path, "[read]\nus_dates = true\n")
    wukong_opportunities(folder, fmt)
    salesforce_opportunities(folder, fmt)
    status, report = validate_json(folder)
    assert _codes(report, "SB-H001", "SB-V006", "SB-F005", "SB-H006") == []
    table = _book(folder).table("opportunity")
    assert table is not None
    stages = set(table.texts("stage"))
    assert {"合同签订", "输单", "商务谈判"} <= stages  # 赢单/Closed Won, 输单/无效/Closed Lost
    # USD is an issue at its cell, never read as yuan; CNY amounts are exact
    foreign = _codes(report, "SB-V016")
    assert [i["params"]["raw"] for i in foreign] == [FOREIGN_AMOUNT]
    assert "USD" in foreign[0]["message"]
    assert status == 1
    _, rows = salesforce_opportunity_rows()
    cny = [r for r in rows if str(r[4]).startswith("CNY")]
    read = {a for a in table.decimals("amount") if a is not None}
    assert {Decimal(str(r[4])[4:].replace(",", "")) for r in cny} <= read
    assert Decimal("5000") not in read
    assert Decimal("5000.00") not in read


def test_completion_rate_in_points_is_read_by_its_header(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    target_completion(folder, "xlsx")
    table = _book(folder).table("target_completion")
    assert table is not None
    rates = table.decimals("rate")
    assert Decimal("0.855") in rates
    assert Decimal("0.025") in rates
    assert all(r is None or r <= Decimal("1.5") for r in rates)  # never 250 %


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_unknown_export_is_a_warning_naming_its_headers(tmp_path: Path, fmt: str) -> None:
    folder = _folder(tmp_path)
    path = unknown_export(folder, fmt)
    status, report = validate_json(folder)
    warned = _codes(report, "SB-H006")
    assert [w["file"] for w in warned] == [path.name]
    assert warned[0]["severity"] == "warning"
    assert warned[0]["row"] == 1
    assert "发票号码" in warned[0]["message"]
    assert "[columns." in warned[0]["message"]
    assert _codes(report, "SB-F005") == []  # not the old info-level hint
    assert status == 0  # a warning: the rest of the run goes on


def test_a_mapping_makes_an_unknown_header_readable(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    wukong_follow_ups_unmapped(folder, "xlsx")
    status, report = validate_json(folder)
    missing = _codes(report, "SB-H001")
    assert len(missing) == 1
    assert "[columns.follow_up]" in missing[0]["message"]
    assert status == 1

    (folder / "salesbook.toml").write_text(
        f'company = "测试有限公司"\n[columns.follow_up]\n"{UNMAPPED_DATE_HEADER}" = "date"\n',
        encoding="utf-8",
    )
    status, report = validate_json(folder)
    assert _codes(report, "SB-H001", "SB-C006") == []
    assert status == 0
    note = _codes(report, "SB-H005")[0]
    assert f"「{UNMAPPED_DATE_HEADER}」→「跟进日期」（按设置）" in note["message"]
    table = _book(folder).table("follow_up")
    assert table is not None
    assert all(table.dates("date"))


def test_a_value_mapping_names_a_channel(tmp_path: Path) -> None:
    folder = _folder(tmp_path, '[values.channel]\n"饭局聚会" = "上门拜访"\n')
    header, rows = wukong_follow_up_rows()
    rows[0][header.index("跟进方式")] = "饭局聚会"
    from crm_exports import write_export

    write_export(folder, "跟进", "xlsx", "跟进记录", header, rows)
    _, report = validate_json(folder)
    assert _codes(report, "SB-V006", "SB-C006") == []
    table = _book(folder).table("follow_up")
    assert table is not None
    assert table.texts("channel")[0] == "上门拜访"


def test_a_mapping_that_names_nothing_is_a_settings_issue_at_its_line(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        '[columns.follow_up]\n"拜访日期" = "no_such_column"\n'
        '[columns.invoices]\n"发票号码" = "name"\n'
        '[values.channel]\n"饭局聚会" = "吃饭"\n',
    )
    wukong_follow_ups(folder, "xlsx")
    _, report = validate_json(folder)
    refused = {(i["row"], i["params"]["key"]) for i in _codes(report, "SB-C006")}
    assert refused == {
        (3, "columns.follow_up.拜访日期"),
        (4, "columns.invoices"),
        (7, "values.channel.饭局聚会"),
    }


def test_init_writes_the_mapping_section_commented(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "new")])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "new" / "salesbook.toml").read_text(encoding="utf-8")
    assert "# [columns.follow_up]" in text
    assert '# "拜访日期" = "date"' in text
    assert "# [values.channel]" in text
    assert "\nus_dates = false" in text
