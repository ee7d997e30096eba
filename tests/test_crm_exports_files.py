"""The CRM export builders (tests/crm_exports.py) write what they claim.

Read back without salesbook: openpyxl for .xlsx, calamine for .xls, the csv module for .csv.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import crm_exports as ce
import openpyxl
import pytest
from python_calamine import CalamineWorkbook

Rows = list[list[object]]

ROWS_OF: dict[str, Callable[[], tuple[list[str], ce.Rows]]] = {
    "wukong_follow_ups": ce.wukong_follow_up_rows,
    "wukong_opportunities": ce.wukong_opportunity_rows,
    "jeecg_follow_ups": ce.jeecg_follow_up_rows,
    "cordys_follow_ups": ce.cordys_follow_up_rows,
    "zoho_activities": ce.zoho_activity_rows,
    "salesforce_opportunities": ce.salesforce_opportunity_rows,
    "target_completion": ce.target_completion_rows,
    "unknown_export": ce.invoice_rows,
}
HEADER_ROW = {"jeecg_follow_ups": 2}  # 0-based; every other export has its header first


def read_back(path: Path) -> Rows:
    """Every row of the file's first sheet as the file holds it (blank cells as "")."""
    if path.suffix == ".csv":
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), "Excel's CSV UTF-8 starts with a BOM"
        assert b"\r\n" in raw
        return [list(r) for r in csv.reader(raw.decode("utf-8-sig").splitlines())]
    if path.suffix == ".xls":
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        return [list(r) for r in sheet.to_python(skip_empty_area=False)]
    ws = openpyxl.load_workbook(path).worksheets[0]
    return [["" if v is None else v for v in r] for r in ws.iter_rows(values_only=True)]


def build(name: str, fmt: ce.Fmt, folder: Path) -> tuple[list[str], Rows]:
    """The export's header and data rows, read back from the file the builder wrote."""
    path = ce.BUILDERS[name](folder, fmt)
    assert path.parent == folder
    assert path.suffix == f".{fmt}"
    rows = read_back(path)
    at = HEADER_ROW.get(name, 0)
    return [str(h) for h in rows[at]], rows[at + 1 :]


def column(header: list[str], rows: Rows, name: str) -> list[object]:
    return [row[header.index(name)] for row in rows]


def number(value: object) -> Decimal:
    return Decimal(str(value))


def same(read: object, written: ce.Cell) -> bool:
    """A cell read back is the written one (csv: its shown text)."""
    if written is None:
        return read == ""
    if isinstance(written, str):
        return read == written  # exactly: full-width letters, trailing spaces kept
    if isinstance(read, str) and not isinstance(written, int | float | Decimal):
        return read == ce._text(written)  # csv
    if isinstance(written, dt.datetime):
        return read == written
    if isinstance(written, dt.date):  # openpyxl gives a date cell back as a midnight datetime
        return isinstance(read, dt.date) and (
            read == written or read == dt.datetime.combine(written, dt.time())
        )
    return number(read) == number(written)


@pytest.mark.parametrize("fmt", ce.FORMATS)
@pytest.mark.parametrize("name", list(ROWS_OF))
def test_every_cell_reads_back_as_written(tmp_path: Path, name: str, fmt: ce.Fmt) -> None:
    header, rows = build(name, fmt, tmp_path)
    expected_header, expected_rows = ROWS_OF[name]()
    assert header == expected_header
    assert len(rows) == len(expected_rows)
    for r, (got, want) in enumerate(zip(rows, expected_rows, strict=True)):
        assert len(got) >= len(want)
        for c, (g, w) in enumerate(zip(got, want, strict=False)):
            assert same(g, w), (r, header[c], g, w)


@pytest.mark.parametrize("fmt", ce.FORMATS)
def test_wukong_follow_ups(tmp_path: Path, fmt: ce.Fmt) -> None:
    header, rows = build("wukong_follow_ups", fmt, tmp_path)
    assert header[:2] == ["跟进内容", "跟进时间"]
    assert "负责人" in header
    assert "跟进人" in header
    for name in ("跟进时间", "创建时间"):
        assert all(
            re.fullmatch(r"2026-09-\d\d \d\d:\d\d:\d\d", str(v)) for v in column(header, rows, name)
        )
    assert "2026-09-03 10:15:00" in column(header, rows, "跟进时间")
    nxt = column(header, rows, "下次联系时间")
    assert "" in nxt
    assert all(v == "" or re.fullmatch(r"2026-\d\d-\d\d 10:00:00", str(v)) for v in nxt)
    assert set(column(header, rows, "跟进方式")) == set(ce.WUKONG_CHANNELS)
    assert set(column(header, rows, "跟进类型")) == {"客户"}  # not the channel
    pairs = list(zip(column(header, rows, "负责人"), column(header, rows, "跟进人"), strict=True))
    assert sum(owner != by for owner, by in pairs) == 3
    assert {v for pair in pairs for v in pair} == set(ce.OWNERS)
    customers = column(header, rows, "所属客户")
    assert {"ＹＹ集团", "恒远制造", "恒远制造 ", "华东科技有限公司", "星辰贸易"} <= set(customers)
    amounts = [v for v in column(header, rows, "商机金额") if v != ""]
    assert "¥120,000.00" in amounts
    assert all(re.fullmatch(r"¥\d{1,3}(,\d{3})*\.\d\d", str(v)) for v in amounts)
    stages = column(header, rows, "商机阶段")
    assert "" in stages
    assert {"方案呈现", "商务谈判", "赢单", "输单"} == {s for s in stages if s != ""}


@pytest.mark.parametrize("fmt", ce.FORMATS)
def test_unmapped_variant_renames_only_the_date(tmp_path: Path, fmt: ce.Fmt) -> None:
    path = ce.wukong_follow_ups_unmapped(tmp_path, fmt)
    rows = read_back(path)
    expected = [
        ce.UNMAPPED_DATE_HEADER if h == "跟进时间" else h for h in ce.WUKONG_FOLLOW_UP_HEADER
    ]
    assert rows[0] == expected
    assert "跟进时间" not in rows[0]
    assert rows[0][1] == "拜访日期"
    assert rows[1][1] == "2026-09-01 09:30:00"
    assert path.name != ce.wukong_follow_ups(tmp_path, fmt).name  # both fit in one folder


@pytest.mark.parametrize("fmt", ce.FORMATS)
def test_wukong_opportunities(tmp_path: Path, fmt: ce.Fmt) -> None:
    header, rows = build("wukong_opportunities", fmt, tmp_path)
    assert header == [
        "商机名称",
        "客户名称",
        "商机金额",
        "预计成交日期",
        "商机阶段",
        "负责人",
        "最后跟进时间",
        "创建时间",
    ]
    stages = column(header, rows, "商机阶段")
    assert set(stages) == {"赢单", "输单", "无效", "商务谈判", "方案呈现"}
    assert stages.count("赢单") == 2
    assert set(column(header, rows, "负责人")) == set(ce.OWNERS)
    amounts = column(header, rows, "商机金额")
    assert number(amounts[0]) == 120000
    assert number(amounts[-1]) == Decimal("52800.5")
    if fmt == "csv":
        assert amounts[0] == "120000.00"
    else:
        assert all(isinstance(v, int | float) for v in amounts)  # number cells
    assert all(
        re.fullmatch(r"2026-\d\d-\d\d", str(v)) for v in column(header, rows, "预计成交日期")
    )
    assert all(
        re.fullmatch(r"2026-\d\d-\d\d \d\d:\d\d:\d\d", str(v))
        for v in column(header, rows, "最后跟进时间")
    )


def test_opportunity_amounts_have_a_money_format(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(ce.wukong_opportunities(tmp_path, "xlsx")).worksheets[0]
    assert ws["C2"].value == 120000
    assert ws["C2"].number_format == "#,##0.00"


@pytest.mark.parametrize("fmt", ce.FORMATS)
def test_jeecg_header_is_below_two_title_rows(tmp_path: Path, fmt: ce.Fmt) -> None:
    path = ce.jeecg_follow_ups(tmp_path, fmt)
    rows = read_back(path)
    assert rows[0][0] == "客户跟进记录"
    assert set(rows[0][1:]) <= {""}
    assert rows[1][0] == "导出时间：2026-10-01 09:00:00 导出人：admin"
    assert set(rows[1][1:]) <= {""}
    header, data = [str(h) for h in rows[2]], rows[3:]
    assert header == [
        "客户名称",
        "跟进方式",
        "联系时间",
        "本次跟进记录",
        "下次跟进时间",
        "下次跟进内容",
        "跟进人员",
        "客户反馈",
    ]
    assert len(data) == 12
    assert set(column(header, data, "跟进方式")) == set(ce.JEECG_CHANNELS)
    assert all(
        re.fullmatch(r"2026-09-\d\d \d\d:\d\d:\d\d", str(v))
        for v in column(header, data, "联系时间")
    )
    assert all(
        re.fullmatch(r"2026-\d\d-\d\d", str(v)) for v in column(header, data, "下次跟进时间")
    )
    assert set(column(header, data, "跟进人员")) == set(ce.OWNERS)


def test_jeecg_titles_are_merged(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(ce.jeecg_follow_ups(tmp_path, "xlsx")).worksheets[0]
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:H1", "A2:H2"}
    sheet = CalamineWorkbook.from_path(
        str(ce.jeecg_follow_ups(tmp_path, "xls"))
    ).get_sheet_by_index(0)
    merged = sheet.merged_cell_ranges
    assert merged is not None
    assert sorted(merged) == [((0, 0), (0, 7)), ((1, 0), (1, 7))]


@pytest.mark.parametrize("fmt", ce.FORMATS)
def test_cordys_follow_ups(tmp_path: Path, fmt: ce.Fmt) -> None:
    header, rows = build("cordys_follow_ups", fmt, tmp_path)
    assert header == [
        "跟进类型",
        "客户名称",
        "跟进方式",
        "跟进时间",
        "跟进内容",
        "负责人名字",
        "跟进结果",
        "下次跟进日期",
    ]
    assert set(column(header, rows, "跟进类型")) == set(ce.CORDYS_KINDS)
    assert set(column(header, rows, "负责人名字")) == set(ce.OWNERS)
    times = column(header, rows, "跟进时间")
    if fmt == "csv":
        assert times[0] == "2026-09-01 10:00:00"
    else:  # real date cells, not text
        assert times[0] == dt.datetime(2026, 9, 1, 10, 0)
        assert all(isinstance(v, dt.datetime) for v in times)
        assert all(isinstance(v, dt.date) for v in column(header, rows, "下次跟进日期"))


def test_cordys_datetime_cells_have_a_date_format(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(ce.cordys_follow_ups(tmp_path, "xlsx")).worksheets[0]
    assert ws["D2"].is_date
    assert ws["D2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert ws["H2"].is_date
    assert ws["H2"].number_format == "yyyy-mm-dd"


@pytest.mark.parametrize("fmt", ce.FORMATS)
def test_zoho_activities_have_us_dates(tmp_path: Path, fmt: ce.Fmt) -> None:
    header, rows = build("zoho_activities", fmt, tmp_path)
    assert header == [
        "Account Name",
        "Activity Owner",
        "Activity Type",
        "Start Date",
        "Description",
        "Next Step",
    ]
    assert set(column(header, rows, "Activity Type")) == set(ce.ZOHO_TYPES)
    dates = column(header, rows, "Start Date")
    assert all(re.fullmatch(r"9/[1-9]\d?/2026", str(v)) for v in dates)  # m/d/yyyy, no zero padding
    assert "9/3/2026" in dates
    assert "9/15/2026" in dates
    assert set(column(header, rows, "Activity Owner")) == set(ce.OWNERS)


@pytest.mark.parametrize("fmt", ce.FORMATS)
def test_salesforce_opportunities(tmp_path: Path, fmt: ce.Fmt) -> None:
    header, rows = build("salesforce_opportunities", fmt, tmp_path)
    assert header == [
        "Opportunity Name",
        "Account Name",
        "Opportunity Owner",
        "Stage",
        "Amount",
        "Close Date",
        "Last Activity",
    ]
    assert set(column(header, rows, "Stage")) == set(ce.SALESFORCE_STAGES)
    amounts = column(header, rows, "Amount")
    assert amounts.count("USD 5,000.00") == 1
    assert "CNY 120,000.00" in amounts
    assert all(str(a).startswith("CNY ") for a in amounts if a != "USD 5,000.00")
    assert all(
        re.fullmatch(r"\d{1,2}/\d{1,2}/2026", str(v)) for v in column(header, rows, "Close Date")
    )


def subtotal_mismatches(header: list[str], rows: Rows) -> list[tuple[str, str]]:
    """(person, row) of each 第N季度/全年 row whose 目标 or 完成 is not the sum of its months."""
    wrong = []
    months: dict[str, list[tuple[Decimal, Decimal]]] = {}
    for row in rows:
        person, label = str(row[0]), str(row[1])
        values = (number(row[header.index("目标")]), number(row[header.index("完成")]))
        got = months.setdefault(person, [])
        if label in ce.MONTHS:
            got.append(values)
            continue
        part = got[-3:] if label in ce.QUARTERS else got
        if label in ce.QUARTERS:
            assert len(got) == 3 * (ce.QUARTERS.index(label) + 1)
        expected = (sum(t for t, _ in part), sum(d for _, d in part))
        if values != expected:
            wrong.append((person, label))
    return wrong


ORDER = [
    *ce.MONTHS[0:3], "第一季度", *ce.MONTHS[3:6], "第二季度",
    *ce.MONTHS[6:9], "第三季度", *ce.MONTHS[9:12], "第四季度", "全年",
]  # fmt: skip


@pytest.mark.parametrize("fmt", ce.FORMATS)
def test_target_completion_long_form(tmp_path: Path, fmt: ce.Fmt) -> None:
    path = ce.target_completion(tmp_path, fmt)
    header, rows = build("target_completion", fmt, tmp_path)
    assert header == ["名称", "月份", "目标", "完成", "完成率"]
    assert len(rows) == 17 * 3
    for i, person in enumerate(ce.OWNERS):
        block = rows[17 * i : 17 * (i + 1)]
        assert [r[0] for r in block] == [person] * 17
        assert [r[1] for r in block] == ORDER
    rates = [number(v) for v in column(header, rows, "完成率")]
    assert Decimal("85.5") in rates
    assert Decimal("2.5") in rates
    assert max(rates) < 200
    assert subtotal_mismatches(header, rows) == []
    # No year anywhere, and the rate is points without a % sign.
    text = " ".join(str(v) for row in read_back(path) for v in row)
    assert "2026" not in text
    assert "%" not in text
    assert text.count("年") == text.count("全年")


@pytest.mark.parametrize("fmt", ce.FORMATS)
def test_target_completion_broken_subtotal(tmp_path: Path, fmt: ce.Fmt) -> None:
    path = ce.target_completion(tmp_path, fmt, broken_subtotal=True)
    rows = read_back(path)
    assert subtotal_mismatches([str(h) for h in rows[0]], rows[1:]) == [ce.BROKEN_SUBTOTAL]


@pytest.mark.parametrize("fmt", ce.FORMATS)
def test_unknown_export_looks_like_an_export(tmp_path: Path, fmt: ce.Fmt) -> None:
    header, rows = build("unknown_export", fmt, tmp_path)
    assert header == [
        "发票号码",
        "开票日期",
        "购方名称",
        "金额",
        "税额",
        "价税合计",
        "开票人",
        "备注",
    ]
    assert len(rows) == 20
    assert all(all(v != "" for v in row[:8]) for row in rows)
    for row in rows:
        assert number(row[3]) + number(row[4]) == number(row[5])
    assert rows[0][0] == "26310001"  # the invoice number stays text


def test_builders_are_deterministic(tmp_path: Path) -> None:
    for name, builder in ce.BUILDERS.items():
        first = builder(tmp_path / "a", "csv").read_bytes()
        assert builder(tmp_path / "b", "csv").read_bytes() == first, name


def test_all_exports_fit_in_one_folder(tmp_path: Path) -> None:
    paths = {builder(tmp_path, fmt) for builder in ce.BUILDERS.values() for fmt in ce.FORMATS}
    assert len(paths) == len(ce.BUILDERS) * len(ce.FORMATS)
    assert sorted(tmp_path.iterdir()) == sorted(paths)
