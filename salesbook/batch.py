"""Folder -> read, checked and computed results -> output files. The library API the CLI calls.

folder = salesbook.load(Path("workbooks"))
result = folder.compute(period)          # figures, from the data alone
salesbook.run(Path("workbooks"), Path("output"))   # the whole monthly batch
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from salesbook import __version__
from salesbook.checks import check_book, target_period
from salesbook.config import Config, load_config
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


@dataclass
class Folder:
    """A folder of workbooks, read once, with its settings."""

    path: Path
    book: Book
    config: Config
    config_issues: list[Issue]

    def check(self, period: Period | None = None, today: dt.date | None = None) -> CheckResult:
        """Every check that needs no computed figures; `period` defaults to the targets' period."""
        today = today or dt.date.today()
        period = period or target_period(self.book)
        issues = sort_issues(
            self.config_issues + self.book.issues + check_book(self.book, period, today)
        )
        return CheckResult(
            self.book, issues, period, today, Counter(issue.severity for issue in issues)
        )

    def compute(
        self,
        period: Period | None = None,
        as_of: dt.date | None = None,
        history: Path | None = None,
    ):
        """All figures for `period` (default: the latest month with data) as of `as_of`."""
        from salesbook import ledger
        from salesbook.compute import compute, resolve_period

        run = resolve_period(self.book, period, as_of)
        previous = ledger.values(
            history, ledger.previous_period(run.period), "person", "attainment"
        )
        trends = ledger.series(history, run.period, "indicator", "value")
        return compute(self.book, self.config, run, previous or None, trends)


def load(
    folder: Path, jobs: int | None = None, progress: Callable[[Path], None] | None = None
) -> Folder:
    """Read every workbook under `folder` and its salesbook.toml; bad data becomes issues."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SalesbookError(f"文件夹不存在：{folder} (folder not found)")
    if not find_workbooks(folder):
        raise SalesbookError(f"文件夹中没有工作簿：{folder} (no workbook in the folder)")
    config, config_issues = load_config(folder)
    book = read_folder(folder, jobs=jobs or os.cpu_count() or 1, progress=progress)
    return Folder(folder, book, config, config_issues)


def check_folder(
    folder: Path,
    period: Period | None = None,
    today: dt.date | None = None,
    jobs: int | None = None,
    progress: Callable[[Path], None] | None = None,
) -> CheckResult:
    """Read and check every workbook under `folder` (what `salesbook validate` does)."""
    return load(folder, jobs, progress).check(period, today)


@dataclass
class RunResult:
    check: CheckResult
    figures: object  # compute.Figures
    written: list[Path]

    @property
    def exit_code(self) -> int:
        return self.check.exit_code


def run(
    folder: Path,
    output: Path,
    period: Period | None = None,
    today: dt.date | None = None,
    as_of: dt.date | None = None,
    history: Path | None = None,
    jobs: int | None = None,
    lang: str = "zh",
    progress: Callable[[Path], None] | None = None,
    pdf: bool = True,
    templates: Path | None = None,
    duplex: bool = False,
) -> RunResult:
    """The monthly batch: read, check, compute, and write every output into `output`."""
    from salesbook import ledger
    from salesbook.compute import history_rows, jsonable
    from salesbook.fill import fill_workbooks, write_summary
    from salesbook.report import write_issue_workbook

    folder, output = Path(folder), Path(output)
    loaded = load(folder, jobs, progress)
    history = history or output / "history.sqlite"
    figures = loaded.compute(period, as_of, history)
    check = loaded.check(target_period(loaded.book) or figures.run.period, today)
    check.issues = sort_issues(check.issues + figures.issues)
    check.counts = Counter(issue.severity for issue in check.issues)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SalesbookError(f"无法创建输出文件夹 {output}：{error}") from error
    label = figures.run.period.label
    written = []

    issue_list = output / ("issues.xlsx" if lang == "en" else "问题清单.xlsx")
    write_atomically(issue_list, lambda p: write_issue_workbook(check, folder, p, lang))
    written.append(issue_list)

    summary = output / f"汇总-{label}.xlsx"
    write_atomically(summary, lambda p: write_summary(figures, p))
    written.append(summary)

    data = output / "figures.json"
    document = {
        "format": 1,
        "salesbook": __version__,
        "period": label,
        "as_of": figures.run.as_of.isoformat(),
        "config": loaded.config.as_dict(),
        "figures": jsonable(figures),
    }
    text = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False)
    document = json.loads(text)  # the PDFs render from exactly what figures.json holds
    write_atomically(data, lambda p: p.write_text(text + "\n", encoding="utf-8"))
    written.append(data)

    written += fill_workbooks(loaded.book, figures, check.issues, folder, output / "workbooks")
    if pdf:
        written += render_documents(document, folder, output, history, lang, templates, duplex)
    ledger.record(
        history,
        figures.run.period,
        figures.run.as_of.isoformat(),
        __version__,
        history_rows(figures),
    )
    return RunResult(check, figures, written)


_UMASK = os.umask(0o022)
os.umask(_UMASK)


def write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary file beside `target`, then move it into place: whole or not at all."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    os.close(handle)
    try:
        write(Path(temporary))
        os.chmod(temporary, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs are for sharing
        os.replace(temporary, target)
    except PermissionError as error:
        raise SalesbookError(f"无法写入 {target}（文件是否在 Excel 中打开？）：{error}") from error
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def render_documents(
    document: dict,
    folder: Path,
    output: Path,
    history: Path,
    lang: str,
    templates: Path | None,
    duplex: bool,
) -> list[Path]:
    """The PDFs, all from the figures document: letters, then the reports."""
    from salesbook import ledger
    from salesbook.letters import letter_contexts, letter_owners, render_letters
    from salesbook.render import Renderer, template_dirs
    from salesbook.reports import render_reports

    renderer = Renderer(template_dirs(folder, templates), lang, document["config"]["money_unit"])
    numbers = {}
    for period, owners in letter_owners(document).items():
        for owner, seq in ledger.letter_numbers(history, period, owners).items():
            numbers[(period, owner)] = seq
    written: list[Path] = []
    contexts = letter_contexts(document, numbers)
    en = lang == "en"
    for period in dict.fromkeys(c.period for c in contexts):
        batch = [c for c in contexts if c.period == period]
        combined = output / (f"letters-{period}-all.pdf" if en else f"责任书-{period}-全部.pdf")
        letters = render_letters(
            renderer, batch, output / ("letters" if en else "责任书"), combined, duplex=duplex
        )
        written += [combined, *letters.files]
    written += render_reports(renderer, document, output)
    return written
