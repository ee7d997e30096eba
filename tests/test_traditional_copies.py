"""A copy of a Traditional-headed workbook is Traditional throughout (issue 13, part 4): the
added headers, the words its status columns hold (coloured as the 简 ones), the trend and month
texts, the award names, and the issue sheet's severities and messages. A 简 file stays 简."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import FOLLOW_UP_KEYS, TODAY, one_row_log
from openpyxl.worksheet.worksheet import Worksheet

from salesbook import batch, fill
from salesbook.cells import STATUS_FILLS, STATUS_FILLS_EN, STATUS_FILLS_HANT
from salesbook.cli import cli
from salesbook.schemas import SHEETS_BY_KIND
from salesbook.values import parse_period, traditional
from salesbook.watch import FileReport, watch
from salesbook.words import STATUS_WORDS

# Characters that differ between 简 and 繁 in what salesbook writes into these copies.
SIMPLIFIED_ONLY = re.compile("[达标进计划领后关预数据错误额总实际务单项奖销约万无识别录户]")
PERIOD = ("--period", "2023Q4", "--as-of", "2023-11-15")


def run(folder: Path, output: Path) -> None:
    result = CliRunner().invoke(
        cli, ["run", str(folder), "-o", str(output), "--today", TODAY, "--no-pdf", *PERIOD]
    )
    assert result.exit_code in (0, 1), result.output


def to_traditional_headers(folder: Path) -> None:
    """Every header row of the folder's workbooks as a Traditional file heads it; the data stays."""
    hant = {
        column.zh: column.hant
        for schema in SHEETS_BY_KIND.values()
        for column in schema.columns
        if column.hant
    }
    for path in folder.glob("*.xlsx"):
        book = openpyxl.load_workbook(path)
        for sheet in book:
            for cell in sheet[1]:
                if isinstance(cell.value, str) and cell.value in hant:
                    cell.value = hant[cell.value]
        book.save(path)


def added_values(sheet: Worksheet, first_added: int) -> dict[str, list[object]]:
    """Each added column's header -> its values below."""
    columns: dict[str, list[object]] = {}
    for column in range(first_added, sheet.max_column + 1):
        header = sheet.cell(1, column).value
        columns[header] = [
            sheet.cell(row, column).value
            for row in range(2, sheet.max_row + 1)
            if sheet.cell(row, column).value is not None
        ]
    return columns


def fill_rules(sheet: Worksheet) -> dict[str, str]:
    """The conditional formats of a sheet: the word each rule matches -> its fill colour."""
    return {
        rule.formula[0].strip('"'): rule.dxf.fill.fgColor.rgb
        for formatting in sheet.conditional_formatting
        for rule in formatting.rules
    }


def texts(sheet: Worksheet, first_added: int = 1) -> list[str]:
    return [
        cell.value
        for row in sheet.iter_rows(min_col=first_added)
        for cell in row
        if isinstance(cell.value, str)
    ]


def test_status_words_and_their_colours_are_declared_once() -> None:
    # the 繁 and English fills are the 简 ones said in the other language, colour for colour
    for word, colour in STATUS_FILLS.items():
        hant, en = STATUS_WORDS[word]
        assert STATUS_FILLS_HANT[hant] is colour
        assert STATUS_FILLS_EN[en] is colour
    assert len(STATUS_FILLS_HANT) == len(STATUS_FILLS_EN) == len(STATUS_FILLS)
    assert STATUS_WORDS["落后"] == ("落後", "Behind")
    assert STATUS_WORDS["待改进"] == ("待改進", "Needs improvement")
    assert traditional("「实际完成销售额」的金额") == "「實際完成銷售額」的金額"
    assert traditional("ascii only") == "ascii only"


def test_copy_of_a_traditional_log_is_traditional(org: Path, tmp_path: Path) -> None:
    one_row_log(org / "繁體.xlsx", "zh-Hant", "傳真")
    one_row_log(org / "简体.xlsx", "zh", "传真")
    output = tmp_path / "out"
    run(org, output)
    copies = output / "workbooks"

    book = openpyxl.load_workbook(copies / "繁體.xlsx")
    log = book["Log"]
    flags = added_values(log, len(FOLLOW_UP_KEYS) + 1)
    assert list(flags) == ["下一步逾期", "客戶停滯", "補錄", "記錄不完整"]
    assert flags["下一步逾期"] == ["是"]  # due 15 Oct 2023, long past
    assert fill_rules(log)["是"] == STATUS_FILLS["是"].fgColor.rgb
    rows = list(book["問題清單"].iter_rows(min_row=2, values_only=True))
    v006 = [r for r in rows if r[1] == "SB-V006"]
    assert v006
    assert v006[0][0] == "錯誤"
    assert v006[0][4].startswith("「溝通方式」的取值「傳真」不在可選範圍內")
    for row in rows:
        assert not SIMPLIFIED_ONLY.search(row[0] + row[4]), row

    # the 简 file beside it keeps 简: severities and messages as the run says them
    rows = list(
        openpyxl.load_workbook(copies / "简体.xlsx")["问题清单"].iter_rows(
            min_row=2, values_only=True
        )
    )
    v006 = [r for r in rows if r[1] == "SB-V006"]
    assert v006[0][0] == "错误"
    assert v006[0][4].startswith("「沟通方式」的取值「传真」不在可选范围内")


def traditional_seed(seed_org: Path) -> Path:
    """The seed folder with an SB-V002 in the appraisal (李明's 实际完成销售额 约2.9万) and every
    header row as a Traditional file heads it."""
    appraisal = seed_org / "销售业绩评估表.xlsx"
    book = openpyxl.load_workbook(appraisal)
    book.active["C2"] = "约2.9万"
    book.save(appraisal)
    to_traditional_headers(seed_org)
    return seed_org


def assert_traditional_copies(copies: Path) -> None:
    """What salesbook added to the seed's copies is 繁, and the status words keep their colours."""
    targets = openpyxl.load_workbook(copies / "销售目标分解表.xlsx")["目标分解"]
    added = added_values(targets, 7)
    assert set(added["進度狀態"]) <= {"領先", "正常", "關注", "落後"}
    assert set(added["完成標準判定"]) <= {"達標", "未達標", "無數據"}
    assert "未達標" in added["完成標準判定"]
    assert all("月" in split for split in added["按月分解"])
    rules = fill_rules(targets)
    assert rules["落後"] == STATUS_FILLS["落后"].fgColor.rgb  # coloured as 落后 is
    assert rules["未達標"] == STATUS_FILLS["未达标"].fgColor.rgb
    assert "落后" not in rules
    assert "未达标" not in rules

    follow_ups = openpyxl.load_workbook(copies / "跟进记录.xlsx")["Sheet1"]
    flags = added_values(follow_ups, 11)
    assert "是" in flags["下一步逾期"]
    assert fill_rules(follow_ups)["是"] == STATUS_FILLS["是"].fgColor.rgb

    appraisal = openpyxl.load_workbook(copies / "销售业绩评估表.xlsx")
    ranking = appraisal["评估"]
    graded = added_values(ranking, len(SHEETS_BY_KIND["appraisal"].columns) + 1)
    assert "待改進" in graded["計算等級"]
    assert set(graded["計算等級"]) <= {"優秀", "良好", "待改進"}
    assert "銷售之星" in graded["獎項"]
    assert fill_rules(ranking)["待改進"] == STATUS_FILLS["待改进"].fgColor.rgb

    health = openpyxl.load_workbook(copies / "销售流程健康度.xlsx")["健康度监控"]
    first = len(SHEETS_BY_KIND["health_monitoring"].columns) + 1
    statuses = added_values(health, first)
    assert set(statuses["狀態"]) == {"健康", "關注", "預警"}
    assert statuses["趨勢"]
    assert fill_rules(health)["預警"] == STATUS_FILLS["预警"].fgColor.rgb
    assert fill_rules(health)["關注"] == STATUS_FILLS["关注"].fgColor.rgb

    # every text salesbook added to a copy is 繁 (the typed data keeps its own spelling)
    widths = ((targets, 7), (follow_ups, 11), (ranking, 10), (health, first))
    for sheet, first_added in widths:
        for text in texts(sheet, first_added):
            assert not SIMPLIFIED_ONLY.search(text), (sheet.title, text)

    rows = list(appraisal["問題清單"].iter_rows(min_row=2, values_only=True))
    v002 = [r for r in rows if r[1] == "SB-V002"]
    assert v002
    assert v002[0][3] == "C2"
    assert v002[0][0] == "錯誤"
    assert v002[0][4] == "「實際完成銷售額」的金額「約2.9萬」無法識別"
    for row in rows:
        assert not SIMPLIFIED_ONLY.search(row[0] + row[4]), row


def test_every_kind_of_added_column_speaks_traditional(seed_org: Path, tmp_path: Path) -> None:
    """Each sheet as the reader takes a Traditional header row (Source.lang zh-Hant), filled
    through the library: targets, follow-ups, appraisal and health columns, the issue sheet."""
    folder = batch.load(traditional_seed(seed_org))
    for table in folder.book.tables.values():
        table.sources = [replace(source, lang="zh-Hant") for source in table.sources]
    period = parse_period("2023Q4")
    figures = folder.compute(period, dt.date(2023, 11, 15))
    issues = folder.check(period, dt.date(2023, 11, 15)).issues + figures.issues
    output = tmp_path / "out"
    fill.fill_workbooks(folder.book, figures, issues, folder.path, output)
    assert_traditional_copies(output)


def test_copy_of_a_traditional_folder_is_traditional(seed_org: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    run(traditional_seed(seed_org), output)
    assert_traditional_copies(output / "workbooks")


def test_copy_of_a_simplified_workbook_stays_simplified(seed_org: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    run(seed_org, output)
    copies = output / "workbooks"

    targets = openpyxl.load_workbook(copies / "销售目标分解表.xlsx")["目标分解"]
    added = added_values(targets, 7)
    assert set(added["进度状态"]) <= {"领先", "正常", "关注", "落后"}
    assert set(added["完成标准判定"]) <= {"达标", "未达标", "无数据"}
    assert added["完成标准判定"]
    assert "落后" in fill_rules(targets)
    assert "落後" not in fill_rules(targets)

    appraisal = openpyxl.load_workbook(copies / "销售业绩评估表.xlsx")
    assert "待改进" in added_values(appraisal["评估"], 10)["计算等级"]
    health = openpyxl.load_workbook(copies / "销售流程健康度.xlsx")
    statuses = added_values(
        health["健康度监控"], len(SHEETS_BY_KIND["health_monitoring"].columns) + 1
    )
    assert set(statuses["状态"]) <= {"健康", "关注", "预警"}
    assert health.sheetnames[-1] == "问题清单"
    severities = {r[0] for r in health["问题清单"].iter_rows(min_row=2, values_only=True)}
    assert severities <= {"错误", "警告", "提示"}


# --- the watcher's live folder in English ------------------------------------------------------


def watch_once(folder: Path, output: Path, lang: str, files: int) -> list[FileReport]:
    """Run the watcher in a thread until `files` inputs got their lists; the reports."""
    reports: list[FileReport] = []
    stop = threading.Event()
    errors: list[BaseException] = []

    def target() -> None:
        try:
            watch(
                folder,
                output,
                lang=lang,
                today=dt.date.fromisoformat(TODAY),
                stop_event=stop,
                on_report=reports.append,
                settle=0.3,
                jobs=1,
            )
        except BaseException as error:  # re-raised below, in the test's thread
            errors.append(error)

    thread = threading.Thread(target=target, name="salesbook-watch", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while len(reports) < files and not errors and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=15)
    assert not thread.is_alive(), "the watcher did not stop"
    if errors:
        raise errors[0]
    return reports


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_english_watcher_writes_into_issues_folder(org: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    reports = watch_once(org, output, "en", files=2)
    assert {r.report for r in reports} == {
        output / "Issues" / "销售目标分解表.xlsx",
        output / "Issues" / "10月跟进记录-华东(终版2).xlsx",
    }
    assert all(r.report.is_file() for r in reports)
    assert not (output / "问题清单").exists()

    # an output holding only the watcher's lists is salesbook's: a run may replace it
    result = CliRunner().invoke(
        cli, ["run", str(org), "-o", str(output), "--lang", "en", "--no-pdf", "--today", TODAY]
    )
    assert result.exit_code in (0, 1), result.output
    assert (output / "manifest.json").is_file()
    # the watcher writes its lists again after the run: the manifest does not cover them
    watch_once(org, output, "en", files=2)
    assert (output / "Issues" / "销售目标分解表.xlsx").is_file()
    result = CliRunner().invoke(cli, ["verify", str(output)])
    assert result.exit_code == 0, result.output


def test_a_folder_of_ones_own_named_issues_is_not_replaced(org: Path, tmp_path: Path) -> None:
    output = tmp_path / "mine"
    (output / "Issues").mkdir(parents=True)
    (output / "Issues" / "notes.md").write_text("my notes", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["run", str(org), "-o", str(output), "--no-pdf", "--today", TODAY]
    )
    assert result.exit_code == 2, result.output
    assert (output / "Issues" / "notes.md").read_text(encoding="utf-8") == "my notes"
