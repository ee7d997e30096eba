"""Shared fixtures: real workbook files written with openpyxl into tmp folders."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from salesbook.cli import cli
from salesbook.schemas import SHEETS_BY_KIND

TODAY = "2026-11-25"


def headers(kind: str, lang: str = "zh", keys: Sequence[str] | None = None) -> list[str]:
    """The schema's headers of a sheet kind, in `lang`, optionally only `keys`."""
    schema = SHEETS_BY_KIND[kind]
    columns = schema.columns if keys is None else [schema.column(k) for k in keys]
    return [c.header(lang) for c in columns]


class Formula(str):
    """A cell value written as a formula (openpyxl saves it without a cached result)."""


def write_book(
    path: Path,
    sheets: dict[str, tuple[Sequence[object], Sequence[Sequence[object]]]],
    title_rows: Sequence[Sequence[object]] = (),
    date1904: bool = False,
) -> Path:
    """An .xlsx with one sheet per entry: optional title rows, a header row, data rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    if date1904:
        workbook.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    for name, (header, rows) in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in title_rows:
            sheet.append(list(row))
        sheet.append(list(header))
        for row in rows:
            sheet.append(list(row))
            for cell, value in zip(sheet[sheet.max_row], row, strict=False):
                if isinstance(value, str) and not isinstance(value, Formula):
                    cell.data_type = "s"  # text stays text, even when it starts with "="
    workbook.save(path)
    return path


ROSTER_ROWS = [
    ["王总", "S000", "销售总监", "", "", "", "2019-01-01", "", "在职"],
    ["李经理", "S001", "区域经理", "华东", "华东一组", "王总", "2020-03-01", "", "在职"],
    ["李明", "S002", "销售代表", "华东", "华东一组", "李经理", "2021-05-01", "", "在职"],
    ["王芳", "S003", "销售代表", "华东", "华东一组", "李经理", "2022-07-01", "", "在职"],
]
OVERALL_ROWS = [["季度销售额", "100万元", "元", "2023Q4", "2023-10-01", "2023-12-31"]]
BREAKDOWN_ROWS = [
    [
        "季度销售额100万元",
        "区域-华东区域",
        "40万元",
        "李经理",
        "2023年12月31日",
        "月度销售额≥13.3万元",
    ],
    ["季度销售额100万元", "个人-李明", "20万元", "李明", "2023年12月31日", ""],
    ["季度销售额100万元", "个人-王芳", "20万元", "王芳", "2023年12月31日", ""],
]
FOLLOW_UP_KEYS = [
    "customer",
    "owner",
    "date",
    "channel",
    "summary",
    "feedback",
    "next_action",
    "due",
]


@pytest.fixture
def org(tmp_path: Path) -> Path:
    """A small, clean organisation: targets with roster, one follow-up log."""
    folder = tmp_path / "workbooks"
    write_book(
        folder / "销售目标分解表.xlsx",
        {
            "总体目标": (headers("target_overall"), OVERALL_ROWS),
            "目标分解": (
                headers(
                    "target_breakdown",
                    keys=["overall", "dimension", "target", "owner", "deadline", "standard"],
                ),
                BREAKDOWN_ROWS,
            ),
            "团队名册": (headers("roster"), ROSTER_ROWS),
        },
    )
    write_book(
        folder / "10月跟进记录-华东(终版2).xlsx",
        {
            "Sheet1": (
                headers("follow_up", keys=FOLLOW_UP_KEYS),
                [
                    [
                        "科技公司",
                        "李明",
                        "2023-10-10",
                        "电话",
                        "询问产品A参数及供货周期",
                        "需定制化功能",
                        "发送方案报价单",
                        "2023-10-15",
                    ],
                    [
                        "YY集团",
                        "王芳",
                        dt.date(2023, 10, 11),
                        "上门拜访",
                        "现场演示产品B，表达合作意向",
                        "需对比竞品价格",
                        "提供竞品对比分析",
                        "2023-10-20",
                    ],
                ],
            ),
        },
    )
    return folder


def validate_json(folder: Path, *args: str) -> tuple[int, dict]:
    """`salesbook validate FOLDER --json`, returning the exit code and the parsed JSON."""
    result = CliRunner().invoke(cli, ["validate", str(folder), "--json", "--today", TODAY, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)


def found(report: dict) -> set[tuple[str, str]]:
    """(code, location) pairs of a JSON report."""
    return {(i["code"], i["location"]) for i in report["issues"]}
