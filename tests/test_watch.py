"""`salesbook watch`: real files written into a tmp folder while the watcher runs in a thread."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from conftest import FOLLOW_UP_KEYS, TODAY, files_state, headers, interruptible, write_book

from salesbook import batch
from salesbook.errors import SalesbookError
from salesbook.manifest import live_folder
from salesbook.watch import REPORTS, FileReport, next_run, report_path, watch

# Python 3.12+ warns when a threaded process forks (the reader's children); the test thread is why.
pytestmark = pytest.mark.filterwarnings(
    "ignore:This process .* is multi-threaded:DeprecationWarning"
)

LOG = "10月跟进记录-华东(终版2).xlsx"
TARGETS = "销售目标分解表.xlsx"
# Due before the follow-up date: SB-U001 at H2.
BAD_ROW = ["ZZ公司", "李明", "2023/11/05", "微信", "报价", "", "回访", "2023-11-01"]


def follow_ups(path: Path, rows: list[list[object]]) -> Path:
    return write_book(path, {"跟进记录": (headers("follow_up", keys=FOLLOW_UP_KEYS), rows)})


def wait_for(condition: Callable[[], object], timeout: float = 20.0) -> object:
    """Poll until `condition()` is truthy; the deadline only matters when something is wrong."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {condition}")


def report_rows(path: Path) -> list[tuple]:
    workbook = openpyxl.load_workbook(path)
    try:
        return list(workbook.worksheets[0].iter_rows(min_row=2, values_only=True))
    finally:
        workbook.close()


class Running:
    """A watcher in a thread, with what it said and reported."""

    def __init__(self, folder: Path, output: Path, **options: object) -> None:
        self.folder, self.output = folder, output
        self.reports = output / live_folder(str(options.get("lang", "zh")))  # Issues/ in en
        self.lines: list[str] = []
        self.events: list[FileReport] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None
        options.setdefault("today", dt.date.fromisoformat(TODAY))
        options.setdefault("settle", 0.3)
        options.setdefault("jobs", 1)
        self.thread = threading.Thread(
            target=self._run, args=(options,), name="salesbook-watch", daemon=True
        )
        self.thread.start()

    def _run(self, options: dict) -> None:
        try:
            watch(
                self.folder,
                self.output,
                stop_event=self.stop,
                echo=self.lines.append,
                on_report=self.events.append,
                **options,
            )
        except BaseException as error:  # re-raised in the test's thread by close()
            self.error = error

    def report(self, file: str) -> Path:
        return report_path(self.reports, file)

    def wait_report(self, file: str, count: int = 1) -> Path:
        """Wait until `file` has been reported `count` times in all; its report path."""
        wait_for(lambda: self.error or self.reported(file) >= count)
        assert self.error is None, self.error
        return self.report(file)

    def reported(self, file: str) -> int:
        return sum(1 for event in self.events if event.file == file and not event.removed)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=15)
        assert not self.thread.is_alive(), "the watcher did not stop"
        if self.error:
            raise self.error


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    running: list[Running] = []

    def starter(folder: Path, **options: object) -> Running:
        running.append(Running(folder, tmp_path / "out", **options))
        return running[-1]

    yield starter
    for watcher in running:
        watcher.close()


def test_existing_files_get_reports_on_startup(org: Path, start) -> None:
    watcher = start(org)
    for file in (TARGETS, LOG):
        report = watcher.wait_report(file)
        assert report == watcher.reports / file
        assert report_rows(report) == []  # the org folder is clean
    assert any(f"{LOG}：错误 0 个，警告 0 个 → " in line for line in watcher.lines)


def test_dropped_workbook_gets_its_report_with_its_cells(org: Path, start) -> None:
    watcher = start(org)
    watcher.wait_report(TARGETS)
    watcher.wait_report(LOG)
    follow_ups(org / "华南跟进.xlsx", [BAD_ROW, ["YY集团", "赵六", *BAD_ROW[2:]]])
    report = watcher.wait_report("华南跟进.xlsx")
    rows = report_rows(report)
    assert {row[2] for row in rows} == {"华南跟进.xlsx"}  # only this file's issues
    assert ("错误", "SB-U001", "华南跟进.xlsx", "跟进记录", "H2") in {row[:5] for row in rows}
    assert ("警告", "SB-U004", "华南跟进.xlsx", "跟进记录", "B3") in {row[:5] for row in rows}
    assert any("华南跟进.xlsx：错误 2 个，警告 1 个 → " in line for line in watcher.lines)


def test_subfolder_file_and_removal(org: Path, start) -> None:
    watcher = start(org)
    watcher.wait_report(LOG)
    follow_ups(org / "华东" / "11月.xlsx", [BAD_ROW])
    report = watcher.wait_report("华东/11月.xlsx")
    assert report == watcher.reports / "华东" / "11月.xlsx"  # sub-folders mirrored
    assert report_rows(report)[0][:5] == ("错误", "SB-U001", "华东/11月.xlsx", "跟进记录", "H2")
    (org / "华东" / "11月.xlsx").unlink()
    wait_for(lambda: not report.exists())
    # the line follows the deletion: wait for it rather than expect it at once
    wait_for(lambda: any("华东/11月.xlsx 已移出文件夹" in line for line in watcher.lines))
    assert not (watcher.reports / "华东").exists()  # the emptied sub-folder goes too
    assert watcher.report(LOG).exists()


def test_file_written_in_two_chunks_is_read_once_complete(org: Path, start, tmp_path: Path) -> None:
    data = follow_ups(tmp_path / "staging" / "慢.xlsx", [BAD_ROW]).read_bytes()
    settle = 1.0
    watcher = start(org, settle=settle)
    watcher.wait_report(LOG)
    with (org / "慢.xlsx").open("wb") as stream:
        stream.write(data[: len(data) // 2])
        stream.flush()
        os.fsync(stream.fileno())
        time.sleep(settle / 2)  # longer than a watch step, shorter than the settle time
        stream.write(data[len(data) // 2 :])
    report = watcher.wait_report("慢.xlsx")
    codes = [row[1] for row in report_rows(report)]
    assert codes == ["SB-U001"]  # no SB-F… "cannot read" from a half-written file
    time.sleep(settle)
    assert watcher.reported("慢.xlsx") == 1  # read once, when complete


def test_lock_temp_and_hidden_files_get_no_report(org: Path, start) -> None:
    watcher = start(org)
    watcher.wait_report(LOG)
    junk = ["~$华南跟进.xlsx", ".~lock.华南跟进.xlsx#", ".hidden.xlsx", "保存中.tmp", "备注.txt"]
    for name in junk:
        (org / name).write_bytes(b"\x00not a workbook")
    (org / ".git").mkdir()
    follow_ups(org / ".git" / "旧.xlsx", [BAD_ROW])
    follow_ups(org / "华南跟进.xlsx", [BAD_ROW])  # lands after the junk: a marker
    watcher.wait_report("华南跟进.xlsx")
    assert sorted(p.name for p in watcher.reports.iterdir()) == sorted(
        [TARGETS, LOG, "华南跟进.xlsx"]
    )
    assert {event.file for event in watcher.events} == {TARGETS, LOG, "华南跟进.xlsx"}


def test_inputs_are_never_changed_and_nothing_is_written_beside_them(org: Path, start) -> None:
    before = files_state(org)
    watcher = start(org)
    watcher.wait_report(LOG)
    follow_ups(org / "华南跟进.xlsx", [BAD_ROW])
    watcher.wait_report("华南跟进.xlsx")
    watcher.close()
    after = files_state(org)
    assert after.pop("华南跟进.xlsx")
    assert after == before


def test_empty_folder_waits_then_reports_in_english(tmp_path: Path, start) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    watcher = start(folder, lang="en")
    wait_for(lambda: any("No workbook in" in line for line in watcher.lines))
    follow_ups(folder / "south.xlsx", [BAD_ROW])
    report = watcher.wait_report("south.xlsx")
    assert report_rows(report)[0][:2] == ("error", "SB-U001")
    assert any("south.xlsx: 1 errors, 0 warnings → " in line for line in watcher.lines)


def test_stale_reports_of_an_earlier_session_are_removed(org: Path, start, tmp_path: Path) -> None:
    stale = tmp_path / "out" / REPORTS / "已删除.xlsx"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    watcher = start(org)
    watcher.wait_report(LOG)
    watcher.wait_report(TARGETS)
    wait_for(lambda: not stale.exists())


def test_output_inside_the_watched_folder_is_refused(org: Path) -> None:
    with pytest.raises(SalesbookError, match="不能位于被监视的文件夹"):
        watch(org, org / "out", stop_event=threading.Event())


def test_run_at_runs_the_monthly_batch_and_reports_are_rewritten(
    org: Path, start, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    def fake_run(folder: Path, output: Path, **options: object) -> SimpleNamespace:
        calls.append((folder, output))
        shutil.rmtree(output)  # a real run swaps in a new output folder, without our reports
        if len(calls) == 1:
            return SimpleNamespace(
                check=SimpleNamespace(counts=Counter()),
                figures=SimpleNamespace(
                    run=SimpleNamespace(period=SimpleNamespace(label="2023-10"))
                ),
                written=[output / "figures.json"],
            )
        raise SalesbookError("磁盘已满")

    monkeypatch.setattr(batch, "run", fake_run)
    at = (dt.datetime.now() + dt.timedelta(seconds=2)).time()
    watcher = start(org, run_at=at)
    watcher.wait_report(LOG)
    wait_for(lambda: any("月度批处理完成（2023-10）" in line for line in watcher.lines))
    assert calls == [(org, watcher.output)]
    watcher.wait_report(LOG, count=2)  # the reports come back after the run replaced the output
    assert watcher.report(LOG).exists()


def test_next_run_is_today_or_tomorrow() -> None:
    at = dt.time(2, 0)
    assert next_run(at, dt.datetime(2026, 1, 31, 1, 59)) == dt.datetime(2026, 1, 31, 2, 0)
    assert next_run(at, dt.datetime(2026, 1, 31, 2, 0)) == dt.datetime(2026, 2, 1, 2, 0)


def test_cli_watch_reports_a_dropped_file_and_stops_on_ctrl_c(org: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    salesbook = Path(sys.executable).parent / "salesbook"
    process = subprocess.Popen(
        [str(salesbook), "watch", str(org), "-o", str(output), "--today", TODAY],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        preexec_fn=interruptible,
    )
    try:
        wait_for(lambda: (output / REPORTS / LOG).exists() or process.poll() is not None)
        assert process.poll() is None, process.communicate()
        follow_ups(org / "华南跟进.xlsx", [BAD_ROW])
        report = output / REPORTS / "华南跟进.xlsx"
        wait_for(report.exists)
        assert report_rows(report)[0][:5] == ("错误", "SB-U001", "华南跟进.xlsx", "跟进记录", "H2")
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "华南跟进.xlsx：错误 1 个，警告 0 个" in stdout
    assert "已停止监视。" in stdout
