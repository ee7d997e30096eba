"""`salesbook watch` against what can land in a drop folder: stalled copies, clashing names, odd
names, failing writes, and a `verify` of the same output while it runs."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import TODAY
from test_watch import BAD_ROW, LOG, TARGETS, Running, follow_ups, report_rows, wait_for

import salesbook.watch as watch_module
from salesbook.cli import cli
from salesbook.watch import report_path

pytestmark = pytest.mark.filterwarnings(
    "ignore:This process .* is multi-threaded:DeprecationWarning"
)


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    running: list[Running] = []

    def starter(folder: Path, output: Path | None = None, **options: object) -> Running:
        running.append(Running(folder, output or tmp_path / "out", **options))
        return running[-1]

    yield starter
    for watcher in running:
        watcher.close()


def codes(report: Path) -> list[str]:
    return [row[1] for row in report_rows(report)]


# --- 1. verify while watching -----------------------------------------------------------------


def test_verify_passes_while_the_watcher_writes_into_the_same_output(
    org: Path, tmp_path: Path, start
) -> None:
    output = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(cli, ["run", str(org), "-o", str(output), "--no-pdf", "--today", TODAY])
    assert result.exit_code == 0, result.output
    watcher = start(org, output)
    watcher.wait_report(LOG)
    watcher.wait_report(TARGETS)
    follow_ups(org / "华东" / "11月.xlsx", [BAD_ROW])
    assert watcher.wait_report("华东/11月.xlsx").is_file()

    result = runner.invoke(cli, ["verify", str(output)])
    assert result.exit_code == 0, result.output
    # verify still sees everything else: a file added beside the run's outputs is reported
    (output / "workbooks" / "extra.txt").write_text("x")
    result = runner.invoke(cli, ["verify", str(output)])
    assert result.exit_code == 1
    assert "extra.txt" in result.output
    assert "问题清单/" not in result.output


# --- 2. a copy that stalls --------------------------------------------------------------------


def test_copy_stalling_longer_than_the_settle_time_is_read_once_complete(
    org: Path, start, tmp_path: Path
) -> None:
    data = follow_ups(tmp_path / "staging" / "慢.xlsx", [BAD_ROW]).read_bytes()
    watcher = start(org, settle=0.3)
    watcher.wait_report(LOG)
    with (org / "慢.xlsx").open("wb") as stream:
        stream.write(data[: len(data) // 2])
        stream.flush()
        os.fsync(stream.fileno())
        time.sleep(2.0)  # several settle times: the watcher sees a zip without its end
        stream.write(data[len(data) // 2 :])
    report = watcher.wait_report("慢.xlsx")
    assert codes(report) == ["SB-U001"]
    time.sleep(1.5)
    assert watcher.reported("慢.xlsx") == 1  # once, complete, never as damaged


def test_file_read_as_damaged_moments_after_it_changed_is_read_again(
    org: Path, start, tmp_path: Path
) -> None:
    """Not a zip at first (a tool that writes a header, pauses, then rewrites): damaged while
    fresh is not reported; the finished file is."""
    data = follow_ups(tmp_path / "staging" / "慢.xlsx", [BAD_ROW]).read_bytes()
    watcher = start(org, settle=0.3)
    watcher.wait_report(LOG)
    (org / "慢.xlsx").write_bytes(b"<partial> not yet a workbook")
    time.sleep(2.0)
    (org / "慢.xlsx").write_bytes(data)
    report = watcher.wait_report("慢.xlsx")
    assert codes(report) == ["SB-U001"]
    time.sleep(1.5)
    assert watcher.reported("慢.xlsx") == 1


@pytest.mark.parametrize("content", ["garbage", "cut", "empty"])
def test_file_that_stays_damaged_is_reported_once_after_the_wait(
    org: Path, start, tmp_path: Path, content: str
) -> None:
    data = follow_ups(tmp_path / "staging" / "坏.xlsx", [BAD_ROW]).read_bytes()
    body = {"garbage": b"garbage, not a workbook", "cut": data[: len(data) // 2], "empty": b""}
    watcher = start(org, settle=0.3, patience=2.0)
    watcher.wait_report(LOG)
    started = time.monotonic()
    (org / "坏.xlsx").write_bytes(body[content])
    report = watcher.wait_report("坏.xlsx")
    assert time.monotonic() - started >= 1.5  # it waited for the copy to go on
    assert codes(report)[0] in {"SB-F001", "SB-F003"}
    time.sleep(2.0)
    assert watcher.reported("坏.xlsx") == 1


def test_old_damaged_file_is_reported_at_start_without_waiting(org: Path, start) -> None:
    (org / "旧坏.xlsx").write_bytes(b"garbage, not a workbook")
    old = time.time() - 3600
    os.utime(org / "旧坏.xlsx", (old, old))
    started = time.monotonic()
    watcher = start(org, settle=0.3, patience=20.0)
    report = watcher.wait_report("旧坏.xlsx")
    assert time.monotonic() - started < 15
    assert codes(report) == ["SB-F001"]


# --- 3. one list per file, never shared ------------------------------------------------------


def test_report_names_never_clash() -> None:
    reports = Path("/out/问题清单")
    names = [
        "华东/计划.xlsx",
        "华东__计划.xlsx",
        "a.csv",
        "a.csv.xlsx",
        "a.csv.xlsx.xlsx",
        "a.xlsx",
        "a.XLSX",
        "a.xls",
        "a.xls.xlsx",
        "华东/a.csv",
        "华东/a.csv.xlsx",
    ]
    paths = [report_path(reports, name) for name in names]
    assert len(set(paths)) == len(names)
    assert report_path(reports, "华东/计划.xlsx") == reports / "华东" / "计划.xlsx"
    assert report_path(reports, "a.csv") == reports / "a.csv.xlsx"
    assert report_path(reports, "a.xlsx") == reports / "a.xlsx"


def test_sub_folder_file_and_flat_lookalike_keep_their_own_lists(org: Path, start) -> None:
    watcher = start(org)
    watcher.wait_report(LOG)
    follow_ups(org / "华东" / "计划.xlsx", [BAD_ROW])
    follow_ups(org / "华东__计划.xlsx", [["科技公司", "李明", *BAD_ROW[2:]]])
    nested = watcher.wait_report("华东/计划.xlsx")
    flat = watcher.wait_report("华东__计划.xlsx")
    assert nested != flat
    assert {row[2] for row in report_rows(nested)} == {"华东/计划.xlsx"}
    assert {row[2] for row in report_rows(flat)} == {"华东__计划.xlsx"}

    (org / "华东" / "计划.xlsx").unlink()
    wait_for(lambda: not nested.exists())
    wait_for(lambda: any("华东/计划.xlsx 已移出文件夹" in line for line in watcher.lines))
    assert flat.is_file()
    assert {row[2] for row in report_rows(flat)} == {"华东__计划.xlsx"}

    (org / "华东__计划.xlsx").unlink()
    wait_for(lambda: not flat.exists())
    assert watcher.report(LOG).is_file()


# --- 4. nothing one file does stops the watcher ----------------------------------------------


@pytest.mark.parametrize(
    "name", ["坏\x1b[31m名.xlsx", "换\n行.xlsx", "响\x07铃.csv", "退\x7f格.xlsx"]
)
def test_control_characters_in_a_name_do_not_stop_the_watcher(
    org: Path, start, tmp_path: Path, name: str
) -> None:
    watcher = start(org)
    watcher.wait_report(LOG)
    data = follow_ups(tmp_path / "staging" / "x.xlsx", [BAD_ROW]).read_bytes()
    (org / name).write_bytes(data)
    follow_ups(org / "华南跟进.xlsx", [BAD_ROW])  # lands after it: the watcher is still going
    watcher.wait_report("华南跟进.xlsx")
    time.sleep(1.0)
    assert watcher.thread.is_alive()
    assert watcher.error is None
    for line in watcher.lines:  # the terminal never gets a raw control character
        assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in line), repr(line)
    assert (org / name).read_bytes() == data


def test_a_list_that_cannot_be_written_is_one_line_and_the_watcher_goes_on(
    org: Path, start, tmp_path: Path
) -> None:
    blocker = tmp_path / "out" / "问题清单" / "华南跟进.xlsx"
    blocker.mkdir(parents=True)  # a folder where the list should go: every write fails
    (blocker / "keep").write_text("x")
    watcher = start(org)
    watcher.wait_report(LOG)
    follow_ups(org / "华南跟进.xlsx", [BAD_ROW])
    wait_for(lambda: any("无法写入 华南跟进.xlsx 的问题清单" in line for line in watcher.lines))
    follow_ups(org / "华北跟进.xlsx", [BAD_ROW])
    assert codes(watcher.wait_report("华北跟进.xlsx")) == ["SB-U001"]
    assert watcher.thread.is_alive()


def test_an_unexpected_error_for_one_file_is_one_line(
    org: Path, start, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = watch_module.write_issue_workbook

    def failing(result, folder, path, lang):  # the list of 华南跟进.xlsx fails, no other
        if any(issue.location.file == "华南跟进.xlsx" for issue in result.issues):
            raise RuntimeError("boom\nsecond line")
        return real(result, folder, path, lang)

    monkeypatch.setattr(watch_module, "write_issue_workbook", failing)
    watcher = start(org)
    watcher.wait_report(LOG)
    follow_ups(org / "华南跟进.xlsx", [BAD_ROW])
    wait_for(lambda: any("boom" in line for line in watcher.lines))
    (line,) = [line for line in watcher.lines if "boom" in line]
    assert "\n" not in line
    follow_ups(org / "华北跟进.xlsx", [BAD_ROW])
    watcher.wait_report("华北跟进.xlsx")
    assert watcher.thread.is_alive()


def test_fifo_named_like_a_workbook_does_not_block_the_watcher(org: Path, start) -> None:
    watcher = start(org)
    watcher.wait_report(LOG)
    os.mkfifo(org / "管道.xlsx")
    follow_ups(org / "华南跟进.xlsx", [BAD_ROW])
    watcher.wait_report("华南跟进.xlsx")
    assert watcher.thread.is_alive()
