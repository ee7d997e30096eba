"""The figures of SPEC §1 through the library API: golden values from the seed rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import HEALTH_SEED, headers, write_book

import salesbook
from salesbook.compute import pace_of, status_of
from salesbook.config import default_config
from salesbook.values import parse_period, parse_threshold

Q4 = parse_period("2023Q4")


def figures_of(folder: Path, period: str = "2023Q4", as_of: str = "2023-12-31", **kw: object):
    return salesbook.load(folder, jobs=1).compute(
        parse_period(period), dt.date.fromisoformat(as_of), **kw
    )


def target(figures, name: str, unit: str = "元"):
    return next(t for t in figures.targets if t.name == name and t.unit == unit)


def test_breakdown_share_and_run_rates(seed_org: Path) -> None:
    figures = figures_of(seed_org)
    east = target(figures, "华东区域")
    assert east.share == Decimal("0.4")
    assert east.monthly == Decimal("133333.33")  # the seed's 月度销售额≥13.3万元 is 40万 ÷ 3
    assert east.period == Q4
    # 2023Q4 has 62 official working days (国庆 and its adjusted weekends counted)
    assert east.daily == Decimal("6451.61")
    assert east.weekly == Decimal("32258.06")


def test_actuals_roll_up_from_appraisals_with_pace(seed_org: Path) -> None:
    figures = figures_of(seed_org, as_of="2023-11-15")
    east = target(figures, "华东区域")
    assert east.actual == Decimal("980000")  # 33万 + 20万 + 45万 of the people in 华东
    assert east.attainment == Decimal("2.45")
    assert east.gap == Decimal("-580000.00")
    assert east.pace == "ahead"
    li = target(figures, "李明")
    assert li.attainment == Decimal("1.1")
    new_customers = target(figures, "李明", "个")
    assert new_customers.actual == 10  # the appraisal's 新客户开发数
    assert target(figures, "产品A").actual is None  # no data for products: not invented


def test_completion_standards_are_parsed_and_evaluated(seed_org: Path) -> None:
    figures = figures_of(seed_org)
    east = target(figures, "华东区域")
    assert east.standard.threshold == parse_threshold("≥133000元")
    assert east.standard.value == Decimal(980000) / 3  # 98万 over 3 months, exact
    assert east.standard.met is True
    conversion = target(figures, "李明", "个").standard
    assert conversion.metric == "客户转化率"
    assert conversion.value == Decimal("1")  # 科技公司 reached 合同签订
    assert conversion.met is True
    signed = target(figures, "产品A").standard
    assert signed.value == Decimal("1")  # one customer of 华东一组 signed
    assert signed.met is False


def test_appraisal_attainment_grades_and_ranking(seed_org: Path) -> None:
    people = figures_of(seed_org).people
    assert people["李明"].attainment == Decimal("1.1")
    assert people["王芳"].attainment == Decimal("0.8")
    assert (people["李明"].grade, people["王芳"].grade) == ("优秀", "待改进")
    assert people["张经理"].score_source == "computed"
    assert people["张经理"].score is not None
    assert [p.rank for p in sorted(people.values(), key=lambda p: p.rank)] == [1, 2, 3]


@pytest.mark.parametrize(
    ("score", "grade"), [(92, "优秀"), (90, "优秀"), (89.9, "良好"), (80, "良好"), (75, "待改进")]
)
def test_grade_thresholds(score: float, grade: str) -> None:
    from salesbook.compute import grade_of

    assert grade_of(Decimal(str(score)), default_config()) == grade


HEALTH_CASES = {  # per seed row: values meeting healthy, between, crossing alert
    "平均销售周期": (
        ("85", "healthy"),
        ("90", "healthy"),
        ("100", "watch"),
        ("120", "watch"),
        ("121", "alert"),
    ),
    "需求匹配度": (
        ("0.85", "healthy"),
        ("0.8", "healthy"),
        ("0.7", "watch"),
        ("0.6", "watch"),
        ("0.59", "alert"),
    ),
    "流程节点完成率": (("0.95", "healthy"), ("0.92", "watch"), ("0.9", "watch"), ("0.89", "alert")),
    "客户满意度(NPS)": (("50", "healthy"), ("40", "watch"), ("30", "watch"), ("29", "alert")),
}


@pytest.mark.parametrize("row", HEALTH_SEED, ids=lambda r: r[1])
def test_health_status_on_each_side_of_each_threshold(row: tuple) -> None:
    healthy, alert = parse_threshold(row[2]), parse_threshold(row[3])
    for value, expected in HEALTH_CASES[row[1]]:
        assert status_of(Decimal(value), healthy, alert) == expected, (row[1], value)


def test_health_figures_with_trend_and_direction(seed_org: Path) -> None:
    figures = figures_of(seed_org, "2023-10", "2023-10-31")
    health = {h.name: h for h in figures.health}
    cycle = health["平均销售周期"]
    assert (cycle.value, cycle.unit, cycle.status) == (Decimal(85), "天", "healthy")
    assert cycle.trend == [("2023Q3", Decimal(95)), ("2023-10", Decimal(85))]
    assert health["需求匹配度"].status == "watch"
    assert health["需求匹配度"].improvement.startswith("加强销售产品培训")
    assert health["流程节点完成率"].status == "alert"
    assert health["客户满意度(NPS)"].status == "healthy"


def test_pace_rule() -> None:
    ten = Decimal(10)
    assert pace_of(Decimal("0.7"), Decimal("0.5"), ten) == "ahead"
    assert pace_of(Decimal("0.5"), Decimal("0.5"), ten) == "on_track"
    assert pace_of(Decimal("0.45"), Decimal("0.5"), ten) == "watch"
    assert pace_of(Decimal("0.4001"), Decimal("0.5"), ten) == "watch"
    assert pace_of(Decimal("0.40"), Decimal("0.5"), ten) == "behind"  # 10 points or more (SPEC §4)
    assert pace_of(Decimal("0.39"), Decimal("0.5"), ten) == "behind"


def test_period_defaults_to_the_targets_period(seed_org: Path) -> None:
    # letters, appraisal sheets and the review then cover one period (issue 11 §4)
    figures = salesbook.load(seed_org, jobs=1).compute()
    assert figures.run.period.label == "2023Q4"
    assert figures.run.chosen
    assert figures.run.basis == "targets"
    assert figures.run.as_of == dt.date(2023, 10, 13)
    month = salesbook.load(seed_org, jobs=1).compute(parse_period("2023-10"))
    assert month.run.quarter_to_date.start == dt.date(2023, 10, 1)
    assert month.to_date["quarter"]["follow_ups"]["follow_ups"] == 3


def test_without_targets_the_period_is_the_latest_month_with_data(seed_org: Path) -> None:
    (seed_org / "销售目标分解表.xlsx").unlink()
    figures = salesbook.load(seed_org, jobs=1).compute()
    assert figures.run.period.label == "2023-10"
    assert figures.run.basis == "data"


def test_follow_up_discipline(seed_org: Path) -> None:
    figures = figures_of(seed_org, "2023-10", "2023-10-31")
    reps = figures.follow_ups.reps
    assert (reps["李明"].follow_ups, reps["李明"].customers) == (2, 1)
    assert reps["王芳"].visits == 1
    assert reps["王芳"].backfilled == 1  # entered 10-16 for 10-11: 3 working days later
    assert reps["李明"].backfilled == 0
    status = {c.customer: c for c in figures.follow_ups.customers}
    assert status["YY集团"].overdue  # due 10-20, no later follow-up by 10-31
    assert status["YY集团"].stale  # still at 方案呈现, no update for > 3 working days
    assert not status["科技公司"].stale  # signed: not an open opportunity
    funnel = {f["stage"]: f["customers"] for f in figures.follow_ups.funnel}
    assert (funnel["线索获取"], funnel["方案呈现"], funnel["合同签订"]) == (2, 2, 1)


def test_checks_that_need_figures(tmp_path: Path) -> None:
    folder = tmp_path / "w"
    write_book(
        folder / "t.xlsx",
        {
            "总体目标": (
                headers("target_overall"),
                [["季度销售额", "100万元", "元", "2023Q4", "2023-10-01", "2023-12-31"]],
            ),
            "目标分解": (
                headers("target_breakdown", keys=["overall", "dimension", "target", "owner"]),
                [
                    ["季度销售额100万元", "区域-华东", "70万元", "李明"],
                    ["季度销售额100万元", "区域-华南", "40万元", "王芳"],
                    ["季度销售额100万元", "个人-李明", "50万元", "李明"],
                    ["季度销售额100万元", "个人-王芳", "40万元", "王芳"],
                ],
            ),
        },
    )
    write_book(
        folder / "a.xlsx",
        {
            "评估": (
                headers("appraisal"),
                [
                    ["李明", "50万", "55万", "100%", "", "", 75, "优秀", ""],
                    ["赵六", "10万", "9万", "", "", "", "", "", ""],
                ],
            )
        },
    )
    figures = figures_of(folder)
    found = {(i.code, str(i.location)) for i in figures.issues}
    assert found == {
        ("SB-T011", "t.xlsx › 目标分解 › C2"),  # regions: 110万, 10万 over
        ("SB-T012", "t.xlsx › 目标分解 › C4"),  # people: 90万, 10万 under
        ("SB-P003", "a.xlsx › 评估 › D2"),  # 100% typed, 110% computed
        ("SB-P005", "a.xlsx › 评估 › H2"),  # 优秀 typed for a score of 75
        ("SB-P006", "a.xlsx › 评估 › A3"),  # 赵六 appraised without a target
        ("SB-P007", "t.xlsx › 目标分解 › B5"),  # 王芳 has a target, no appraisal
    }
    over = next(i for i in figures.issues if i.code == "SB-T011")
    assert over.message() == "「季度销售额100万元」按区域分解合计 1100000，超出总体目标 100000"


def test_money_stays_exact(seed_org: Path) -> None:
    figures = figures_of(seed_org)
    decimals = [t.monthly for t in figures.targets] + [t.share for t in figures.targets]
    assert all(isinstance(v, Decimal) for v in decimals if v is not None)
    assert not any(isinstance(v, float) for t in figures.targets for v in vars(t).values())


def test_awards_need_a_previous_period_and_say_why_not(seed_org: Path, tmp_path: Path) -> None:
    figures = figures_of(seed_org)
    awards = {a.key: a for a in figures.awards}
    assert awards["star"].winners == ["李明"]
    assert awards["most_improved"].available is False
    assert awards["most_improved"].note == "尚无上期数据，暂不评选"
    previous = {"李明": Decimal("1.0"), "王芳": Decimal("0.5"), "张经理": Decimal("0.99")}
    from salesbook.compute import compute_awards

    people = figures_of(seed_org).people
    before = {"李明": Decimal(300000), "王芳": Decimal(190000), "张经理": Decimal(449000)}
    awards = {a.key: a for a in compute_awards(people, default_config(), previous, before)}
    assert awards["most_improved"].winners == ["王芳"]  # +30 points
    # 成长进步榜 ranks by the increase in sales: +30,000, +10,000, +1,000
    assert awards["growth_board"].winners == ["李明", "王芳", "张经理"]
    assert people["张经理"].improvement == Decimal("1.0")


def test_star_near_miss_says_why(seed_org: Path) -> None:
    from salesbook.compute import compute_awards

    people = figures_of(seed_org).people
    people["王芳"].attainment = Decimal("0.98")
    star = compute_awards({"王芳": people["王芳"]}, default_config(), None)[0]
    assert star.winners == []
    assert star.near_misses == [("王芳", "达成率 98.0%，未达 100% 门槛")]


def test_rollup_region_group_person(seed_org: Path) -> None:
    figures = figures_of(seed_org)
    east = next(r for r in figures.rollup if r["name"] == "华东")
    assert east["target"] == Decimal(400000)
    group = east["children"][0]
    assert group["name"] == "华东一组"
    assert [p["name"] for p in group["children"]] == ["张经理", "李明", "王芳"]
    assert group["children_target"] == Decimal(1000000)  # 45万 + 30万 + 25万
    assert group["children_actual"] == Decimal(980000)


def test_plan_visits_and_key_customers_never_followed_up(seed_org: Path) -> None:
    write_book(
        seed_org / "计划.xlsx",
        {
            "计划": (
                headers("sales_plan", keys=["owner", "period", "key_customer", "planned_visits"]),
                [
                    ["王芳", "2023-10", "YY集团", 2],
                    ["李明", "2023-10", "长城公司", 1],
                    ["李明", "2023-12", "科技公司", 3],
                ],
            )
        },
    )
    figures = figures_of(seed_org, "2023-10", "2023-10-31")
    plans = {(p.owner, p.customer): p for p in figures.plans}
    assert set(plans) == {("王芳", "YY集团"), ("李明", "长城公司")}  # the December plan is not due
    assert (plans[("王芳", "YY集团")].planned, plans[("王芳", "YY集团")].visits) == (2, 1)
    assert plans[("王芳", "YY集团")].attainment == Decimal("0.5")
    assert [(i.code, str(i.location)) for i in figures.issues if i.code == "SB-R004"] == [
        ("SB-R004", "计划.xlsx › 计划 › C3")
    ]
