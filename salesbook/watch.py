"""Drop-folder watcher (`salesbook watch`): each workbook that lands or changes is checked at once
and gets its own issue list in OUTPUT/问题清单/ (OUTPUT/Issues/ with --lang en), so a rep sees
within seconds what to fix.

File events come from watchfiles (inotify, FSEvents, ReadDirectoryChangesW). An event only says
that a file is being written: a workbook is read once its size and mtime have stood still for
`settle` seconds, and a copy that merely paused is not taken for a damaged file: a zip-based
workbook without its end record, an empty file, or one the reader finds damaged while it was
modified moments ago waits (up to `patience` seconds in all) before it is reported. Inputs are
only read. Nothing one file does (its name, a failing check or write) stops the watcher: the
problem is one line and the watching goes on.

That folder is live, so the manifest of a run into OUTPUT leaves it out (manifest.LIVE_FOLDERS).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import stat
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import watchfiles
from watchfiles import Change

from salesbook import batch
from salesbook.batch import check_folder
from salesbook.checks import CheckResult
from salesbook.errors import SalesbookError
from salesbook.files import write_atomically
from salesbook.issue_list import write_issue_workbook
from salesbook.issues import Issue, Severity
from salesbook.manifest import LIVE, live_folder
from salesbook.sources import (
    WORKBOOK_SUFFIXES,
    find_workbooks,
    is_skipped,
    is_workbook,
    printable_name,
)

REPORTS = LIVE  # OUTPUT/问题清单/<file>.xlsx, one issue list per input file, sub-folders mirrored
# (in English OUTPUT/Issues/: live_folder(lang))
SETTLE_S = 0.5  # a file must keep its size and mtime this long before it is read
PATIENCE_S = 30.0  # the longest a file that looks cut short is waited for before it is reported
RETRY_S = 1.0  # how long a file that looked cut short waits before it is looked at again
DAMAGED = {"SB-F001", "SB-F003"}  # damaged, empty: what a half-written copy reads as
ZIP_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xlsb", ".ods"}
ZIP_END = b"PK\x05\x06"  # end of central directory: the last record a zip writer writes
ZIP_END_SEARCH = 22 + 65_535  # the record (22 bytes) is followed by a comment of up to 64 KB

Signature = tuple[int, int, int]  # (size, mtime_ns, inode) of a file being written


@dataclass(frozen=True)
class FileReport:
    """One input file's issue list written (or deleted, when the file left the folder)."""

    file: str  # relative to the watched folder, "/"-separated
    report: Path
    counts: Counter = field(default_factory=Counter)
    removed: bool = False


def report_path(reports: Path, file: str) -> Path:
    """Where the issue list of `file` goes: its sub-folders mirrored (`华东/10月.xlsx` ->
    `问题清单/华东/10月.xlsx`), and `.xlsx` added unless the name already ends in it alone, so that
    no two inputs share a list: `a.csv` -> `a.csv.xlsx`, `a.csv.xlsx` -> `a.csv.xlsx.xlsx`."""
    folder, _, name = file.rpartition("/")
    stem, suffix = name[:-5], name[-5:]
    if suffix.lower() != ".xlsx" or Path(stem).suffix.lower() in WORKBOOK_SUFFIXES:
        name += ".xlsx"
    return reports / folder / name if folder else reports / name


def next_run(at: dt.time, now: dt.datetime) -> dt.datetime:
    """The first moment after `now` that the clock shows `at` (local time)."""
    candidate = dt.datetime.combine(now.date(), at)
    return candidate if candidate > now else candidate + dt.timedelta(days=1)


def watch(
    folder: Path,
    output: Path,
    *,
    lang: str = "zh",
    today: dt.date | None = None,
    run_at: dt.time | None = None,
    stop_event: threading.Event | None = None,
    echo: Callable[[str], None] | None = None,
    on_report: Callable[[FileReport], None] | None = None,
    settle: float = SETTLE_S,
    patience: float = PATIENCE_S,
    jobs: int | None = None,
) -> None:
    """Check every workbook of `folder` now and each time one is added, changed or removed.

    Runs until `stop_event` is set (or Ctrl-C, which raises KeyboardInterrupt to the caller).
    `echo` receives one line per event for the terminal, in `lang`; `on_report` each FileReport.
    With `run_at`, the monthly batch (`salesbook run FOLDER -o OUTPUT`) runs daily at that time.
    A file is read once it stood still `settle` seconds; one that looks cut short is waited for
    up to `patience` seconds from its first event, then reported as it is.
    """
    folder, output = Path(folder), Path(output)
    if not folder.is_dir():
        raise SalesbookError(f"文件夹不存在：{folder} (folder not found)")
    root = folder.resolve()
    reports = output / live_folder(lang)
    # Reports written inside the watched folder would be read as inputs and trigger themselves.
    resolved = reports.resolve()
    if resolved.is_relative_to(root) or root.is_relative_to(resolved):
        raise SalesbookError(
            f"输出文件夹 {output} 不能位于被监视的文件夹 {folder} 内"
            " (the output folder must be outside the watched folder)"
        )
    watcher = _Watcher(
        folder, output, lang, today, jobs, echo or (lambda _: None), on_report, settle, patience
    )
    watcher.say(
        f"正在监视 {folder}，每个文件的问题清单写入 {reports}（按 Ctrl-C 停止）",
        f"Watching {folder}; each file's issue list goes to {reports} (Ctrl-C to stop)",
    )
    if run_at:
        watcher.say(
            f"每天 {run_at:%H:%M} 运行月度批处理，输出到 {output}",
            f"The monthly run starts every day at {run_at:%H:%M}, into {output}",
        )
    due = next_run(run_at, dt.datetime.now()) if run_at else None
    tick_ms = int(min(max(settle / 2, 0.05), 1.0) * 1000)  # wake up this often with no events
    for changes in watchfiles.watch(
        root,
        watch_filter=watcher.wanted,
        debounce=max(tick_ms, 200),
        step=50,
        stop_event=stop_event,
        rust_timeout=tick_ms,
        yield_on_timeout=True,
    ):
        try:
            watcher.handle(changes, time.monotonic())
        except Exception as error:  # a long-running watcher reports and goes on
            watcher.say(f"处理文件变化时出错：{error!r}", f"Failed to handle a change: {error!r}")
        if due and dt.datetime.now() >= due:
            watcher.run_batch()
            due = next_run(run_at, dt.datetime.now()) if run_at else None


def _signature(path: Path) -> Signature | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns, stat.st_ino)


def _cut_short(path: Path) -> bool:
    """Whether `path` looks like a copy still being written: empty, or a zip-based workbook that
    starts like a zip but has no end record yet. Only regular files are opened (never a FIFO)."""
    try:
        info = os.stat(path, follow_symlinks=False)
        if not stat.S_ISREG(info.st_mode):
            return False
        if info.st_size == 0:
            return True
        if path.suffix.lower() not in ZIP_SUFFIXES:
            return False
        with path.open("rb") as stream:
            if stream.read(4) != b"PK\x03\x04":
                return False  # not a zip at all: damaged, and the reader says so
            stream.seek(max(0, info.st_size - ZIP_END_SEARCH))
            return ZIP_END not in stream.read()
    except OSError:
        return False


@dataclass(frozen=True)
class _Pending:
    """A file waiting to be read: what it looked like, since when, and its first event."""

    signature: Signature
    since: float  # monotonic time the signature was last seen to change (or a retry was set)
    started: float  # monotonic time of its first event: `patience` counts from here


class _Watcher:
    """What the watcher knows between events: the issues last written for each file."""

    def __init__(
        self,
        folder: Path,
        output: Path,
        lang: str,
        today: dt.date | None,
        jobs: int | None,
        echo: Callable[[str], None],
        on_report: Callable[[FileReport], None] | None,
        settle: float = SETTLE_S,
        patience: float = PATIENCE_S,
    ) -> None:
        self.folder, self.output, self.lang, self.today, self.jobs = (
            folder,
            output,
            lang,
            today,
            jobs,
        )
        self.root = folder.resolve()
        self.reports = output / live_folder(lang)
        self.echo, self.on_report = echo, on_report
        self.settle, self.patience = settle, patience
        self.known: dict[str, list[Issue]] = {}
        self.pending: dict[Path, _Pending] = {}
        self.started = False
        self.waiting = False
        # Reports left by an earlier session; those whose file is gone are deleted once checked.
        self.stale: set[Path] | None = {
            path
            for path in self.reports.rglob("*.xlsx")
            if not path.name.startswith(".") and path.is_file()
        }

    def say(self, zh: str, en: str) -> None:
        """One line for the terminal: control characters (from a file name, an error) escaped."""
        line = printable_name(f"[{dt.datetime.now():%H:%M:%S}] {en if self.lang == 'en' else zh}")
        with contextlib.suppress(Exception):  # a closed terminal must not stop the watcher
            self.echo(line)

    def track(self, path: Path, clock: float) -> None:
        """(Re)start the settle wait of `path`: every new event restarts it."""
        signature = _signature(path)
        if signature is None:
            self.pending.pop(path, None)
            return
        old = self.pending.get(path)
        self.pending[path] = _Pending(signature, clock, old.started if old else clock)

    def handle(self, changes: set[tuple[Change, str]], clock: float) -> None:
        """One batch of file events (or none, on a timeout): settle, then check what is ready."""
        if not self.started:  # the watch is live now: nothing dropped from here on is missed
            self.started = True
            for path in find_workbooks(self.root):
                self.track(path, clock)
            if not self.pending:
                self.refresh({}, set())  # says it is waiting, drops stale reports
        deleted = []
        for change, raw in changes:
            path = Path(raw)
            if change == Change.deleted:
                deleted.append(path)
            elif path.is_dir() and not path.is_symlink():  # a folder moved in brings its files
                for inner in find_workbooks(path):
                    if is_workbook(inner, self.root):
                        self.track(inner, clock)
            else:
                self.track(path, clock)
        ready: dict[str, float] = {}  # file -> its first event
        for path, entry in list(self.pending.items()):
            current = _signature(path)
            if current is None:  # gone before it settled: nothing to read
                del self.pending[path]
            elif current != entry.signature:
                self.pending[path] = replace(entry, signature=current, since=clock)
            elif clock - entry.since >= self.settle:
                if _cut_short(path) and clock - entry.started < self.patience:
                    self.pending[path] = replace(entry, since=clock + RETRY_S)
                    continue
                del self.pending[path]
                ready[self.relative(path)] = entry.started
        gone = any(  # a refused odd name has its list under its printable name
            not path.exists() and self.tracks(printable_name(self.relative(path)))
            for path in deleted
        )
        # A run into the same output (--run-at, cron) replaces the whole folder, reports included.
        lost = bool(self.known) and not self.reports.is_dir()
        if ready or gone or lost:
            unsettled = {self.relative(path) for path in self.pending}
            for file in self.refresh(ready, unsettled):
                path = self.root / file
                signature = _signature(path)
                if signature is not None:  # looked at again after a while, from the same start
                    self.pending[path] = _Pending(signature, clock + RETRY_S, ready[file])

    def _may_wait(self, file: str, started: float) -> bool:
        """Whether a file read as damaged may still be a copy in progress: modified moments ago
        and first seen less than `patience` seconds ago."""
        try:
            age = time.time() - (self.root / file).stat().st_mtime
        except OSError:
            return False
        return age < self.patience and time.monotonic() - started < self.patience

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def tracks(self, file: str) -> bool:
        """Whether `file` is, or is a folder holding, a file that has a report."""
        return file in self.known or any(k.startswith(file + "/") for k in self.known)

    def wanted(self, change: Change, raw: str) -> bool:
        """watchfiles filter: workbooks only (no lock, temp or hidden files), and folders."""
        path = Path(raw)
        try:
            relative = path.relative_to(self.root)
        except ValueError:
            return False
        if is_workbook(path, self.root):
            return True
        if is_skipped(path) or any(part.startswith(".") for part in relative.parts):
            return False
        if change == Change.added:
            return path.is_dir()
        return change == Change.deleted and self.tracks(relative.as_posix())

    def refresh(self, changed: dict[str, float], unsettled: set[str]) -> set[str]:
        """Check the whole folder (the roster and targets span files) and rewrite the reports of
        `changed` files and of every file whose issues changed; files still being written wait.
        Returns the changed files that read as damaged while still fresh: to be read again."""
        try:
            result = check_folder(self.folder, today=self.today, jobs=self.jobs)
        except SalesbookError as error:
            if self.folder.is_dir() and not find_workbooks(self.folder):
                self._forget(set())
                if not self.waiting:
                    self.waiting = True
                    self.say(
                        f"{self.folder} 中还没有可读取的工作簿，等待放入文件…",
                        f"No workbook in {self.folder} yet; waiting for files…",
                    )
            else:
                self.say(f"无法校验：{error}", f"Could not check: {error}")
            return set()
        except Exception as error:  # a long-running watcher reports a failed check and goes on
            self.say(f"校验失败：{error!r}", f"Check failed: {error!r}")
            return set()
        self.waiting = False
        by_file: dict[str, list[Issue]] = defaultdict(list)
        for issue in result.issues:
            by_file[issue.location.file].append(issue)
        # Entries refused at discovery (odd names, links, FIFOs) get a list too, under the
        # printable name their issue carries: the rep sees why the file was not read.
        files = list(result.book.files) + list(getattr(result.book, "refused", []))
        retry = set()
        for file in files:
            if file in unsettled:
                continue  # its turn comes once it is completely written
            issues = by_file.get(file, [])
            if (
                file in changed
                and any(issue.code in DAMAGED for issue in issues)
                and self._may_wait(file, changed[file])
            ):
                retry.add(file)  # a copy that paused longer than the settle time
                continue
            try:
                target = report_path(self.reports, file)
                if file in changed or self.known.get(file) != issues or not target.is_file():
                    self._write(result, file, issues)
            except Exception as error:  # one file's trouble is one line; the others go on
                self.known.pop(file, None)
                self.say(
                    f"无法写入 {file} 的问题清单：{error!r}",
                    f"Could not write the issue list of {file}: {error!r}",
                )
        self._forget(set(files) | unsettled)
        return retry

    def _write(self, result: CheckResult, file: str, issues: list[Issue]) -> None:
        target = report_path(self.reports, file)
        counts = Counter(issue.severity for issue in issues)
        only = replace(result, issues=issues, counts=counts)
        try:
            write_atomically(
                target, lambda p: write_issue_workbook(only, self.folder, p, self.lang)
            )
        except Exception as error:  # e.g. the report is open in Excel on Windows
            self.say(
                f"无法写入 {file} 的问题清单：{error}",
                f"Could not write the issue list of {file}: {error}",
            )
            self.known.pop(file, None)  # tried again at the next check
            return
        self.known[file] = issues
        errors, warnings = counts[Severity.ERROR], counts[Severity.WARNING]
        self.say(
            f"{file}：错误 {errors} 个，警告 {warnings} 个 → {target}",
            f"{file}: {errors} errors, {warnings} warnings → {target}",
        )
        if self.on_report:
            self.on_report(FileReport(file, target, counts))

    def _forget(self, present: set[str]) -> None:
        """Delete the reports of files no longer in the folder (and stale ones from before)."""
        for file in sorted(set(self.known) - present):
            del self.known[file]
            target = report_path(self.reports, file)
            try:
                self._remove(target)
            except OSError as error:
                self.say(
                    f"无法删除 {file} 的问题清单：{error}",
                    f"Could not delete the issue list of {file}: {error}",
                )
                continue
            self.say(
                f"{file} 已移出文件夹，已删除其问题清单 {target}",
                f"{file} left the folder; deleted its issue list {target}",
            )
            if self.on_report:
                self.on_report(FileReport(file, target, removed=True))
        if self.stale is not None:
            keep = {report_path(self.reports, file) for file in present}
            for target in self.stale - keep:
                try:
                    self._remove(target)
                except OSError as error:
                    self.say(f"无法删除旧清单：{error}", f"Could not delete an old list: {error}")
            self.stale = None

    def _remove(self, target: Path) -> None:
        """Delete one list and the sub-folders of 问题清单/ it leaves empty."""
        target.unlink(missing_ok=True)
        parent = target.parent
        while parent != self.reports and parent.is_relative_to(self.reports):
            try:
                parent.rmdir()
            except OSError:  # not empty (or gone): leave it
                break
            parent = parent.parent

    def run_batch(self) -> None:
        """The monthly run; a failure is reported and the watcher goes on."""
        self.say("开始月度批处理…", "Starting the monthly run…")
        try:
            result = batch.run(
                self.folder, self.output, today=self.today, jobs=self.jobs, lang=self.lang
            )
        except Exception as error:  # any failure: tell, then keep watching
            self.say(f"月度批处理失败：{error}", f"The monthly run failed: {error}")
            return
        counts = result.check.counts
        period = result.figures.run.period.label
        errors, warnings = counts[Severity.ERROR], counts[Severity.WARNING]
        self.say(
            f"月度批处理完成（{period}）：错误 {errors} 个，警告 {warnings} 个；"
            f"已写出 {len(result.written)} 个文件到 {self.output}",
            f"Monthly run done ({period}): {errors} errors, {warnings} warnings; "
            f"{len(result.written)} files written to {self.output}",
        )
