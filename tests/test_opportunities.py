"""The opportunity list (商机, issue 14 §3) and the lost and won outcomes (§2) in the figures: a lost
customer leaves the funnel (never stale or overdue, never a signing), a won opportunity is a
signing of its owner, each customer's deal value adds up its opportunities not lost, and
opportunities never count as follow-ups."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FOLLOW_UP_KEYS, TODAY, follow_up_row, headers, write_book, write_targets
from crm_exports import Fmt, wukong_follow_ups, wukong_opportunities

import salesbook
from salesbook.cli import cli
from salesbook.values import parse_period

LOG_KEYS = [*FOLLOW_UP_KEYS, "stage"]
ROSTER: list[list[object]] = [
    ["陈总", "S000", "销售总监", "", "", "", "2019-01-01", "", "在职"],
    ["刘经理", "S001", "区域经理", "华东", "华东一组", "陈总", "2020-03-01", "", "在职"],
    ["张三", "S002", "销售代表", "华东", "华东一组", "刘经理", "2021-05-01", "", "在职"],
    ["李四", "S003", "销售代表", "华东", "华东一组", "刘经理", "2022-07-01", "", "在职"],
    ["王五", "S004", "销售代表", "华东", "华东一组", "刘经理", "2022-08-01", "", "在职"],
]
OPPORTUNITY_KEYS = ["name", "customer", "owner", "stage", "amount", "close_date", "last_follow_up"]


def log(customer: str, owner: str, day: str, stage: str | None = None, due: str | None = None):
    return [*follow_up_row(customer, owner, day, due), stage]


def opportunity(
    name: str,
    customer: str,
    owner: str,
    stage: str,
    amount: str,
    close: str | None = None,
    last: str | None = None,
) -> list[object]:
    return [name, customer, owner, stage, amount, close, last]


def make_folder(
    tmp_path: Path,
    follow_ups: list[list[object]] | None,
    opportunities: list[list[object]] | None,
    standards: tuple[str, str, str] = ("", "", ""),
) -> Path:
    """Targets and roster for 2026Q3, a follow-up log and an opportunity list (商机)."""
    folder = tmp_path / "workbooks"
    write_targets(
        folder / "销售目标分解表.xlsx",
        [
            ["季度销售额", "90万元", "元", "2026Q3", "2026-07-01", "2026-09-30"],
            ["新客户开发", "6", "个", "2026Q3", "2026-07-01", "2026-09-30"],
        ],
        [
            ["季度销售额90万元", "个人-张三", "30万元", "张三", "2026年9月30日", ""],
            ["季度销售额90万元", "个人-李四", "30万元", "李四", "2026年9月30日", ""],
            ["季度销售额90万元", "个人-王五", "30万元", "王五", "2026年9月30日", ""],
            ["新客户开发6个", "个人-张三", "2个", "张三", "2026年9月30日", standards[0]],
            ["新客户开发6个", "个人-李四", "2个", "李四", "2026年9月30日", standards[1]],
            ["新客户开发6个", "个人-王五", "2个", "王五", "2026年9月30日", standards[2]],
        ],
        ROSTER,
    )
    if follow_ups is not None:
        write_book(
            folder / "跟进记录.xlsx", {"跟进": (headers("follow_up", keys=LOG_KEYS), follow_ups)}
        )
    if opportunities is not None:
        write_book(
            folder / "商机.xlsx",
            {"商机": (headers("opportunity", keys=OPPORTUNITY_KEYS), opportunities)},
        )
    return folder


def figures_of(folder: Path, period: str = "2026Q3", as_of: str = "2026-09-30"):
    return salesbook.load(folder, jobs=1).compute(
        parse_period(period), dt.date.fromisoformat(as_of)
    )


def by_customer(figures) -> dict:
    return {c.customer: c for c in figures.follow_ups.customers}


def standard_of(figures, name: str):
    target = next(t for t in figures.targets if t.name == name and t.unit == "个")
    return target.standard.value, target.standard.met


# --- lost: the funnel ends ---------------------------------------------------------------------


def test_a_lost_customer_is_never_stale_or_overdue(tmp_path: Path) -> None:
    folder = make_folder(
        tmp_path,
        [
            # both idle since Sep 1 (stale after 3 working days), next action due Sep 4
            log("恒远制造", "张三", "2026-09-01", "商务谈判", due="2026-09-04"),
            log("星辰贸易", "张三", "2026-09-01", "商务谈判", due="2026-09-04"),
            # lost in the log itself: 无效 reads as 输单
            log("云帆软件", "李四", "2026-09-01", "需求诊断", due="2026-09-04"),
            log("云帆软件", "李四", "2026-09-02", "无效", due="2026-09-04"),
        ],
        [opportunity("恒远MES二期", "恒远制造", "张三", "输单", "60000", last="2026-09-02")],
    )
    figures = figures_of(folder)
    status = by_customer(figures)
    lost, open_ = status["恒远制造"], status["星辰贸易"]
    assert (open_.lost, open_.overdue, open_.stale) == (False, True, True)  # the control
    assert (lost.lost, lost.stage, lost.overdue, lost.stale) == (True, "输单", False, False)
    assert lost.idle_days == open_.idle_days > 3  # idle past the 3 working days all the same
    assert lost.due == dt.date(2026, 9, 4)  # and its next action late
    assert (status["云帆软件"].lost, status["云帆软件"].stale) == (True, False)
    zhang = figures.follow_ups.reps["张三"]
    assert (zhang.overdue, zhang.stale) == (1, 1)  # 星辰贸易 only
    assert figures.follow_ups.reps["李四"].overdue == 0
    assert (figures.follow_ups.totals["overdue"], figures.follow_ups.totals["stale"]) == (1, 1)
    assert figures.follow_ups.regions["华东"]["stale"] == 1
    # still a prospect of the period, at the furthest step it reached; 输单 is no step
    funnel = {f["stage"]: f["customers"] for f in figures.follow_ups.funnel}
    assert "输单" not in funnel
    assert (funnel["线索获取"], funnel["商务谈判"], funnel["合同签订"]) == (3, 2, 0)


def test_a_customer_lost_on_the_as_of_date_is_lost_then(tmp_path: Path) -> None:
    folder = make_folder(
        tmp_path,
        [log("恒远制造", "张三", "2026-09-01", "方案呈现", due="2026-09-04")],
        [opportunity("恒远MES二期", "恒远制造", "张三", "Closed Lost", "60000", last="2026-09-30")],
    )
    on_the_day = by_customer(figures_of(folder, as_of="2026-09-30"))["恒远制造"]
    assert (on_the_day.lost, on_the_day.overdue, on_the_day.stale) == (True, False, False)
    assert on_the_day.deal_value == Decimal(0)  # one opportunity, lost
    the_day_before = by_customer(figures_of(folder, as_of="2026-09-29"))["恒远制造"]
    assert (the_day_before.lost, the_day_before.stage) == (False, "方案呈现")
    assert (the_day_before.overdue, the_day_before.stale) == (True, True)
    assert the_day_before.opportunities == 0  # not seen yet


def test_an_open_opportunity_keeps_a_customer_with_a_lost_one_in_the_funnel(
    tmp_path: Path,
) -> None:
    folder = make_folder(
        tmp_path,
        [log("华东科技", "张三", "2026-09-01", "方案呈现", due="2026-09-04")],
        [
            opportunity("华东运维", "华东科技", "张三", "输单", "36000", last="2026-09-10"),
            opportunity("华东采购", "华东科技", "张三", "商务谈判", "120000", last="2026-09-08"),
        ],
    )
    status = by_customer(figures_of(folder))["华东科技"]
    assert (status.lost, status.stage, status.deal_value) == (False, "商务谈判", Decimal(120000))
    assert status.stale  # idle since its last follow-up on Sep 1


# --- won: signings from the log and from the opportunity list ------------------------------------


def test_won_in_an_opportunity_is_a_signing_of_its_owner(tmp_path: Path) -> None:
    folder = make_folder(
        tmp_path,
        [
            log("北方医疗", "王五", "2026-09-03", "需求诊断", due="2026-09-10"),
            log("YY集团", "王五", "2026-09-04", "方案呈现", due="2026-09-10"),
            log("星辰贸易", "李四", "2026-09-02", "商务谈判", due="2026-09-10"),
            log("星辰贸易", "李四", "2026-09-09", "赢单", due="2026-09-20"),  # 赢单 in the log
        ],
        [
            opportunity(
                "北方医疗采购", "北方医疗", "王五", "赢单", "45000", "2026-09-20", "2026-09-14"
            ),
            # never followed up in the log: won by its close date
            opportunity("云帆授权", "云帆软件", "王五", "Closed Won", "15000", "2026-09-20"),
            opportunity(
                "YY门店", "YY集团", "王五", "方案呈现", "230000", "2026-11-30", "2026-09-28"
            ),
        ],
        standards=("", "新客户签约≥1个", "新客户签约≥2个"),
    )
    figures = figures_of(folder)
    assert standard_of(figures, "王五") == (2, True)  # 北方医疗, 云帆软件
    assert standard_of(figures, "李四") == (1, True)  # 星辰贸易 (赢单 read as 合同签订)
    funnel = {f["stage"]: f["customers"] for f in figures.follow_ups.funnel}
    assert (funnel["线索获取"], funnel["合同签订"]) == (4, 3)
    won = by_customer(figures)["云帆软件"]
    assert (won.stage, won.owner, won.last_date, won.deal_value) == (
        "合同签订",
        "王五",
        None,
        Decimal(15000),
    )
    assert not won.stale  # signed: past the opportunity stage


@pytest.mark.parametrize(
    ("as_of", "seen"),
    [
        ("2026-09-30", False),  # won the day after the as-of date: not seen yet
        ("2026-10-05", True),  # seen, but signed after the period: not a signing of it
    ],
)
def test_won_the_day_after_the_period_is_no_signing_of_it(
    tmp_path: Path, as_of: str, seen: bool
) -> None:
    folder = make_folder(
        tmp_path,
        [log("北方医疗", "王五", "2026-09-03", "需求诊断", due="2026-09-10")],
        [opportunity("北方医疗采购", "北方医疗", "王五", "赢单", "45000", "2026-10-01")],
        standards=("", "", "新客户签约≥1个"),
    )
    figures = figures_of(folder, as_of=as_of)
    assert standard_of(figures, "王五") == (0, False)
    funnel = {f["stage"]: f["customers"] for f in figures.follow_ups.funnel}
    assert (funnel["线索获取"], funnel["合同签订"]) == (1, 0)
    assert by_customer(figures)["北方医疗"].stage == ("合同签订" if seen else "需求诊断")


# --- deal value and follow-up counts -----------------------------------------------------------


def test_deal_value_adds_up_the_opportunities_not_lost_to_the_fen(tmp_path: Path) -> None:
    follow_ups = [
        log("华东科技", "张三", "2026-09-01", "方案呈现", due="2026-09-04"),
        log("华东科技", "张三", "2026-09-08", "商务谈判", due="2026-09-15"),
        log("星辰贸易", "李四", "2026-09-02", "线索获取", due="2026-09-04"),
    ]
    opportunities = [
        opportunity("华东采购", "华东科技", "张三", "赢单", "120000.10", "2026-09-16"),
        opportunity("华东运维", "华东科技", "张三", "方案呈现", "36000.25", "2026-12-31"),
        opportunity("华东MES", "华东科技", "张三", "输单", "60000.00", last="2026-09-05"),
        opportunity("华东外包", "华东科技", "张三", "商务谈判", "0.01"),
    ]
    without = figures_of(make_folder(tmp_path / "a", follow_ups, None))
    folder = make_folder(tmp_path / "b", follow_ups, opportunities)
    figures = figures_of(folder)
    status = by_customer(figures)["华东科技"]
    assert status.deal_value == Decimal("156000.36")
    assert status.opportunities == 4
    assert by_customer(figures)["星辰贸易"].deal_value is None  # no opportunity listed
    # an opportunity is no follow-up: counts, visits, completeness and customers stay the same
    for name in ("张三", "李四"):
        before, after = without.follow_ups.reps[name], figures.follow_ups.reps[name]
        assert (after.follow_ups, after.customers, after.visits, after.complete) == (
            before.follow_ups,
            before.customers,
            before.visits,
            before.complete,
        )
    for key in ("follow_ups", "customers", "completeness", "node_completion", "backfilled"):
        assert figures.follow_ups.totals[key] == without.follow_ups.totals[key]
    assert figures.follow_ups.channels == without.follow_ups.channels

    output = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            *("run", str(folder), "-o", str(output), "--today", TODAY, "--jobs", "1"),
            *("--period", "2026Q3", "--as-of", "2026-09-30"),
        ],
    )
    assert result.exit_code in (0, 1), result.output
    document = json.loads((output / "figures.json").read_text(encoding="utf-8"))
    customers = {c["customer"]: c for c in document["figures"]["follow_ups"]["customers"]}
    assert customers["华东科技"]["deal_value"] == "156000.36"  # exact, as a string
    assert (customers["华东科技"]["lost"], customers["华东科技"]["stage"]) == (False, "合同签订")
    assert customers["星辰贸易"]["deal_value"] is None


# --- the list on its own, owners, duplicates --------------------------------------------------


def test_an_opportunity_list_without_a_follow_up_log(tmp_path: Path) -> None:
    folder = make_folder(
        tmp_path,
        None,
        [
            # followed up in the CRM on Sep 1: idle since then, an open deal
            opportunity("华东采购", "华东科技", "张三", "商务谈判", "120000", last="2026-09-01"),
            # no follow-up date anywhere: nothing to measure idleness from
            opportunity("星辰ERP", "星辰贸易", "李四", "方案呈现", "86500"),
        ],
    )
    figures = figures_of(folder)
    status = by_customer(figures)
    idle = status["华东科技"]
    assert (idle.last_date, idle.stale, idle.overdue, idle.in_period) == (
        dt.date(2026, 9, 1),
        True,
        False,
        False,
    )
    never = status["星辰贸易"]
    assert (never.last_date, never.idle_days, never.stale, never.stage) == (
        None,
        None,
        False,
        "方案呈现",
    )
    assert figures.follow_ups.totals["follow_ups"] == 0
    assert figures.follow_ups.reps["张三"].stale == 1


def test_owners_off_the_roster_and_a_repeated_opportunity(tmp_path: Path) -> None:
    folder = make_folder(
        tmp_path,
        [log("华东科技", "张三", "2026-09-01", "方案呈现", due="2026-09-30")],
        [
            opportunity("华东采购", "华东科技", "张三", "商务谈判", "120000", last="2026-09-10"),
            opportunity("华东采购", "华东科技", "张三", "商务谈判", "120000", last="2026-09-10"),
            opportunity("北方医疗采购", "北方医疗", "赵六", "需求诊断", "45000", last="2026-09-29"),
        ],
    )
    issues = salesbook.load(folder, jobs=1).check(today=dt.date(2026, 10, 8)).issues
    found = {(i.code, i.location.sheet, i.location.cell) for i in issues}
    assert ("SB-U004", "商机", "C4") in found  # 赵六 is not on the roster
    assert ("SB-U007", "商机", "A3") in found  # listed twice: counted once
    figures = figures_of(folder)
    assert by_customer(figures)["华东科技"].deal_value == Decimal(120000)
    reassign = {c.customer: c.reassign for c in figures.follow_ups.reassign}
    assert reassign == {"北方医疗": "not_on_roster"}


# --- CRM exports as they are -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_wukong_exports_give_stages_values_and_signings(tmp_path: Path, fmt: Fmt) -> None:
    folder = make_folder(tmp_path, None, None, standards=("新客户签约≥1个", "", "新客户签约≥1个"))
    wukong_follow_ups(folder, fmt)
    wukong_opportunities(folder, fmt)
    figures = figures_of(folder, as_of="2026-09-30")
    status = by_customer(figures)
    assert (status["恒远制造"].lost, status["恒远制造"].stale) == (True, False)  # 输单
    assert (status["云帆软件有限公司"].lost, status["云帆软件有限公司"].deal_value) == (
        True,
        Decimal(0),
    )  # 无效
    assert status["星辰贸易"].deal_value == Decimal("139300.50")
    assert status["华东科技有限公司"].deal_value == Decimal(156000)  # won + open
    assert status["YY集团"].deal_value == Decimal(230000)  # ＹＹ集团 folded
    assert standard_of(figures, "张三") == (1, True)  # 华东科技, won on Sep 16
    assert standard_of(figures, "王五") == (1, True)  # 北方医疗器械, won on Sep 14
    assert all(f["stage"] != "输单" for f in figures.follow_ups.funnel)
    assert figures.follow_ups.totals["follow_ups"] == 15  # the log's rows, nothing more
