"""Time the whole monthly `salesbook run` (PDFs included) against its bare steps, 100 to 5000 reps.

For each number of reps (default 100, 1000 and 5000) the script

1. makes the demo folder once and keeps it (bench_run.ensure_demo: `salesbook demo
   bench/data/demo-N --reps N`, its follow-up logs included; git-ignored, reused);
2. runs R repeats (default 1), each of these fresh processes, one after the other:
   - run:         `python -m salesbook run bench/data/demo-N -o TMP/out --today 2026-11-25
                  --jobs 2` into a folder that does not exist yet (exit status 1 is normal: the
                  demo plants errors), timed from outside; peak RSS from wait4() (the largest
                  single process of the tree) and, sampled every 0.25 s from /proc, the summed
                  RSS and PSS of the whole process tree (what parallel workers use together);
   - re-run:      only for the sizes in --rerun-reps (default 1000): the same command again into
                  the same TMP/out, right after; its time ÷ the first run's (target < 10 %);
   - prep:        not timed: a child process builds the HTML of every document (all letters, the
                  review, the health report, all appraisal sheets) from TMP/out/figures.json with
                  salesbook's own Renderer and context builders, joined as one HTML document;
   - bare read:       bench_run's: python_calamine, every input, no salesbook code;
   - bare load-save:  bench_run's: openpyxl load_workbook + save of every workbook the run
                      wrote (TMP/out/workbooks/**, 汇总-*.xlsx, 问题清单.xlsx), no salesbook code;
   - bare render:     `weasyprint.HTML(string=html).write_pdf(path)` of that whole HTML with
                      print.css, as bench_letters' BARE, no salesbook code (when one PDF of every
                      page would not fit in memory, or with --bare-chunk N: one PDF per N letters
                      or sheets, written one after the other by the same process);
   the three bare steps in an order rotated per repeat; each is timed from outside (start-up and
   imports included) and its calls inside;
3. pairs the figures of one repeat: run ÷ (bare read + bare load-save + bare render), the
   headline (target ≤ 1.5× at 1000 reps), and reports median (min–max) over repeats;
4. linearity: seconds per rep at each size, the marginal seconds per rep between sizes, a least
   squares line through (reps, run s), and per-rep cost at the largest size ÷ at the smallest;
5. prints markdown tables, writes every raw figure to bench/results/batch-<timestamp>.json and
   draws bench/batch-time.svg (time against reps).

Usage: python bench/bench_batch.py [--reps 100 1000 5000] [--repeats 1] [--rerun-reps 1000]
       [--jobs 2] [--bare-chunk N] [--plot bench/batch-time.svg] [--scratch DIR]
       python bench/bench_batch.py --plot-only bench/results/batch-<timestamp>.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from bench_run import (
    EDITABLE,
    code_fingerprint,
    ensure_demo,
    input_files,
    measure_bare_load_save,
    measure_bare_read,
)
from bench_validate import (
    BENCH,
    MIB,
    PROJECT,
    RESULTS,
    TODAY,
    fmt,
    log,
    machine,
    run_process,
    summarize,
)

TARGET_RATIO = 1.5  # run ÷ bare sum, at TARGET_RATIO_REPS
TARGET_RATIO_REPS = 1000
TARGET_RERUN = 0.10  # unchanged re-run ÷ first run
TARGET_RSS_MIB = 2 * 1024.0  # at TARGET_RSS_REPS
TARGET_RSS_REPS = 5000
LINEAR_TOLERANCE = 1.2  # the bench's own reading of "linear": per-rep cost grows by at most 20 %
LANG = "zh"
PLOT = BENCH / "batch-time.svg"
BARES = ("bare_read", "bare_load_save", "bare_render")
SAMPLE_EVERY_S = 0.25
# The bare render's peak RSS, one PDF of everything, measured here: 706 MiB for 232 pages (100 reps),
# 1,682 MiB for 675 pages (300 reps). Above BARE_MEMORY_SHARE of the memory available, the bare
# render makes one PDF per AUTO_CHUNK documents instead (unless --bare-chunk says otherwise).
BARE_BASE_MIB, BARE_MIB_PER_PAGE = 200.0, 2.2
BARE_MEMORY_SHARE = 0.6
AUTO_CHUNK = 250  # as salesbook.letters.CHUNK

# --- memory of a whole process tree ---------------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    """pid and every process below it (Linux /proc/PID/task/TID/children)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo += [int(child) for child in children.read().split()]
        except (OSError, ValueError):
            continue  # gone already
    return found


def _rss_pss_kb(pid: int) -> tuple[int, int]:
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return rss, pss


class TreeMemory:
    """Peak summed RSS and PSS of a process and all its descendants, sampled from /proc.

    RSS summed counts pages the processes share (forked workers, copy-on-write) once per process:
    an upper bound. PSS splits each shared page among its sharers: what the tree uses together.
    wait4()'s ru_maxrss is the largest *single* process instead; with parallel workers both matter.
    """

    def __init__(self, every_s: float = SAMPLE_EVERY_S) -> None:
        self.every_s = every_s
        self.peak = {"rss_kb": 0, "pss_kb": 0, "processes": 0}
        self.samples = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, process: subprocess.Popen) -> None:
        self._thread = threading.Thread(target=self._loop, args=(process.pid,), daemon=True)
        self._thread.start()

    def _loop(self, pid: int) -> None:
        while not self._stop.is_set():
            pids = _descendants(pid)
            sizes = [_rss_pss_kb(p) for p in pids]
            self.samples += 1
            self.peak["rss_kb"] = max(self.peak["rss_kb"], sum(r for r, _ in sizes))
            self.peak["pss_kb"] = max(self.peak["pss_kb"], sum(p for _, p in sizes))
            self.peak["processes"] = max(self.peak["processes"], len(pids))
            self._stop.wait(self.every_s)

    def stop(self) -> dict[str, float]:
        self._stop.set()
        if self._thread:
            self._thread.join()
        return {
            "tree_rss_sum_mib": self.peak["rss_kb"] / MIB,
            "tree_pss_sum_mib": self.peak["pss_kb"] / MIB,
            "tree_processes_max": self.peak["processes"],
            "samples": self.samples,
        }


# --- the run and the re-run -----------------------------------------------------------------------


def _snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every file under root: (size, mtime_ns, inode), to see what a re-run rewrote."""
    return {
        p.relative_to(root).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns, p.stat().st_ino)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _manifest(output: Path) -> dict[str, object]:
    """What the run's manifest.json says about itself (stage timings, reused products), if any."""
    try:
        manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(manifest, dict):
        return {}
    products = manifest.get("products")
    return {
        "timings": manifest.get("timings"),
        "products": len(products) if isinstance(products, dict) else None,
    }


def measure_run(folder: Path, output: Path, jobs: int) -> dict[str, object]:
    argv = [sys.executable, "-m", "salesbook", "run", str(folder.relative_to(PROJECT))]
    argv += ["-o", str(output), "--today", TODAY, "--jobs", str(jobs)]
    memory = TreeMemory()
    try:
        done = run_process(argv, on_start=memory.start)
    finally:
        sampled = memory.stop()
    if done.returncode not in (0, 1):
        how = f"was killed by signal {-done.returncode}" if done.returncode < 0 else "exited"
        raise RuntimeError(
            f"salesbook run {how} {done.returncode} after {done.wall_s:.1f} s, peak "
            f"{done.tree_maxrss_kb / MIB:.0f} MiB:\n{done.stderr[-3000:]}"
        )
    files = _snapshot(output)
    return {
        "argv": argv,
        "wall_s": done.wall_s,
        "exit": done.returncode,
        "maxrss_mib": done.tree_maxrss_kb / MIB,
        **sampled,
        "files": len(files),
        "pdfs": sum(1 for name in files if name.lower().endswith(".pdf")),
        "bytes_written": sum(size for size, _, _ in files.values()),
        "manifest": _manifest(output),
        "stdout": done.stdout,
        "stderr_tail": done.stderr[-2000:],
    }


def measure_rerun(folder: Path, output: Path, jobs: int) -> dict[str, object]:
    before = _snapshot(output)
    result = measure_run(folder, output, jobs)
    after = _snapshot(output)
    kept = [name for name, stat in after.items() if before.get(name) == stat]
    result["files_unchanged"] = len(kept)  # same size, mtime and inode: carried over, not rewritten
    result["files_rewritten"] = len(after) - len(kept)
    result["rewritten"] = sorted(after.keys() - set(kept))[:50]
    result["files_gone"] = len(before.keys() - after.keys())
    return result


def filled_workbooks(output: Path) -> list[Path]:
    """The workbooks the run wrote: filled copies, the summary and the issue list."""
    filled = [p for p in sorted((output / "workbooks").rglob("*")) if p.is_file()]
    top = [*sorted(output.glob("汇总-*.xlsx")), *sorted(output.glob("问题清单.xlsx"))]
    return [
        p
        for p in [*filled, *top]
        if p.suffix.lower() in EDITABLE and not p.name.startswith((".", "~$"))
    ]


def run_pages(output: Path) -> dict[str, int]:
    """Pages of each top-level PDF the run wrote (the combined letters, the reports, all sheets);
    the per-person files in the subfolders are cut from these."""
    import pypdf

    return {p.name: len(pypdf.PdfReader(p).pages) for p in sorted(output.glob("*.pdf"))}


# --- the HTML of every document, made once per run (not timed) ------------------------------------

_DOCUMENT = re.compile(
    r"^(?P<head>.*?<body[^>]*>)(?P<body>.*)(?P<tail></body>\s*</html>\s*)$", re.S
)


def join_html(pages: Sequence[str]) -> str:
    """Several complete HTML documents as one: the first one's head, every body's content."""
    parts = [_DOCUMENT.match(page) for page in pages]
    if not all(parts):
        raise ValueError("a template did not render as <html>…<body>…</body></html>")
    heads = {re.search(r"<body[^>]*>", p["head"])[0] for p in parts}
    if len(heads) > 1:
        raise ValueError(f"the documents' <body> tags differ: {heads}")
    return parts[0]["head"] + "\n".join(p["body"] for p in parts) + parts[0]["tail"]


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)] if size else [items]


def prep_html(folder: Path, figures: Path, target: Path, chunk: int) -> dict[str, object]:
    """Runs in a child process: the HTML of every document the run prints, as salesbook builds it
    (batch.render_documents → letters, reports.render_reports → review, health, appraisals).

    chunk 0: everything joined as one HTML document, target/part-000.html. chunk N: one HTML
    document per N letters, per N appraisal sheets and per report, target/part-NNN.html."""
    from salesbook.chunks import assign_file_stems
    from salesbook.contexts.appraisal import appraisal_sheets
    from salesbook.contexts.health import health_context
    from salesbook.contexts.letters import letter_contexts
    from salesbook.contexts.review import review_context
    from salesbook.render import Renderer, template_dirs

    started = time.perf_counter()
    document = json.loads(figures.read_text(encoding="utf-8"))
    dirs = template_dirs()
    renderer = Renderer(dirs, LANG, document["config"]["money_unit"])
    stylesheet = next(d / "print.css" for d in dirs if (d / "print.css").is_file())
    documents: list[dict[str, object]] = []
    pages: list[str] = []

    def add(name: str, items: int, html: str) -> None:
        documents.append({"document": name, "items": items, "html_bytes": len(html.encode())})
        pages.append(html)

    contexts = letter_contexts(document)
    for period in dict.fromkeys(c.period for c in contexts):
        batch = [c for c in contexts if c.period == period]
        assign_file_stems(batch)
        for part in _chunks(batch, chunk):
            html = renderer.html("letters.html", letters=part, duplex=False, created=part[0].start)
            add(f"letters {period}", len(part), html)
    review = review_context(document, LANG)
    add("review", 1, renderer.html("review.html", report=review, created=review.created))
    health = health_context(document, LANG)
    if health.indicators:
        add("health", 1, renderer.html("health.html", report=health, created=health.created))
    sheets = appraisal_sheets(document, LANG)
    if sheets:
        assign_file_stems(sheets)
        for part in _chunks(sheets, chunk):
            html = renderer.html("appraisal.html", sheets=part, created=sheets[0].as_of)
            add("appraisal sheets", len(part), html)
    texts = pages if chunk else [join_html(pages)]
    target.mkdir(parents=True, exist_ok=True)
    for index, text in enumerate(texts):
        (target / f"part-{index:03d}.html").write_text(text, encoding="utf-8")
    return {
        "documents": documents,
        "chunk": chunk,
        "parts": len(texts),
        "html_bytes": sum(len(text.encode()) for text in texts),
        "stylesheet": str(stylesheet),
        "prep_s": time.perf_counter() - started,
    }


def make_html(folder: Path, output: Path, target: Path, chunk: int) -> dict[str, object]:
    report = target.with_suffix(".json")
    argv = [sys.executable, str(Path(__file__).resolve()), "--prep-html"]
    argv += [str(folder), str(output / "figures.json"), str(target), str(report), str(chunk)]
    done = subprocess.run(argv, cwd=PROJECT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"building the documents' HTML failed:\n{done.stderr[-3000:]}")
    return json.loads(report.read_text(encoding="utf-8"))


def bare_chunk(pages: int, requested: int | None) -> tuple[int, float]:
    """Documents per bare PDF: 0 (one PDF of everything) unless asked otherwise or unless one
    PDF of `pages` pages would not fit in memory; and the estimated peak of one PDF, MiB."""
    estimate = BARE_BASE_MIB + BARE_MIB_PER_PAGE * pages
    if requested is not None:
        return requested, estimate
    available = 0.0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemAvailable:"):
                available = int(line.split()[1]) / MIB
    if estimate > BARE_MEMORY_SHARE * available:
        log(
            f"  !! one bare PDF of {pages:,} pages would need ~{estimate / 1024:.1f} GiB, "
            f"{available / 1024:.1f} GiB available: rendering {AUTO_CHUNK} documents per PDF"
        )
        return AUTO_CHUNK, estimate
    return 0, estimate


# Runs in a fresh interpreter, no salesbook code: HTML(string=…).write_pdf(…) of each part, in
# order, with the run's stylesheet (one part = all documents as one PDF; as bench_letters' BARE).
BARE_RENDER = r"""
import json, sys, time
from pathlib import Path
css, out, htmls = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
texts = [Path(p).read_text(encoding="utf-8") for p in htmls]
t0 = time.perf_counter()
import weasyprint
from weasyprint.text.fonts import FontConfiguration
t1 = time.perf_counter()
fonts = FontConfiguration()
stylesheet = weasyprint.CSS(filename=css, font_config=fonts)
for index, html in enumerate(texts):
    weasyprint.HTML(string=html).write_pdf(
        out / f"{index:03d}.pdf", stylesheets=[stylesheet], font_config=fonts)
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "seconds": t2 - t1}))
"""


def measure_bare_render(parts: Path, stylesheet: str, pdfs: Path) -> dict[str, object]:
    htmls = sorted(parts.glob("part-*.html"))
    pdfs.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-c", BARE_RENDER, stylesheet, str(pdfs), *map(str, htmls)]
    done = run_process(argv)
    if done.returncode != 0:
        raise RuntimeError(f"bare render failed:\n{done.stderr[-3000:]}")
    import pypdf

    inside = json.loads(done.stdout.strip().splitlines()[-1])
    written = sorted(pdfs.glob("*.pdf"))
    result = {
        "wall_s": done.wall_s,
        "import_s": inside["import_s"],
        "calls_s": inside["seconds"],
        "maxrss_mib": done.tree_maxrss_kb / MIB,
        "parts": len(written),
        "pages": sum(len(pypdf.PdfReader(p).pages) for p in written),  # outside the timed process
        "bytes": sum(p.stat().st_size for p in written),
    }
    shutil.rmtree(pdfs)
    return result


# --- one size -------------------------------------------------------------------------------------


@dataclass
class Options:
    repeats: int
    rerun_reps: list[int]
    jobs: int
    scratch: Path
    bare_chunk: int | None  # None: one bare PDF unless it would not fit in memory


def one_repeat(
    reps: int, repeat: int, folder: Path, inputs: list[Path], options: Options
) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix=f"bench-batch-{reps}-", dir=options.scratch))
    output = work / "out"
    load = os.getloadavg()[0]
    try:
        row: dict[str, object] = {"repeat": repeat, "load_before": load}
        row["run"] = measure_run(folder, output, options.jobs)
        show(reps, repeat, "run", row["run"])
        if reps in options.rerun_reps:
            row["rerun"] = measure_rerun(folder, output, options.jobs)
            row["rerun"]["ratio"] = row["rerun"]["wall_s"] / row["run"]["wall_s"]
            show(reps, repeat, "re-run", row["rerun"])
        row["run_pages"] = run_pages(output)
        chunk, estimate = bare_chunk(sum(row["run_pages"].values()), options.bare_chunk)
        row["bare_single_pdf_estimate_mib"] = estimate
        row["prep"] = make_html(folder, output, work / "html", chunk)
        filled = filled_workbooks(output)
        row["filled"] = [p.relative_to(output).as_posix() for p in filled]
        measures = {
            "bare_read": lambda: measure_bare_read(inputs),
            "bare_load_save": lambda: measure_bare_load_save(filled),
            "bare_render": lambda: measure_bare_render(
                work / "html", row["prep"]["stylesheet"], work / "bare-pdf"
            ),
        }
        order = [*BARES[repeat % 3 :], *BARES[: repeat % 3]]
        for name in order:
            row[name] = measures[name]()
            show(reps, repeat, name, row[name])
        row["order"] = order
    finally:
        shutil.rmtree(work, ignore_errors=True)
    row["bare_sum_s"] = sum(row[name]["wall_s"] for name in BARES)
    row["bare_calls_s"] = sum(row[name]["calls_s"] for name in BARES)
    row["ratio"] = row["run"]["wall_s"] / row["bare_sum_s"]
    row["ratio_calls"] = row["run"]["wall_s"] / row["bare_calls_s"]
    row["load_after"] = os.getloadavg()[0]
    log(
        f"  reps {reps} rep {repeat}: run ÷ bare sum = {row['run']['wall_s']:.1f} ÷ "
        f"{row['bare_sum_s']:.1f} = {row['ratio']:.2f}×; pages run {sum(row['run_pages'].values())}"
        f" / bare {row['bare_render']['pages']}"
    )
    return row


def show(reps: int, repeat: int, name: str, result: dict[str, object]) -> None:
    extra = f" (calls {result['calls_s']:.2f} s)" if "calls_s" in result else ""
    if "exit" in result:
        extra += f" exit {result['exit']}, {result['files']} files, {result['pdfs']} PDFs"
        extra += f", tree PSS {result['tree_pss_sum_mib']:.0f} MiB"
    if "ratio" in result:
        extra += f", {result['ratio']:.1%} of the run, {result['files_rewritten']} files rewritten"
    log(
        f"  reps {reps} rep {repeat} {name:14s} {result['wall_s']:7.2f} s{extra},"
        f" peak {result['maxrss_mib']:.0f} MiB  (load {os.getloadavg()[0]:.2f})"
    )


def edited_since(before: dict[str, str]) -> list[str]:
    """The salesbook/*.py files added, removed or changed since `before` (others edit the tree)."""
    now = code_fingerprint()
    return sorted(name for name in before.keys() | now.keys() if before.get(name) != now.get(name))


def run_size(reps: int, options: Options) -> dict[str, object]:
    folder, meta = ensure_demo(reps)
    inputs, _ = input_files(folder)
    code = code_fingerprint()
    rows, code_changes = [], []
    for repeat in range(options.repeats):
        rows.append(one_repeat(reps, repeat, folder, inputs, options))
        changed = edited_since(code)
        if changed:
            code = code_fingerprint()
            code_changes.append({"after_repeat": repeat, "files": changed})
            log(f"  !! salesbook code changed during repeat {repeat}: {', '.join(changed)}")
    first = rows[0]
    summary = {
        "run_s": summarize(r["run"]["wall_s"] for r in rows),
        "s_per_rep": summarize(r["run"]["wall_s"] / reps for r in rows),
        "bare_read_s": summarize(r["bare_read"]["wall_s"] for r in rows),
        "bare_read_calls_s": summarize(r["bare_read"]["calls_s"] for r in rows),
        "bare_load_save_s": summarize(r["bare_load_save"]["wall_s"] for r in rows),
        "bare_load_save_calls_s": summarize(r["bare_load_save"]["calls_s"] for r in rows),
        "bare_render_s": summarize(r["bare_render"]["wall_s"] for r in rows),
        "bare_render_calls_s": summarize(r["bare_render"]["calls_s"] for r in rows),
        "bare_sum_s": summarize(r["bare_sum_s"] for r in rows),
        "bare_s_per_rep": summarize(r["bare_sum_s"] / reps for r in rows),
        "ratio": summarize(r["ratio"] for r in rows),
        "ratio_calls": summarize(r["ratio_calls"] for r in rows),
        "run_maxrss_mib": max(r["run"]["maxrss_mib"] for r in rows),
        "run_tree_rss_sum_mib": max(r["run"]["tree_rss_sum_mib"] for r in rows),
        "run_tree_pss_sum_mib": max(r["run"]["tree_pss_sum_mib"] for r in rows),
        "run_tree_processes_max": max(r["run"]["tree_processes_max"] for r in rows),
        "bare_maxrss_mib": {name: max(r[name]["maxrss_mib"] for r in rows) for name in BARES},
        "run_exit": sorted({r["run"]["exit"] for r in rows}),
        "run_files": first["run"]["files"],
        "run_pdfs": first["run"]["pdfs"],
        "run_bytes_written": first["run"]["bytes_written"],
        "run_pages": sum(first["run_pages"].values()),
        "bare_pages": first["bare_render"]["pages"],
        "bare_render_parts": first["bare_render"]["parts"],
        "bare_single_pdf_estimate_mib": first["bare_single_pdf_estimate_mib"],
        "run_stages_s": _stages(r["run"] for r in rows),
        "documents": first["prep"]["documents"],
        "filled_workbooks": len(first["filled"]),
        "input_rows": sum(
            max((sheet[1] for sheet in f["sheets"]), default=0) for f in first["bare_read"]["files"]
        ),
        "load": summarize(x for r in rows for x in (r["load_before"], r["load_after"])),
    }
    if "rerun" in first:
        summary["rerun_stages_s"] = _stages(r["rerun"] for r in rows)
        summary["rerun_s"] = summarize(r["rerun"]["wall_s"] for r in rows)
        summary["rerun_ratio"] = summarize(r["rerun"]["ratio"] for r in rows)
        summary["rerun_files_rewritten"] = first["rerun"]["files_rewritten"]
        summary["rerun_maxrss_mib"] = max(r["rerun"]["maxrss_mib"] for r in rows)
    stdout = first["run"]["stdout"]
    for r in rows:
        for name in ("run", "rerun"):
            if name in r:
                del r[name]["stdout"]  # kept once, as run_stdout
    return {
        "reps": reps,
        "repeats": options.repeats,
        "jobs": options.jobs,
        "folder": folder.relative_to(PROJECT).as_posix(),
        "data": meta,
        "inputs": len(inputs),
        "run_stdout": stdout,
        "code_changes": code_changes,
        "runs": rows,
        "summary": summary,
    }


def _stages(runs: Iterable[dict[str, object]]) -> dict[str, float]:
    """Median seconds per stage, as the run's own manifest.json reports them (if it does)."""
    per_stage: dict[str, list[float]] = {}
    for run in runs:
        for stage, seconds in ((run["manifest"] or {}).get("timings") or {}).items():
            per_stage.setdefault(stage, []).append(seconds)
    return {stage: statistics.median(values) for stage, values in per_stage.items()}


# --- linearity ------------------------------------------------------------------------------------


def linearity(results: list[dict[str, object]]) -> dict[str, object] | None:
    """Seconds per rep at each size, marginal cost between sizes, least squares run_s = a + b·reps."""
    points = sorted((r["reps"], r["summary"]["run_s"]["median"]) for r in results)
    if len(points) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx
    intercept = mean_y - slope * mean_x
    total = sum((y - mean_y) ** 2 for _, y in points)
    residual = sum((y - intercept - slope * x) ** 2 for x, y in points)
    marginal = [
        {"from": x0, "to": x1, "s_per_rep": (y1 - y0) / (x1 - x0)}
        for (x0, y0), (x1, y1) in pairwise(points)
    ]
    (small, t_small), (large, t_large) = points[0], points[-1]
    growth = (t_large / large) / (t_small / small)
    return {
        "points": points,
        "fit_intercept_s": intercept,
        "fit_s_per_rep": slope,
        "fit_r2": 1 - residual / total if total else 1.0,
        "fit_max_residual": max(abs(y - intercept - slope * x) / y for x, y in points),
        "marginal": marginal,
        "per_rep_growth": growth,
        "smallest": small,
        "largest": large,
        "linear": growth <= LINEAR_TOLERANCE,
    }


# --- reporting ------------------------------------------------------------------------------------


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**MISSED**"


def markdown(results: list[dict[str, object]], fit: dict[str, object] | None) -> str:
    lines = [
        "| reps | inputs (sheet rows) | documents: PDF pages run / bare | run s | s per rep "
        "| unchanged re-run s (÷ run) | bare read s | bare load-save s (workbooks) "
        "| bare render s | bare sum s | **run ÷ bare sum** | run ÷ bare calls only "
        "| peak memory MiB: largest process / tree RSS sum / tree PSS sum |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        s = result["summary"]
        rerun = f"{fmt(s['rerun_s'])} ({s['rerun_ratio']['median']:.1%})" if "rerun_s" in s else "—"
        lines.append(
            f"| {result['reps']:,} (n={result['repeats']}) "
            f"| {result['inputs']} files ({s['input_rows']:,}) "
            f"| {s['run_pages']:,} / {s['bare_pages']:,} "
            f"| {fmt(s['run_s'])} | {s['s_per_rep']['median']:.3f} | {rerun} "
            f"| {fmt(s['bare_read_s'])} | {fmt(s['bare_load_save_s'])} ({s['filled_workbooks']}) "
            f"| {fmt(s['bare_render_s'])}{_parts(s)} | {fmt(s['bare_sum_s'])} "
            f"| **{fmt(s['ratio'], unit='×')}** | {fmt(s['ratio_calls'], unit='×')} "
            f"| {s['run_maxrss_mib']:.0f} / {s['run_tree_rss_sum_mib']:.0f} "
            f"/ {s['run_tree_pss_sum_mib']:.0f} |"
        )
    lines += ["", *stages_markdown(results)]
    if fit:
        lines += [
            "| reps | run s per rep | bare sum s per rep | marginal run s per rep from the size before |",
            "|---|---|---|---|",
        ]
        marginal = {m["to"]: m["s_per_rep"] for m in fit["marginal"]}
        for result in sorted(results, key=lambda r: r["reps"]):
            s = result["summary"]
            step = marginal.get(result["reps"])
            lines.append(
                f"| {result['reps']:,} | {s['s_per_rep']['median']:.4f} "
                f"| {s['bare_s_per_rep']['median']:.4f} "
                f"| {'—' if step is None else f'{step:.4f}'} |"
            )
        lines += [
            "",
            f"Least squares through (reps, run s): run ≈ {fit['fit_intercept_s']:.1f} s + "
            f"{fit['fit_s_per_rep']:.4f} s × reps (R² {fit['fit_r2']:.4f}, largest residual "
            f"{fit['fit_max_residual']:.1%} of its point). Per-rep cost at {fit['largest']:,} reps ÷ "
            f"at {fit['smallest']:,}: **{fit['per_rep_growth']:.2f}**.",
            "",
        ]
    lines += targets(results, fit)
    return "\n".join(lines)


def _parts(summary: dict[str, object]) -> str:
    parts = summary["bare_render_parts"]
    if parts == 1:
        return ""
    single = summary["bare_single_pdf_estimate_mib"] / 1024
    return f" ({parts} PDFs; one would need ~{single:.0f} GiB)"


def stages_markdown(results: list[dict[str, object]]) -> list[str]:
    """Where the run's time goes, by its own account (manifest.json "timings"), if it gives one."""
    names = list(
        dict.fromkeys(
            stage
            for r in results
            for key in ("run_stages_s", "rerun_stages_s")
            for stage in r["summary"].get(key, {})
        )
    )
    if not names:
        return []
    lines = [
        "Stages, by the run's own account (its `manifest.json` `timings`), median s:",
        "",
        f"| reps | {' | '.join(names)} | sum of stages | wall (start-up, imports, the rest) |",
        "|---|" + "---|" * (len(names) + 2),
    ]
    for result in results:
        s = result["summary"]
        for label, key, wall in (
            ("run", "run_stages_s", "run_s"),
            ("re-run", "rerun_stages_s", "rerun_s"),
        ):
            stages = s.get(key)
            if not stages:
                continue
            cells = " | ".join(f"{stages[n]:.2f}" if n in stages else "—" for n in names)
            total = sum(stages.values())
            lines.append(
                f"| {result['reps']:,} {label} | {cells} | {total:.2f} "
                f"| {s[wall]['median']:.2f} ({s[wall]['median'] - total:.2f}) |"
            )
    return [*lines, ""]


def targets(results: list[dict[str, object]], fit: dict[str, object] | None) -> list[str]:
    by_reps = {r["reps"]: r["summary"] for r in results}
    lines = ["| target | measured |", "|---|---|"]
    s = by_reps.get(TARGET_RATIO_REPS)
    if s:
        ratio = s["ratio"]["median"]
        lines.append(
            f"| run ≤ {TARGET_RATIO:g}× bare sum at {TARGET_RATIO_REPS:,} reps (paired median) "
            f"| {_verdict(ratio <= TARGET_RATIO)}: {ratio:.2f}× (run {s['run_s']['median']:.1f} s, "
            f"budget {TARGET_RATIO * s['bare_sum_s']['median']:.1f} s) |"
        )
    if fit:
        lines.append(
            f"| cost linear in reps ({fit['smallest']:,} → {fit['largest']:,}; here: per-rep cost "
            f"grows ≤ {LINEAR_TOLERANCE:g}×) | {_verdict(fit['linear'])}: per-rep cost × "
            f"{fit['per_rep_growth']:.2f} |"
        )
    s = by_reps.get(TARGET_RSS_REPS)
    if s:
        peak = max(s["run_maxrss_mib"], s["run_tree_pss_sum_mib"])
        lines.append(
            f"| peak memory < {TARGET_RSS_MIB / 1024:g} GiB at {TARGET_RSS_REPS:,} reps "
            f"(the larger of largest process and tree PSS sum) | {_verdict(peak < TARGET_RSS_MIB)}: "
            f"{peak:.0f} MiB (tree RSS sum {s['run_tree_rss_sum_mib']:.0f} MiB) |"
        )
    for reps, s in sorted(by_reps.items()):
        if "rerun_ratio" in s:
            ratio = s["rerun_ratio"]["median"]
            lines.append(
                f"| unchanged re-run < {TARGET_RERUN:.0%} of the first at {reps:,} reps "
                f"| {_verdict(ratio < TARGET_RERUN)}: {ratio:.1%} ({s['rerun_s']['median']:.1f} s; "
                f"{s['rerun_files_rewritten']} of {s['run_files']} files rewritten) |"
            )
    others = [
        f"{reps:,} reps: {s['ratio']['median']:.2f}× bare sum, peak {s['run_maxrss_mib']:.0f} MiB "
        f"(tree PSS {s['run_tree_pss_sum_mib']:.0f} MiB)"
        for reps, s in sorted(by_reps.items())
        if reps not in (TARGET_RATIO_REPS, TARGET_RSS_REPS)
    ]
    if others:
        lines.append(f"| (sizes without a target of their own) | {'; '.join(others)} |")
    return lines


def plot(payload: dict[str, object], path: Path) -> None:
    """Time against reps: the full run (min–max bars), the bare sum, the re-run, the fitted line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = sorted(payload["results"], key=lambda r: r["reps"])
    reps = [r["reps"] for r in results]
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "bench-batch", "font.size": 9}):
        figure, axes = plt.subplots(figsize=(6.4, 4.0))

        def series(key: str) -> tuple[list[float], list[list[float]]]:
            stats = [r["summary"][key] for r in results]
            medians = [s["median"] for s in stats]
            spread = [
                [m - s["min"] for m, s in zip(medians, stats, strict=True)],
                [s["max"] - m for m, s in zip(medians, stats, strict=True)],
            ]
            return medians, spread

        run, run_spread = series("run_s")
        bare, bare_spread = series("bare_sum_s")
        axes.errorbar(reps, run, yerr=run_spread, marker="o", capsize=3, label="salesbook run")
        axes.errorbar(reps, bare, yerr=bare_spread, marker="s", capsize=3, label="bare sum")
        budget = [TARGET_RATIO * b for b in bare]
        axes.plot(reps, budget, ":", color="grey", label=f"{TARGET_RATIO:g}× bare sum")
        fit = payload.get("linearity")
        if fit:
            xs = [0, max(reps)]
            line = [fit["fit_intercept_s"] + fit["fit_s_per_rep"] * x for x in xs]
            axes.plot(xs, line, "--", linewidth=0.8, color="C0", label="run, least squares")
        again = [
            (r["reps"], r["summary"]["rerun_s"]["median"])
            for r in results
            if "rerun_s" in r["summary"]
        ]
        if again:
            axes.plot(*zip(*again, strict=True), "v", color="C3", label="unchanged re-run")
        axes.set_xlabel("reps (salesbook demo --reps N)")
        axes.set_ylabel("wall time, s")
        axes.set_xlim(left=0)
        axes.set_ylim(bottom=0)
        axes.grid(alpha=0.3)
        axes.legend(loc="upper left", frameon=False)
        axes.set_title(
            f"salesbook run --jobs {results[0]['jobs']} vs its bare steps ({payload['label']})",
            fontsize=9,
        )
        figure.tight_layout()
        if path.suffix.lower() == ".svg":
            figure.savefig(path, format="svg", metadata={"Date": None})  # same figures, same bytes
        else:
            figure.savefig(path, dpi=150)
        plt.close(figure)
    log(f"plot: {path}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--repeats", type=int, default=1, help="timed repeats per size")
    parser.add_argument(
        "--rerun-reps", type=int, nargs="*", default=[1000], help="sizes that also get a re-run"
    )
    parser.add_argument("--jobs", type=int, default=2, help="salesbook run --jobs")
    parser.add_argument("--plot", type=Path, default=PLOT, help="where to draw the SVG")
    parser.add_argument("--label", default=None, help="the plot's title note (default: the date)")
    parser.add_argument(
        "--scratch", type=Path, default=None, help="folder for the run outputs (default: TMPDIR)"
    )
    parser.add_argument("--plot-only", type=Path, metavar="RESULTS_JSON", help="redraw the plot")
    parser.add_argument(
        "--bare-chunk",
        type=int,
        default=None,
        metavar="N",
        help="bare render: 0 = always one PDF of every document, N = one PDF per N letters or "
        "sheets (default: one PDF, or 250 per PDF when one would not fit in memory)",
    )
    parser.add_argument("--prep-html", nargs=5, metavar="X", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.prep_html:
        folder, figures, target, report = map(Path, args.prep_html[:4])
        result = prep_html(folder, figures, target, int(args.prep_html[4]))
        report.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
        return 0
    if args.plot_only:
        payload = json.loads(args.plot_only.read_text(encoding="utf-8"))
        if args.label:
            payload["label"] = args.label
        plot(payload, args.plot)
        return 0
    started = dt.datetime.now()
    info = machine()
    load_before = os.getloadavg()
    code_before = code_fingerprint()
    log(f"{info['cpu_model']}, {info['nproc']} CPUs, load {load_before[0]:.2f}")
    scratch = args.scratch or Path(tempfile.gettempdir())
    scratch.mkdir(parents=True, exist_ok=True)
    options = Options(args.repeats, args.rerun_reps, args.jobs, scratch, args.bare_chunk)
    results, failed = [], []
    for reps in args.reps:
        try:
            results.append(run_size(reps, options))
        except RuntimeError as error:  # one size failing does not lose the others' figures
            log(f"!! reps {reps} failed: {error}")
            failed.append({"reps": reps, "error": str(error)})
    if not results:
        return 1
    fit = linearity(results)
    table = markdown(results, fit)
    for failure in failed:
        table += f"\n\n**{failure['reps']:,} reps failed:** {failure['error'].splitlines()[0]}"
    print(table)
    changed = edited_since(code_before)
    if changed:
        log(f"!! salesbook code changed while the bench ran: {', '.join(changed)}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"batch-{started:%Y%m%d-%H%M%S}.json"
    payload = {
        "started": started.isoformat(timespec="seconds"),
        "label": args.label or f"{started:%Y-%m-%d}",
        "seconds": round((dt.datetime.now() - started).total_seconds(), 1),
        "machine": info,
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "today": TODAY,
        "targets": {
            "ratio": TARGET_RATIO,
            "ratio_reps": TARGET_RATIO_REPS,
            "rerun": TARGET_RERUN,
            "rss_mib": TARGET_RSS_MIB,
            "rss_reps": TARGET_RSS_REPS,
            "linear_tolerance": LINEAR_TOLERANCE,
        },
        "options": {**vars(args), "scratch": str(scratch), "plot": str(args.plot)},
        "code_before": code_before,
        "code_changed": changed,
        "results": results,
        "failed": failed,
        "linearity": fit,
        "table": table,
    }
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str), "utf-8")
    log(f"raw results: {out.relative_to(PROJECT)}")
    plot(payload, args.plot)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
