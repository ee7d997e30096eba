"""`salesbook init` templates and the `salesbook demo` organisation, driven through the CLI."""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import headers, validate_json

from salesbook.cli import cli
from salesbook.config import default_config, load_config
from salesbook.read import read_folder
from salesbook.samples.data import CHANNEL_WEIGHTS
from salesbook.schemas import (
    APPRAISAL,
    CHANNELS,
    FOLLOW_UP,
    ROSTER,
    TARGET_BREAKDOWN,
    WORKBOOKS,
)
from salesbook.values import Quantity

# The mistakes `salesbook demo` plants, each exactly once, and the file it is in (default demo).
LOG_EAST = "跟进记录/2026Q3跟进记录-华东(终版2).xlsx"
LOG_SOUTH = "跟进记录/华南客戶跟進記錄表_2026Q3.xlsx"
LOG_NORTH = "跟进记录/华北跟进记录2026年7-9月.xlsx"
LOG_WEST = "跟进记录/西南 Follow-up log 2026Q3.xlsx"
PLANTED = {
    "SB-U001": LOG_NORTH,  # due date before the follow-up date
    "SB-U004": LOG_EAST,  # follow-up owner not on the roster
    "SB-U005": LOG_NORTH,  # a row copied from the 华东 log
    "SB-V006": LOG_WEST,  # channel 钉钉
    "SB-T002": "销售目标分解表.xlsx",  # breakdown owner not on the roster
    "SB-V002": "销售业绩评估表.xlsx",  # 约1.5万 as an actual
    "SB-R002": "复盘记录.xlsx",  # an action past its due date, not started
}


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def digests(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under `folder`."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def rows(path: Path, sheet: str | None = None) -> list[tuple[object, ...]]:
    workbook = openpyxl.load_workbook(path)
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    return list(worksheet.iter_rows(values_only=True))


def cell_of(path: Path, sheet: str, value: object) -> str:
    """The coordinate of the only cell of `sheet` holding `value`."""
    worksheet = openpyxl.load_workbook(path)[sheet]
    found = [c.coordinate for row in worksheet.iter_rows() for c in row if c.value == value]
    assert len(found) == 1, (value, found)
    return found[0]


# --- init -------------------------------------------------------------------------------------------


def test_init_writes_one_blank_workbook_per_kind(tmp_path: Path) -> None:
    code, output = invoke("init", str(tmp_path / "blank"))
    assert code == 0, output
    names = {p.name for p in (tmp_path / "blank").iterdir()}
    assert names == {f"{kind.title()}.xlsx" for kind in WORKBOOKS} | {"salesbook.toml"}
    assert len(output.splitlines()) == len(WORKBOOKS) + 1
    # the commented settings file reads back as exactly the defaults
    folder, issues = load_config(tmp_path / "blank")
    assert issues == []
    assert folder == replace(default_config(), source=str(tmp_path / "blank" / "salesbook.toml"))


def test_init_template_has_headers_dropdowns_and_frozen_header(tmp_path: Path) -> None:
    invoke("init", str(tmp_path), "--period", "2026Q4")
    workbook = openpyxl.load_workbook(tmp_path / "客户跟进记录表.xlsx")
    sheet = workbook[FOLLOW_UP.zh]
    assert [c.value for c in sheet[1]] == headers("follow_up")
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists["D2:D1000"] == '"' + ",".join(c.value for c in CHANNELS) + '"'
    # The seed's example row moved into the quarter, its ISO date as a real date with a format.
    assert sheet["A2"].value == FOLLOW_UP.example_rows[0][0]
    assert sheet["C2"].value == dt.datetime(2026, 10, 10)
    assert sheet["C2"].number_format == "yyyy-mm-dd"
    assert sheet.column_dimensions["E"].width == FOLLOW_UP.column("summary").width
    appraisal = openpyxl.load_workbook(tmp_path / "销售业绩评估表.xlsx").active
    assert appraisal["B2"].value == APPRAISAL.example_rows[0][1]
    assert appraisal["B2"].number_format == "#,##0.00"
    assert appraisal["D2"].number_format == "0.0%"


@pytest.mark.parametrize("lang", ["zh", "zh-Hant", "en"])
def test_init_templates_validate_without_errors(tmp_path: Path, lang: str) -> None:
    folder = tmp_path / lang
    code, output = invoke("init", str(folder), "--lang", lang, "--period", "2026Q4")
    assert code == 0, output
    code, report = validate_json(folder)
    assert code == 0, report["issues"]
    assert report["counts"]["error"] == 0
    # Only the company not yet set and an example action past its due date are warned about.
    assert set(report["by_code"]) <= {"SB-C005", "SB-R002"}
    book = {kind.key: folder / f"{kind.title(lang)}.xlsx" for kind in WORKBOOKS}
    assert rows(book["targets"], ROSTER.title(lang))[0] == tuple(headers("roster", lang))
    follow_up = openpyxl.load_workbook(book["follow_up"])[FOLLOW_UP.title(lang)]
    channel_list = next(
        v.formula1 for v in follow_up.data_validations.dataValidation if str(v.sqref) == "D2:D1000"
    )
    assert {"zh": "电话", "zh-Hant": "電話", "en": "Phone"}[lang] in channel_list


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    invoke("init", str(tmp_path))
    edited = tmp_path / "销售计划表.xlsx"
    workbook = openpyxl.load_workbook(edited)
    workbook.active["A3"] = "王芳"  # the admin has started filling it in
    workbook.save(edited)
    before = digests(tmp_path)

    code, output = invoke("init", str(tmp_path))
    assert code == 2
    assert "文件已存在" in output
    assert "销售计划表.xlsx" in output
    assert digests(tmp_path) == before

    code, output = invoke("init", str(tmp_path), "--force")
    assert code == 0, output
    assert rows(edited)[2:] == []  # the blank template is back


def test_init_writes_nothing_when_one_file_exists(tmp_path: Path) -> None:
    invoke("init", str(tmp_path / "first"))
    (tmp_path / "second").mkdir()
    (tmp_path / "second" / "复盘记录.xlsx").write_bytes(
        (tmp_path / "first" / "复盘记录.xlsx").read_bytes()
    )
    code, _ = invoke("init", str(tmp_path / "second"))
    assert code == 2
    assert [p.name for p in (tmp_path / "second").iterdir()] == ["复盘记录.xlsx"]


def test_init_is_byte_stable(tmp_path: Path) -> None:
    invoke("init", str(tmp_path / "a"))
    invoke("init", str(tmp_path / "b"))
    assert digests(tmp_path / "a") == digests(tmp_path / "b")


# --- demo -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "workbooks"
    code, output = invoke("demo", str(folder))
    assert code == 0, output
    return folder


def test_demo_is_deterministic(demo: Path, tmp_path: Path) -> None:
    invoke("demo", str(tmp_path / "again"))
    assert digests(tmp_path / "again") == digests(demo)
    invoke("demo", str(tmp_path / "other"), "--seed", "7")
    assert digests(tmp_path / "other") != digests(demo)
    # No clock anywhere: every zip entry and the document dates carry the period's end.
    for path in demo.rglob("*.xlsx"):
        with zipfile.ZipFile(path) as archive:
            assert {i.date_time for i in archive.infolist()} == {(2026, 9, 30, 18, 0, 0)}
            core = archive.read("docProps/core.xml").decode()
        assert core.count("2026-09-30T18:00:00Z") == 2


def test_demo_has_one_follow_up_log_per_region_in_three_languages(demo: Path) -> None:
    roster = rows(demo / "销售目标分解表.xlsx", ROSTER.zh)
    regions = {row[3] for row in roster[1:] if row[3]}
    assert regions == {"华东", "华南", "华北", "西南"}
    logs = sorted(p.relative_to(demo).as_posix() for p in (demo / "跟进记录").iterdir())
    assert logs == sorted([LOG_EAST, LOG_SOUTH, LOG_NORTH, LOG_WEST])
    # 华东: a merged title row above the header; 华北: two title rows.
    east = openpyxl.load_workbook(demo / LOG_EAST).active
    assert [str(r) for r in east.merged_cells.ranges] == ["A1:L1"]
    assert [c.value for c in east[2]] == headers("follow_up")
    assert rows(demo / LOG_NORTH)[2][0] == FOLLOW_UP.column("customer").zh
    # 华南 in Traditional, 西南 in English: headers and channel spellings alike.
    south, west = rows(demo / LOG_SOUTH), rows(demo / LOG_WEST)
    assert south[0] == tuple(headers("follow_up", "zh-Hant"))
    assert west[0][:3] == ("customer", "owner", "date")
    used = [c for c, weight in zip(CHANNELS, CHANNEL_WEIGHTS, strict=True) if weight]
    assert {r[3] for r in south[1:]} >= {c.hant or c.value for c in used}
    assert {r[3] for r in west[1:]} >= {c.en for c in used}


def test_demo_validates_to_exactly_the_planted_mistakes(demo: Path) -> None:
    code, report = validate_json(demo)
    assert code == 1  # errors planted
    assert {i["code"]: i["file"] for i in report["issues"]} == PLANTED
    assert len(report["issues"]) == len(PLANTED)  # each once, nothing else


def test_demo_oddities_read_correctly_and_are_not_reported(demo: Path) -> None:
    _, report = validate_json(demo)
    reported = {(i["file"], i["cell"]) for i in report["issues"]}
    targets = demo / "销售目标分解表.xlsx"
    in_words = cell_of(targets, TARGET_BREAKDOWN.zh, "四十万")
    assert ("销售目标分解表.xlsx", in_words) not in reported
    assert (LOG_EAST, cell_of(demo / LOG_EAST, "跟进记录", "2026年8月5日")) not in reported
    assert (LOG_SOUTH, cell_of(demo / LOG_SOUTH, "Sheet1", "2026/8/5")) not in reported

    book = read_folder(demo)
    breakdown = book.table("target_breakdown")
    assert breakdown is not None
    amounts = dict(zip(breakdown.texts("dimension"), breakdown.quantities("target"), strict=True))
    assert amounts["小组-华东一组"] == Quantity(Decimal(400000), None)
    follow_ups = book.table("follow_up")
    assert follow_ups is not None
    assert follow_ups.dates("date").count(dt.date(2026, 8, 5)) >= 2


def test_demo_keeps_the_seed_rows_with_real_people_and_dates(demo: Path) -> None:
    roster = {row[0] for row in rows(demo / "销售目标分解表.xlsx", ROSTER.zh)[1:]}
    breakdown = rows(demo / "销售目标分解表.xlsx", TARGET_BREAKDOWN.zh)[1:]
    found = []
    for seed in TARGET_BREAKDOWN.example_rows:
        # As in the seed but for the owner (a real person or group) and the deadline.
        (match,) = [r for r in breakdown if (r[0], r[2], r[5]) == (seed[0], seed[2], seed[5])]
        assert match[4] == "2026年9月30日"
        found.append(match)
    region, product, person = found
    assert region[1] == TARGET_BREAKDOWN.example_rows[0][1]
    assert product[1] == TARGET_BREAKDOWN.example_rows[1][1]
    assert person[1] == f"个人-{person[3]}"
    assert region[3] in roster
    assert person[3] in roster
    # the seed's *小组 is a real group, owned by its lead: a 责任人 is a person (SB-T013)
    assert product[3] in roster

    appraisal = rows(demo / "销售业绩评估表.xlsx")[1:]
    for seed in APPRAISAL.example_rows:
        (match,) = [r for r in appraisal if r[1:] == seed[1:]]
        assert match[0] in roster
        # Their individual sales target in the breakdown is the appraisal's.
        assert (match[0], seed[1]) in {(r[3], r[2]) for r in breakdown}

    east = rows(demo / LOG_EAST)[2:]
    for seed, day, due in zip(FOLLOW_UP.example_rows, (10, 11), (15, 20), strict=True):
        (match,) = [r for r in east if r[0] == seed[0] and r[4] == seed[4]]
        assert match[1] in roster
        assert match[2:4] == (dt.datetime(2026, 7, day), seed[3])
        assert match[7] == dt.datetime(2026, 7, due)


def test_demo_breakdowns_sum_to_the_overall_targets(demo: Path) -> None:
    book = read_folder(demo)
    breakdown = book.table("target_breakdown")
    assert breakdown is not None
    sums: dict[tuple[str, str], Decimal] = {}
    for overall, dimension, target in zip(
        breakdown.texts("overall"),
        breakdown.texts("dimension"),
        breakdown.quantities("target"),
        strict=True,
    ):
        key = (overall, dimension.split("-")[0])
        sums[key] = sums.get(key, Decimal(0)) + target.amount
    assert sums == {
        ("季度销售额100万元", "区域"): 1_000_000,
        ("季度销售额100万元", "产品"): 1_000_000,
        ("季度销售额100万元", "小组"): 1_000_000,
        ("季度销售额100万元", "个人"): 1_000_000,
        ("新客户开发30个", "个人"): 30,
    }


@pytest.mark.parametrize("reps", [1, 3, 60])
def test_demo_of_any_size_plants_each_mistake_once(tmp_path: Path, reps: int) -> None:
    code, output = invoke("demo", str(tmp_path), "--reps", str(reps))
    assert code == 0, output
    _, report = validate_json(tmp_path)
    assert report["by_code"] == dict.fromkeys(sorted(PLANTED), 1)


def test_demo_never_overwrites_without_force(demo: Path) -> None:
    before = digests(demo)
    code, output = invoke("demo", str(demo))
    assert code == 2
    assert "--force" in output
    assert digests(demo) == before
    code, output = invoke("demo", str(demo), "--force")
    assert code == 0, output
    assert digests(demo) == before


def test_demo_covers_a_quarter_only(tmp_path: Path) -> None:
    code, output = invoke("demo", str(tmp_path), "--period", "2026-08")
    assert code == 2
    assert "2026Q3" in output
    assert not any(tmp_path.iterdir())
