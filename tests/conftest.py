"""Shared fixtures: real workbook files written with openpyxl into tmp folders."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from salesbook.cli import cli
from salesbook.schemas import HEALTH_MONITORING, SHEETS_BY_KIND

HEALTH_SEED = HEALTH_MONITORING.example_rows

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


def follow_up_row(
    customer: str,
    owner: str,
    day: str,
    due: str | None = None,
    channel: str = "电话",
    summary: str | None = None,
) -> list[object]:
    """A complete follow-up row in FOLLOW_UP_KEYS order (every column of the seed template
    filled); the next action is due on `day` unless `due` says otherwise."""
    return [
        customer,
        owner,
        day,
        channel,
        summary or f"{customer} {day} 沟通",
        "有意向",
        "继续跟进",
        due or day,
    ]


BREAKDOWN_KEYS = ["overall", "dimension", "target", "owner", "deadline", "standard"]


def write_targets(
    path: Path,
    overall: list[list[object]],
    breakdown: list[list[object]],
    roster: list[list[object]],
) -> Path:
    """A 销售目标分解表: overall targets, the breakdown (seed columns) and the roster."""
    return write_book(
        path,
        {
            "总体目标": (headers("target_overall"), overall),
            "目标分解": (headers("target_breakdown", keys=BREAKDOWN_KEYS), breakdown),
            "团队名册": (headers("roster"), roster),
        },
    )


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
    write_company(folder)
    return folder


def write_company(folder: Path, company: str = "测试有限公司") -> Path:
    """A salesbook.toml naming the company: without one every run warns SB-C005."""
    path = folder / "salesbook.toml"
    path.write_text(f'company = "{company}"\n', encoding="utf-8")
    return path


def validate_json(folder: Path, *args: str) -> tuple[int, dict]:
    """`salesbook validate FOLDER --json`, returning the exit code and the parsed JSON."""
    result = CliRunner().invoke(cli, ["validate", str(folder), "--json", "--today", TODAY, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)


def run_document(folder: Path, output: Path, *args: str) -> dict:
    """`salesbook run FOLDER -o OUTPUT --today TODAY --jobs 1 ARGS` (exit 0 or 1: errors found
    are fine) and the figures.json it wrote."""
    result = CliRunner().invoke(
        cli, ["run", str(folder), "-o", str(output), "--today", TODAY, "--jobs", "1", *args]
    )
    assert result.exit_code in (0, 1), result.output
    return json.loads((output / "figures.json").read_text(encoding="utf-8"))


def found(report: dict) -> set[tuple[str, str]]:
    """(code, location) pairs of a JSON report."""
    return {(i["code"], i["location"]) for i in report["issues"]}


SEED_PEOPLE = [
    ["王总", "S000", "销售总监", "", "", "", "2019-01-01", "", "在职"],
    ["张经理", "S001", "区域经理", "华东", "华东一组", "王总", "2020-03-01", "", "在职"],
    ["李明", "S002", "销售代表", "华东", "华东一组", "张经理", "2021-05-01", "", "在职"],
    ["王芳", "S003", "销售代表", "华东", "华东一组", "张经理", "2022-07-01", "", "在职"],
]


@pytest.fixture
def seed_org(tmp_path: Path) -> Path:
    """The seed rows of SPEC §1 with real names: targets, roster, appraisal, follow-ups, health."""
    folder = tmp_path / "workbooks"
    write_targets(
        folder / "销售目标分解表.xlsx",
        [
            ["季度销售额", "100万元", "元", "2023Q4", "2023-10-01", "2023-12-31"],
            ["新客户开发", "30", "个", "2023Q4", "2023-10-01", "2023-12-31"],
        ],
        [
            [
                "季度销售额100万元",
                "区域-华东区域",
                "40万元",
                "张经理",
                "2023年12月31日",
                "月度销售额≥13.3万元",
            ],
            ["季度销售额100万元", "区域-华南区域", "60万元", "王总", "2023年12月31日", ""],
            [
                "季度销售额100万元",
                "产品-产品A",
                "60万元",
                "华东一组",
                "2023年12月31日",
                "新客户签约≥20个",
            ],
            ["季度销售额100万元", "产品-产品B", "40万元", "华东一组", "2023年12月31日", ""],
            ["季度销售额100万元", "个人-李明", "30万元", "李明", "2023年12月31日", ""],
            ["季度销售额100万元", "个人-王芳", "25万元", "王芳", "2023年12月31日", ""],
            ["季度销售额100万元", "个人-张经理", "45万元", "张经理", "2023年12月31日", ""],
            [
                "新客户开发30个",
                "个人-李明",
                "8个",
                "李明",
                "2023年12月31日",
                "客户转化率≥15%",
            ],
        ],
        SEED_PEOPLE,
    )
    write_book(
        folder / "销售业绩评估表.xlsx",
        {
            "评估": (
                headers("appraisal"),
                [
                    [
                        "李明",
                        "30万元",
                        "33万元",
                        "110%",
                        "10个",
                        "90%",
                        92,
                        "优秀",
                        "挖掘大客户潜力，提升客单价",
                    ],
                    [
                        "王芳",
                        "25万元",
                        "20万元",
                        "80%",
                        "6个",
                        "75%",
                        75,
                        "待改进",
                        "加强客户需求分析，优化谈判策略",
                    ],
                    ["张经理", "45万元", "45万元", "", "5个", "80%", "", "", ""],
                ],
            )
        },
    )
    write_book(
        folder / "跟进记录.xlsx",
        {
            "Sheet1": (
                headers("follow_up", keys=[*FOLLOW_UP_KEYS, "stage", "entered"]),
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
                        "需求诊断",
                        "2023-10-10",
                    ],
                    [
                        "YY集团",
                        "王芳",
                        "2023-10-11",
                        "上门拜访",
                        "现场演示产品B，表达合作意向",
                        "需对比竞品价格",
                        "提供竞品对比分析",
                        "2023-10-20",
                        "方案呈现",
                        "2023-10-16",
                    ],
                    [
                        "科技公司",
                        "李明",
                        "2023-10-13",
                        "微信",
                        "确认报价",
                        "接受报价",
                        "签合同",
                        "2023-10-31",
                        "合同签订",
                        "2023-10-13",
                    ],
                ],
            )
        },
    )
    write_book(
        folder / "销售流程健康度.xlsx",
        {
            "健康度监控": (headers("health_monitoring"), [list(r) for r in HEALTH_SEED]),
            "指标数据": (
                headers("health_data", keys=["period", "indicator", "value"]),
                [
                    ["2023Q3", "平均销售周期", "95天"],
                    ["2023-10", "平均销售周期", "85天"],
                    ["2023-10", "需求匹配度", "70%"],
                    ["2023-10", "流程节点完成率", "85%"],
                    ["2023-10", "客户满意度(NPS)", 52],
                ],
            ),
        },
    )
    write_company(folder)
    return folder


def interruptible() -> None:
    """preexec_fn for a child the test stops with SIGINT: a test run started in the background
    (`cmd &` in a script) ignores SIGINT, the child inherits that, and Python then installs no
    KeyboardInterrupt handler; the default disposition lets it."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def files_state(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under `folder` with its sha256 and mtime: what "untouched" means."""
    return {
        p.relative_to(folder).as_posix(): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def one_row_log(path: Path, lang: str, channel: str) -> None:
    """A one-row log headed in `lang`, its channel one no list allows (an SB-V006)."""
    write_book(
        path,
        {
            "Log": (
                headers("follow_up", lang, keys=FOLLOW_UP_KEYS),
                [
                    [
                        path.stem + "公司",
                        "李明",
                        "2023-10-10",
                        channel,
                        "询问产品A参数及供货周期",
                        "需定制化功能",
                        "发送方案报价单",
                        "2023-10-15",
                    ]
                ],
            )
        },
    )
