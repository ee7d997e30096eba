"""The 责任书 over its life (issue 15 §2–4): what was issued on record, changes after issue,
who has signed. Real runs through the CLI into the same output with one --history file."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from conftest import OVERALL_ROWS, ROSTER_ROWS, headers, write_book

from salesbook import __version__
from salesbook.cli import cli
from salesbook.render import TEMPLATES

KEYS = ["overall", "dimension", "target", "owner", "deadline", "standard", "signed"]
# 2023Q4 starts on a holiday (国庆); its working days after 10-01 are 10-07, 10-08 (adjusted
# weekend days), 10-09, 10-10, 10-11: letters are due signed by 10-11 (letters.sign_within_days 5)
DUE = "2023-10-11"
LATE = "2023-10-12"


def write_targets(
    folder: Path,
    li_ming: str = "20万元",
    signed: dict[str, str] | None = None,
    owners: tuple[str, ...] = ("李经理", "李明", "王芳"),
    edits: dict[str, dict[int, str]] | None = None,
) -> None:
    """The small organisation's targets; 李明's amount, who signed and any cell of a row
    (`edits`: row's owner -> {column index: value}) can be changed."""
    signed = signed or {}
    rows = {
        owner: ["季度销售额100万元", dimension, target, owner, "2023年12月31日", standard]
        for owner, dimension, target, standard in [
            ("李经理", "区域-华东区域", "40万元", "月度销售额≥13.3万元"),
            ("李明", "个人-李明", li_ming, ""),
            ("王芳", "个人-王芳", "20万元", ""),
            ("赵新", "个人-赵新", "10万元", ""),
        ]
    }
    for owner, cells in (edits or {}).items():
        for index, value in cells.items():
            rows[owner][index] = value
    roster = [
        *ROSTER_ROWS,
        ["赵新", "S009", "销售代表", "华东", "华东一组", "李经理", "2023-01-01", "", "在职"],
    ]
    write_book(
        folder / "销售目标分解表.xlsx",
        {
            "总体目标": (headers("target_overall"), OVERALL_ROWS),
            "目标分解": (
                headers("target_breakdown", keys=KEYS),
                [[*rows[o], signed.get(o, "")] for o in owners],
            ),
            "团队名册": (headers("roster"), roster),
        },
    )


def run(folder: Path, output: Path, history: Path, today: str = LATE, *args: str) -> str:
    result = CliRunner().invoke(
        cli,
        [
            "run",
            str(folder),
            "-o",
            str(output),
            "--today",
            today,
            "--period",
            "2023Q4",
            "--history",
            str(history),
            *args,
        ],
    )
    assert result.exit_code in (0, 1), (result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.output


def validate(folder: Path, today: str, *args: str) -> dict:
    result = CliRunner().invoke(
        cli, ["validate", str(folder), "--json", "--today", today, "--period", "2023Q4", *args]
    )
    assert result.exit_code in (0, 1), (result.output, result.exception)
    return json.loads(result.output)


def issues(output: Path, code: str) -> list[str]:
    """The messages of `code` in the run's 问题清单, with their places."""
    sheet = openpyxl.load_workbook(output / "问题清单.xlsx")["问题清单"]
    return [
        " ".join(str(cell) for cell in row if cell is not None)
        for row in sheet.iter_rows(min_row=2, values_only=True)
        if row[1] == code
    ]


def text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return "".join(out.stdout.split())


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for table in document.tables for row in table.rows for c in row.cells]
    return "".join("".join(parts).split())


def issued(history: Path) -> list[dict]:
    connection = sqlite3.connect(history)
    connection.row_factory = sqlite3.Row
    try:
        rows = connection.execute("SELECT * FROM issued ORDER BY owner, version").fetchall()
    finally:
        connection.close()
    return [dict(row) for row in rows]


@pytest.mark.slow
def test_history_records_what_each_letter_stated_and_reruns_change_nothing(
    org: Path, tmp_path: Path
) -> None:
    write_targets(org, signed={"李经理": "2023-10-09"})
    output, history = tmp_path / "out", tmp_path / "history.sqlite"
    run(org, output, history)
    rows = {row["owner"]: row for row in issued(history)}
    assert set(rows) == {"李经理", "李明", "王芳"}
    li = rows["李明"]
    assert (li["period"], li["version"], li["number"]) == ("2023Q4", 1, "XS-2023Q4-002")
    (target,) = json.loads(li["targets"])
    assert target["target"] == "200000"  # exact, as figures.json has it
    assert (target["unit"], target["deadline"], target["owner"]) == ("元", "2023-12-31", "李明")
    assert json.loads(rows["李经理"]["targets"])[0]["standard"] == "月度销售额≥13.3万元"
    assert json.loads(li["clauses"])["reward"].startswith("完成目标的")
    assert len(li["content"]) == 64
    template = json.loads(li["template"])
    assert template["name"] == "letters.html"
    built_in = hashlib.sha256((TEMPLATES / "letters.html").read_bytes()).hexdigest()
    assert template["files"]["letters.html"] == {"from": "built-in", "sha256": built_in}
    assert (li["run_period"], li["run_as_of"], li["salesbook"]) == (
        "2023Q4",
        json.loads((output / "figures.json").read_text(encoding="utf-8"))["as_of"],
        __version__,
    )
    assert li["issued_on"] == LATE

    # Signatures: 李经理 signed; 李明 and 王芳 not, a day after the 5th working day.
    unsigned = issues(output, "SB-T019")
    assert len(unsigned) == 2
    assert any("李明" in m and "XS-2023Q4-002" in m and DUE in m for m in unsigned)
    assert not any("李经理" in m for m in unsigned)
    review = text(output / "销售复盘报告-2023Q4.pdf")
    assert "未按时签署的责任书" in review
    assert "XS-2023Q4-003" in review  # 王芳's
    summary = openpyxl.load_workbook(output / "汇总-2023Q4.xlsx")
    sheet = summary["未签署责任书"]
    listed = [r[:2] for r in sheet.iter_rows(min_row=2, values_only=True) if r[0]]
    assert sorted(listed) == [("李明", "XS-2023Q4-002"), ("王芳", "XS-2023Q4-003")]

    before = history.read_bytes()
    letter = (output / "责任书" / "2023Q4-李明.pdf").read_bytes()
    run(org, output, history)  # nothing changed: nothing new on record, the same bytes
    assert history.read_bytes() == before
    assert (output / "责任书" / "2023Q4-李明.pdf").read_bytes() == letter
    assert "变更版" not in text(output / "责任书" / "2023Q4-李明.pdf")


@pytest.mark.slow
def test_a_changed_target_gives_a_revised_letter_and_keeps_the_old_one(
    org: Path, tmp_path: Path
) -> None:
    write_targets(org)
    output, history = tmp_path / "out", tmp_path / "history.sqlite"
    run(org, output, history, DUE)
    # 李明 signed the first version the day it was printed; then his target is raised
    write_targets(org, li_ming="25万元", signed={"李明": DUE})
    run(org, output, history, "2023-11-02")
    (warning,) = issues(output, "SB-T017")
    assert "李明" in warning
    assert "XS-2023Q4-002" in warning
    assert "200000元" in warning
    assert "250000元" in warning
    assert "XS-2023Q4-002-2" in warning
    li = [row for row in issued(history) if row["owner"] == "李明"]
    assert [(r["version"], r["number"]) for r in li] == [
        (1, "XS-2023Q4-002"),
        (2, "XS-2023Q4-002-2"),
    ]
    assert json.loads(li[0]["targets"])[0]["target"] == "200000"  # the earlier one kept
    assert json.loads(li[1]["targets"])[0]["target"] == "250000"
    assert li[1]["issued_on"] == "2023-11-02"
    page = text(output / "责任书" / "2023Q4-李明.pdf")
    assert "变更版" in page
    assert "XS-2023Q4-002-2" in page
    assert "250,000.00元" in page
    assert "变更版" not in text(output / "责任书" / "2023Q4-王芳.pdf")
    copy = docx_text(output / "责任书" / "2023Q4-李明.docx")  # the Word copy says the same
    assert "变更版" in copy
    assert "XS-2023Q4-002-2" in copy
    assert "XS-2023Q4-003-" not in text(output / "责任书" / "2023Q4-王芳.pdf")
    review = text(output / "销售复盘报告-2023Q4.pdf")
    assert "目标变更记录" in review
    # who, what, from, to, when detected, the revised letter (cells wrap: read without units)
    for shown in ("李明", "目标值", "200000", "250000", "2023年11月", "XS-2023Q4-002-2"):
        assert shown in review, shown
    # the figures measure 25万; the signed copy says 20万: the report says so
    assert "已签署的责任书XS-2023Q4-002（2023年10月11日签署）与考核所用的当前目标不同" in review
    assert "变更版XS-2023Q4-002-2尚未签署" in review
    figures = json.loads((output / "figures.json").read_text(encoding="utf-8"))
    (change,) = figures["letter_changes"]
    assert (change["owner"], change["field"], change["old"], change["new"]) == (
        "李明",
        "target",
        "200000元",
        "250000元",
    )
    # measured against the current target
    (target,) = [t for t in figures["figures"]["targets"] if t["owner"] == "李明"]
    assert target["target"] == "250000"

    # validate reads the history (never writes it) and says the same
    before = history.read_bytes()
    found = validate(org, "2023-11-02", "--history", str(history))
    assert [i["code"] for i in found["issues"] if i["code"] == "SB-T017"] == ["SB-T017"]
    assert history.read_bytes() == before

    letter = (output / "责任书" / "2023Q4-李明.pdf").read_bytes()
    run(org, output, history, "2023-11-02")  # again: no third version, the same bytes
    assert history.read_bytes() == before
    assert (output / "责任书" / "2023Q4-李明.pdf").read_bytes() == letter
    assert len(issues(output, "SB-T017")) == 1


@pytest.mark.slow
def test_a_locked_letter_is_not_reissued(org: Path, tmp_path: Path) -> None:
    write_targets(org)
    output, history = tmp_path / "out", tmp_path / "history.sqlite"
    run(org, output, history, DUE)
    (org / "salesbook.toml").write_text("[letters]\nlock = true\n", encoding="utf-8")
    write_targets(org, li_ming="25万元")
    result = CliRunner().invoke(
        cli,
        [
            "run",
            str(org),
            "-o",
            str(output),
            "--today",
            DUE,
            "--period",
            "2023Q4",
            "--history",
            str(history),
        ],
    )
    assert result.exit_code == 1, result.output
    (error,) = issues(output, "SB-T018")
    assert "XS-2023Q4-002" in error
    assert "200000元" in error
    assert "250000元" in error
    assert not issues(output, "SB-T017")
    assert [r["version"] for r in issued(history) if r["owner"] == "李明"] == [1]
    page = text(output / "责任书" / "2023Q4-李明.pdf")
    assert "变更版" not in page
    assert "XS-2023Q4-002" in page
    assert "200,000.00元" in page  # the letter as issued; the figures use 25万
    review = text(output / "销售复盘报告-2023Q4.pdf")
    assert "目标变更记录" in review
    assert "未出（已锁定，待确认）" in review


@pytest.mark.slow
def test_numbers_stay_when_an_owner_is_removed_or_added(org: Path, tmp_path: Path) -> None:
    write_targets(org)
    output, history = tmp_path / "out", tmp_path / "history.sqlite"
    run(org, output, history, DUE)
    write_targets(org, owners=("李明", "赵新", "王芳"))  # 李经理 gone, 赵新 new
    run(org, output, history, DUE)
    numbers = {
        owner: text(output / "责任书" / f"2023Q4-{owner}.pdf").split("编号：")[1][:13]
        for owner in ("李明", "王芳", "赵新")
    }
    assert numbers == {"李明": "XS-2023Q4-002", "王芳": "XS-2023Q4-003", "赵新": "XS-2023Q4-004"}
    assert not (output / "责任书" / "2023Q4-李经理.pdf").exists()
    assert not issues(output, "SB-T017")  # nobody's own targets changed


def test_unsigned_letters_are_warned_after_the_nth_working_day(org: Path) -> None:
    write_targets(org, signed={"李明": "2023-10-10"})
    on_time = validate(org, DUE)
    assert not [i for i in on_time["issues"] if i["code"] == "SB-T019"]
    late = validate(org, LATE)
    unsigned = [i for i in late["issues"] if i["code"] == "SB-T019"]
    assert sorted(i["message"].split("」")[0].lstrip("「") for i in unsigned) == ["李经理", "王芳"]
    assert all(i["severity"] == "warning" for i in unsigned)
    assert all(DUE in i["message"] for i in unsigned)
    assert all("文号未知" in i["message"] for i in unsigned)  # no --history: not numbered here
    assert {(i["sheet"], i["cell"][0]) for i in unsigned} == {("目标分解", "G")}  # 签署日期
    # sign_within_days moves the day
    (org / "salesbook.toml").write_text("[letters]\nsign_within_days = 6\n", encoding="utf-8")
    assert not [i for i in validate(org, LATE)["issues"] if i["code"] == "SB-T019"]


def test_without_a_signature_column_nothing_is_asked(org: Path) -> None:
    found = validate(org, LATE)  # the fixture's breakdown has no 签署日期 column
    assert not [i for i in found["issues"] if i["code"] == "SB-T019"]


def test_init_writes_the_signature_column(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "new")])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(next((tmp_path / "new").glob("销售目标分解表*.xlsx")))
    assert "签署日期" in [cell.value for cell in book["目标分解"][1]]


@pytest.mark.parametrize(("lang", "word"), [("zh", "（变更版）"), ("en", " (Revised)")])
def test_a_revised_letter_context_carries_its_version(
    org: Path, tmp_path: Path, lang: str, word: str
) -> None:
    """What the PDF and the Word copy render from: the 文号 with its suffix and `revised`."""
    from salesbook.contexts.letters import letter_contexts
    from salesbook.render import Renderer, template_dirs

    write_targets(org)
    output = tmp_path / "out"
    run(org, output, tmp_path / "history.sqlite", DUE, "--no-pdf")
    document = json.loads((output / "figures.json").read_text(encoding="utf-8"))
    assert "letter_versions" not in document  # every letter is a first version
    document["letter_versions"] = {"2023Q4": {"李明": 3}}
    numbers = {("2023Q4", "李经理"): 1, ("2023Q4", "李明"): 2, ("2023Q4", "王芳"): 3}
    contexts = {c.owner: c for c in letter_contexts(document, numbers, lang)}
    assert (contexts["李明"].number, contexts["李明"].revised) == ("XS-2023Q4-002-3", True)
    assert (contexts["王芳"].number, contexts["王芳"].revised) == ("XS-2023Q4-003", False)
    renderer = Renderer(template_dirs(None), lang)
    page = renderer.html(
        "letters.html", letters=[contexts["李明"]], duplex=False, created="2023-10-11"
    )
    assert word in page
    assert word not in renderer.html(
        "letters.html", letters=[contexts["王芳"]], duplex=False, created="2023-10-11"
    )


def test_validate_names_each_kind_of_change(org: Path, tmp_path: Path) -> None:
    """Deadline, standard and owner changes, found by validate against a history that holds the
    first versions (recorded as `run` records them, without laying out PDFs)."""
    from salesbook import ledger, versions

    write_targets(org)
    output, history = tmp_path / "out", tmp_path / "history.sqlite"
    run(org, output, tmp_path / "scratch.sqlite", DUE, "--no-pdf")
    document = json.loads((output / "figures.json").read_text(encoding="utf-8"))
    numbers = {
        ("2023Q4", owner): seq
        for owner, seq in ledger.letter_numbers(
            history, "2023Q4", ["李经理", "李明", "王芳"]
        ).items()
    }
    versions.record(history, document, versions.bases(document, numbers), {}, DUE)
    write_targets(
        org,
        edits={
            "李明": {4: "2023年11月30日"},  # deadline
            "王芳": {5: "月度销售额≥7万元"},  # standard
            "李经理": {3: "王芳"},  # the region's target handed to 王芳
        },
    )
    found = validate(org, DUE, "--history", str(history))
    changes = sorted(
        (i["params"]["person"], i["params"]["what"], i["params"]["old"], i["params"]["new"])
        for i in found["issues"]
        if i["code"] == "SB-T017"
    )
    assert changes == [
        ("李明", "时间节点", "2023-12-31", "2023-11-30"),
        ("王芳", "完成标准", "—", "月度销售额≥7万元"),
        ("王芳", "责任人", "李经理", "王芳"),
    ]
    assert all(i["severity"] == "warning" for i in found["issues"] if i["code"] == "SB-T017")
    numbers_named = {i["params"]["number"] for i in found["issues"] if i["code"] == "SB-T017"}
    assert numbers_named == {"XS-2023Q4-002", "XS-2023Q4-003"}
