"""Odd entries in the drop folder (issue #10 §3, §4): each is one issue at reading time, never a
traceback or a hang in `validate` or `run`; CSV encodings are detected, not guessed as UTF-16.

Every test makes its odd file itself, runs the real CLI in a subprocess with a timeout (a hang
fails the test, not the suite) and checks the inputs are byte-identical afterwards.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from conftest import FOLLOW_UP_KEYS, TODAY, headers, write_book

ORG_FILES = {"销售目标分解表.xlsx", "10月跟进记录-华东(终版2).xlsx"}
TIMEOUT_S = 120


def salesbook(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "salesbook", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def snapshot(folder: Path) -> dict[bytes, tuple[int, bytes]]:
    """Every entry under `folder` (bytes names, links not followed): its type and content or
    link target. FIFOs and devices are never opened."""
    seen = {}
    for root, dirs, files in os.walk(os.fsencode(folder)):
        for name in dirs + files:
            path = os.path.join(root, name)
            mode = os.lstat(path).st_mode
            if stat.S_ISREG(mode):
                with open(path, "rb") as file:
                    content = file.read()
            elif stat.S_ISLNK(mode):
                content = os.readlink(path)
            else:
                content = b""
            seen[os.path.relpath(path, os.fsencode(folder))] = (stat.S_IFMT(mode), content)
    return seen


def check_both(
    folder: Path, tmp_path: Path, code: str, name: str, status: int, read: bool = False
) -> tuple[dict, dict]:
    """`validate --json` and `run --no-pdf` on `folder`: exit `status`, `code` exactly once at
    file `name` (opened if `read`, else only reported), the normal workbooks still read, inputs
    untouched. Returns the JSON report and that issue."""
    before = snapshot(folder)
    checked = salesbook("validate", str(folder), "--json", "--today", TODAY)
    assert checked.returncode == status, checked.stderr
    assert "Traceback" not in checked.stderr
    report = json.loads(checked.stdout)
    hits = [i for i in report["issues"] if i["code"] == code]
    assert [i["file"] for i in hits] == [name], report["issues"]
    assert set(report["files"]) >= ORG_FILES
    assert (name in report["files"]) is read

    output = tmp_path / "out"
    ran = salesbook("run", str(folder), "-o", str(output), "--no-pdf", "--today", TODAY, "-q")
    assert ran.returncode == status, ran.stdout + ran.stderr
    assert "Traceback" not in ran.stderr
    issue_list = openpyxl.load_workbook(output / "问题清单.xlsx", read_only=True)
    cells = [c for row in issue_list.worksheets[0].iter_rows(values_only=True) for c in row]
    issue_list.close()
    assert code in cells
    assert any(isinstance(c, str) and name in c for c in cells)
    for org_file in ORG_FILES:
        assert (output / "workbooks" / org_file).is_file()
    assert snapshot(folder) == before
    return report, hits[0]


# --- odd entries: links, FIFOs, unprintable names ---------------------------------------------


def dangling(folder: Path) -> None:
    os.symlink("nowhere.xlsx", folder / "gone.xlsx")


def loop(folder: Path) -> None:
    os.symlink("loop.xlsx", folder / "loop.xlsx")


def fifo(folder: Path) -> None:
    os.mkfifo(folder / "pipe.xlsx")


def dev_zero(folder: Path) -> None:
    os.symlink("/dev/zero", folder / "x.xlsx")


def link_outside(folder: Path) -> None:
    outside = write_book(
        folder.parent / "elsewhere" / "名册.xlsx", {"团队名册": (headers("roster"), [])}
    )
    os.symlink(outside, folder / "outside.xlsx")


def folder_link_outside(folder: Path) -> None:
    write_book(folder.parent / "archive" / "old.xlsx", {"团队名册": (headers("roster"), [])})
    os.symlink(folder.parent / "archive", folder / "archive")


def escape_in_name(folder: Path) -> None:
    (folder / "a\x1b[2Jb.xlsx").write_bytes(b"PK junk")


def bell_in_name(folder: Path) -> None:
    (folder / "\x07.csv").write_bytes(b"a,b\n")


def newline_in_name(folder: Path) -> None:
    (folder / "a\nb.csv").write_bytes(b"a,b\n")


def gbk_name(folder: Path) -> None:
    with open(os.fsencode(folder) + b"/\xbc\xc6\xbb\xae.xlsx", "wb") as file:  # 计划 in GBK
        file.write(b"PK junk")


def gbk_folder_name(folder: Path) -> None:
    os.mkdir(os.fsencode(folder) + b"/\xc7\xf8")  # 区 in GBK
    with open(os.fsencode(folder) + b"/\xc7\xf8/x.csv", "wb") as file:
        file.write(b"a,b\n")


@pytest.mark.parametrize(
    ("make", "code", "name"),
    [
        (dangling, "SB-F010", "gone.xlsx"),
        (loop, "SB-F010", "loop.xlsx"),
        (fifo, "SB-F013", "pipe.xlsx"),
        (dev_zero, "SB-F011", "x.xlsx"),
        (link_outside, "SB-F011", "outside.xlsx"),
        (folder_link_outside, "SB-F011", "archive"),
        (escape_in_name, "SB-F009", "a\\x1b[2Jb.xlsx"),
        (bell_in_name, "SB-F009", "\\x07.csv"),
        (newline_in_name, "SB-F009", "a\\x0ab.csv"),
        (gbk_name, "SB-F008", "\\xbcƻ\\xae.xlsx"),
        (gbk_folder_name, "SB-F008", "\\xc7\\xf8/x.csv"),
    ],
)
def test_odd_entry_is_one_error_and_the_rest_is_read(
    org: Path, tmp_path: Path, make: Callable[[Path], None], code: str, name: str
) -> None:
    make(org)
    report, issue = check_both(org, tmp_path, code, name, status=1)
    assert issue["severity"] == "error"
    assert report["by_code"] == {code: 1}  # nothing else went wrong because of it


def test_gbk_name_message_shows_the_gbk_reading(org: Path, tmp_path: Path) -> None:
    gbk_name(org)
    _, issue = check_both(org, tmp_path, "SB-F008", "\\xbcƻ\\xae.xlsx", status=1)
    assert "计划.xlsx" in issue["message"]


def test_link_to_a_workbook_inside_is_a_warning_and_read_once(org: Path, tmp_path: Path) -> None:
    os.symlink("销售目标分解表.xlsx", org / "目标-快捷方式.xlsx")
    report, issue = check_both(org, tmp_path, "SB-F012", "目标-快捷方式.xlsx", status=0)
    assert issue["severity"] == "warning"
    assert sorted(report["files"]) == sorted(ORG_FILES)  # the target once, not twice
    assert report["by_code"] == {"SB-F012": 1}  # no roster names counted twice


def test_symlinked_subfolder_inside_is_reported_not_followed(org: Path, tmp_path: Path) -> None:
    (org / "华东").mkdir()
    os.symlink("华东", org / "华东-链接")
    report, _ = check_both(org, tmp_path, "SB-F012", "华东-链接", status=0)
    assert report["by_code"] == {"SB-F012": 1}


# --- control characters in cells --------------------------------------------------------------


def follow_up_rows(owner: str = "李明", channel: str = "电话") -> list[list[str]]:
    return [
        headers("follow_up", keys=FOLLOW_UP_KEYS),
        [
            "科技公司",
            owner,
            "2023-10-12",
            channel,
            "询问参数",
            "需要报价",
            "发报价单",
            "2023-10-15",
        ],
    ]


def csv_text(rows: list[list[str]]) -> str:
    return "".join(",".join(row) + "\r\n" for row in rows)


def assert_printable(report: dict) -> None:
    for issue in report["issues"]:
        for text in (issue["message"], issue["location"], *issue["params"].values()):
            assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text), issue


def test_control_characters_in_a_csv_cell_are_replaced_visibly(org: Path, tmp_path: Path) -> None:
    (org / "跟进.csv").write_text(csv_text(follow_up_rows(channel="电\x1b[2J话\x07")), "utf-8")
    report, issue = check_both(org, tmp_path, "SB-V006", "跟进.csv", status=1, read=True)
    assert "电\ufffd[2J话\ufffd" in issue["message"]
    assert_printable(report)
    plain = salesbook("validate", str(org), "--today", TODAY)
    assert "\x1b" not in plain.stdout
    assert "\x07" not in plain.stdout


def test_x001b_escape_in_xlsx_text_is_replaced_visibly(org: Path, tmp_path: Path) -> None:
    plain = write_book(
        tmp_path / "plain.xlsx",
        {"跟进": (follow_up_rows(channel="QQQ")[0], follow_up_rows(channel="QQQ")[1:])},
    )
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(org / "跟进.xlsx", "w") as target:
        for item in source.infolist():  # openpyxl refuses to write control characters itself
            target.writestr(item, source.read(item).replace(b"QQQ", b"_x001B_[31m_x0000_"))
    report, issue = check_both(org, tmp_path, "SB-V006", "跟进.xlsx", status=1, read=True)
    assert "\ufffd[31m\ufffd" in issue["message"]
    assert_printable(report)


# --- CSV encodings ----------------------------------------------------------------------------


def parity(data: bytes, even: bool) -> bytes:
    """`data` with a trailing newline added if needed to make its length even or odd."""
    return data if (len(data) % 2 == 0) == even else data + b"\n"


@pytest.mark.parametrize(
    ("label", "encode"),
    [
        ("gbk-even", lambda text: parity(text.encode("gbk"), even=True)),
        ("gbk-odd", lambda text: parity(text.encode("gbk"), even=False)),
        ("gb18030", lambda text: text.encode("gb18030")),
        ("utf-8", lambda text: text.encode("utf-8")),
        ("utf-8-bom", lambda text: text.encode("utf-8-sig")),
        ("utf-16-bom", lambda text: text.encode("utf-16")),  # Excel's "Unicode text"
        ("utf-16-be-bom", lambda text: b"\xfe\xff" + text.encode("utf-16-be")),
        ("utf-32-bom", lambda text: text.encode("utf-32")),
    ],
)
def test_csv_encodings_are_detected(
    org: Path, tmp_path: Path, label: str, encode: Callable[[str], bytes]
) -> None:
    # An unknown channel is reported with its text: proof the Chinese was decoded right.
    (org / f"跟进-{label}.csv").write_bytes(encode(csv_text(follow_up_rows(channel="飞鸽传书"))))
    report, issue = check_both(org, tmp_path, "SB-V006", f"跟进-{label}.csv", status=1, read=True)
    assert "飞鸽传书" in issue["message"]
    assert report["by_code"] == {"SB-V006": 1}


def test_big5_csv_is_read_when_gb18030_finds_no_header(org: Path, tmp_path: Path) -> None:
    header = ["客戶名稱", "負責人", "跟進日期", "溝通方式", "溝通內容摘要", "客戶需求/反饋"]
    row = ["科技公司", "李明", "2023-10-12", "飛鴿傳書", "詢問參數", "需要報價"]
    (org / "跟進.csv").write_bytes(csv_text([header, row]).encode("cp950"))
    report, issue = check_both(org, tmp_path, "SB-V006", "跟進.csv", status=1, read=True)
    assert "飛鴿傳書" in issue["message"] or "飞鸽传书" in issue["message"]
    assert report["by_code"] == {"SB-V006": 1}


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xff\x80\x80 not text in any encoding\n",
        csv_text(follow_up_rows()).encode("utf-16-le"),  # UTF-16 without a BOM is not guessed
    ],
    ids=["binary", "utf-16-no-bom"],
)
def test_undecodable_csv_is_an_error(org: Path, tmp_path: Path, data: bytes) -> None:
    (org / "乱码.csv").write_bytes(data)
    _report, issue = check_both(org, tmp_path, "SB-F007", "乱码.csv", status=1, read=True)
    assert issue["severity"] == "error"
