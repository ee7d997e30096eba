"""Folder -> checked Book and its issues -> output files. The library API the CLI calls."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from salesbook.checks import check_book, target_period
from salesbook.issues import Issue, Severity, sort_issues
from salesbook.read import Book, find_workbooks, read_folder
from salesbook.values import Period


class SalesbookError(Exception):
    """The run as a whole cannot go on (folder missing, nothing to read, output not writable)."""


@dataclass
class CheckResult:
    book: Book
    issues: list[Issue]
    period: Period | None
    today: dt.date
    counts: Counter = field(default_factory=Counter)

    @property
    def has_errors(self) -> bool:
        return self.counts[Severity.ERROR] > 0

    @property
    def exit_code(self) -> int:
        return 1 if self.has_errors else 0


def check_folder(
    folder: Path,
    period: Period | None = None,
    today: dt.date | None = None,
    jobs: int | None = None,
    progress: Callable[[Path], None] | None = None,
) -> CheckResult:
    """Read and check every workbook under `folder`; bad data becomes issues, never exceptions."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SalesbookError(f"文件夹不存在：{folder} (folder not found)")
    if not find_workbooks(folder):
        raise SalesbookError(f"文件夹中没有工作簿：{folder} (no workbook in the folder)")
    today = today or dt.date.today()
    book = read_folder(folder, jobs=jobs or os.cpu_count() or 1, progress=progress)
    period = period or target_period(book)
    issues = sort_issues(book.issues + check_book(book, period, today))
    counts = Counter(issue.severity for issue in issues)
    return CheckResult(book, issues, period, today, counts)


def run(
    folder: Path,
    output: Path,
    period: Period | None = None,
    today: dt.date | None = None,
    jobs: int | None = None,
    lang: str = "zh",
    progress: Callable[[Path], None] | None = None,
) -> tuple[CheckResult, list[Path]]:
    """The monthly batch: check the folder and write the outputs into `output`."""
    from salesbook.report import write_issue_workbook

    result = check_folder(folder, period, today, jobs, progress)
    output = Path(output)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SalesbookError(f"无法创建输出文件夹 {output}：{error}") from error
    target = output / ("issues.xlsx" if lang == "en" else "问题清单.xlsx")
    write_atomically(target, lambda path: write_issue_workbook(result, Path(folder), path, lang))
    return result, [target]


def write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary file beside `target`, then move it into place: whole or not at all."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, target)
    except PermissionError as error:
        raise SalesbookError(f"无法写入 {target}（文件是否在 Excel 中打开？）：{error}") from error
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
