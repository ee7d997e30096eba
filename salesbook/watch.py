"""Drop-folder watcher (`salesbook watch`): each workbook that lands or changes is checked at once
and gets its own issue list in OUTPUT/问题清单/, so a rep sees within seconds what to fix.

File events come from watchfiles (inotify, FSEvents, ReadDirectoryChangesW). An event only says
that a file is being written: a workbook is read once its size and mtime have stood still for
`settle` seconds, so a half-copied file is never reported as damaged. Inputs are only read.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import watchfiles
from watchfiles import Change

from salesbook import batch
from salesbook.batch import CheckResult, check_folder
from salesbook.errors import SalesbookError
from salesbook.files import write_atomically
from salesbook.issues import Issue, Severity
from salesbook.read import find_workbooks, is_skipped, is_workbook
from salesbook.report import write_issue_workbook

REPORTS = "问题清单"  # OUTPUT/问题清单/<file>.xlsx, one issue list per input file
SETTLE_S = 0.5  # a file must keep its size and mtime this long before it is read
SEPARATOR = "__"  # `华东/10月.xlsx` -> `华东__10月.xlsx`: one flat folder of reports

Signature = tuple[int, int, int]  # (size, mtime_ns, inode) of a file being written


@dataclass(frozen=True)
class FileReport:
    """One input file's issue list written (or deleted, when the file left the folder)."""

    file: str  # relative to the watched folder, "/"-separated
    report: Path
    counts: Counter = field(default_factory=Counter)
    removed: bool = False


def report_path(reports: Path, file: str) -> Path:
    """Where the issue list of `file` goes; a non-.xlsx input keeps its suffix (`a.csv.xlsx`)."""
    name = file.replace("/", SEPARATOR)
    if not name.lower().endswith(".xlsx"):
        name += ".xlsx"
    return reports / name


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
    jobs: int | None = None,
) -> None:
    """Check every workbook of `folder` now and each time one is added, changed or removed.

    Runs until `stop_event` is set (or Ctrl-C, which raises KeyboardInterrupt to the caller).
    `echo` receives one line per event for the terminal, in `lang`; `on_report` each FileReport.
    With `run_at`, the monthly batch (`salesbook run FOLDER -o OUTPUT`) runs daily at that time.
    """
    folder, output = Path(folder), Path(output)
    if not folder.is_dir():
        raise SalesbookError(f"文件夹不存在：{folder} (folder not found)")
    root = folder.resolve()
    reports = output / REPORTS
    # Reports written inside the watched folder would be read as inputs and trigger themselves.
    resolved = reports.resolve()
    if resolved.is_relative_to(root) or root.is_relative_to(resolved):
        raise SalesbookError(
            f"输出文件夹 {output} 不能位于被监视的文件夹 {folder} 内"
            " (the output folder must be outside the watched folder)"
        )
    watcher = _Watcher(folder, output, lang, today, jobs, echo or (lambda _: None), on_report)
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
    pending: dict[Path, tuple[Signature, float]] = {}  # file -> (last signature, unchanged since)
    started = False
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
        clock = time.monotonic()
        if not started:  # the watch is live now: nothing dropped from here on is missed
            started = True
            for path in find_workbooks(root):
                _track(pending, path, clock)
            if not pending:
                watcher.refresh(set(), set())  # says it is waiting, drops stale reports
        deleted = []
        for change, raw in changes:
            path = Path(raw)
            if change == Change.deleted:
                deleted.append(path)
            elif path.is_dir():  # a folder moved in brings its files without an event each
                for inner in find_workbooks(path):
                    if is_workbook(inner, root):
                        _track(pending, inner, clock)
            else:
                _track(pending, path, clock)
        ready = set()
        for path, (signature, since) in list(pending.items()):
            current = _signature(path)
            if current is None:  # gone before it settled: nothing to read
                del pending[path]
            elif current != signature:
                pending[path] = (current, clock)
            elif clock - since >= settle:
                del pending[path]
                ready.add(watcher.relative(path))
        gone = any(not path.exists() and watcher.tracks(watcher.relative(path)) for path in deleted)
        # A run into the same output (--run-at, cron) replaces the whole folder, reports included.
        lost = bool(watcher.known) and not watcher.reports.is_dir()
        if ready or gone or lost:
            watcher.refresh(ready, {watcher.relative(path) for path in pending})
        if due and dt.datetime.now() >= due:
            watcher.run_batch()
            due = next_run(run_at, dt.datetime.now()) if run_at else None


def _signature(path: Path) -> Signature | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns, stat.st_ino)


def _track(pending: dict[Path, tuple[Signature, float]], path: Path, clock: float) -> None:
    """(Re)start the settle wait of `path`: every new event restarts it."""
    signature = _signature(path)
    if signature is None:
        pending.pop(path, None)
    else:
        pending[path] = (signature, clock)


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
    ) -> None:
        self.folder, self.output, self.lang, self.today, self.jobs = (
            folder,
            output,
            lang,
            today,
            jobs,
        )
        self.root = folder.resolve()
        self.reports = output / REPORTS
        self.echo, self.on_report = echo, on_report
        self.known: dict[str, list[Issue]] = {}
        self.waiting = False
        # Reports left by an earlier session; those whose file is gone are deleted once checked.
        self.stale: set[Path] | None = set(self.reports.glob("*.xlsx"))

    def say(self, zh: str, en: str) -> None:
        self.echo(f"[{dt.datetime.now():%H:%M:%S}] {en if self.lang == 'en' else zh}")

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

    def refresh(self, changed: set[str], unsettled: set[str]) -> None:
        """Check the whole folder (the roster and targets span files) and rewrite the reports of
        `changed` files and of every file whose issues changed; files still being written wait."""
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
            return
        except Exception as error:  # a long-running watcher reports a failed check and goes on
            self.say(f"校验失败：{error!r}", f"Check failed: {error!r}")
            return
        self.waiting = False
        by_file: dict[str, list[Issue]] = defaultdict(list)
        for issue in result.issues:
            by_file[issue.location.file].append(issue)
        for file in result.book.files:
            if file in unsettled:
                continue  # its turn comes once it is completely written
            issues = by_file.get(file, [])
            target = report_path(self.reports, file)
            if file in changed or self.known.get(file) != issues or not target.exists():
                self._write(result, file, issues)
        self._forget(set(result.book.files) | unsettled)

    def _write(self, result: CheckResult, file: str, issues: list[Issue]) -> None:
        target = report_path(self.reports, file)
        counts = Counter(issue.severity for issue in issues)
        only = replace(result, issues=issues, counts=counts)
        try:
            write_atomically(
                target, lambda p: write_issue_workbook(only, self.folder, p, self.lang)
            )
        except (SalesbookError, OSError) as error:  # e.g. the report is open in Excel on Windows
            self.say(f"无法写入问题清单：{error}", f"Could not write the issue list: {error}")
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
            target.unlink(missing_ok=True)
            self.say(
                f"{file} 已移出文件夹，已删除其问题清单 {target}",
                f"{file} left the folder; deleted its issue list {target}",
            )
            if self.on_report:
                self.on_report(FileReport(file, target, removed=True))
        if self.stale is not None:
            keep = {report_path(self.reports, file) for file in present}
            for target in self.stale - keep:
                target.unlink(missing_ok=True)
            self.stale = None

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
