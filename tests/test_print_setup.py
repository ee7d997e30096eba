"""Every sheet salesbook writes or adds prints: page setup, print titles and area read back with
openpyxl, and every chart of 汇总 drawn over cells that hold numbers (issue 13, part 2)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from conftest import TODAY
from openpyxl.utils import column_index_from_string, range_boundaries

from salesbook.cli import cli

SAMPLE = Path(__file__).parent.parent / "workbooks"


def run(folder: Path, output: Path, *args: str) -> None:
    result = CliRunner().invoke(cli, ["run", str(folder), "-o", str(output), "--no-pdf", *args])
    assert result.exit_code in (0, 1), result.output


def assert_prints(sheet, header_row: int = 1) -> None:
    """Fit to one page wide, as tall as needed, the header row on every page, the whole table
    (every column with a header, every row with a value) inside the print area."""
    where = sheet.title
    setup = sheet.page_setup
    assert setup.orientation in ("portrait", "landscape"), where
    assert sheet.sheet_properties.pageSetUpPr.fitToPage, where
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), where
    assert sheet.print_title_rows == f"${header_row}:${header_row}", where
    area = sheet.print_area
    assert area, where
    min_col, min_row, max_col, max_row = range_boundaries(area.split("!")[-1].replace("$", ""))
    assert (min_col, min_row) == (1, 1), where
    headers = [c.column for c in sheet[header_row] if c.value not in (None, "")]
    assert max_col >= max(headers), where
    assert max_row >= sheet.max_row, where
    wide = sum((sheet.column_dimensions[c].width or 8.43) for c in "ABCDEFGHIJKL"[:max_col])
    if wide > 120:
        assert setup.orientation == "landscape", where


def numbers(workbook, ref: str) -> list[object]:
    sheet_name, cells = ref.rsplit("!", 1)
    sheet = workbook[sheet_name.strip("'")]
    min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    return [
        c.value
        for row in sheet.iter_rows(min_row, max_row, min_col, max_col)
        for c in row
        if isinstance(c.value, (int, float)) and not isinstance(c.value, bool)
    ]


def test_summary_and_issue_list_of_the_sample_print(tmp_path: Path) -> None:
    folder = tmp_path / "workbooks"
    shutil.copytree(SAMPLE, folder)
    output = tmp_path / "out"
    run(folder, output)
    summary_path = next(output.glob("汇总-*.xlsx"))
    summary = openpyxl.load_workbook(summary_path)
    for sheet in summary:
        assert_prints(sheet)

    charted = {"区域达成", "个人达成", "跟进纪律", "评估排名"}
    for sheet in summary:
        for chart in sheet._charts:
            for series in chart.series:
                assert numbers(summary, series.val.numRef.f), (sheet.title, series.val.numRef.f)
            # under the table, inside the print area, on a page of its own when the table is long
            anchor = chart.anchor._from
            assert anchor.col == 0, sheet.title
            assert anchor.row + 1 > sheet.max_row - 1, sheet.title
            last_area_row = int(re.findall(r"\d+", sheet.print_area)[-1])
            assert last_area_row >= anchor.row + 1 + 15, sheet.title
            if anchor.row > 12:
                assert [b.id for b in sheet.row_breaks.brk] == [anchor.row], (
                    sheet.title
                )  # just above it
    assert {s.title for s in summary if s._charts} == charted
    # the sample's product targets have no actual yet: no empty chart, a line saying why
    products = summary["产品达成"]
    assert not products._charts
    notes = [c.value for row in products.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(n.startswith("未画「达成率」图") for n in notes)

    issues = openpyxl.load_workbook(output / "问题清单.xlsx")
    for sheet in issues:
        assert_prints(sheet)
    listing = issues["问题清单"]
    assert listing.page_setup.orientation == "landscape"
    message = listing.cell(2, column_index_from_string("G"))
    assert message.alignment.wrap_text  # long messages wrap instead of running off the page


def test_added_issue_sheet_prints_and_the_owners_print_setup_is_kept(
    seed_org: Path, tmp_path: Path
) -> None:
    path = seed_org / "销售目标分解表.xlsx"
    book = openpyxl.load_workbook(path)
    owned = book.worksheets[0]
    owned.print_area = "A1:C3"
    owned.page_setup.orientation = "landscape"
    owned.page_setup.scale = 80
    book.save(path)
    before = path.read_bytes()
    output = tmp_path / "output"
    run(seed_org, output, "--period", "2023Q4", "--today", TODAY)
    assert path.read_bytes() == before

    copy = openpyxl.load_workbook(output / "workbooks" / "销售目标分解表.xlsx")
    assert copy.sheetnames[-1] == "问题清单"
    assert_prints(copy["问题清单"])
    kept = copy[owned.title]
    assert kept.print_area == f"'{owned.title}'!$A$1:$C$3"
    assert kept.page_setup.scale == 80
    assert not kept.page_setup.fitToWidth
    # a filled sheet nobody set up for printing gets salesbook's setup, added columns included
    other = copy.worksheets[1]
    assert other.title not in (owned.title, "问题清单")
    header_row = next(
        c.row for row in other.iter_rows(max_row=5) for c in row if c.value is not None
    )
    assert_prints(other, header_row)
