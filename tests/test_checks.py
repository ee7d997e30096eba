"""Each check of SPEC §1 reports its code at the exact cell, through the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import (
    BREAKDOWN_ROWS,
    FOLLOW_UP_KEYS,
    OVERALL_ROWS,
    ROSTER_ROWS,
    found,
    headers,
    validate_json,
    write_book,
)

TARGETS = "销售目标分解表.xlsx"
BREAKDOWN_KEYS = ["overall", "dimension", "target", "owner", "deadline", "standard"]


def write_targets(
    folder: Path,
    overall=OVERALL_ROWS,
    breakdown=BREAKDOWN_ROWS,
    roster=ROSTER_ROWS,
) -> None:
    write_book(
        folder / TARGETS,
        {
            "总体目标": (headers("target_overall"), overall),
            "目标分解": (headers("target_breakdown", keys=BREAKDOWN_KEYS), breakdown),
            "团队名册": (headers("roster"), roster),
        },
    )


def log(folder: Path, name: str, rows: list[list[object]], extra: list[str] = ()) -> None:
    write_book(
        folder / name, {"Sheet1": (headers("follow_up", keys=[*FOLLOW_UP_KEYS, *extra]), rows)}
    )


def per_code(expected: set[tuple[str, str]]) -> pytest.MarkDecorator:
    """One case per code of `expected` (code, location) pairs, named by the code, and one that
    no other code is reported: together, the report's pairs are exactly `expected`."""
    codes = sorted({code for code, _ in expected})
    return pytest.mark.parametrize("code", [*codes, None], ids=[*codes, "nothing-else"])


def check_code(report: dict, expected: set[tuple[str, str]], code: str | None) -> None:
    if code is None:
        assert {c for c, _ in found(report)} == {c for c, _ in expected}
    else:
        assert {p for p in found(report) if p[0] == code} == {p for p in expected if p[0] == code}


TARGET_ISSUES = {
    ("SB-T006", f"{TARGETS} › 总体目标 › E3"),  # start after end
    ("SB-T001", f"{TARGETS} › 目标分解 › C5"),  # non-positive target
    ("SB-T005", f"{TARGETS} › 目标分解 › B6"),  # dimension not 类型-名称
    ("SB-T002", f"{TARGETS} › 目标分解 › D6"),  # owner not in roster
    ("SB-T003", f"{TARGETS} › 目标分解 › E6"),  # deadline outside 2023Q4
    ("SB-T007", f"{TARGETS} › 目标分解 › A7"),  # unknown overall target
    ("SB-T010", f"{TARGETS} › 团队名册 › F6"),  # manager not on the roster
    ("SB-T004", f"{TARGETS} › 团队名册 › A6"),  # active rep without a target (not 周五: left)
    ("SB-T009", f"{TARGETS} › 团队名册 › A8"),  # 李明 twice
}


@per_code(TARGET_ISSUES)
def test_target_checks(org: Path, code: str | None) -> None:
    write_targets(
        org,
        overall=[*OVERALL_ROWS, ["新客户开发", "30个", "个", "2023Q4", "2023-12-31", "2023-10-01"]],
        breakdown=[
            *BREAKDOWN_ROWS,
            ["季度销售额100万元", "产品-产品A", "0", "李经理", "2023年12月31日", ""],
            ["季度销售额100万元", "华南区域", "10万元", "赵六", "2024年1月15日", ""],
            ["年度利润500万元", "区域-华东", "10万元", "李经理", "2023-12-31", ""],
        ],
        roster=[
            *ROSTER_ROWS,
            ["陈晨", "S004", "销售代表", "华东", "华东一组", "张三", "2023-01-01", "", "在职"],
            ["周五", "S005", "销售代表", "华东", "华东一组", "李经理", "2023-01-01", "", "离职"],
            ["李明", "S006", "销售代表", "华南", "", "李经理", "2023-01-01", "", "在职"],
        ],
    )
    status, report = validate_json(org)
    assert status == 1
    check_code(report, TARGET_ISSUES, code)


FOLLOW_UP_ISSUES = {
    ("SB-U002", "华南.xlsx › Sheet1 › C2"),
    ("SB-U003", "华南.xlsx › Sheet1 › C3"),
    ("SB-U006", "华南.xlsx › Sheet1 › I4"),
    ("SB-U005", "华南.xlsx › Sheet1 › A4"),
}


@per_code(FOLLOW_UP_ISSUES)
def test_follow_up_checks(org: Path, code: str | None) -> None:
    first = [
        "科技公司",
        "李明",
        "2023-10-10",
        "电话",
        "询问产品A参数及供货周期",
        "需定制化功能",
        "发送方案报价单",
        "2023-10-15",
        "2023-10-09",
    ]
    log(
        org,
        "华南.xlsx",
        [
            ["甲公司", "李明", "2026-12-01", "电话", "约见", "", "", ""],  # future
            ["乙公司", "李明", "2023-09-20", "微信", "寒暄", "", "", ""],  # before 2023Q4
            first,  # same as the first row of the 华东 log: a duplicate across files; entered early
        ],
        extra=["entered"],
    )
    status, report = validate_json(org)
    assert status == 1
    check_code(report, FOLLOW_UP_ISSUES, code)
    if code == "SB-U005":
        duplicate = next(i for i in report["issues"] if i["code"] == "SB-U005")
        assert "10月跟进记录-华东(终版2).xlsx › Sheet1 › A2" in duplicate["message"]


VALUE_AND_HEADER_ISSUES = {
    ("SB-V001", "华南.xlsx › Sheet1 › A2"),
    ("SB-V005", "华南.xlsx › Sheet1 › C3"),
    ("SB-V006", "华南.xlsx › Sheet1 › D3"),
    ("SB-V009", "华南.xlsx › Sheet1 › B4"),
    ("SB-V002", "评估.xlsx › 评估 › B2"),
    ("SB-V003", "评估.xlsx › 评估 › D2"),
    ("SB-V006", "评估.xlsx › 评估 › E2"),
    ("SB-H002", "评估.xlsx › 说明"),
    ("SB-H001", "缺列.xlsx › Sheet1 › 第1行"),  # no 沟通内容摘要 column
    ("SB-H003", "缺列.xlsx › Sheet1 › E1"),  # 负责人 twice
}


@per_code(VALUE_AND_HEADER_ISSUES)
def test_value_and_header_checks(org: Path, code: str | None) -> None:
    log(
        org,
        "华南.xlsx",
        [
            ["", "李明", "2023-10-12", "电话", "约见", "", "", ""],  # required customer empty
            ["丙公司", "李明", "十月中旬", "钉钉", "约见", "", "", ""],  # bad date, unknown channel
            ["丁公司", "*", "2023-10-12", "電話", "約見", "", "", ""],  # placeholder; 電話 is 电话
        ],
    )
    write_book(
        org / "评估.xlsx",
        {
            "评估": (
                headers("appraisal", keys=["name", "target", "actual", "attainment", "grade"]),
                [["李明", "约30万", "33万元", "一百一十", "A+"]],
            ),
            "说明": (["这是说明", "没有表头"], []),
        },
    )
    write_book(
        org / "缺列.xlsx",
        {
            "Sheet1": (
                ["客户名称", "负责人", "跟进日期", "沟通方式", "负责人"],
                [["戊公司", "李明", "2023-10-12", "微信", "王芳"]],
            )
        },
    )
    status, report = validate_json(org)
    assert status == 1
    check_code(report, VALUE_AND_HEADER_ISSUES, code)
    if code == "SB-V005":
        bad_date = next(i for i in report["issues"] if i["code"] == "SB-V005")
        assert bad_date["message"] == "「跟进日期」的日期「十月中旬」无法识别"


APPRAISAL_HEALTH_REVIEW_PLAN_ISSUES = {
    ("SB-P001", "评估.xlsx › 评估 › A3"),
    ("SB-P002", "评估.xlsx › 评估 › A4"),
    ("SB-M002", "健康度.xlsx › 监控 › D3"),
    ("SB-M001", "健康度.xlsx › 数据 › B3"),
    ("SB-R001", "复盘.xlsx › 复盘 › C2"),
    ("SB-R002", "复盘.xlsx › 复盘 › E2"),
    ("SB-R002", "复盘.xlsx › 复盘 › E3"),
    ("SB-R003", "计划.xlsx › 计划 › D2"),
}


@per_code(APPRAISAL_HEALTH_REVIEW_PLAN_ISSUES)
def test_appraisal_health_review_and_plan_checks(org: Path, code: str | None) -> None:
    write_book(
        org / "评估.xlsx",
        {
            "评估": (
                headers("appraisal", keys=["name", "target", "actual"]),
                [["李明", "30万", "33万"], ["孙七", "20万", "10万"], ["李明", "30万", "33万"]],
            )
        },
    )
    write_book(
        org / "健康度.xlsx",
        {
            "监控": (
                headers("health_monitoring"),
                [
                    ["流程效率", "平均销售周期", "≤90天", ">120天", ""],
                    ["流程质量", "需求匹配度", "≥80%", ">60%", ""],
                ],
            ),
            "数据": (
                headers("health_data", keys=["period", "indicator", "value"]),
                [["2023Q4", "平均销售周期", "85天"], ["2023Q4", "神秘指标", "3"]],
            ),
        },
    )
    write_book(
        org / "复盘.xlsx",
        {
            "复盘": (
                headers("review_items"),
                [
                    ["措施", "成立大客户专项小组", "", "2023-11-30", "进行中"],
                    ["措施", "增加信息同步人列", "李明", "2023-11-15", "进行中"],
                ],
            )
        },
    )
    write_book(
        org / "计划.xlsx",
        {
            "计划": (
                headers("sales_plan", keys=["owner", "period", "key_customer", "planned_visits"]),
                [["李明", "2023-10", "YY集团", "0"]],
            )
        },
    )
    _, report = validate_json(org)
    check_code(report, APPRAISAL_HEALTH_REVIEW_PLAN_ISSUES, code)


def test_period_option_changes_what_is_outside(org: Path) -> None:
    _, report = validate_json(org, "--period", "2023-11")
    assert ("SB-U003", "10月跟进记录-华东(终版2).xlsx › Sheet1 › C2") in found(report)
    assert report["period"] == "2023-11"
