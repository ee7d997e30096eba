"""Filling copies is guarded like reading: refused files, size/time/memory limits, formulas that
reach outside the workbook, control characters in cells and names, very long cells and names."""

from __future__ import annotations

import json
import re
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import FOLLOW_UP_KEYS, TODAY, Formula, files_state, headers, write_book

from salesbook import fill
from salesbook.cli import cli
from salesbook.contexts.common import on_paper
from salesbook.contexts.review import review_context
from salesbook.fill import output_name
from salesbook.issues import terminal_text
from salesbook.xlsx import set_text

LOG = "10月跟进记录-华东(终版2).xlsx"


def invoke(*args: str, color: bool = False):
    result = CliRunner().invoke(cli, [*args, "--today", TODAY], color=color)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def run(folder: Path, output: Path) -> tuple[int, dict]:
    """`run --no-pdf`, then the issues as the output's issue list holds them."""
    result = invoke("run", str(folder), "-o", str(output), "--no-pdf")
    assert result.exit_code in (0, 1), result.output
    book = openpyxl.load_workbook(output / "问题清单.xlsx")
    rows = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    return result.exit_code, {"output": result.output, "rows": rows}


def codes_for(report: dict, file: str) -> set[str]:
    return {row[1] for row in report["rows"] if row[2] == file}


def set_cached(path: Path, sheet_part: str, cached: dict[str, tuple[str, str]]) -> None:
    """Give formula cells the saved result Excel would have written: cell -> (t, value)."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    xml = parts[sheet_part].decode()
    for ref, (kind, value) in cached.items():
        xml, count = re.subn(
            rf'<c r="{ref}"([^>]*)>(<f>.*?</f>)<v\s*/?>(?:</v>)?</c>',
            lambda m, kind=kind, value=value: (
                f'<c r="{m.group(0)[6:].split(chr(34))[0]}"{m.group(1)}'
                + (f' t="{kind}"' if kind else "")
                + f">{m.group(2)}<v>{value}</v></c>"
            ),
            xml,
        )
        assert count == 1, (ref, xml[:2000])
    parts[sheet_part] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


# --- formulas that reach outside the workbook ---------------------------------------------------


def reaching_book(path: Path, owner_formula: bool = False) -> Path:
    """A follow-up log whose 备注 sheet holds formulas that reach out, one harmless formula, and
    a defined name with a DDE link; the 客户名称 of row 3 may be a DDE formula without a result."""
    rows = [
        ["科技公司", "李明", "2023-10-10", "电话", "询问参数", "需定制", "发报价", "2023-10-15"],
        ["YY集团", "王芳", "2023-10-11", "上门拜访", "演示", "比价", "竞品分析", "2023-10-20"],
    ]
    if owner_formula:
        rows[1][0] = Formula("=cmd|' /C calc'!A0")
    write_book(path, {"Sheet1": (headers("follow_up", keys=FOLLOW_UP_KEYS), rows)})
    book = openpyxl.load_workbook(path)
    notes = book.create_sheet("备注")
    notes["A1"] = "=cmd|' /C calc'!A0"
    notes["A2"] = '=WEBSERVICE("http://example.invalid/x")'
    notes["A3"] = "=[1]Sheet1!A1"
    notes["A4"] = "=SUM(1,2)"
    notes["A5"] = "=msexcel|'\\..\\..\\windows\\system32\\cmd.exe /c calc'!''"
    notes["A6"] = '=CONCATENATE("a|b","c")'  # a | inside a string is text, not DDE
    book.defined_names["evil"] = openpyxl.workbook.defined_name.DefinedName(
        "evil", attr_text="cmd|' /C calc'!A0"
    )
    book.save(path)
    set_cached(
        path,
        "xl/worksheets/sheet2.xml",
        {"A1": ("", "42"), "A2": ("str", "fetched"), "A3": ("", "7.5"), "A4": ("", "3")},
    )
    return path


def test_formulas_that_reach_out_are_kept_as_their_saved_values(org: Path, tmp_path: Path) -> None:
    reaching_book(org / LOG)
    before = files_state(org)
    _code, report = run(org, tmp_path / "out")
    assert files_state(org) == before
    v013 = [row for row in report["rows"] if row[1] == "SB-V013"]
    assert {(row[2], row[3], row[4]) for row in v013} == {
        (LOG, "备注", cell) for cell in ("A1", "A2", "A3", "A5")
    }
    assert any("DDE" in row[6] and "42" in row[6] for row in v013)
    copy = openpyxl.load_workbook(tmp_path / "out" / "workbooks" / LOG)
    notes = copy["备注"]
    assert [notes[f"A{r}"].value for r in range(1, 7)] == [
        42,
        "fetched",
        7.5,
        "=SUM(1,2)",  # a formula that stays inside the workbook stays live
        None,  # no saved result: left blank
        '=CONCATENATE("a|b","c")',
    ]
    for sheet in copy.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert not re.search(r"WEBSERVICE|\[1\]|'!", str(cell.value))
    assert "evil" not in copy.defined_names
    with zipfile.ZipFile(tmp_path / "out" / "workbooks" / LOG) as archive:
        assert not [n for n in archive.namelist() if "externalLink" in n]
        text = b"".join(archive.read(n) for n in archive.namelist() if n.endswith(".xml"))
    formulas = re.findall(rb"<f>(.*?)</f>|<definedName[^>]*>(.*?)</definedName>", text)
    live = b"\n".join(b"".join(f) for f in formulas)
    assert b"SUM(1,2)" in live
    assert not re.search(rb"cmd\||msexcel\||WEBSERVICE|\[1\]", live)


def test_no_saved_result_in_a_file_that_reaches_out_never_advises_opening_it(
    org: Path, tmp_path: Path
) -> None:
    reaching_book(org / LOG, owner_formula=True)
    clean = write_book(
        org / "plain.xlsx",
        {"Sheet1": (headers("follow_up", keys=FOLLOW_UP_KEYS), [[Formula("=A1"), "李明"]])},
    )
    result = invoke("validate", str(org), "--json")
    issues = json.loads(result.stdout)["issues"]
    where = {(i["code"], i["file"], i["cell"]) for i in issues}
    assert ("SB-V014", LOG, "A3") in where
    assert ("SB-V007", LOG, "A3") not in where
    assert ("SB-V007", clean.name, "A2") in where  # a plain file: open and save it, as before
    v014 = next(i for i in issues if i["code"] == "SB-V014")
    assert "请勿" in v014["message"]


# --- refused files, size, time and memory limits -------------------------------------------------


def test_a_file_the_reader_refused_is_not_filled(org: Path, tmp_path: Path) -> None:
    (org / "坏文件.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    code, report = run(org, tmp_path / "out")
    assert code == 1
    assert "SB-F001" in codes_for(report, "坏文件.xlsx")
    copies = {p.name for p in (tmp_path / "out" / "workbooks").iterdir()}
    assert "坏文件.xlsx" not in copies
    assert LOG in copies


def bomb(path: Path, megabytes: int) -> Path:
    """A follow-up log whose sheet XML inflates to `megabytes` (whitespace between rows): a few
    kilobytes on disk, like a zip bomb."""
    write_book(
        path,
        {
            "Sheet1": (
                headers("follow_up", keys=FOLLOW_UP_KEYS),
                [["科技公司", "李明", "2023-10-10", "电话", "摘要"]],
            )
        },
    )
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b"</sheetData>", b" " * (megabytes << 20) + b"</sheetData>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_a_copy_past_the_size_limit_is_not_made_and_says_so(
    org: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fill, "FILL_MAX_XML_BYTES", 2 << 20)
    monkeypatch.setattr(fill, "FILL_MAX_CELLS", 10)
    bomb(org / "膨胀.xlsx", 8)
    assert (org / "膨胀.xlsx").stat().st_size < 200_000
    (org / "大表.csv").write_text(
        ",".join(headers("follow_up", keys=FOLLOW_UP_KEYS))
        + "\n"
        + "\n".join(f"客户{n},李明,2023-10-1{n},电话,摘要,反馈,行动,2023-10-20" for n in range(5)),
        encoding="utf-8",
    )
    before = files_state(org)
    _code, report = run(org, tmp_path / "out")
    assert files_state(org) == before
    f016 = {row[2]: row[6] for row in report["rows"] if row[1] == "SB-F016"}
    assert set(f016) == {"膨胀.xlsx", "大表.csv"}
    assert "8 MB" in f016["膨胀.xlsx"]
    assert "2 MB" in f016["膨胀.xlsx"]
    copies = {p.name for p in (tmp_path / "out" / "workbooks").iterdir()}
    assert copies == {LOG, "销售目标分解表.xlsx"}
    figures = json.loads((tmp_path / "out" / "figures.json").read_text(encoding="utf-8"))
    owners = {r["owner"] for r in figures["figures"]["follow_ups"]["reps"].values()}
    assert "李明" in owners  # the figures still count every row read


def test_a_fill_that_fails_or_runs_out_of_time_or_memory_is_an_issue(
    org: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_: object) -> None:
        raise RuntimeError("boom in the copy")

    monkeypatch.setattr(fill, "_fill_sheet", boom)
    code, report = run(org, tmp_path / "failed")
    assert code == 1
    f017 = {row[2]: row[6] for row in report["rows"] if row[1] == "SB-F017"}
    assert set(f017) == {LOG, "销售目标分解表.xlsx"}
    assert "boom in the copy" in f017[LOG]
    assert not list((tmp_path / "failed" / "workbooks").glob("**/*.xlsx"))
    assert "SB-F017" in report["output"]

    monkeypatch.setattr(fill, "_fill_sheet", lambda *_: time.sleep(30))
    monkeypatch.setattr(fill, "FILL_TIMEOUT_S", 0.5)
    started = time.monotonic()
    code, report = run(org, tmp_path / "slow")
    assert time.monotonic() - started < 20
    assert {row[2] for row in report["rows"] if row[1] == "SB-F017"} == {
        LOG,
        "销售目标分解表.xlsx",
    }
    assert not list((tmp_path / "slow" / "workbooks").glob("**/.tmp-*"))

    monkeypatch.setattr(fill, "FILL_TIMEOUT_S", 60.0)
    monkeypatch.setattr(fill, "_fill_sheet", lambda *_: bytearray(512 << 20))
    monkeypatch.setattr(fill, "FILL_MEMORY_BYTES", 64 << 20)
    code, report = run(org, tmp_path / "big")
    details = [row[6] for row in report["rows"] if row[1] == "SB-F017"]
    assert len(details) == 2
    assert all("内存" in d for d in details)


# --- control characters, long cells, long names --------------------------------------------------


def test_control_characters_never_reach_the_terminal_or_break_the_copy(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "\x1b]0;pwned\x07evil\x1b[2J.csv").write_text("x", encoding="utf-8")
    (folder / "log.csv").write_text(
        ",".join(headers("follow_up", keys=FOLLOW_UP_KEYS))
        + "\n客户\x1b[31m红,李明,2023-10-10,\x1b]8;;http://x\x07电话\x1b[0m,摘要\x07,反馈,行动,"
        "2023-10-20\n",
        encoding="utf-8",
    )
    before = files_state(folder)
    result = invoke("validate", str(folder), color=True)  # colour kept: escapes are not stripped
    assert "SB-V006" in result.output  # the channel's message quotes the cell's text
    for bad in ("\x1b]", "\x07", "\x1b[2J", "\x1b[31m红", "电话\x1b[0m"):
        assert bad not in result.output
    _code, report = run(folder, tmp_path / "out")
    assert files_state(folder) == before
    copies = [p.name for p in (tmp_path / "out" / "workbooks").iterdir()]
    assert copies == ["log.csv.xlsx"]  # the oddly named file was refused: no copy of it
    sheet = openpyxl.load_workbook(tmp_path / "out" / "workbooks" / copies[0]).worksheets[0]
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [t for t in texts if "\x1b" in t or "\x07" in t]
    assert [t for t in texts if t.startswith("客户") and t.endswith("[31m红")]  # shown, not lost
    assert "\x1b" not in report["output"]
    assert "\x07" not in report["output"]


def test_terminal_text_and_set_text() -> None:
    assert terminal_text("a\x1b[31mb\x1b]0;t\x07c\x9b2Jd\x07\u202ee") == "abcd␇\ufffde"
    assert terminal_text("name-\udcb9.csv") == "name-\ufffd.csv"  # not UTF-8 (GBK from unzip)
    cell = openpyxl.Workbook().active["A1"]
    set_text(cell, "x\x1by\x07z\x00")
    assert cell.value == "x␛y␇z␀"
    set_text(cell, "长" * 40_000)
    assert len(cell.value) == 32_767
    assert cell.value.endswith("…")


def test_a_very_long_cell_is_a_line_on_paper() -> None:
    long = "很长的复盘内容" * 30_000
    assert len(on_paper(long)) <= 300
    assert on_paper(long).endswith("…")
    assert on_paper("短") == "短"
    document = {
        "period": "2023-10",
        "as_of": "2023-10-31",
        "config": {"company": "公司"},
        "figures": {
            "review_items": [
                {"category": "问题", "content": long, "owner": "李明" * 10_000, "status": "进行中"},
                {"category": "行动", "content": long, "owner": "王芳", "status": "进行中"},
            ]
        },
    }
    context = review_context(document)
    items = context.findings + context.actions
    assert len(items) == 2
    assert all(len(i.content) <= 300 and i.content.endswith("…") for i in items)
    assert len(context.findings[0].owner) <= 60


def test_output_names_stay_valid_unique_and_stable(tmp_path: Path) -> None:
    long = "跟进记录" * 20 + "x" * 6 + ".csv"  # 250 bytes: the filesystem's limit is 255
    assert len(long.encode()) == 250
    assert len(output_name(long, ".xlsx").encode()) <= 255
    assert output_name(long, ".xlsx") == output_name(long, ".xlsx")
    assert output_name(long, ".xlsx") != output_name(long.replace("x.csv", "y.csv"), ".xlsx")
    assert output_name("华东/计划.xlsx") == "华东/计划.xlsx"  # a valid name is left as it is
    assert output_name("a:b?.xlsx").startswith("a_b_~")
    assert output_name("a:b?.xlsx").endswith(".xlsx")
    assert output_name("con.xlsx").startswith("_con")
    assert output_name("dir. /x.xlsx").split("/")[0] == output_name("dir. /y.xlsx").split("/")[0]

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / long).write_text(
        ",".join(headers("follow_up", keys=FOLLOW_UP_KEYS))
        + "\n客户,李明,2023-10-10,电话,摘要,反馈,行动,2023-10-20\n",
        encoding="utf-8",
    )
    names = []
    for output in ("out1", "out2"):
        _code, _report = run(folder, tmp_path / output)
        copies = [p.name for p in (tmp_path / output / "workbooks").iterdir()]
        assert len(copies) == 1
        assert len(copies[0].encode()) <= 255
        assert copies[0].endswith(".xlsx")
        names.append(copies[0])
    assert names[0] == names[1]
