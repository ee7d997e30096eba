"""Every issue code has a test: each code that no other test named gets one here, made from a real
workbook folder that triggers exactly that condition and checked through `salesbook validate
--json` (its code, file › sheet › cell and severity); where the rule has a threshold both sides
of it are tested. The last test keeps it so: it fails naming any code in CODES no test mentions.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import (
    BREAKDOWN_ROWS,
    OVERALL_ROWS,
    ROSTER_ROWS,
    TODAY,
    headers,
    validate_json,
    write_book,
    write_targets,
)

from salesbook.cli import cli
from salesbook.issues import CODES

TARGETS = "销售目标分解表.xlsx"
FOLLOW_UPS = "10月跟进记录-华东(终版2).xlsx"


def only(report: dict, code: str) -> dict:
    """The one issue of `report`, which must be `code`: the folder is clean but for it."""
    assert report["by_code"] == {code: 1}, report["issues"]
    (issue,) = report["issues"]
    return issue


def codes_at(report: dict, code: str) -> list[str]:
    """Locations of `code` in `report`."""
    return [i["location"] for i in report["issues"] if i["code"] == code]


def write_settings(folder: Path, text: str) -> None:
    """salesbook.toml: the company (so no SB-C005) and then `text`."""
    (folder / "salesbook.toml").write_text(f'company = "测试有限公司"\n{text}', encoding="utf-8")


# --- C: settings -----------------------------------------------------------------------------


def test_c001_settings_file_that_is_not_toml(org: Path) -> None:
    write_settings(org, "\n[follow_up\npool_days = 30\n")  # the table header is not closed
    status, report = validate_json(org)
    assert status == 1
    # every default is used, so the company too: SB-C005 follows; C001 names the broken line
    assert report["by_code"] == {"SB-C001": 1, "SB-C005": 1}
    (issue,) = [i for i in report["issues"] if i["code"] == "SB-C001"]
    assert (issue["file"], issue["sheet"], issue["cell"], issue["row"]) == (
        "salesbook.toml",
        None,
        None,
        3,
    )
    assert issue["location"] == "salesbook.toml › 第3行"
    assert issue["severity"] == "error"


# (setting, the last allowed value, just past it): the range of the README's settings table.
C003_EDGES = [
    ("follow_up.pool_days", "3650", "3651"),
    ("follow_up.stale_days", "0", "-1"),
    ("pace.tolerance", "100", "100.01"),
    ("scorecard.attainment", "0", "-0.01"),
    ("grades.excellent", "100", "101"),
]


@pytest.mark.parametrize(("key", "edge", "past"), C003_EDGES, ids=[k for k, *_ in C003_EDGES])
def test_c003_setting_outside_its_range(org: Path, key: str, edge: str, past: str) -> None:
    table, name = key.split(".")
    write_settings(org, f"\n[{table}]\n{name} = {edge}\n")
    status, report = validate_json(org)
    assert (status, report["by_code"]) == (0, {}), report["issues"]

    write_settings(org, f"\n[{table}]\n{name} = {past}\n")
    status, report = validate_json(org)
    assert status == 1
    issue = only(report, "SB-C003")
    assert (issue["file"], issue["row"], issue["location"]) == (
        "salesbook.toml",
        4,
        "salesbook.toml › 第4行",
    )
    assert issue["severity"] == "error"
    assert issue["params"]["key"] == key
    assert issue["params"]["raw"] == past


# --- F, H: files and sheets --------------------------------------------------------------------


def test_f007_csv_in_no_known_encoding(org: Path) -> None:
    row = "科技公司,李明,2023-10-12,电话,询问参数,需要报价\n"
    header = ",".join(
        headers("follow_up", keys=["customer", "owner", "date", "channel", "summary", "feedback"])
    )
    # the same log in GB18030 is read; with a NUL byte it is no 8-bit text at all
    (org / "跟进.csv").write_bytes(f"{header}\n{row}".encode("gb18030"))
    status, report = validate_json(org)
    assert (status, report["by_code"]) == (0, {}), report["issues"]
    assert "跟进.csv" in report["files"]

    (org / "跟进.csv").write_bytes(f"{header}\n{row}".encode("gb18030") + b"\x00\xff")
    status, report = validate_json(org)
    assert status == 1
    issue = only(report, "SB-F007")
    assert (issue["file"], issue["sheet"], issue["cell"]) == ("跟进.csv", None, None)
    assert issue["location"] == "跟进.csv"
    assert issue["severity"] == "error"


# Root reads any folder: the run drops the two capabilities that let it, so mode 000 holds.
NO_OVERRIDE = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]


@pytest.mark.skipif(
    os.geteuid() == 0 and shutil.which("setpriv") is None, reason="root without setpriv"
)
def test_f014_folder_that_cannot_be_opened(org: Path) -> None:
    locked = org / "华东" / "旧档"
    write_book(locked / "计划.xlsx", {"计划": (headers("sales_plan"), [])})
    locked.chmod(0)
    try:
        process = subprocess.run(
            [
                *(NO_OVERRIDE if os.geteuid() == 0 else []),
                sys.executable,
                "-m",
                "salesbook",
                "validate",
                str(org),
                "--json",
                "--today",
                TODAY,
            ],
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
        )
    finally:
        locked.chmod(0o755)
    assert process.returncode == 1, process.stderr
    report = json.loads(process.stdout)
    issue = only(report, "SB-F014")
    assert (issue["file"], issue["sheet"], issue["cell"]) == ("华东/旧档", None, None)
    assert issue["severity"] == "error"
    assert issue["params"]["detail"] == "Permission denied"
    assert set(report["files"]) == {TARGETS, FOLLOW_UPS}  # the rest is read


def test_h004_header_without_data_rows(org: Path) -> None:
    plan = headers("sales_plan")
    write_book(org / "销售计划.xlsx", {"计划": (plan, [["李明", "2023-10", "YY集团", 4, "", ""]])})
    status, report = validate_json(org)
    assert (status, report["by_code"]) == (0, {}), report["issues"]

    write_book(org / "销售计划.xlsx", {"计划": (plan, [])})
    status, report = validate_json(org)
    assert status == 0  # for the record only
    issue = only(report, "SB-H004")
    assert (issue["file"], issue["sheet"], issue["cell"], issue["row"]) == (
        "销售计划.xlsx",
        "计划",
        None,
        1,
    )
    assert issue["location"] == "销售计划.xlsx › 计划 › 第1行"
    assert issue["severity"] == "info"


# --- T: targets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "flagged"),
    [
        ("2023-10-01", "2023-12-31", False),
        ("2023-10-02", "2023-12-31", True),
        ("2023-09-30", "2023-12-31", True),
        ("2023-10-01", "2023-12-30", True),
    ],
    ids=["the-quarter", "starts-a-day-late", "starts-a-day-early", "ends-a-day-early"],
)
def test_t008_dates_that_do_not_match_the_period(
    org: Path, start: str, end: str, flagged: bool
) -> None:
    overall = [[*OVERALL_ROWS[0][:4], start, end]]
    write_targets(org / TARGETS, overall, BREAKDOWN_ROWS, ROSTER_ROWS)
    status, report = validate_json(org)
    assert status == 0
    if not flagged:
        assert report["by_code"] == {}, report["issues"]
        return
    issue = only(report, "SB-T008")
    # reported at the start date, the first of the pair
    assert (issue["file"], issue["sheet"], issue["cell"]) == (TARGETS, "总体目标", "E2")
    assert issue["severity"] == "warning"
    assert issue["params"]["period"] == "2023Q4"


# --- P: appraisal -------------------------------------------------------------------------------


def appraisal_folder(org: Path, score: str) -> None:
    """Only the attainment part weighs: 李明 sells 16 of 20万元, so the scorecard gives exactly
    80; 王芳's row has no typed score. A typed score may differ from a full scorecard by 5."""
    weights = "".join(
        f"{k} = {100 if k == 'attainment' else 0}\n"
        for k in (
            "attainment",
            "new_customers",
            "retention",
            "process_nodes",
            "record_completeness",
            "qualitative",
        )
    )
    write_settings(org, f"\n[scorecard]\n{weights}")
    keys = ["name", "target", "actual", "score"]
    write_book(
        org / "评估.xlsx",
        {
            "评估": (
                headers("appraisal", keys=keys),
                [["李明", "20万元", "16万元", score], ["王芳", "20万元", "20万元", ""]],
            )
        },
    )


def run_issues(folder: Path, output: Path) -> tuple[int, list[dict]]:
    """`salesbook run --no-pdf`: its exit status and the issues of figures.json (those that need
    figures, such as the appraisal's, are found only by a run)."""
    result = CliRunner().invoke(
        cli, ["run", str(folder), "-o", str(output), "--no-pdf", "--today", TODAY, "-q"]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    document = json.loads((output / "figures.json").read_text(encoding="utf-8"))
    return result.exit_code, document["figures"]["issues"]


@pytest.mark.parametrize(
    ("score", "flagged"),
    [("85", False), ("85.01", True), ("75", False), ("74.99", True), ("80", False)],
    ids=["at-high-edge", "a-cent-above", "at-low-edge", "a-cent-below", "exact"],
)
def test_p004_typed_score_far_from_the_scorecard(
    org: Path, tmp_path: Path, score: str, flagged: bool
) -> None:
    appraisal_folder(org, score)
    status, issues = run_issues(org, tmp_path / "out")
    assert status == 0
    hits = [i for i in issues if i["code"] == "SB-P004"]
    if not flagged:
        assert hits == [], issues
        return
    (issue,) = hits
    assert (issue["file"], issue["sheet"], issue["cell"]) == ("评估.xlsx", "评估", "D2")
    assert issue["location"] == "评估.xlsx › 评估 › D2"
    assert issue["severity"] == "warning"
    assert issue["params"] == {"entered": score, "computed": "80"}


# --- V: values ----------------------------------------------------------------------------------


def write_follow_up(folder: Path, column: str, value: object) -> None:
    """The org's follow-up log with `value` in `column` of its first data row."""
    path = folder / FOLLOW_UPS
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    sheet.cell(2, header.index(column) + 1).value = value  # openpyxl marks '#N/A' as an error
    workbook.save(path)


@pytest.mark.parametrize("error", ["#DIV/0!", "#N/A", "#REF!", "#VALUE!"])
def test_v010_excel_error_value(org: Path, error: str) -> None:
    write_follow_up(org, headers("follow_up", keys=["feedback"])[0], error)
    status, report = validate_json(org)
    assert status == 1
    issue = only(report, "SB-V010")
    assert (issue["file"], issue["sheet"], issue["cell"]) == (FOLLOW_UPS, "Sheet1", "F2")
    assert issue["severity"] == "error"
    assert issue["params"]["raw"] == error


def test_v010_the_same_text_typed_is_no_error(org: Path) -> None:
    write_book(
        org / "另一份跟进.xlsx",
        {
            "Sheet1": (
                headers(
                    "follow_up",
                    keys=["customer", "owner", "date", "channel", "summary", "feedback"],
                ),
                [["新客户", "李明", "2023-10-20", "电话", "初次联系", "#N/A"]],
            )
        },
    )
    status, report = validate_json(org)
    assert (status, report["by_code"]) == (0, {}), report["issues"]


def health_book(folder: Path, monitoring: list[list[object]], data: list[list[object]]) -> None:
    write_book(
        folder / "健康度.xlsx",
        {
            "健康度监控": (headers("health_monitoring"), monitoring),
            "指标数据": (headers("health_data", keys=["period", "indicator", "value"]), data),
        },
    )


MONITORING = [["流程效率", "平均销售周期", "≤90天", ">120天", ""]]
DATA = [["2023-10", "平均销售周期", "85天"]]


def plan(org: Path, column: int, value: object) -> None:
    row: list[object] = ["李明", "2023-10", "YY集团", 4, "", ""]
    row[column] = value
    write_book(org / "计划.xlsx", {"计划": (headers("sales_plan"), [row])})


def overall_target(org: Path, value: object) -> None:
    overall = [[OVERALL_ROWS[0][0], value, *OVERALL_ROWS[0][2:]]]
    write_targets(org / TARGETS, overall, BREAKDOWN_ROWS, ROSTER_ROWS)


def appraisal_score(org: Path, value: object) -> None:
    rows = [["李明", "20万元", "20万元", value], ["王芳", "20万元", "20万元", ""]]
    keys = ["name", "target", "actual", "score"]
    write_book(org / "评估.xlsx", {"评估": (headers("appraisal", keys=keys), rows)})


def health_data(org: Path, column: int, value: object) -> None:
    data = [list(DATA[0])]
    data[0][column] = value
    health_book(org, MONITORING, data)


def healthy_threshold(org: Path, value: object) -> None:
    health_book(org, [[*MONITORING[0][:2], value, *MONITORING[0][3:]]], DATA)


def case(
    code: str,
    write: Callable[[Path, str], None],
    where: tuple[str, str, str],
    good: str,
    bad: str,
    name: str,
):  # -> ParameterSet, a private pytest type
    return pytest.param(code, write, where, good, bad, id=f"{code[3:]}-{name}")


# Each case writes the good value (no value issue), then the bad one (its code at that cell).
PLAN = ("计划.xlsx", "计划")
HEALTH = "健康度.xlsx"
BAD_VALUES = [
    case("SB-V004", lambda o, v: plan(o, 3, v), (*PLAN, "D2"), "0", "-1", "negative-count"),
    case("SB-V004", lambda o, v: plan(o, 3, v), (*PLAN, "D2"), "3", "3.5", "fractional-count"),
    case("SB-V008", overall_target, (TARGETS, "总体目标", "B2"), "100万元", "一百多万", "quantity"),
    case("SB-V008", appraisal_score, ("评估.xlsx", "评估", "D2"), "92分", "九十二分左右", "number"),
    case(
        "SB-V008",
        lambda o, v: health_data(o, 2, v),
        (HEALTH, "指标数据", "C2"),
        "85天",
        "八十多天",
        "measure",
    ),
    case(
        "SB-V011",
        lambda o, v: health_data(o, 0, v),
        (HEALTH, "指标数据", "A2"),
        "2023-12",
        "2023-13",
        "month-13",
    ),
    case("SB-V011", lambda o, v: plan(o, 1, v), (*PLAN, "B2"), "1900", "1899", "year-1899"),
    case(
        "SB-V012", healthy_threshold, (HEALTH, "健康度监控", "C2"), "≤90天", "90天左右", "threshold"
    ),
]


@pytest.mark.parametrize(("code", "write", "where", "good", "bad"), BAD_VALUES)
def test_unreadable_value_is_its_code_at_its_cell(
    org: Path,
    code: str,
    write: Callable[[Path, str], None],
    where: tuple[str, str, str],
    good: str,
    bad: str,
) -> None:
    """The good value beside the bad one (at the edge where there is one) is read as is."""
    write(org, good)
    _, report = validate_json(org)
    assert not [i for i in report["issues"] if i["code"].startswith("SB-V")], report["issues"]

    write(org, bad)
    status, report = validate_json(org)
    assert status == 1
    hits = [i for i in report["issues"] if i["code"] == code]
    assert [(i["file"], i["sheet"], i["cell"]) for i in hits] == [where], report["issues"]
    assert hits[0]["severity"] == "error"
    assert hits[0]["params"]["raw"] == bad


@pytest.mark.parametrize(("formulas", "more"), [(50, 0), (51, 1)], ids=["50-shown", "51-one-more"])
def test_v015_formulas_reaching_out_past_the_first_fifty(
    org: Path, formulas: int, more: int
) -> None:
    """The first 50 formulas that reach outside the workbook are SB-V013 each; the rest one
    SB-V015 for the whole file, with their count."""
    path = org / FOLLOW_UPS
    book = openpyxl.load_workbook(path)
    notes = book.create_sheet("备注")
    for row in range(1, formulas + 1):
        notes[f"A{row}"] = f'=WEBSERVICE("http://example.invalid/{row}")'
    book.save(path)
    status, report = validate_json(org)
    assert status == 0  # warnings: the filled copy keeps the saved results
    assert report["by_code"]["SB-V013"] == 50
    hits = [i for i in report["issues"] if i["code"] == "SB-V015"]
    if not more:
        assert hits == []
        return
    (issue,) = hits
    assert (issue["file"], issue["sheet"], issue["cell"]) == (FOLLOW_UPS, None, None)
    assert issue["severity"] == "warning"
    assert issue["params"] == {"count": str(more)}


# --- every code is tested -----------------------------------------------------------------------


def test_every_code_is_named_by_a_test() -> None:
    """Each code in CODES appears in some test file's text: a new code comes with its test."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.rglob("*.py"))
    missing = sorted(set(CODES) - set(re.findall(r"SB-[A-Z]\d{3}", text)))
    assert not missing, f"no test names {', '.join(missing)}"
