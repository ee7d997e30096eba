"""Issue 11 §1–2: rules decided on exact values, display rounded once and never across a line,
splits that add back, pace bands, 成长进步榜 and near misses — each at its boundary."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pypdf
import pytest
from click.testing import CliRunner
from conftest import headers, write_book

import salesbook
from salesbook import ledger
from salesbook.cli import cli
from salesbook.compute import grade_of, pace_of
from salesbook.config import default_config
from salesbook.shown import percent_text, shown, shown_percent
from salesbook.values import parse_period

Q3 = parse_period("2026Q3")
END = dt.date(2026, 9, 30)
BOSS = ["王总", "S000", "销售总监", "", "", "", "2019-01-01", "", "在职"]


def make_org(
    folder: Path,
    people: list[tuple[str, str, str]],
    *,
    scores: dict[str, object] | None = None,
    breakdown: list[list[object]] = (),
    overall: list[list[object]] = (),
    health: list[list[object]] = (),
) -> Path:
    """A tiny organisation for 2026Q3: each (name, target, actual) is a rep with a personal sales
    target and an appraisal row; `breakdown`/`overall` add rows; `health` monitoring rows."""
    total = sum(Decimal(t) for _, t, _ in people)
    roster = [BOSS] + [
        [name, f"S{i:03d}", "销售代表", "华东", "华东一组", "王总", "2021-01-01", "", "在职"]
        for i, (name, _, _) in enumerate(people, start=1)
    ]
    rows = [
        ["季度销售额", f"{total}", "元", "2026Q3", "2026-07-01", "2026-09-30"],
        *overall,
    ]
    split = [
        ["季度销售额", f"个人-{name}", target, name, "2026-09-30", "", ""]
        for name, target, _ in people
    ] + list(breakdown)
    write_book(
        folder / "销售目标分解表.xlsx",
        {
            "总体目标": (headers("target_overall"), rows),
            "目标分解": (headers("target_breakdown"), split),
            "团队名册": (headers("roster"), roster),
        },
    )
    scores = scores or {}
    write_book(
        folder / "销售业绩评估表.xlsx",
        {
            "评估": (
                headers("appraisal"),
                [
                    [name, target, actual, "", "", "", scores.get(name, ""), "", "", ""]
                    for name, target, actual in people
                ],
            )
        },
    )
    if health:
        write_book(
            folder / "销售流程健康度.xlsx",
            {"健康度监控": (headers("health_monitoring"), health)},
        )
    return folder


def figures_of(folder: Path, history: Path | None = None):
    return salesbook.load(folder, jobs=1).compute(Q3, END, history)


def person_target(figures, name: str):
    return next(t for t in figures.targets if t.name == name and t.unit == "元")


# --- 1. exact decisions -------------------------------------------------------------------------


def test_star_needs_the_exact_threshold(tmp_path: Path) -> None:
    figures = figures_of(
        make_org(
            tmp_path / "wb",
            [("赵一", "275000", "274986.25"), ("钱二", "200000", "200000")],
        )
    )
    star = next(a for a in figures.awards if a.key == "star")
    assert figures.people["赵一"].attainment == Decimal("0.99995")  # exact, not 1.0000
    assert star.winners == ["钱二"]  # exactly 100 % qualifies, 99.995 % does not
    assert star.near_misses == [("赵一", "达成率 99.99%，未达 100% 门槛")]


def test_improvement_needs_the_exact_points(tmp_path: Path) -> None:
    folder = make_org(tmp_path / "wb", [("赵一", "100000", "90000"), ("钱二", "100000", "80000")])
    history = tmp_path / "history.sqlite"
    ledger.record(
        history,
        parse_period("2026Q2"),
        "2026-06-30",
        "test",
        [
            ("person", "赵一", "attainment", Decimal("0.8504")),  # +4.96 points
            ("person", "钱二", "attainment", Decimal("0.75")),  # +5.00 points
        ],
    )
    figures = figures_of(folder, history)
    improved = next(a for a in figures.awards if a.key == "most_improved")
    assert figures.people["赵一"].improvement == Decimal("4.96")
    assert improved.winners == ["钱二"]  # exactly 5 points qualifies
    # 4.96 printed with one decimal would read 5.0, which meets the rule: two decimals instead
    assert improved.near_misses == [("赵一", "提升 4.96 个百分点，低于最高的 5.0 个百分点")]
    ledger.record(
        history,
        parse_period("2026Q2"),
        "2026-06-30",
        "test",
        [("person", "赵一", "attainment", Decimal("0.8504"))],
    )
    alone = next(a for a in figures_of(folder, history).awards if a.key == "most_improved")
    assert alone.winners == []
    assert alone.near_misses == [("赵一", "提升 4.96 个百分点，未达 5 个百分点门槛")]


def test_grade_boundary_is_exact(tmp_path: Path) -> None:
    config = default_config()
    assert grade_of(Decimal(90), config) == "优秀"
    assert grade_of(Decimal("89.99"), config) == "良好"
    assert grade_of(Decimal("89.999999"), config) == "良好"
    figures = figures_of(
        make_org(
            tmp_path / "wb",
            [("赵一", "100000", "100000"), ("钱二", "100000", "100000")],
            scores={"赵一": 90, "钱二": "89.99"},
        )
    )
    assert figures.people["赵一"].grade == "优秀"
    assert figures.people["钱二"].grade == "良好"


def test_pace_band_is_ten_points_or_more() -> None:
    ten = Decimal(10)
    assert pace_of(Decimal("0.65"), Decimal("0.75"), ten) == "behind"  # exactly 10 below
    assert pace_of(Decimal("0.6501"), Decimal("0.75"), ten) == "watch"
    assert pace_of(Decimal("0.7499"), Decimal("0.75"), ten) == "watch"
    assert pace_of(Decimal("0.75"), Decimal("0.75"), ten) == "on_track"
    assert pace_of(Decimal("0.8499"), Decimal("0.75"), ten) == "on_track"
    assert pace_of(Decimal("0.85"), Decimal("0.75"), ten) == "ahead"  # exactly 10 above


def test_pace_through_the_data(tmp_path: Path) -> None:
    figures = figures_of(
        make_org(
            tmp_path / "wb",
            [("赵一", "100000", "90000"), ("钱二", "100000", "90000.01")],
        )
    )
    assert person_target(figures, "赵一").elapsed == 1  # as of the quarter's last day
    assert person_target(figures, "赵一").pace == "behind"  # 90 % at 100 % expected: 10 behind
    assert person_target(figures, "钱二").pace == "watch"


def test_completion_standard_on_the_exact_monthly_average(tmp_path: Path) -> None:
    east = ["季度销售额", "区域-华东区域", "90000", "王总", "2026-09-30", "月度销售额≥3万元"]
    figures = figures_of(
        make_org(
            tmp_path / "wb",
            [("赵一", "90000", "89999.99")],
            breakdown=[[*east, "89999.99"], [*east[:5], "月度销售额≥29999.99元", "89999.97"]],
        )
    )
    strict, loose = [t for t in figures.targets if t.name == "华东区域"]
    # 89,999.99 / 3 = 29,999.9966…: rounded to the fen first it met ≥ 30,000
    assert strict.standard.met is False
    assert loose.standard.met is True  # exactly 29,999.99 a month meets ≥ 29,999.99


HEALTH = ["结果", "营收达成率", "≥100%", "<90%", "加快大项目回款"]


def test_health_status_on_the_exact_value(tmp_path: Path) -> None:
    figures = figures_of(
        make_org(
            tmp_path / "wb",
            [("赵一", "275000", "274986.25")],
            breakdown=[["季度销售额", "区域-华东区域", "275000", "王总", "2026-09-30", "", ""]],
            health=[HEALTH],
        )
    )
    revenue = next(h for h in figures.health if h.name == "营收达成率")
    assert revenue.value == Decimal("0.99995")
    assert revenue.status == "watch"  # 99.995 % is not ≥ 100 %


# --- 2. display rounds once and never across a line ----------------------------------------------


def test_percent_rounded_once_from_the_exact_ratio() -> None:
    assert percent_text(Decimal(18400) / Decimal(27000)) == "68.1%"  # not 68.2 % via 0.6815
    assert percent_text(Decimal(7) / Decimal(13)) == "53.8%"
    assert percent_text("0.99995") == "99.99%"
    assert percent_text("0.9995") == "99.95%"
    assert percent_text("1") == "100.0%"
    assert percent_text("1.00004") == "100.004%"  # 100.0% only when exactly 100 %
    assert percent_text("0.6499", [Decimal("0.65")]) == "64.99%"  # a pace band at 65 %
    assert shown_percent(Decimal("0.899999"), (Decimal("0.9"),)) == Decimal("89.99")
    assert shown(Decimal("89.99"), 1, (Decimal(90), Decimal(80))) == Decimal("89.99")
    assert shown(Decimal("89.94"), 1, (Decimal(90),)) == Decimal("89.9")
    assert shown(Decimal("120.04"), 1, (Decimal(120),)) == Decimal("120.04")  # > 120 stays > 120


# --- 3. splits add back -------------------------------------------------------------------------


def test_money_split_last_month_takes_the_cents(tmp_path: Path) -> None:
    figures = figures_of(
        make_org(
            tmp_path / "wb",
            [("赵一", "400000", "100000")],
            overall=[["新客户开发", "8", "个", "2026Q3", "2026-07-01", "2026-09-30"]],
            breakdown=[["新客户开发", "个人-赵一", "8个", "赵一", "2026-09-30", "", ""]],
        )
    )
    money = person_target(figures, "赵一")
    assert money.months == [
        ("2026-07", Decimal("133333.33")),
        ("2026-08", Decimal("133333.33")),
        ("2026-09", Decimal("133333.34")),
    ]
    assert sum(a for _, a in money.months) == Decimal(400000)
    count = next(t for t in figures.targets if t.unit == "个")
    assert [a for _, a in count.months] == [3, 3, 2]  # whole units, remainder to the earliest
    assert count.monthly is None  # no "2.67 个" a month
    assert count.weekly is None
    assert count.daily is None


def test_count_run_rates_are_whole_units(tmp_path: Path) -> None:
    figures = figures_of(
        make_org(
            tmp_path / "wb",
            [("赵一", "300000", "100000")],
            overall=[["新客户开发", "300", "个", "2026Q3", "2026-07-01", "2026-09-30"]],
            breakdown=[["新客户开发", "个人-赵一", "300个", "赵一", "2026-09-30", "", ""]],
        )
    )
    count = next(t for t in figures.targets if t.unit == "个")
    assert count.monthly == 100
    assert [a for _, a in count.months] == [100, 100, 100]
    # 300 over the quarter's working days is 4.6… a day: asked as 5, never a fraction
    assert count.daily == count.daily.to_integral_value()
    assert count.daily == 5
    assert count.weekly == count.weekly.to_integral_value()


# --- 4. 成长进步榜 and near misses ------------------------------------------------------------------


def test_growth_board_by_sales_increase_ties_by_points(tmp_path: Path) -> None:
    folder = make_org(
        tmp_path / "wb",
        [
            ("甲", "100000", "60000"),  # +20,000 and +20 points
            ("乙", "200000", "60000"),  # +20,000 and +10 points: behind 甲 on the tie
            ("丙", "100000", "90000"),  # +5,000, the largest attainment gain (+50 points)
            ("丁", "100000", "50000"),  # a decrease: not on the board
        ],
    )
    history = tmp_path / "history.sqlite"
    previous = {"甲": "40000", "乙": "40000", "丙": "85000", "丁": "60000"}
    points = {"甲": "0.4", "乙": "0.2", "丙": "0.4", "丁": "0.6"}
    ledger.record(
        history,
        parse_period("2026Q2"),
        "2026-06-30",
        "test",
        [("person", n, "actual", Decimal(v)) for n, v in previous.items()]
        + [("person", n, "attainment", Decimal(v)) for n, v in points.items()],
    )
    figures = figures_of(folder, history)
    board = next(a for a in figures.awards if a.key == "growth_board")
    assert board.winners == ["甲", "乙", "丙"]
    assert board.standings == [
        ("甲", Decimal(20000), Decimal(20)),
        ("乙", Decimal(20000), Decimal(10)),
        ("丙", Decimal(5000), Decimal(50)),
    ]


def test_growth_board_needs_previous_sales(tmp_path: Path) -> None:
    figures = figures_of(make_org(tmp_path / "wb", [("甲", "100000", "60000")]))
    board = next(a for a in figures.awards if a.key == "growth_board")
    assert board.available is False
    assert board.winners == []


def test_near_misses_closest_first(tmp_path: Path) -> None:
    # twelve people below the line, in table order from the farthest to the closest
    people = [(f"员工{i:02d}", "100000", str(95100 + 400 * i)) for i in range(12)]
    figures = figures_of(make_org(tmp_path / "wb", people))
    star = next(a for a in figures.awards if a.key == "star")
    names = [name for name, _ in star.near_misses]
    assert names[:2] == ["员工11", "员工10"]
    assert names == sorted(names, reverse=True)


# --- documents show the same displayed value ------------------------------------------------------


@pytest.fixture(scope="module")
def run_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("exact")
    folder = make_org(
        base / "wb",
        [("赵一", "275000", "274986.25"), ("钱二", "27000", "18400")],
        scores={"赵一": "89.99"},
        overall=[["新客户开发", "8", "个", "2026Q3", "2026-07-01", "2026-09-30"]],
        breakdown=[["新客户开发", "个人-赵一", "8个", "赵一", "2026-09-30", "", ""]],
    )
    out = base / "out"
    result = CliRunner().invoke(
        cli, ["run", str(folder), "-o", str(out), "--period", "2026Q3", "--as-of", "2026-09-30"]
    )
    assert result.exit_code in (0, 1), result.output
    return out


def pdf_text(path: Path) -> str:
    return "".join("".join(p.extract_text().split()) for p in pypdf.PdfReader(path).pages)


@pytest.mark.slow
def test_figures_json_keeps_the_exact_value(run_output: Path) -> None:
    document = json.loads((run_output / "figures.json").read_text(encoding="utf-8"))
    people = document["figures"]["people"]
    assert people["赵一"]["attainment"] == "0.99995"
    assert Decimal(people["钱二"]["attainment"]) == Decimal(18400) / Decimal(27000)


@pytest.mark.slow
def test_summary_shows_what_the_pdfs_show(run_output: Path) -> None:
    summary = openpyxl.load_workbook(next(run_output.glob("汇总-*.xlsx")))
    ranking = summary["评估排名"]
    by_name = {row[1].value: row for row in ranking.iter_rows(min_row=2)}
    zhao = by_name["赵一"]
    assert zhao[4].value == pytest.approx(0.9999)
    assert zhao[4].number_format == "0.00%"
    assert zhao[5].value == pytest.approx(89.99)
    assert zhao[5].number_format == "0.00"
    assert zhao[6].value == "良好"
    qian = by_name["钱二"]
    assert qian[4].value == pytest.approx(0.681)
    assert qian[4].number_format == "0.0%"
    splits = {row[1].value: row for row in summary["目标分解"].iter_rows(min_row=2)}
    assert "2026-09 133,333.34" not in str(splits)  # 赵一's target is 275,000
    count = splits["个人-赵一"] if splits["个人-赵一"][5].value == "个" else None
    rows = [r for r in summary["目标分解"].iter_rows(min_row=2, values_only=True)]
    eight = next(r for r in rows if r[5] == "个")
    assert eight[6] == "2026-07 3；2026-08 3；2026-09 2"
    assert eight[7] is None
    assert eight[8] is None
    del count


@pytest.mark.slow
def test_review_pdf_never_rounds_across_the_line(run_output: Path) -> None:
    review = next(run_output.glob("*复盘*.pdf"))
    text = pdf_text(review)
    assert "99.99%" in text
    assert "赵一：达成率99.99%，未达100%门槛" in text
    assert "68.1%" in text
    assert "68.2%" not in text


@pytest.mark.slow
def test_letter_shows_the_split(run_output: Path) -> None:
    letter = next(p for p in (run_output / "责任书").glob("*.pdf") if "赵一" in p.name)
    text = pdf_text(letter)
    assert "91,666.67" in text
    assert "91,666.66" in text
    assert "0.33" not in text
    assert "0.02" not in text
