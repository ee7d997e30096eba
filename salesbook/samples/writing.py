"""Rows keyed by column → write-only workbooks with headers, dropdowns and formats (init and demo)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from salesbook.errors import SalesbookError
from salesbook.schemas import Choice, Column, ColumnType, SheetSchema
from salesbook.values import column_letter
from salesbook.xlsx import save_workbook, set_text

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
TITLE_FONT = Font(bold=True, size=14)
NUMBER_FORMATS = {
    ColumnType.MONEY: "#,##0.00",
    ColumnType.PERCENT: "0.0%",
    ColumnType.DATE: "yyyy-mm-dd",
    ColumnType.COUNT: "0",
}
VALIDATED_ROWS = 1000  # dropdowns reach this row, so rows people add below the examples get them


def choice_text(choice: Choice, lang: str) -> str:
    """A choice as written in `lang`: 电话, 電話 or Phone (the reader accepts every spelling)."""
    if lang == "zh-Hant":
        return choice.hant or choice.value
    if lang == "en":
        return choice.en or choice.value
    return choice.value


def _new_workbook() -> Workbook:
    # Write-only for every file: the follow-up logs of a large demo hold tens of thousands of rows,
    # and one way of writing keeps templates and demo files alike.
    return Workbook(write_only=True)


def _start_sheet(
    sheet: WriteOnlyWorksheet,
    columns: Sequence[Column],
    lang: str,
    titles: Sequence[str] = (),
    rows: int = 0,
) -> None:
    """Widths, frozen header, dropdowns, title rows and the header row, before any data row."""
    header_row = len(titles) + 1
    for index, column in enumerate(columns):
        sheet.column_dimensions[column_letter(index)].width = column.width
    sheet.freeze_panes = f"A{header_row + 1}"
    last_row = max(VALIDATED_ROWS, header_row + rows)
    for index, column in enumerate(columns):
        if column.type is not ColumnType.CHOICE:
            continue
        # No error alert: the reader accepts every spelling (電話, Phone), only the list is offered.
        listing = ",".join(choice_text(choice, lang) for choice in column.choices)
        validation = DataValidation(type="list", formula1=f'"{listing}"', allow_blank=True)
        letter = column_letter(index)
        validation.add(f"{letter}{header_row + 1}:{letter}{last_row}")
        sheet.data_validations.append(validation)
    for number, title in enumerate(titles, start=1):
        cell = _text_cell(sheet, title)
        cell.font = TITLE_FONT if number == 1 else HEADER_FONT
        sheet.append([cell])
        if len(columns) > 1:
            sheet.merged_cells.add(f"A{number}:{column_letter(len(columns) - 1)}{number}")
    header = []
    for column in columns:
        cell = _text_cell(sheet, column.header(lang))
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT
        header.append(cell)
    sheet.append(header)


def _text_cell(sheet: WriteOnlyWorksheet, value: object) -> Cell:
    cell = WriteOnlyCell(sheet)
    set_text(cell, value)
    return cell


def _append_row(
    sheet: WriteOnlyWorksheet, columns: Sequence[Column], values: Sequence[object]
) -> None:
    """One data row; strings stay text (never formulas), every cell gets its column's format.

    A format on a text cell (110%, 30万元) is there for the number someone types over it.
    """
    cells: list[Cell | None] = []
    for column, value in zip(columns, values, strict=True):
        if value is None or value == "":
            cells.append(None)
            continue
        cell = _text_cell(sheet, value)
        if column.type in NUMBER_FORMATS:
            cell.number_format = NUMBER_FORMATS[column.type]
        cells.append(cell)
    sheet.append(cells)


def refuse_overwrite(folder: Path, paths: Iterable[Path], force: bool) -> None:
    """Nothing is written when any target exists, unless `force`."""
    existing = [path.relative_to(folder).as_posix() for path in paths if path.exists()]
    if existing and not force:
        raise SalesbookError(
            f"文件已存在，未写入任何文件：{'、'.join(existing)}；如需覆盖请加 --force "
            f"(file already exists, nothing written: {', '.join(existing)}; use --force to overwrite)"
        )


@dataclass
class SheetData:
    """One sheet to write: rows keyed by column key, the columns present, title lines above."""

    schema: SheetSchema
    rows: list[dict[str, object]]
    keys: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    name: str = ""

    def columns(self) -> list[Column]:
        return (
            [self.schema.column(k) for k in self.keys] if self.keys else list(self.schema.columns)
        )


def write_book(
    path: Path,
    lang: str,
    sheets: Sequence[SheetData],
    stamp: dt.datetime,
    respell: bool = True,
) -> None:
    """Sheets with headers in `lang`; with `respell`, choice values spelled in `lang` too."""
    workbook = _new_workbook()
    for data in sheets:
        sheet = workbook.create_sheet(data.name or data.schema.title(lang))
        columns = data.columns()
        _start_sheet(sheet, columns, lang, data.titles, len(data.rows))
        # Canonical choice values -> their spelling in `lang`; unknown values pass unchanged.
        spellings = [
            {c.value: choice_text(c, lang) for c in column.choices} if respell else {}
            for column in columns
        ]
        keys = [column.key for column in columns]
        for row in data.rows:
            values = []
            for key, spelled in zip(keys, spellings, strict=True):
                value = row.get(key)
                values.append(spelled.get(value, value) if isinstance(value, str) else value)
            _append_row(sheet, columns, values)
    save_workbook(workbook, path, stamp)
