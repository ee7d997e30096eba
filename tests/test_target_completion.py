"""A CRM's target-completion export (issue 14 §3): per-person monthly targets and actuals.

Folders hold a roster and WukongCRM's 业绩目标完成情况 export (tests/crm_exports.py), as .xlsx and
.xls; the expected figures are computed here from the builder's rows, never typed in.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import found, headers, validate_json, write_book, write_company
from crm_exports import (
    BROKEN_SUBTOTAL,
    MONTHS,
    QUARTERS,
    TARGET_HEADER,
    Fmt,
    target_completion,
    target_completion_rows,
)

import salesbook
from salesbook.cli import cli
from salesbook.contexts.letters import letter_contexts
from salesbook.values import column_letter, parse_period

PEOPLE = ("张三", "李四", "王五")
ROSTER = [
    ["赵经理", "S100", "区域经理", "华东", "华东一组", "", "2020-01-01", "", "在职"],
    *[
        [name, f"S10{i}", "销售代表", "华东", "华东一组", "赵经理", "2021-01-01", "", "在职"]
        for i, name in enumerate(PEOPLE, 1)
    ],
]
FORMATS = ("xlsx", "xls")
AS_OF = ("--today", "2026-09-30")


def folder_with_export(
    tmp_path: Path, fmt: Fmt, broken_subtotal: bool = False, toml: str = "", roster=ROSTER
) -> Path:
    folder = tmp_path / f"workbooks-{fmt}"
    write_book(folder / "团队名册.xlsx", {"团队名册": (headers("roster"), roster)})
    target_completion(folder, fmt, broken_subtotal=broken_subtotal)
    write_company(folder)
    if toml:
        with (folder / "salesbook.toml").open("a", encoding="utf-8") as handle:
            handle.write(toml)
    return folder


def month_rows(person: str) -> dict[int, tuple[Decimal, Decimal]]:
    """Month (1–12) -> (目标, 完成) of `person`, from the builder's month rows only."""
    _, rows = target_completion_rows()
    return {
        MONTHS.index(str(label)) + 1: (Decimal(str(target)), Decimal(str(done)))
        for name, label, target, done, _ in rows
        if name == person and label in MONTHS
    }


def expected(person: str, months: range) -> tuple[Decimal, Decimal]:
    rows = month_rows(person)
    return (
        sum((rows[m][0] for m in months), Decimal(0)),
        sum((rows[m][1] for m in months), Decimal(0)),
    )


def figures_of(folder: Path, period: str, as_of: str):
    return salesbook.load(folder, jobs=1).compute(
        parse_period(period), dt.date.fromisoformat(as_of)
    )


def by_person(figures) -> dict[str, list]:
    found: dict[str, list] = {}
    for figure in figures.targets:
        found.setdefault(figure.name, []).append(figure)
    return found


def cell_of(person: str, label: str, header: str) -> str:
    """The export's cell of `person`'s `label` row under `header` (header on row 1)."""
    _, rows = target_completion_rows()
    index = next(i for i, row in enumerate(rows) if (row[0], row[1]) == (person, label))
    return f"{column_letter(TARGET_HEADER.index(header))}{index + 2}"


@pytest.mark.parametrize("fmt", FORMATS)
def test_quarter_target_and_actual_per_person(tmp_path: Path, fmt: Fmt) -> None:
    folder = folder_with_export(tmp_path, fmt)
    figures = figures_of(folder, "2026-09", "2026-09-30")
    people = by_person(figures)
    assert sorted(people) == sorted(PEOPLE)
    for person in PEOPLE:
        [figure] = people[person]
        target, actual = expected(person, range(7, 10))
        assert figure.period.label == "2026Q3"
        assert (figure.target, figure.actual) == (target, actual)  # 张三: 300000 / 284000
        assert figure.attainment == actual / target
        assert figure.months == [(f"2026-{m:02d}", month_rows(person)[m][0]) for m in range(7, 10)]
        assert figure.row is None  # no breakdown row: nothing written back for it
        assert figure.pace is not None
        assert figure.projection is not None
    code, report = validate_json(folder, "--period", "2026-09", "--today", "2026-09-30")
    assert code == 0
    assert not {c for c, _ in found(report)} & {"SB-T015", "SB-V006", "SB-T004", "SB-H006"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_months_are_the_exports_own_and_points_are_percent(tmp_path: Path, fmt: Fmt) -> None:
    folder = folder_with_export(tmp_path, fmt)
    loaded = salesbook.load(folder, jobs=1)
    table = loaded.book.table("target_completion")
    assert table is not None
    keys = zip(table.texts("name"), table.texts("month"), strict=True)
    rates = dict(zip(keys, table.decimals("rate"), strict=True))
    assert rates[("李四", "一月")] == Decimal("0.025")  # 2.5 points: 2.5 %, not 250 %
    assert rates[("张三", "一月")] == Decimal("0.855")
    people = by_person(figures_of(folder, "2026-03", "2026-03-31"))
    [wang] = people["王五"]
    # 王五 has no target in February: the export's months, not an even third each
    assert wang.months == [
        ("2026-01", Decimal(80000)),
        ("2026-02", Decimal(0)),
        ("2026-03", Decimal(80000)),
    ]
    assert wang.monthly is None
    [li] = people["李四"]
    assert (li.target, li.actual) == expected("李四", range(1, 4))


def test_subtotal_rows_are_not_counted_twice(tmp_path: Path) -> None:
    folder = folder_with_export(tmp_path, "xlsx")
    people = by_person(figures_of(folder, "2026", "2026-12-31"))
    for person in PEOPLE:
        [figure] = people[person]
        target, actual = expected(person, range(1, 13))
        assert (figure.target, figure.actual) == (target, actual)  # 全年 and 第N季度 rows left out
        assert len(figure.months) == 12
        assert len(figure.quarters) == 4
    # part of a quarter: only the months begun by the as-of date count as done
    people = by_person(figures_of(folder, "2026-08", "2026-08-20"))
    target, actual = expected("张三", range(7, 9))
    assert people["张三"][0].target == expected("张三", range(7, 10))[0]
    assert people["张三"][0].actual == actual


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_broken_subtotal_is_warned_at_its_cell(tmp_path: Path, fmt: Fmt) -> None:
    folder = folder_with_export(tmp_path, fmt, broken_subtotal=True)
    code, report = validate_json(folder, "--period", "2026-09", "--today", "2026-09-30")
    assert code == 0  # a warning: the months are used
    person, quarter = BROKEN_SUBTOTAL
    [issue] = [i for i in report["issues"] if i["code"] == "SB-T015"]
    assert issue["cell"] == cell_of(person, quarter, "完成")
    assert issue["file"] == f"业绩目标完成情况.{fmt}"
    wanted = expected(
        person, range(3 * QUARTERS.index(quarter) + 1, 3 * QUARTERS.index(quarter) + 4)
    )[1]
    assert f"{wanted + 1000:,}" in issue["message"]  # found, and the months' sum
    assert f"{wanted:,}" in issue["message"]
    assert issue["severity"] == "warning"
    # the figures come from the months, the broken subtotal changes nothing
    people = by_person(figures_of(folder, "2026-06", "2026-06-30"))
    assert people[person][0].actual == wanted


def test_a_month_label_that_is_neither_is_an_error_and_not_used(tmp_path: Path) -> None:
    folder = tmp_path / "workbooks"
    write_book(folder / "团队名册.xlsx", {"团队名册": (headers("roster"), ROSTER)})
    header, rows = target_completion_rows()
    rows = [list(r) for r in rows]
    for row in rows:  # 1月… and 01… as other CRMs write them; Q3 for the subtotal
        if row[0] == "张三" and row[1] in MONTHS:
            row[1] = f"{MONTHS.index(str(row[1])) + 1}月"
        elif row[0] == "王五" and row[1] in MONTHS:
            row[1] = f"{MONTHS.index(str(row[1])) + 1:02d}"
        elif row[1] == "第三季度":
            row[1] = "Q3"
    bad = next(i for i, r in enumerate(rows) if (r[0], r[1]) == ("李四", "八月"))
    rows[bad][1] = "八月上旬"
    write_book(folder / "目标完成.xlsx", {"Sheet1": (header, rows)})
    write_company(folder)
    code, report = validate_json(folder, "--period", "2026-09", "--today", "2026-09-30")
    assert code == 1
    assert ("SB-V006", f"目标完成.xlsx › Sheet1 › B{bad + 2}") in found(report)
    people = by_person(figures_of(folder, "2026-09", "2026-09-30"))
    for person in ("张三", "王五"):
        assert (people[person][0].target, people[person][0].actual) == expected(
            person, range(7, 10)
        )
    assert "李四" not in people  # a month of the quarter unreadable: no partial target


def test_a_rate_that_is_not_actual_over_target_is_warned(tmp_path: Path) -> None:
    folder = tmp_path / "workbooks"
    header, rows = target_completion_rows()
    bad = next(i for i, r in enumerate(rows) if (r[0], r[1]) == ("李四", "一月"))
    rows[bad][4] = 250  # 2.5 % typed as if it were a ratio of 2.5
    write_book(folder / "目标完成.xlsx", {"Sheet1": (header, rows)})
    write_company(folder)
    code, report = validate_json(folder, "--period", "2026-09", *AS_OF)
    assert code == 0
    [issue] = [i for i in report["issues"] if i["code"] == "SB-T015"]
    assert issue["cell"] == f"E{bad + 2}"
    assert "250.00%" in issue["message"]
    assert "2.50%" in issue["message"]


def test_a_letter_withheld_for_someone_off_the_roster_points_at_the_export(
    tmp_path: Path,
) -> None:
    roster = [row for row in ROSTER if row[0] != "王五"]
    folder = folder_with_export(tmp_path, "xlsx", roster=roster)
    figures = figures_of(folder, "2026-09", "2026-09-30")
    assert figures.documents["letters"] == {"2026Q3": ["张三", "李四"]}
    [issue] = [i for i in figures.issues if i.code == "SB-T014"]
    assert issue.location.file == "业绩目标完成情况.xlsx"
    assert issue.location.cell == cell_of("王五", "一月", "名称")


def test_the_year_comes_from_the_setting(tmp_path: Path) -> None:
    plain = folder_with_export(tmp_path / "plain", "xlsx")
    people = by_person(figures_of(plain, "2027-09", "2027-09-30"))
    assert people["张三"][0].months[0][0] == "2027-07"  # no year in the export: the run's
    fixed = folder_with_export(tmp_path / "fixed", "xlsx", toml="[read]\ncompletion_year = 2026\n")
    assert by_person(figures_of(fixed, "2027-09", "2027-09-30")) == {}  # 2026's months, not 2027's
    people = by_person(figures_of(fixed, "2026-09", "2026-09-30"))
    assert people["张三"][0].months[0][0] == "2026-07"
    assert people["张三"][0].target == expected("张三", range(7, 10))[0]


def test_a_breakdown_target_wins_and_gets_the_exports_actual(tmp_path: Path) -> None:
    folder = folder_with_export(tmp_path, "xlsx")
    zhang_target, zhang_actual = expected("张三", range(7, 10))
    li_target, li_actual = expected("李四", range(7, 10))
    whole = zhang_target + li_target - 100000  # the breakdown adds up: no T011/T012
    write_book(
        folder / "销售目标分解表.xlsx",
        {
            "总体目标": (
                headers("target_overall"),
                [["季度销售额", f"{whole}元", "元", "2026Q3", "2026-07-01", "2026-09-30"]],
            ),
            "目标分解": (
                headers("target_breakdown", keys=["overall", "dimension", "target", "owner"]),
                [
                    ["季度销售额", "个人-张三", f"{zhang_target}元", "张三"],
                    ["季度销售额", "个人-李四", f"{li_target - 100000}元", "李四"],
                ],
            ),
        },
    )
    figures = figures_of(folder, "2026-09", "2026-09-30")
    people = by_person(figures)
    [zhang], [li], [wang] = people["张三"], people["李四"], people["王五"]
    assert (zhang.row, zhang.target, zhang.actual) == (0, zhang_target, zhang_actual)
    assert zhang.actual_source == "target_completion"
    assert (li.row, li.target, li.actual) == (1, li_target - 100000, li_actual)
    assert wang.row is None
    assert wang.source == "target_completion"
    [issue] = [i for i in figures.issues if i.code == "SB-T016"]
    assert (issue.location.file, issue.location.cell) == ("销售目标分解表.xlsx", "C3")
    assert f"是 {li_target - 100000}" in issue.message()
    assert f"中是 {li_target}" in issue.message()
    assert not [i for i in figures.issues if i.code in ("SB-T011", "SB-T012", "SB-P007")]

    output = tmp_path / "output"
    result = CliRunner().invoke(
        cli,
        ["run", str(folder), "-o", str(output), "--period", "2026-09", *AS_OF, "--no-pdf"],
    )
    assert result.exit_code == 0, result.output
    # the filled breakdown: its two rows get their actuals; 王五's export figure goes nowhere
    sheet = openpyxl.load_workbook(output / "workbooks" / "销售目标分解表.xlsx")["目标分解"]
    title = [c.value for c in sheet[1]]
    actual = title.index("实际完成") + 1
    assert [sheet.cell(r, actual).value for r in (2, 3)] == [zhang_actual, li_actual]
    assert sheet.max_row == 3
    document = json.loads((output / "figures.json").read_text(encoding="utf-8"))
    targets = document["figures"]["targets"]
    assert sorted(t["name"] for t in targets) == sorted(PEOPLE)
    assert "row" not in targets[0]
    # one 销售目标责任书 each: 张三 and 李四 from the breakdown, 王五 from the export's months
    letters = {c.owner: c for c in letter_contexts(document)}
    assert sorted(letters) == sorted(PEOPLE)
    assert [t.metric for t in letters["张三"].targets] == ["季度销售额"]
    [wang_letter] = letters["王五"].targets
    assert wang_letter.amount == f"{expected('王五', range(7, 10))[0]}"
    assert [m for _, m in wang_letter.months] == [
        f"{month_rows('王五')[m][0]}" for m in range(7, 10)
    ]
