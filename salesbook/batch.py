"""Folder -> read, checked and computed results -> output files. The library API the CLI calls.

folder = salesbook.load(Path("workbooks"))
result = folder.compute(period)          # figures, from the data alone
salesbook.run(Path("workbooks"), Path("output"))   # the whole monthly batch
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from salesbook import __version__
from salesbook.checks import CheckResult, check_book, target_period
from salesbook.config import Config, company_missing, load_config, unused_templates
from salesbook.errors import SalesbookError
from salesbook.files import check_separate, output_lock, staged_output
from salesbook.issues import Issue, Location, Severity, sort_issues
from salesbook.read import Book, read_folder
from salesbook.runner import Executor, Failure, Limits, Task, named, run_tasks, using
from salesbook.sources import find_workbooks
from salesbook.values import Period

if TYPE_CHECKING:
    from salesbook.compute import Figures
    from salesbook.manifest import Reuse


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
        """All figures for `period` (default: the latest month with data) as of `as_of`, with
        the issues that need them (reconcile) in `figures.issues`."""
        from salesbook import ledger
        from salesbook.compute import compute, resolve_period
        from salesbook.reconcile import reconcile

        run = resolve_period(self.book, period, as_of)
        before = ledger.previous_period(run.period)
        previous = ledger.values(history, before, "person", "attainment")
        previous_actual = ledger.values(history, before, "person", "actual")  # 成长进步榜
        trends = ledger.series(history, run.period, "indicator", "value")
        previous_tiers = ledger.values(history, before, "customer", "tier")  # 客户分层 较上期
        figures = compute(
            self.book,
            self.config,
            run,
            previous or None,
            trends,
            previous_actual or None,
            previous_tiers or None,
        )
        figures.issues = reconcile(self.book, figures, self.config)
        return figures


def workbooks_in(folder: Path, refused_only: bool = False) -> list[Path]:
    """The workbooks a run reads; the folder must exist and hold at least one (or, with
    `refused_only`, at least something that looks like one, which `validate` then reports)."""
    if not folder.is_dir():
        raise SalesbookError(f"文件夹不存在：{folder} (folder not found)")
    paths = find_workbooks(folder)
    if not paths and not (refused_only and getattr(paths, "refused", None)):
        refused = getattr(paths, "refused", [])
        shown = "、".join(entry.name for entry in refused[:3]) + ("…" if len(refused) > 3 else "")
        raise SalesbookError(
            f"文件夹中没有可读取的工作簿：{folder}"
            + (
                f"（{len(refused)} 个文件无法读取：{shown}，请先用 validate 查看原因）"
                if refused
                else ""
            )
            + " (no readable workbook in the folder)"
        )
    return paths


def load(
    folder: Path,
    jobs: int | None = None,
    progress: Callable[[Path], None] | None = None,
    paths: list[Path] | None = None,
) -> Folder:
    """Read every workbook under `folder` (`paths`: as `workbooks_in` found them) and its
    salesbook.toml; bad data becomes issues."""
    folder = Path(folder)
    paths = workbooks_in(folder, refused_only=True) if paths is None else paths
    config, config_issues = load_config(folder)
    config_issues += unused_templates(folder, config) + company_missing(config)
    book = read_folder(
        folder,
        jobs=jobs or os.cpu_count() or 1,
        progress=progress,
        paths=paths,
        options=config.read_options(),
    )
    return Folder(folder, book, config, config_issues)


def check_folder(
    folder: Path,
    period: Period | None = None,
    today: dt.date | None = None,
    jobs: int | None = None,
    progress: Callable[[Path], None] | None = None,
    history: Path | None = None,
) -> CheckResult:
    """Read and check every workbook under `folder` (what `salesbook validate` does); with a
    `history` (read, never written), also the letters changed since they were issued."""
    loaded = load(folder, jobs, progress)
    return check_letters(loaded, loaded.check(period, today), period, history)


def check_letters(
    loaded: Folder, result: CheckResult, period: Period | None, history: Path | None
) -> CheckResult:
    """`result` with the letters' issues (versions.py): targets changed since issue (with a
    history) and letters not signed in time (when the breakdown has a 签署日期 column). These
    need the figures, so they are computed only then."""
    from salesbook import versions
    from salesbook.compute import figures_document

    table = loaded.book.table("target_breakdown")
    if table is None or (history is None and not table.has("signed")):
        return result
    try:
        figures = loaded.compute(period)  # without the history: validate never writes it
    except SalesbookError:
        return result  # the run says why; the checks above already name the data's problems
    document = figures_document(figures, loaded.config, __version__)
    found = versions.review(history, document, figures, loaded.book, loaded.config, result.today)
    result.issues = sort_issues(result.issues + found.issues)
    result.counts = Counter(issue.severity for issue in result.issues)
    return result


@dataclass
class RunResult:
    check: CheckResult
    figures: Figures
    written: list[Path]
    output: Path
    reused: list[str] = field(default_factory=list)  # products carried over from the last run
    timings: dict[str, float] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # products not made, and why
    warnings: list[str] = field(default_factory=list)  # about the run itself, for the summary
    executor: dict[str, object] = field(default_factory=dict)  # what made the files (manifest)

    @property
    def exit_code(self) -> int:
        return self.check.exit_code


class Progress(Protocol):
    """What a run reports as it goes: the CLI shows bars or log lines, the library shows nothing."""

    def stage(self, name: str, total: int | None = None) -> None: ...
    def advance(self, count: int = 1) -> None: ...
    def note(self, message: str) -> None: ...


class _Silent:
    def stage(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass

    def note(self, message: str) -> None:
        pass


class _Clock:
    """Times the stages for the manifest, keeps the log, and passes both on to the display."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.timings: dict[str, float] = {}
        self.log: list[str] = []
        self._current: tuple[str, float] | None = None

    def stage(self, name: str, total: int | None = None) -> None:
        self._stop()
        self._current = (name, time.perf_counter())
        self.note(f"{name} …" + (f" ({total})" if total is not None else ""))
        self.progress.stage(name, total)

    def advance(self, count: int = 1) -> None:
        self.progress.advance(count)

    def note(self, message: str) -> None:
        stamp = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        self.log.append(f"{stamp} {message}")
        self.progress.note(message)

    def _stop(self) -> None:
        if self._current:
            name, start = self._current
            self.timings[name] = round(time.perf_counter() - start, 3)
            self.log.append(f"{name} {self.timings[name]:.3f} s")
            self._current = None

    def finish(self) -> dict[str, float]:
        self._stop()
        return self.timings


def run(
    folder: Path,
    output: Path,
    period: Period | None = None,
    today: dt.date | None = None,
    as_of: dt.date | None = None,
    history: Path | None = None,
    jobs: int | None = None,
    lang: str = "zh",
    progress: Progress | None = None,
    pdf: bool = True,
    templates: Path | None = None,
    duplex: bool = False,
    strict: bool = False,
    reuse: bool = True,
    wait: float = 0,
    scheduler: str | None = None,
    executor: Executor | None = None,
) -> RunResult:
    """The monthly batch: read, check, compute, and write every output into `output`.

    Everything is built in a folder beside `output` and swapped in at the end, so `output` holds
    the previous run or this one, never a mix. With `reuse`, products whose inputs did not change
    since the run already in `output` (same manifest key) are carried over instead of remade.
    With `strict`, no letter is printed while errors remain.

    Filling and laying out go to a Dask cluster (cluster.py) at `scheduler` (else
    $SALESBOOK_SCHEDULER, else the `run.scheduler` setting), or to `executor` when one is given;
    reading, computing and writing the output stay here.
    """
    from salesbook import ledger
    from salesbook import manifest as manifests

    folder, output = Path(folder), Path(output)
    clock = _Clock(progress or _Silent())
    jobs = jobs or os.cpu_count() or 1
    if not folder.is_dir():
        raise SalesbookError(f"文件夹不存在：{folder} (folder not found)")
    check_separate(folder, output)
    if history is not None:
        history = Path(history).absolute()
        check_separate(folder, history, "历史数据库")
    warnings: list[str] = []
    # The lock is taken before anything is read: a second run on this output waits or refuses
    # before it could read inputs a first run is about to replace.
    with output_lock(output, wait) as output:
        paths = workbooks_in(folder)
        clock.stage("read", len(paths))
        loaded = load(folder, jobs, lambda _: clock.advance(), paths)
        if templates is None:  # only a folder the admin names: --templates or the setting
            templates = loaded.config.template_folder(folder)
        elif Path(templates).resolve() == (folder / "templates").resolve():
            loaded.config_issues = [i for i in loaded.config_issues if i.code != "SB-C004"]
        clock.stage("compute")
        previous, damaged = manifests.read(output) if reuse else (None, False)
        if damaged:
            warnings.append(
                f"{output / manifests.NAME} 已被改动或损坏，本次全部重新生成"
                f" (the manifest was edited or damaged; everything is made anew)"
            )
        address = None
        if executor is None:
            from salesbook.cluster import scheduler_address

            address = scheduler_address(scheduler, loaded.config.scheduler)
        with (
            _executor(address, executor) as writers,
            staged_output(output, manifests.listed) as stage,
        ):
            # The history is written in a copy: a given one is replaced only after the swap.
            if history is None:
                working = ledger.working_copy(output / "history.sqlite", stage / "history.sqlite")
            else:
                working = ledger.working_copy(history)
            try:
                with using(writers):
                    result = _run_staged(
                        loaded, stage, output, working, history, period, today, as_of, lang,
                        pdf, templates, duplex, strict, jobs, previous, clock, warnings, writers,
                    )  # fmt: skip
            except BaseException:
                if history is not None:
                    working.unlink(missing_ok=True)
                raise
        if history is not None:
            os.replace(working, history)
    return result


@contextmanager
def _executor(address: str | None, given: Executor | None) -> Iterator[Executor | None]:
    """The executor of the writers: `given`, a Dask one at `address`, or None (local)."""
    if given is not None or address is None:
        yield given
        return
    from salesbook.cluster import connect

    with connect(address) as executor:
        yield executor


def _run_staged(
    loaded: Folder,
    stage: Path,
    output: Path,
    working: Path,
    external_history: Path | None,
    period: Period | None,
    today: dt.date | None,
    as_of: dt.date | None,
    lang: str,
    pdf: bool,
    templates: Path | None,
    duplex: bool,
    strict: bool,
    jobs: int,
    previous: dict | None,
    clock: _Clock,
    warnings: list[str],
    executor: Executor | None = None,
) -> RunResult:
    """Everything a run writes, into `stage`; `working` is this run's copy of the history."""
    from salesbook import ledger, versions
    from salesbook import manifest as manifests
    from salesbook.compute import document_text, figures_document, history_rows, jsonable
    from salesbook.compute.risks import add_unsigned
    from salesbook.issue_list import links_to_inputs, write_issue_workbook
    from salesbook.summary import summary_name, write_summary

    folder = loaded.path
    figures = loaded.compute(period, as_of, working)
    clock.stage("check")
    check = loaded.check(target_period(loaded.book) or figures.run.period, today)
    check.issues = sort_issues(check.issues + figures.issues)
    check.counts = Counter(issue.severity for issue in check.issues)
    label = figures.run.period.label
    stamp = figures.run.as_of
    document = figures_document(figures, loaded.config, __version__)
    # Letters against their issued versions (history) and signatures: before any document
    letters = versions.review(working, document, figures, loaded.book, loaded.config, check.today)
    if letters.issues:
        check.issues = sort_issues(check.issues + letters.issues)
        check.counts = Counter(issue.severity for issue in check.issues)
    document.update(letters.document_part())
    if letters.unsigned:  # letters not signed in time are risks too, known only from the history
        figures.risks = add_unsigned(
            figures.risks,
            letters.unsigned,
            letters.issues,
            figures.targets,
            loaded.book,
            loaded.config,
        )
        part = document["figures"]
        assert isinstance(part, dict)  # figures_document's: the figures as JSON data
        part["risks"] = jsonable(figures.risks)
    text = document_text(document)
    document = json.loads(text)  # the PDFs render from exactly what figures.json holds
    (stage / "figures.json").write_text(text + "\n", encoding="utf-8")
    figures_key = manifests.fingerprint(__version__, text)
    reuser = manifests.Reuse(output, previous, stage)
    skipped: list[str] = []
    describe = getattr(executor, "describe", None)
    ran_on: dict[str, object] = describe() if describe else {"kind": "local", "jobs": jobs}
    check_workers = getattr(executor, "check_workers", None)
    if check_workers:  # before any work: every worker can print every character of this run
        check_workers("".join(sorted(set(text))) + _template_text(templates))
    clock.note("executor: " + ", ".join(f"{k} {v}" for k, v in ran_on.items()))

    clock.stage("workbooks", len(loaded.book.files) + 2)  # inputs, issue list, summary
    summary = stage / summary_name(label, lang)
    # an English summary is another product: its key must not let a Chinese run take it over
    summary_key = figures_key if lang == "zh" else manifests.fingerprint(figures_key, lang)
    # the risk list links to the inputs' cells: where they lie from here is part of the product
    links = links_to_inputs(folder, stage)
    summary_key = manifests.fingerprint(summary_key, links)
    summary_task = None
    if reuser.take("summary", summary_key):
        clock.advance()
    else:  # made beside the filled copies, not before them: the longest single piece of work
        summary_task = Task(
            write_summary,
            (figures, summary, lang),
            {
                "inputs": links,
                "unsigned": document.get("letters_unsigned"),
            },
            label=summary.name,
            writes=stage,
            bounded=False,
        )
    inputs = manifests.file_entries(folder, [folder / name for name in loaded.book.files])
    fill_issues = fill_workbooks_reusing(
        loaded,
        figures,
        check.issues,
        stage / "workbooks",
        reuser,
        figures_key,
        {str(entry["path"]): str(entry["sha256"]) for entry in inputs},
        clock,
        jobs,
        summary_task,
    )
    if summary_task:
        reuser.record("summary", summary_key, [summary])
    if fill_issues:  # copies too big to make or that failed: in the issue list and exit status
        check.issues = sort_issues(check.issues + fill_issues)
        check.counts = Counter(issue.severity for issue in check.issues)
    issue_list = stage / ("issues.xlsx" if lang == "en" else "问题清单.xlsx")
    write_issue_workbook(check, folder, issue_list, lang, stamp)
    clock.advance()

    if pdf and strict and check.has_errors:
        skipped.append("strict")
    elif pdf:
        render_documents(
            document, folder, stage, working, lang, templates, duplex, reuser, clock, jobs,
            today=check.today,
        )  # fmt: skip
    ledger.record(
        working,
        figures.run.period,
        figures.run.as_of.isoformat(),
        __version__,
        history_rows(figures),
    )
    ledger.settle(working)
    for name in reuser.reused:
        clock.note(f"reused {name}")
    for warning in warnings:
        clock.note(warning)
    if skipped:
        clock.note("strict: errors remain, no documents rendered")
    clock.stage("finish")
    written = sorted(manifests.output_files(stage))
    outputs = manifests.file_entries(stage, written, reuser.verified)
    manifests.write(
        stage,
        {
            "format": manifests.FORMAT,
            "salesbook": __version__,
            "period": label,
            "as_of": figures.run.as_of.isoformat(),
            "today": check.today.isoformat(),
            "options": {
                "lang": lang,
                "pdf": pdf,
                "duplex": duplex,
                "strict": strict,
                "history": str(external_history) if external_history else "history.sqlite",
            },
            "config": loaded.config.as_dict(),
            "inputs": inputs,
            "outputs": outputs,
            "products": dict(sorted(reuser.products.items())),
            "issues": {s.value: check.counts[s] for s in Severity},
            "timings": clock.finish(),
            "executor": ran_on,
        },
    )
    counts = ", ".join(f"{s.value} {check.counts[s]}" for s in Severity)
    clock.log.append(
        f"{len(written)} files written, {len(reuser.reused)} products reused; {counts}"
    )
    (stage / manifests.LOG_NAME).write_text("\n".join(clock.log) + "\n", encoding="utf-8")
    return RunResult(
        check,
        figures,
        [output / p.relative_to(stage) for p in written],
        output,
        reuser.reused,
        clock.timings,
        skipped,
        warnings,
        ran_on,
    )


def _template_text(templates: Path | None) -> str:
    """The characters of the templates (headings, labels) the documents will print."""
    from salesbook.render import template_dirs

    seen: set[str] = set()
    for folder in template_dirs(templates):
        for path in sorted(Path(folder).glob("*.html")):
            try:
                seen.update(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                continue  # render reports it, naming the template
    return "".join(sorted(seen))


def fill_workbooks_reusing(
    loaded: Folder,
    figures: Figures,
    issues: list[Issue],
    target: Path,
    reuser: Reuse,
    figures_key: str,
    input_hashes: dict[str, str],
    progress: Progress,
    jobs: int = 1,
    along: Task | None = None,
) -> list[Issue]:
    """A filled copy per input; one whose input, issues and figures are unchanged is carried over.

    Each copy is made in a child with time and memory limits; returns the issues of copies not
    made: SB-F016 (past the size limits, not opened) and SB-F017 (failed or passed a limit).
    `along` (the summary) runs first among them; if it fails, the run fails with its error."""
    from salesbook import fill as filling
    from salesbook import manifest as manifests

    names, found = filling.fill_plan(loaded.book, loaded.path, issues)
    issues_by_file: dict[str, list[dict]] = {}
    for issue in issues:
        issues_by_file.setdefault(issue.location.file, []).append(issue.as_dict("zh"))
    to_fill = []
    progress.advance(len(loaded.book.files) - len(names))
    for name in names:
        key = manifests.fingerprint(figures_key, input_hashes[name], issues_by_file.get(name, []))
        if reuser.take(f"workbook:{name}", key) is None:
            to_fill.append((name, key))
        else:
            progress.advance()
    if not to_fill and along is None:
        return found

    arguments = (loaded.book, figures, issues, loaded.path, target)
    first = [along] if along else []

    def failed(index: int, failure: Failure) -> str:
        if index < len(first):
            raise named(failure.error, along.label if along else "")
        return failure.reason

    results: list[list[Path] | str] = run_tasks(
        first
        + [
            Task(
                filling.fill_workbooks,
                arguments,
                {"only": {name}},
                label=name,
                reads={loaded.path: (name,)},  # on a cluster: this input's bytes only
                writes=target,
            )
            for name, _ in to_fill
        ],
        jobs,
        lambda _: progress.advance(),
        limits=Limits(filling.FILL_MEMORY_BYTES, filling.FILL_TIMEOUT_S),
        failed=failed,
    )[len(first) :]
    for (name, key), paths in zip(to_fill, results, strict=True):
        if isinstance(paths, str):
            found.append(Issue("SB-F017", Location(name), {"detail": paths}))
        else:
            reuser.record(f"workbook:{name}", key, paths)
    if any(isinstance(paths, str) for paths in results) and target.is_dir():
        for leftover in target.rglob(".tmp-*"):  # a killed child's half-written copy
            leftover.unlink(missing_ok=True)
    return found


def render_documents(
    document: dict,
    folder: Path,
    output: Path,
    history: Path,
    lang: str,
    templates: Path | None,
    duplex: bool,
    reuser: Reuse | None = None,
    progress: Progress | None = None,
    jobs: int = 1,
    today: dt.date | None = None,
) -> list[Path]:
    """The PDFs, all from the figures document: letters, then the reports.

    Letters depend only on their targets and terms, so a corrected follow-up log reprints none.
    Each letter's version is recorded in `history` dated `today` (the run's day).
    """
    from salesbook import ledger, versions
    from salesbook import manifest as manifests
    from salesbook.contexts.letters import letter_contexts, letter_owners
    from salesbook.letters import render_letters
    from salesbook.letters_docx import DocxRenderer, combined_name, write_letter_docx
    from salesbook.render import Renderer, template_dirs
    from salesbook.reports import render_reports

    progress = progress or _Silent()
    dirs = template_dirs(templates)
    renderer = Renderer(dirs, lang, document["config"]["money_unit"])
    setup = manifests.fingerprint(__version__, lang, duplex, manifests.folder_fingerprint(dirs))
    numbers = {}
    for period, owners in letter_owners(document).items():
        for owner, seq in ledger.letter_numbers(history, period, owners).items():
            numbers[(period, owner)] = seq
    # what each letter states, recorded with its number (issue 15 §2); a locked letter is
    # printed as it was issued
    bases = versions.bases(document, numbers)
    issued_on = (today or dt.date.fromisoformat(document["as_of"])).isoformat()
    versions.record(history, document, bases, versions.templates_used(dirs), issued_on)
    written: list[Path] = []
    contexts = letter_contexts(versions.as_printed(document, history), numbers, lang)
    docx: DocxRenderer | None = None  # made at the first letters not carried over
    # Letters, then the review and health reports and one appraisal sheet per person.
    progress.stage("documents", len(contexts) + 2 + len(document["figures"].get("people", {})))
    en = lang == "en"
    for period in dict.fromkeys(c.period for c in contexts):
        batch = [c for c in contexts if c.period == period]
        terms = [asdict(c) for c in batch]  # before rendering sets file stems and page counts
        name, key = f"letters:{period}", manifests.fingerprint(setup, terms)
        taken = reuser.take(name, key) if reuser else None
        if taken is None:
            combined = output / (f"letters-{period}-all.pdf" if en else f"责任书-{period}-全部.pdf")
            letters = render_letters(
                renderer,
                batch,
                output / ("letters" if en else "责任书"),
                combined,
                duplex=duplex,
                jobs=jobs,
                progress=progress.advance,
            )
            taken = [combined, *letters.files]
            if reuser:
                reuser.record(name, key, taken)
        else:
            progress.advance(len(batch))
        written += taken
        # The editable Word copies (issue 15 §1): same letters, same file stems as the PDFs.
        if not document["config"].get("letter_docx", True):
            continue
        name, key = f"letters-docx:{period}", manifests.fingerprint(setup, "docx", terms)
        taken = reuser.take(name, key) if reuser else None
        if taken is None:
            if docx is None:
                docx = DocxRenderer(dirs, lang, document["config"]["money_unit"])
            into = output / ("letters" if en else "责任书")
            copies = write_letter_docx(
                docx, batch, into, output / combined_name(period, lang), jobs=jobs
            )
            taken = [copies.combined, *copies.files]
            if reuser:
                reuser.record(name, key, taken)
        written += taken
    key = manifests.fingerprint(setup, document)
    taken = reuser.take("reports", key) if reuser else None
    if taken is None:
        taken = render_reports(renderer, document, output, jobs, progress.advance)
        if reuser:
            reuser.record("reports", key, taken)
    else:
        progress.advance(2 + len(document["figures"].get("people", {})))
    written += taken
    return written
