"""How a run shows what it is doing: bars on a terminal (rich), one line per stage otherwise.

Both implement `batch.Progress`; the library itself never prints.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from salesbook.issues import terminal_text

STAGE_NAMES = {
    "zh": {
        "read": "读取文件",
        "compute": "计算",
        "check": "检查",
        "workbooks": "写出工作簿",
        "documents": "生成文档",
        "finish": "写出清单",
    },
    "en": {
        "read": "reading files",
        "compute": "computing",
        "check": "checking",
        "workbooks": "writing workbooks",
        "documents": "rendering documents",
        "finish": "writing the manifest",
    },
}


class LineProgress:
    """One line per finished stage with its count and time: for logs, pipes and --quiet."""

    def __init__(self, lang: str = "zh", stream: TextIO | None = None, verbose: bool = False):
        self.names = STAGE_NAMES["en" if lang == "en" else "zh"]
        self.stream = stream or sys.stderr
        self.verbose = verbose
        self._stage: str | None = None
        self._count = 0
        self._started = 0.0

    def stage(self, name: str, total: int | None = None) -> None:
        self._end()
        self._stage, self._count, self._started = name, 0, time.perf_counter()

    def advance(self, count: int = 1) -> None:
        self._count += count

    def note(self, message: str) -> None:
        if self.verbose:
            print(f"  {terminal_text(message)}", file=self.stream, flush=True)

    def close(self) -> None:
        self._end()

    def _end(self) -> None:
        if self._stage is None:
            return
        seconds = time.perf_counter() - self._started
        count = f" {self._count}" if self._count else ""
        print(
            f"[{self.names.get(self._stage, self._stage)}]{count} {seconds:.1f} s",
            file=self.stream,
            flush=True,
        )
        self._stage = None


class BarProgress:
    """A bar per stage with counts, elapsed time and time left, on an interactive terminal."""

    def __init__(self, lang: str = "zh", verbose: bool = False):
        self.names = STAGE_NAMES["en" if lang == "en" else "zh"]
        self.verbose = verbose
        self.console = Console(stderr=True)
        self.bars = Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self._task: TaskID | None = None
        self.bars.start()

    def stage(self, name: str, total: int | None = None) -> None:
        self._end()
        self._task = self.bars.add_task(self.names.get(name, name), total=total)

    def advance(self, count: int = 1) -> None:
        if self._task is not None:
            self.bars.advance(self._task, count)

    def note(self, message: str) -> None:
        if self.verbose:
            self.bars.console.print(f"  {terminal_text(message)}", markup=False, highlight=False)

    def close(self) -> None:
        self._end()
        self.bars.stop()

    def _end(self) -> None:
        if self._task is None:
            return
        task = self.bars.tasks[-1]
        # A stage without a known size shows a full bar once done, not an endless spinner.
        self.bars.update(self._task, total=task.completed or 1, completed=task.completed or 1)
        self._task = None


def for_terminal(lang: str, quiet: bool, verbose: bool) -> LineProgress | BarProgress:
    if not quiet and sys.stderr.isatty():
        return BarProgress(lang, verbose)
    return LineProgress(lang, verbose=verbose)
