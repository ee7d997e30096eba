"""Reading what people really send: headers anywhere, any script, any file, never a traceback."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import FOLLOW_UP_KEYS, Formula, found, headers, validate_json, write_book

from salesbook.read import read_folder
from salesbook.sources import find_workbooks

WILD = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "wild"
# A user's clone has nothing beside it: the real-world files are a bonus, not a requirement.
needs_wild = pytest.mark.skipif(
    not WILD.is_dir(),
    reason="../shared/corpus/wild/ (real third-party files) is not beside this clone",
)
ROW = ["科技公司", "李明", "2023-10-10", "电话", "询问参数", "需定制", "发报价", "2023-10-15"]


def read_one(folder: Path):
    return read_folder(folder, jobs=1)


@pytest.mark.parametrize(
    ("header", "title_rows"),
    [
        (headers("follow_up", "zh", FOLLOW_UP_KEYS), []),
        (headers("follow_up", "zh-Hant", FOLLOW_UP_KEYS), []),
        (headers("follow_up", "en", FOLLOW_UP_KEYS), []),
        # mixed scripts, stray spaces, line breaks, full-width brackets, a required-mark star
        (
            [
                "客戶名稱",
                " 负责人 ",
                "跟进\n日期",
                "channel",
                "沟通内容摘要*",
                "客户需求／反馈",
                "下一步行動",
                "預計完成時間",
            ],
            [],
        ),
        (
            headers("follow_up", "zh", FOLLOW_UP_KEYS),
            [["华东区客户跟进记录表（2023年第4季度）"], []],
        ),
    ],
    ids=["simplified", "traditional", "english", "mixed", "below-title-rows"],
)
def test_kind_is_recognised_by_its_headers(
    tmp_path: Path, header: list[str], title_rows: list
) -> None:
    write_book(tmp_path / "随便起的名字.xlsx", {"工作表1": (header, [ROW])}, title_rows=title_rows)
    book = read_one(tmp_path)
    table = book.table("follow_up")
    assert table is not None
    assert table.texts("customer") == ["科技公司"]
    assert table.dates("date") == [dt.date(2023, 10, 10)]
    row = 1 + len(title_rows) + 1
    assert str(table.location(0, "due")) == f"随便起的名字.xlsx › 工作表1 › H{row}"
    assert book.issues == []


def test_header_under_a_merged_title_with_extra_columns(tmp_path: Path) -> None:
    path = tmp_path / "log.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "跟进"
    sheet["B1"] = "客户跟进记录表"
    sheet.merge_cells("B1:K1")
    sheet.append([])
    sheet.append(["", "序号", *headers("follow_up", keys=FOLLOW_UP_KEYS), "备注"])
    sheet.append(["", 1, *ROW, "无"])
    workbook.save(path)
    table = read_one(tmp_path).table("follow_up")
    assert table is not None
    assert str(table.location(0, "customer")) == "log.xlsx › 跟进 › C4"


def test_files_of_one_kind_merge_and_keep_their_cells(tmp_path: Path) -> None:
    for region, owner in (("华东", "李明"), ("华南", "王芳")):
        write_book(
            tmp_path / region / f"{region}跟进.xlsx",
            {
                "Sheet1": (
                    headers("follow_up", keys=FOLLOW_UP_KEYS),
                    [[f"{region}客户{i}", owner, *ROW[2:]] for i in range(3)],
                )
            },
        )
    table = read_one(tmp_path).table("follow_up")
    assert len(table) == 6
    assert table.texts("owner") == ["李明"] * 3 + ["王芳"] * 3
    assert str(table.location(4, "customer")) == "华南/华南跟进.xlsx › Sheet1 › A3"


@pytest.mark.parametrize(
    ("typed", "yuan"),
    [
        ("40万元", "400000"),
        ("40万", "400000"),
        ("¥400,000", "400000"),
        ("1.2亿", "120000000"),
        ("４０万", "400000"),
        ("四十万", "400000"),
        (400000, "400000"),
        ("400000", "400000"),
    ],
)
def test_money_as_typed_becomes_exact_decimal_yuan(
    tmp_path: Path, typed: object, yuan: str
) -> None:
    write_book(
        tmp_path / "评估.xlsx",
        {
            "S": (
                headers("appraisal", keys=["name", "target", "actual"]),
                [["李明", typed, "33万元"]],
            )
        },
    )
    table = read_one(tmp_path).table("appraisal")
    value = table.decimals("target")[0]
    assert isinstance(value, Decimal)
    assert value == Decimal(yuan)


def test_dates_in_every_form_and_both_date_systems(tmp_path: Path) -> None:
    rows = [
        ["A", "李明", "2023年12月31日", "电话", "x", "", "", ""],
        ["B", "李明", "2023/10/10", "电话", "x", "", "", ""],
        ["C", "李明", dt.datetime(2023, 10, 11, 9, 30), "电话", "x", "", "", ""],
        ["D", "李明", 45200, "电话", "x", "", "", ""],  # a bare serial, 1900 system
    ]
    write_book(
        tmp_path / "a" / "log.xlsx", {"S": (headers("follow_up", keys=FOLLOW_UP_KEYS), rows)}
    )
    table = read_one(tmp_path / "a").table("follow_up")
    assert table.dates("date") == [
        dt.date(2023, 12, 31),
        dt.date(2023, 10, 10),
        dt.date(2023, 10, 11),
        dt.date(2023, 10, 1),
    ]
    # the same serial in a workbook saved with the 1904 date system (old Mac Excel) is 4 years on
    write_book(
        tmp_path / "b" / "log.xlsx",
        {"S": (headers("follow_up", keys=FOLLOW_UP_KEYS), [rows[3]])},
        date1904=True,
    )
    assert read_one(tmp_path / "b").table("follow_up").dates("date") == [dt.date(2027, 10, 2)]


def test_libreoffice_spelling_of_the_1904_date_system(tmp_path: Path) -> None:
    """LibreOffice writes date1904="true" where Excel writes "1": both mean the 1904 system."""
    rows = [["D", "李明", 45200, "电话", "x", "", "", ""]]
    made = tmp_path / "made.xlsx"
    write_book(made, {"S": (headers("follow_up", keys=FOLLOW_UP_KEYS), rows)}, date1904=True)
    (tmp_path / "lo").mkdir()
    with zipfile.ZipFile(made) as source, zipfile.ZipFile(tmp_path / "lo" / "log.xlsx", "w") as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/workbook.xml":
                assert b'date1904="1"' in data
                data = data.replace(b'date1904="1"', b'date1904="true"')
            out.writestr(item, data)
    assert read_one(tmp_path / "lo").table("follow_up").dates("date") == [dt.date(2027, 10, 2)]


@needs_wild
def test_libreoffice_1904_file_from_the_wild(tmp_path: Path) -> None:
    shutil.copy(WILD / "calamine__date_1904_libreoffice.xlsx", tmp_path)
    book = read_one(tmp_path)
    assert [i.code for i in book.issues] == ["SB-F005"]  # read fine, just not one of ours


def test_formula_without_cached_value_is_reported_not_read_as_blank(tmp_path: Path) -> None:
    rows = [["李明", "30万元", Formula("=B2*1.1"), "", "", "", "", "", ""]]
    write_book(tmp_path / "评估.xlsx", {"评估": (headers("appraisal"), rows)})
    code, report = validate_json(tmp_path)
    assert ("SB-V007", "评估.xlsx › 评估 › C2") in found(report)
    assert not any(i["code"] == "SB-V001" for i in report["issues"])
    assert code == 1


def test_lock_temp_and_hidden_files_are_skipped_silently(tmp_path: Path) -> None:
    write_book(tmp_path / "log.xlsx", {"S": (headers("follow_up", keys=FOLLOW_UP_KEYS), [ROW])})
    for name in ("~$log.xlsx", ".~lock.log.xlsx#", ".hidden.xlsx"):
        (tmp_path / name).write_bytes(b"lock")
    (tmp_path / "notes.txt").write_text("not a workbook")
    assert [p.name for p in find_workbooks(tmp_path)] == ["log.xlsx"]
    assert read_one(tmp_path).issues == []


def test_broken_files_each_become_one_issue_and_the_rest_is_read(tmp_path: Path) -> None:
    write_book(tmp_path / "good.xlsx", {"S": (headers("follow_up", keys=FOLLOW_UP_KEYS), [ROW])})
    (tmp_path / "zero.xlsx").write_bytes(b"")
    (tmp_path / "text.xlsx").write_text("this is not a spreadsheet", encoding="utf-8")
    (tmp_path / "cut.xlsx").write_bytes((tmp_path / "good.xlsx").read_bytes()[:300])
    (tmp_path / "wps.et").write_bytes(b"\xd0\xcf\x11\xe0 WPS")
    # Excel saves a password-protected .xlsx as an OLE compound file holding the encrypted package.
    (tmp_path / "secret.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4088))
    book = read_one(tmp_path)
    codes = {(i.code, i.location.file) for i in book.issues}
    assert codes == {
        ("SB-F003", "zero.xlsx"),
        ("SB-F001", "text.xlsx"),
        ("SB-F001", "cut.xlsx"),
        ("SB-F004", "wps.et"),
        ("SB-F002", "secret.xlsx"),
    }
    assert book.table("follow_up").texts("customer") == ["科技公司"]


def test_csv_in_gbk_and_utf8_is_read(tmp_path: Path) -> None:
    text = ",".join(headers("follow_up", keys=FOLLOW_UP_KEYS)) + "\n" + ",".join(ROW) + "\n"
    (tmp_path / "gbk.csv").write_bytes(text.encode("gbk"))
    (tmp_path / "utf8.csv").write_bytes(text.encode("utf-8-sig"))
    book = read_one(tmp_path)
    assert book.issues == []
    assert book.table("follow_up").texts("customer") == ["科技公司", "科技公司"]
    assert str(book.table("follow_up").location(0, "due")) == "gbk.csv › gbk › H2"


@needs_wild
def test_every_wild_file_is_read_or_reported(tmp_path: Path) -> None:
    """The corpus of real third-party files: each read or one clear file issue, no traceback."""
    files = sorted(
        p.name
        for p in WILD.iterdir()
        if p.suffix.lower() in {".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".xltx"}
    )
    assert len(files) > 100
    book = read_folder(WILD, jobs=2)
    assert sorted(book.files) == files
    per_file: dict[str, set[str]] = {}
    for issue in book.issues:
        per_file.setdefault(issue.location.file, set()).add(issue.code)
    for name, codes in per_file.items():
        failures = {c for c in codes if c in {"SB-F001", "SB-F002", "SB-F003", "SB-F006"}}
        assert len(failures) <= 1, (name, codes)
    expected = {
        "pycalamine__empty_file_zero_bytes.xlsx": "SB-F003",
        "excelize__encryptAES.xlsx": "SB-F002",
        "exceldatareader__agile_aes256_password.xlsx": "SB-F002",
        "pycalamine__password.xls": "SB-F002",
        "exceldatareader__empty_zip.xlsx": "SB-F001",
        "calamine__too_small.xls": "SB-F001",
    }
    for name, code in expected.items():
        assert code in per_file[name], name
    # files calamine refuses but openpyxl can read are read, not given up on
    assert not per_file.get("phpspreadsheet__utf16be_xml.xlsx", set()) & {"SB-F001"}


def test_columns_come_typed_and_a_wrong_type_is_a_programming_error(tmp_path: Path) -> None:
    """Each accessor hands out what the column's schema type parses to, blank and bad cells as
    None; asking a column as a type its schema does not declare raises at once."""
    write_book(
        tmp_path / "log.xlsx",
        {
            "跟进": (
                headers("follow_up", keys=FOLLOW_UP_KEYS),
                [ROW, [*ROW[:2], "不是日期", "phone", *ROW[4:]]],
            )
        },
    )
    book = read_one(tmp_path)
    table = book.table("follow_up")
    assert table is not None
    assert table.dates("date") == [dt.date(2023, 10, 10), None]
    assert table.texts("owner") == ["李明", "李明"]
    assert table.texts("channel") == ["电话", "电话"]  # a choice, as its canonical value
    assert table.dates("entered") == [None, None]  # no such column in the sheet
    assert [i.code for i in book.issues] == ["SB-V005"]
    with pytest.raises(TypeError, match=r"follow_up\.date is a date column"):
        table.texts("date")
    with pytest.raises(KeyError):
        table.dates("no_such_column")
