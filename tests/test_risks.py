"""The ranked risk list (风险预警清单, issue 16 §2): each rule fires at its threshold and not a
day or a yuan below it, the order by severity is known in advance, the actions come from the
settings, and the list reaches figures.json, 汇总 (with links), the review and the appraisals."""

from __future__ import annotations

import datetime as dt
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import (
    FOLLOW_UP_KEYS,
    follow_up_row,
    headers,
    run_document,
    validate_json,
    write_book,
)

import salesbook
from salesbook.values import parse_period

LOG_KEYS = [*FOLLOW_UP_KEYS, "stage", "deal_value"]
ROSTER = [
    ["王总", "S000", "销售总监", "", "", "", "2019-01-01", "", "在职"],
    ["李经理", "S001", "区域经理", "华东", "华东一组", "王总", "2020-03-01", "", "在职"],
    ["李明", "S002", "销售代表", "华东", "华东一组", "李经理", "2021-05-01", "", "在职"],
    ["王芳", "S003", "销售代表", "华东", "华东一组", "李经理", "2022-07-01", "", "在职"],
    ["赵离", "S004", "销售代表", "华东", "华东一组", "李经理", "2020-01-01", "", "离职"],
]
AS_OF = "2023-10-31"  # a Tuesday: 10-24 is 5 working days before it, 10-25 is 4, 10-26 is 3
LATER = "2023-11-30"  # a next action not yet due


def log_row(
    customer: str,
    owner: str,
    day: str,
    stage: str | None,
    value: str | None = None,
    due: str = LATER,
) -> list[object]:
    return [*follow_up_row(customer, owner, day, due), stage, value]


# Each customer and what it must give, at 2023-10-31 (stale after 3 working days, deal idle
# from 5, high value from 100,000 元):
LOG = [
    # high value (exactly 100,000) and stale (5 working days): key customer, 高
    log_row("大客户甲", "李明", "2023-10-24", "商务谈判", "100000"),
    # a fen below high value, stale: nothing (方案呈现 is not near closing)
    log_row("边界乙", "李明", "2023-10-24", "方案呈现", "99999.99"),
    # high value but 3 working days: not stale, nothing
    log_row("大客户壬", "王芳", "2023-10-26", "方案呈现", "150000"),
    # no deal value, the most recent and most frequent customer: tier A (R and F), its next
    # action overdue: key customer, 低 (nothing known at stake)
    log_row("常客丙", "王芳", "2023-10-10", "需求诊断"),
    log_row("常客丙", "王芳", "2023-10-20", "需求诊断"),
    log_row("常客丙", "王芳", "2023-10-31", "需求诊断", due="2023-10-30"),
    # 商务谈判 idle 5 working days: deal idle, 中 (50,000 at stake)
    log_row("谈判丁", "王芳", "2023-10-24", "商务谈判", "50000"),
    # 商务谈判 idle 4 working days: a day below, nothing (stale, but not a key customer)
    log_row("谈判庚", "王芳", "2023-10-25", "商务谈判", "40000"),
    # its owner left (离职 on the roster): owner left, 中 (30,000), 8 working days idle
    log_row("离职客户", "赵离", "2023-10-19", "需求诊断", "30000"),
    # its owner is not on the roster: to reassign, but not a risk of an owner who left
    log_row("无名客户", "陌生人", "2023-10-30", "线索获取"),
]
PLANS = [
    ["李明", "2023-10", "计划客户己", 2],  # never followed up: plan without follow-up, 低
    ["李明", "2023-10", "大客户甲", 1],  # followed up in October: no plan risk
]
# 李明 has 10万 and nothing done: behind, projected 0 (100,000 short, 高, after 大客户甲 whose
# 100,000 has 5 days). 王芳 has done her 10万: ahead, nothing.
BREAKDOWN = [
    ["季度销售额20万元", "个人-李明", "10万元", "李明", "2023年12月31日", "", "0"],
    ["季度销售额20万元", "个人-王芳", "10万元", "王芳", "2023年12月31日", "", "10万元"],
]
MONITORING = [
    ["客户维度", "客户满意度", "≥90%", "<80%", "回访不满意客户，改进服务流程"],
    ["客户维度", "投诉处理及时率", "≥95%", "<80%", "明确投诉处理时限"],
]
DATA = [
    ["2023-10", "客户满意度", "79%"],  # below 80 %: 预警, 中
    ["2023-10", "投诉处理及时率", "80%"],  # exactly 80 %: 关注, not a risk
]
# The order known in advance: 高 by money then days, 中 by money then days, 低 by days.
EXPECTED = [
    ("key_customer", "大客户甲", "high"),
    ("behind_pace", "个人-李明", "high"),
    ("deal_idle", "谈判丁", "medium"),
    ("owner_left", "离职客户", "medium"),
    ("health_alert", "客户满意度", "medium"),
    ("key_customer", "常客丙", "low"),
    ("plan_no_follow_up", "计划客户己", "low"),
]


def make_folder(tmp_path: Path, settings: str = "", signed: tuple[str, str] | None = None) -> Path:
    """The folder above; `signed` adds the breakdown's 签署日期 (李明's, 王芳's)."""
    folder = tmp_path / "workbooks"
    keys = ["overall", "dimension", "target", "owner", "deadline", "standard", "actual"]
    rows = BREAKDOWN
    if signed is not None:
        keys.append("signed")
        rows = [[*row, day] for row, day in zip(BREAKDOWN, signed, strict=True)]
    write_book(
        folder / "销售目标分解表.xlsx",
        {
            "总体目标": (
                headers("target_overall"),
                [["季度销售额", "20万元", "元", "2023Q4", "2023-10-01", "2023-12-31"]],
            ),
            "目标分解": (headers("target_breakdown", keys=keys), rows),
            "团队名册": (headers("roster"), ROSTER),
        },
    )
    write_book(folder / "跟进记录.xlsx", {"跟进": (headers("follow_up", keys=LOG_KEYS), LOG)})
    write_book(
        folder / "销售计划表.xlsx",
        {
            "计划": (
                headers("sales_plan", keys=["owner", "period", "key_customer", "planned_visits"]),
                PLANS,
            )
        },
    )
    write_book(
        folder / "销售流程健康度.xlsx",
        {
            "健康度监控": (headers("health_monitoring"), MONITORING),
            "指标数据": (headers("health_data", keys=["period", "indicator", "value"]), DATA),
        },
    )
    # tiers.high = 5: only the best of the folder's customers on R and F (and M) is an A
    (folder / "salesbook.toml").write_text(
        'company = "测试有限公司"\n[tiers]\nhigh = 5\n' + settings, encoding="utf-8"
    )
    return folder


def risks_of(folder: Path):
    return (
        salesbook.load(folder, jobs=1)
        .compute(parse_period("2023-10"), dt.date.fromisoformat(AS_OF))
        .risks
    )


def test_each_rule_fires_at_its_threshold_in_the_order_of_severity(tmp_path: Path) -> None:
    risks = risks_of(make_folder(tmp_path))
    assert [(r.kind, r.subject, r.severity) for r in risks] == EXPECTED
    assert [r.rank for r in risks] == list(range(1, len(EXPECTED) + 1))
    first, pace, idle, left, health, tier_a, plan = risks
    # a tie on money (100,000 each) goes to the days without an update
    assert (first.money, first.days, first.owner) == (Decimal(100000), 5, "李明")
    assert (pace.money, pace.days, pace.owner) == (Decimal(100000), None, "李明")
    assert (idle.money, idle.days, idle.owner) == (Decimal(50000), 5, "王芳")
    assert (left.money, left.days, left.owner) == (Decimal(30000), 8, "赵离")
    assert (health.money, health.owner) == (None, "")
    assert (tier_a.money, tier_a.days) == (None, 0)
    assert (plan.money, plan.days, plan.owner) == (None, None, "李明")
    # the rule with its threshold, the figure that fired it, the action of the default table
    assert "100,000.00 元" in first.rule
    assert "3 个工作日" in first.rule
    assert first.figure == "5 个工作日无更新"  # the money is a column of its own
    assert "A 类客户" in tier_a.figure
    assert "下一步行动 2023-10-30 已逾期" in tier_a.figure
    assert "5 个工作日（含）以上" in idle.rule
    assert left.action.startswith("重新分配客户")
    assert idle.action_en == "Improve the offer and the price; push for signing"
    assert health.figure == "本期 79.0%，预警阈值 <80.0%"
    assert health.action.endswith("（回访不满意客户，改进服务流程）")
    assert "预计期末完成 0.00 元，目标 100,000.00 元" in pace.figure
    # each risk points at the row that caused it
    assert (first.source.file, first.source.sheet, first.source.cell) == (
        "跟进记录.xlsx",
        "跟进",
        "A2",
    )
    assert idle.source.cell == "I8"  # the stage of its latest row
    assert left.source.cell == "B10"  # the owner who left
    assert plan.source.file == "销售计划表.xlsx"
    assert plan.source.cell == "C2"
    assert pace.source.file == "销售目标分解表.xlsx"
    assert pace.source.cell == "D2"
    assert health.source.sheet == "指标数据"
    assert health.source.row == 2


def test_thresholds_and_actions_come_from_the_settings(tmp_path: Path) -> None:
    folder = make_folder(
        tmp_path,
        "[risks]\nhigh_value = 99999.99\ndeal_idle_days = 4\n"
        'action_deal_idle = "三天内上门，带上新报价"\n',
    )
    risks = {r.subject: r for r in risks_of(folder)}
    # a fen lower and 边界乙 is a high-value customer, stale; a day lower and 谈判庚 is idle
    assert (risks["边界乙"].kind, risks["边界乙"].severity) == ("key_customer", "high")
    assert risks["谈判庚"].kind == "deal_idle"
    assert risks["谈判庚"].action == risks["谈判丁"].action == "三天内上门，带上新报价"
    assert risks["谈判庚"].action_en == "三天内上门，带上新报价"  # written by the admin: as written
    # 大客户甲 is still key (≥), 谈判丁 (50,000) stays medium
    assert risks["大客户甲"].kind == "key_customer"
    assert risks["谈判丁"].severity == "medium"


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("high_value = -1", "risks.high_value"),
        ('deal_idle_days = "五天"', "risks.deal_idle_days"),
        ("report_top = 0", "risks.report_top"),
        ('action_owner_left = ""', "risks.action_owner_left"),
    ],
)
def test_a_risk_setting_that_cannot_be_used_is_a_settings_issue_at_its_line(
    tmp_path: Path, line: str, key: str
) -> None:
    folder = make_folder(tmp_path, f"[risks]\n{line}\n")
    _, report = validate_json(folder, "--period", "2023-10")
    issues = [i for i in report["issues"] if i["code"] == "SB-C003"]
    assert len(issues) == 1
    assert key in issues[0]["message"]
    assert issues[0]["file"] == "salesbook.toml"
    assert issues[0]["row"] == 5


def run_cli(folder: Path, output: Path, *args: str) -> dict:
    return run_document(folder, output, "--period", "2023-10", "--as-of", AS_OF, *args)["figures"]


def test_the_summary_lists_every_risk_with_a_link_to_its_row(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    output = tmp_path / "out"
    figures = run_cli(folder, output, "--no-pdf")
    assert [(r["kind"], r["subject"], r["severity"]) for r in figures["risks"]] == EXPECTED
    assert figures["risks"][0]["money"] == "100000"  # exact, as typed
    assert figures["risks"][0]["source"]["cell"] == "A2"
    sheet = openpyxl.load_workbook(output / "汇总-2023-10.xlsx")["风险预警清单"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("序号", "严重程度", "风险类型", "负责人", "对象")
    assert [(r[0], r[1], r[4]) for r in rows[1:]] == [
        (n, {"high": "高", "medium": "中", "low": "低"}[s], subject)
        for n, (_, subject, s) in enumerate(EXPECTED, start=1)
    ]
    assert rows[1][6] == 100000
    assert rows[1][7] == 5
    links = [sheet.cell(r, 11).hyperlink for r in range(2, len(EXPECTED) + 2)]
    assert all(link is not None for link in links)
    first = links[0].target
    assert first.endswith("workbooks/跟进记录.xlsx#'跟进'!A2")
    # the link opens the input from where the summary lies
    assert (output / first.split("#")[0]).resolve() == (folder / "跟进记录.xlsx").resolve()
    assert links[6].target.endswith("workbooks/销售计划表.xlsx#'计划'!C2")


@pytest.mark.slow
def test_the_review_shows_the_top_risks_and_counts_the_rest(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, "[risks]\nreport_top = 3\n")
    write_book(
        folder / "销售业绩评估表.xlsx",
        {
            "评估": (
                headers("appraisal", keys=["name", "target", "actual"]),
                [["李明", "10万元", "0"], ["王芳", "10万元", "10万元"]],
            )
        },
    )
    output = tmp_path / "out"
    run_cli(folder, output)
    review = subprocess.run(
        ["pdftotext", str(output / "销售复盘报告-2023-10.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pages = review.split("\f")
    # the page after the overview, with the three most severe and the count of the other four
    start = next(i for i, page in enumerate(pages) if "风险预警与纠偏措施" in page)
    page = "".join(pages[start].split())
    assert "二、评估结果" not in page
    assert "二、评估结果" in "".join(pages[start + 1].split())
    assert page.index("大客户甲") < page.index("个人-李明") < page.index("谈判丁")
    assert "离职客户" not in page
    assert "常客丙" not in page
    assert "另有4条风险" in page
    # 李明's appraisal sheet lists his own risks, still on one page
    sheet = output / "评估单" / "2023Q4-李明.pdf"
    text = subprocess.run(
        ["pdftotext", str(sheet), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert text.count("\f") == 1  # one page
    flat = "".join(text.split())
    # his three, most severe first, two printed and the rest counted
    assert "风险预警3条" in flat
    assert flat.index("大客户甲") < flat.index("个人-李明")
    assert "计划客户己" not in flat
    assert "其余见汇总「风险预警清单」" in flat
    assert "谈判丁" not in flat  # 王芳's


def test_a_letter_not_signed_in_time_is_a_risk_with_its_targets_at_stake(tmp_path: Path) -> None:
    # 王芳 signed on the last day allowed (the 5th working day); 李明 never did
    folder = make_folder(tmp_path, signed=("", "2023-10-11"))
    figures = run_cli(folder, tmp_path / "out", "--no-pdf")
    risks = [(r["kind"], r["subject"], r["severity"]) for r in figures["risks"]]
    # 100,000 at stake like 大客户甲 and 李明's pace, no days: after both (the rules' order)
    assert risks == [*EXPECTED[:2], ("unsigned_letter", "2023Q4 李明", "high"), *EXPECTED[2:]]
    letter = figures["risks"][2]
    assert (letter["owner"], letter["money"], letter["rank"]) == ("李明", "100000", 3)
    assert "签署期限" in letter["figure"]
    assert "5 个工作日内未签署" in letter["rule"]
    assert letter["source"]["file"] == "销售目标分解表.xlsx"
    assert letter["action"] == "上报主管：督促签署销售目标责任书"
