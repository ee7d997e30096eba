"""Follow-up state at the as-of date (SPEC §4): overdue, stale and 待重新分配 over every customer;
plans for their own 计划周期; new signings; duplicate rows and unknown channels counted once."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import (
    FOLLOW_UP_KEYS,
    TODAY,
    follow_up_row,
    headers,
    validate_json,
    write_book,
    write_targets,
)

import salesbook
from salesbook.cli import cli
from salesbook.values import parse_period

LOG_KEYS = [*FOLLOW_UP_KEYS, "stage"]
ROSTER = [
    ["王总", "S000", "销售总监", "", "", "", "2019-01-01", "", "在职"],
    ["李经理", "S001", "区域经理", "华东", "华东一组", "王总", "2020-03-01", "", "在职"],
    ["李明", "S002", "销售代表", "华东", "华东一组", "李经理", "2021-05-01", "", "在职"],
    ["王芳", "S003", "销售代表", "华东", "华东一组", "李经理", "2022-07-01", "", "在职"],
    ["赵离", "S004", "销售代表", "华东", "华东一组", "李经理", "2020-01-01", "", "离职"],
]


def log_row(
    customer: str,
    owner: str,
    day: str,
    stage: str | None = None,
    due: str | None = None,
    channel: str = "电话",
    summary: str | None = None,
) -> list[object]:
    """A complete follow-up row (every column of the seed template filled) and its stage."""
    return [*follow_up_row(customer, owner, day, due, channel, summary), stage]


def make_folder(
    tmp_path: Path,
    rows: list[list[object]],
    standards: tuple[str, str] = ("", ""),
    plans: list[list[object]] | None = None,
    extra_logs: dict[str, list[list[object]]] | None = None,
) -> Path:
    folder = tmp_path / "workbooks"
    write_targets(
        folder / "销售目标分解表.xlsx",
        [
            ["季度销售额", "100万元", "元", "2023Q4", "2023-10-01", "2023-12-31"],
            ["新客户开发", "16", "个", "2023Q4", "2023-10-01", "2023-12-31"],
        ],
        [
            ["季度销售额100万元", "个人-李明", "50万元", "李明", "2023年12月31日", ""],
            ["季度销售额100万元", "个人-王芳", "50万元", "王芳", "2023年12月31日", ""],
            ["新客户开发16个", "个人-李明", "8个", "李明", "2023年12月31日", standards[0]],
            ["新客户开发16个", "个人-王芳", "8个", "王芳", "2023年12月31日", standards[1]],
        ],
        ROSTER,
    )
    write_book(folder / "跟进记录-华东.xlsx", {"跟进": (headers("follow_up", keys=LOG_KEYS), rows)})
    for name, more in (extra_logs or {}).items():
        write_book(folder / name, {"跟进": (headers("follow_up", keys=LOG_KEYS), more)})
    if plans is not None:
        write_book(
            folder / "销售计划表.xlsx",
            {
                "计划": (
                    headers(
                        "sales_plan", keys=["owner", "period", "key_customer", "planned_visits"]
                    ),
                    plans,
                )
            },
        )
    return folder


def figures_of(folder: Path, period: str, as_of: str):
    return salesbook.load(folder, jobs=1).compute(
        parse_period(period), dt.date.fromisoformat(as_of)
    )


def run_cli(folder: Path, output: Path, *args: str) -> dict:
    result = CliRunner().invoke(
        cli, ["run", str(folder), "-o", str(output), "--today", TODAY, "--jobs", "1", *args]
    )
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return json.loads((output / "figures.json").read_text(encoding="utf-8"))["figures"]


def sheet_rows(path: Path, title: str) -> list[dict[str, object]]:
    sheet = openpyxl.load_workbook(path)[title]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


# --- overdue and stale: every customer, at the as-of date --------------------------------------


def test_a_customer_not_followed_up_in_the_period_is_still_overdue_and_stale(
    tmp_path: Path,
) -> None:
    folder = make_folder(
        tmp_path,
        [
            log_row("老客户甲", "李明", "2023-09-20", "商务谈判", due="2023-09-28"),
            log_row("新客户乙", "王芳", "2023-10-30", "需求诊断", due="2023-11-03"),
        ],
    )
    figures = figures_of(folder, "2023-10", "2023-10-31")
    status = {c.customer: c for c in figures.follow_ups.customers}
    old = status["老客户甲"]  # nothing in October: today's question is exactly about this one
    assert (old.in_period, old.overdue, old.stale) == (False, True, True)
    assert old.last_date == dt.date(2023, 9, 20)
    li = figures.follow_ups.reps["李明"]
    assert (li.follow_ups, li.overdue, li.stale) == (0, 1, 1)
    assert figures.follow_ups.totals["overdue"] == 1
    # the quarter-to-date figures are the same state at the same date
    assert figures.to_date["quarter"]["follow_ups"]["overdue"] == 1


@pytest.mark.parametrize(
    ("as_of", "overdue", "stale"),
    [
        ("2023-10-26", False, False),  # due on the as-of date; 3 working days: not more than 3
        ("2023-10-27", True, True),  # due the day before; 4 working days
    ],
)
def test_overdue_and_stale_boundaries(
    tmp_path: Path, as_of: str, overdue: bool, stale: bool
) -> None:
    folder = make_folder(
        tmp_path,
        [
            log_row("丙公司", "李明", "2023-10-23", "方案呈现", due="2023-10-26"),
            log_row("丁公司", "李明", "2023-10-23", "合同签订", due="2023-10-26"),
        ],
    )
    status = {c.customer: c for c in figures_of(folder, "2023-10", as_of).follow_ups.customers}
    assert (status["丙公司"].overdue, status["丙公司"].stale) == (overdue, stale)
    # a signed customer is past the opportunity stage: never stale, but its next action can be late
    assert (status["丁公司"].overdue, status["丁公司"].stale) == (overdue, False)


@pytest.mark.slow
def test_customers_of_reps_who_left_are_listed_for_reassignment(tmp_path: Path) -> None:
    folder = make_folder(
        tmp_path,
        [
            log_row("锦程电气", "赵离", "2023-09-15", "商务谈判", due="2023-09-20"),
            log_row("无名公司", "陌生人", "2023-10-09", "线索获取", due="2023-11-20"),
            log_row("新客户乙", "王芳", "2023-10-30", "需求诊断", due="2023-11-03"),
        ],
    )
    output = tmp_path / "out"
    figures = run_cli(folder, output, "--period", "2023-10", "--as-of", "2023-10-31")
    reassign = {c["customer"]: c for c in figures["follow_ups"]["reassign"]}
    assert set(reassign) == {"锦程电气", "无名公司"}
    left = reassign["锦程电气"]
    assert (left["owner"], left["reassign"], left["last_date"]) == ("赵离", "left", "2023-09-15")
    # 国庆 2023: 9-29..10-6 off, 10-7 and 10-8 worked: 9 + 19 working days after 9-15
    assert left["idle_days"] == 28
    assert (left["overdue"], left["stale"]) == (True, True)
    assert reassign["无名公司"]["reassign"] == "not_on_roster"
    assert (reassign["无名公司"]["overdue"], reassign["无名公司"]["stale"]) == (False, True)
    assert figures["follow_ups"]["reps"]["赵离"]["overdue"] == 1

    summary = sheet_rows(output / "汇总-2023-10.xlsx", "待重新分配")
    assert [(r["客户名称"], r["原负责人"], r["原因"], r["距今工作日"]) for r in summary] == [
        ("锦程电气", "赵离", "负责人已离职", 28),  # the longest without a follow-up first
        ("无名公司", "陌生人", "负责人不在团队名册", 16),
    ]
    assert (summary[0]["下一步逾期"], summary[0]["客户停滞"]) == ("是", "是")

    review = subprocess.run(
        ["pdftotext", str(output / "销售复盘报告-2023-10.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flat = "".join(review.split())
    assert "待重新分配客户" in flat
    for text in ("锦程电气", "负责人已离职", "共2个客户"):
        assert text in flat


# --- plans count for their own 计划周期 ------------------------------------------------------------

PLANS = [
    ["李明", "2023-10", "甲公司", 2],
    ["李明", "2023-11", "甲公司", 3],  # not October's
    ["李明", "2023Q4", "乙公司", 1],  # quarterly: 1 a month, once in October, 3 in the quarter
    ["李明", "2023-09", "丙公司", 5],  # another quarter: never
]
PLAN_LOG = [
    log_row("甲公司", "李明", "2023-10-10", "需求诊断", channel="上门拜访"),
    log_row("甲公司", "李明", "2023-11-06", "方案呈现", channel="上门拜访"),
    log_row("甲公司", "李明", "2023-11-20", "方案呈现", channel="上门拜访"),
    log_row("乙公司", "李明", "2023-11-08", "线索培育", channel="上门拜访"),
    log_row("丁公司", "李明", "2023-10-11", "线索获取", channel="上门拜访"),  # not a key customer
]


def test_plans_count_in_their_own_months(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, PLAN_LOG, plans=PLANS)
    october = figures_of(folder, "2023-10", "2023-10-31")
    rows = [(p.customer, p.period, p.planned, p.visits) for p in october.plans]
    assert rows == [("甲公司", "2023-10", 2, 1), ("乙公司", "2023-10", 1, 0)]
    li = october.follow_ups.reps["李明"]
    assert (li.visits, li.planned_visits, li.plan_visits) == (2, 3, 1)
    assert [i.params["customer"] for i in october.issues if i.code == "SB-R004"] == ["乙公司"]

    quarter = figures_of(folder, "2023Q4", "2023-12-31")
    rows = [(p.customer, p.period, p.planned, p.visits) for p in quarter.plans]
    assert rows == [
        ("甲公司", "2023-10", 2, 1),
        ("甲公司", "2023-11", 3, 2),  # November's visits count against November's plan only
        ("乙公司", "2023Q4", 3, 1),
    ]
    li = quarter.follow_ups.reps["李明"]
    assert (li.planned_visits, li.plan_visits) == (8, 4)


def test_summary_plan_sheet_and_discipline_sheet_agree(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, PLAN_LOG, plans=PLANS)
    output = tmp_path / "out"
    figures = run_cli(folder, output, "--period", "2023Q4", "--as-of", "2023-12-31", "--no-pdf")
    plans = sheet_rows(output / "汇总-2023Q4.xlsx", "计划执行")
    discipline = {r["负责人"]: r for r in sheet_rows(output / "汇总-2023Q4.xlsx", "跟进纪律")}
    assert sum(r["计划拜访"] for r in plans) == discipline["李明"]["计划拜访"] == 8
    assert sum(r["实际拜访"] for r in plans) == discipline["李明"]["计划内已拜访"] == 4
    assert figures["follow_ups"]["reps"]["李明"]["planned_visits"] == 8


# --- new signings ------------------------------------------------------------------------------


def test_new_signings_and_conversion_follow_one_rule(tmp_path: Path) -> None:
    folder = make_folder(
        tmp_path,
        [
            log_row("C1", "李明", "2023-09-15", "商务谈判"),
            log_row("C1", "李明", "2023-10-10", "合同签订"),  # earlier stage before: new
            log_row("C2", "李明", "2023-10-12", "合同签订"),  # first record 合同签订: new
            log_row("C3", "李明", "2023-10-05", "履约交付"),  # existing customer
            log_row("C4", "李明", "2023-10-06", "售后跟进"),  # existing customer
            log_row("C5", "李明", "2023-09-20", "合同签订"),  # signed last quarter
            log_row("C5", "李明", "2023-10-16", "履约交付"),
            log_row("W1", "王芳", "2023-10-02", "线索获取"),
            log_row("W1", "王芳", "2023-10-20", "合同签订"),
            log_row("W2", "王芳", "2023-10-03", "需求诊断"),
            log_row("W3", "王芳", "2023-10-04", "履约交付"),  # existing: not a prospect
        ],
        standards=("新客户签约≥2个", "客户转化率≥50%"),
    )
    figures = figures_of(folder, "2023-10", "2023-10-31")
    li, wang = (
        next(t for t in figures.targets if t.name == n and t.unit == "个") for n in ("李明", "王芳")
    )
    assert (li.standard.value, li.standard.met) == (2, True)  # C1, C2; not C3, C4, C5
    assert (wang.standard.value, wang.standard.met) == (Decimal("0.5"), True)  # W1 of W1, W2
    funnel = {f["stage"]: f["customers"] for f in figures.follow_ups.funnel}
    assert funnel["合同签订"] == 3  # the month's new signings: C1, C2, W1
    assert funnel["线索获取"] == 4  # the prospects: C1, C2, W1, W2


def test_three_signings_do_not_meet_four(tmp_path: Path) -> None:
    folder = make_folder(
        tmp_path,
        [
            log_row("C1", "李明", "2023-10-02", "线索获取"),
            log_row("C1", "李明", "2023-10-09", "合同签订"),
            log_row("C2", "李明", "2023-10-10", "合同签订"),
            log_row("C3", "李明", "2023-11-01", "合同签订"),
            log_row("C4", "李明", "2023-10-11", "履约交付"),
        ],
        standards=("新客户签约≥4个", ""),
    )
    li = next(
        t
        for t in figures_of(folder, "2023Q4", "2023-12-31").targets
        if t.unit == "个" and t.name == "李明"
    )
    assert (li.standard.value, li.standard.met) == (3, False)


# --- duplicates and unknown channels -----------------------------------------------------------


def test_a_duplicate_row_and_an_unknown_channel_count_once_everywhere(tmp_path: Path) -> None:
    visit = log_row("甲公司", "李明", "2023-10-10", "需求诊断", channel="上门拜访", summary="演示")
    dingtalk = log_row("乙公司", "李明", "2023-10-11", "线索获取", channel="钉钉")
    folder = make_folder(
        tmp_path,
        [visit, dingtalk],
        plans=[["李明", "2023-10", "甲公司", 1]],
        extra_logs={"跟进记录-华东(副本).xlsx": [visit]},  # pasted into a second file
    )
    _, report = validate_json(folder, "--period", "2023-10")
    codes = [i["code"] for i in report["issues"]]
    assert (codes.count("SB-U005"), codes.count("SB-V006")) == (1, 1)
    dingtalk_issue = next(i for i in report["issues"] if i["code"] == "SB-V006")
    assert dingtalk_issue["location"].endswith("跟进记录-华东.xlsx › 跟进 › D3")

    output = tmp_path / "out"
    figures = run_cli(folder, output, "--period", "2023-10", "--as-of", "2023-10-31", "--no-pdf")
    li = figures["follow_ups"]["reps"]["李明"]
    assert (li["follow_ups"], li["visits"], li["complete"]) == (2, 1, 2)
    assert li["by_channel"] == {"上门拜访": 1, "其他": 1}
    assert figures["follow_ups"]["channels"] == {"上门拜访": 1, "其他": 1}
    assert [(p["planned"], p["visits"], p["follow_ups"]) for p in figures["plans"]] == [(1, 1, 1)]
    discipline = {r["负责人"]: r for r in sheet_rows(output / "汇总-2023-10.xlsx", "跟进纪律")}
    assert (discipline["李明"]["跟进次数"], discipline["李明"]["记录完整率"]) == (2, 1)
    log = openpyxl.load_workbook(output / "workbooks" / "跟进记录-华东.xlsx")["跟进"]
    titles = [c.value for c in log[1]]
    incomplete = titles.index("记录不完整") + 1
    assert log.cell(3, incomplete).value == "否"  # 钉钉 is filled in: not an incomplete record
