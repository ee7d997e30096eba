"""Time `salesbook run --no-pdf` against the sum of its bare steps, on `salesbook demo` data.

For each number of reps (default 1000) the script

1. makes the demo folder once and keeps it: `salesbook demo bench/data/demo-N --reps N`
   (git-ignored; remade when salesbook/samples/ or schemas.py change);
2. runs R interleaved repeats, each of three fresh processes, in an order rotated per repeat:
   - run:            `python -m salesbook run bench/data/demo-N -o TMP --today 2026-11-25
                     --no-pdf` (exit status 1 is normal: the demo has planted errors), timed from
                     outside; peak RSS from wait4() = max over the CLI and its reader children;
   - bare read:      one process, no salesbook code: `python_calamine.CalamineWorkbook
                     .from_path(p)` and `to_python()` of every sheet, for every input file;
   - bare load-save: one process, no salesbook code: `openpyxl.load_workbook(p)` then
                     `wb.save(tmp)` for every input that run fills (.xlsx/.xlsm/.xltx/.xltm);
   the bare steps time their calls inside and the whole process (start-up, imports) outside;
3. pairs the times of one repeat: run ÷ (bare read process + bare load-save process), and
   run ÷ (bare read calls + bare load-save calls), and reports median (min–max);
4. profiles one more run in-process (outside the timed repeats): `salesbook.batch.run` itself,
   with timing wrappers around the library functions it calls (read_folder, Folder.check,
   compute, write_summary, fill_workbooks, … and inside them openpyxl's load_workbook and save),
   so the stages are timed in the order run() calls them, whatever that order is today;
5. prints markdown tables and writes every raw figure to bench/results/run-<timestamp>.json.

Usage: python bench/bench_run.py [--reps 1000 [5000 …]] [--repeats 3] [--warmup 1] [--no-profile]
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import importlib
import inspect
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path

from bench_validate import (
    DATA,
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

TARGET_RATIO = 1.5
TARGET_RSS_MIB = 1.5 * 1024
SALESBOOK = PROJECT / "salesbook"
DEMO_SOURCES = ("samples/*.py", "schemas.py")  # the demo generator and the seed rows it builds on
EDITABLE = (".xlsx", ".xlsm", ".xltx", ".xltm")  # what fill_workbooks opens with openpyxl

# --- data -----------------------------------------------------------------------------------------


def _digest(paths: Sequence[Path]) -> str:
    sha = hashlib.sha256()
    for path in paths:
        sha.update(path.name.encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()[:16]


def code_fingerprint() -> dict[str, str]:
    """A short hash per salesbook/**/*.py: shows whether the code changed during the bench."""
    return {
        p.relative_to(SALESBOOK).as_posix(): _digest([p]) for p in sorted(SALESBOOK.rglob("*.py"))
    }


def ensure_demo(reps: int) -> tuple[Path, dict[str, object]]:
    """bench/data/demo-N/, made once with `salesbook demo … --reps N` and reused after."""
    folder = DATA / f"demo-{reps}"
    meta_path = DATA / f"demo-{reps}.json"  # beside the folder: run reads the whole folder
    generator = _digest([p for pattern in DEMO_SOURCES for p in sorted(SALESBOOK.glob(pattern))])
    if folder.is_dir() and meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        files = meta.get("files", {})
        if (
            meta.get("generator") == generator
            and meta.get("reps") == reps
            and files
            and all((folder / name).is_file() for name in files)
            and all((folder / name).stat().st_size == size for name, size in files.items())
        ):
            return folder, meta
    DATA.mkdir(parents=True, exist_ok=True)
    # A hidden folder of its own, moved into place when complete: other benches (bench_letters.py)
    # call this too, and a half-written demo folder is never seen.
    temporary = Path(tempfile.mkdtemp(prefix=f".demo-{reps}-", dir=DATA)) / "demo"
    argv = [sys.executable, "-m", "salesbook", "demo", str(temporary), "--reps", str(reps)]
    log(f"making {folder.relative_to(PROJECT)}: salesbook demo … --reps {reps}")
    started = time.perf_counter()
    try:
        done = subprocess.run(argv, cwd=PROJECT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"salesbook demo failed:\n{done.stderr[-3000:]}")
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(temporary, folder)
    finally:
        shutil.rmtree(temporary.parent, ignore_errors=True)
    files = {
        p.relative_to(folder).as_posix(): p.stat().st_size
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
    meta = {
        "reps": reps,
        "command": f"salesbook demo {folder.relative_to(PROJECT)} --reps {reps}",
        "generator": generator,
        "salesbook": metadata.version("salesbook"),
        "make_s": round(time.perf_counter() - started, 2),
        "files": files,
        "bytes": sum(files.values()),
    }
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    log(f"  {meta['make_s']} s, {len(files)} files, {meta['bytes'] / 1e6:.1f} MB")
    return folder, meta


def input_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """Every input run reads (salesbook's own file finder), and the ones it fills with openpyxl."""
    from salesbook.sources import find_workbooks

    inputs = find_workbooks(folder)
    return inputs, [p for p in inputs if p.suffix.lower() in EDITABLE]


def run_has_no_pdf_option() -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "salesbook", "run", "--help"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    )
    return "--no-pdf" in done.stdout


# --- measured processes ---------------------------------------------------------------------------

# Runs in a fresh interpreter: salesbook's reader at its core, no salesbook code.
BARE_READ = """
import json, resource, sys, time
t0 = time.perf_counter()
import python_calamine
t1 = time.perf_counter()
files = []
for path in sys.argv[1:]:
    started = time.perf_counter()
    workbook = python_calamine.CalamineWorkbook.from_path(path)
    sheets = []
    for name in workbook.sheet_names:
        grid = workbook.get_sheet_by_name(name).to_python()
        sheets.append([name, len(grid), max((len(line) for line in grid), default=0)])
    files.append({"path": path, "s": time.perf_counter() - started, "sheets": sheets})
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "read_s": t2 - t1, "files": files,
                  "self_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss},
                 ensure_ascii=False))
"""

# Runs in a fresh interpreter: what keeping a layout costs, openpyxl load + save, no salesbook code.
BARE_LOAD_SAVE = """
import json, os, resource, sys, time, warnings
warnings.simplefilter("ignore")
t0 = time.perf_counter()
import openpyxl
t1 = time.perf_counter()
out, files = sys.argv[1], []
for index, path in enumerate(sys.argv[2:]):
    suffix = os.path.splitext(path)[1].lower()
    started = time.perf_counter()
    workbook = openpyxl.load_workbook(path, keep_vba=suffix == ".xlsm")
    loaded = time.perf_counter()
    workbook.save(os.path.join(out, f"{index}{suffix}"))
    saved = time.perf_counter()
    del workbook
    files.append({"path": path, "load_s": loaded - started, "save_s": saved - loaded})
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "calls_s": t2 - t1, "files": files,
                  "load_s": sum(f["load_s"] for f in files),
                  "save_s": sum(f["save_s"] for f in files),
                  "self_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss},
                 ensure_ascii=False))
"""


def _last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def _relative(paths: Sequence[Path], folder: Path) -> list[str]:
    return [p.relative_to(folder).as_posix() for p in paths]


def measure_run(folder: Path, no_pdf: bool) -> dict[str, object]:
    scratch = Path(tempfile.mkdtemp(prefix="bench-run-"))
    output = scratch / "out"
    argv = [sys.executable, "-m", "salesbook", "run", str(folder.relative_to(PROJECT))]
    argv += ["-o", str(output), "--today", TODAY, *(["--no-pdf"] if no_pdf else [])]
    try:
        done = run_process(argv)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"salesbook run exited {done.returncode}:\n{done.stderr[-3000:]}")
        written = sorted(p for p in output.rglob("*") if p.is_file())
        filled = output / "workbooks"
        result = {
            "wall_s": done.wall_s,
            "maxrss_mib": done.tree_maxrss_kb / MIB,
            "exit": done.returncode,
            "written": _relative(written, output),
            "filled": _relative([p for p in written if filled in p.parents], filled),
            "bytes_written": sum(p.stat().st_size for p in written),
            "stdout": done.stdout,
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if any(name.lower().endswith(".pdf") for name in result["written"]):
        raise RuntimeError("salesbook run wrote PDFs: the bench measures a run without PDFs")
    return result


def measure_bare_read(paths: Sequence[Path]) -> dict[str, object]:
    done = run_process([sys.executable, "-c", BARE_READ, *map(str, paths)])
    if done.returncode != 0:
        raise RuntimeError(f"bare read failed:\n{done.stderr[-3000:]}")
    inner = _last_json(done.stdout)
    return {
        "wall_s": done.wall_s,
        "import_s": inner["import_s"],
        "calls_s": inner["read_s"],
        "maxrss_mib": done.tree_maxrss_kb / MIB,
        "files": inner["files"],
    }


def measure_bare_load_save(paths: Sequence[Path]) -> dict[str, object]:
    scratch = tempfile.mkdtemp(prefix="bench-loadsave-")
    try:
        done = run_process([sys.executable, "-c", BARE_LOAD_SAVE, scratch, *map(str, paths)])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if done.returncode != 0:
        raise RuntimeError(f"bare load-save failed:\n{done.stderr[-3000:]}")
    inner = _last_json(done.stdout)
    return {
        "wall_s": done.wall_s,
        "import_s": inner["import_s"],
        "calls_s": inner["calls_s"],
        "load_s": inner["load_s"],
        "save_s": inner["save_s"],
        "maxrss_mib": done.tree_maxrss_kb / MIB,
        "files": inner["files"],
    }


# --- the in-process profile (runs in its own fresh process: bench_run.py --profile-child) ---------

# (module, attribute, label). Each is wrapped where run() or its callees look it up at call time,
# so nesting shows who called what. A missing one (the code changed) is skipped and listed.
WRAPPED = (
    ("salesbook.batch", "load", "batch.load"),
    ("salesbook.batch", "find_workbooks", "read.find_workbooks"),
    ("salesbook.batch", "load_config", "config.load_config"),
    ("salesbook.batch", "read_folder", "read.read_folder"),
    ("salesbook.read", "_parse_sheet", "read._parse_sheet"),
    ("salesbook.read", "_merge", "read._merge"),
    ("salesbook.batch", "Folder.compute", "Folder.compute"),
    ("salesbook.compute", "resolve_period", "compute.resolve_period"),
    ("salesbook.ledger", "values", "ledger.values"),
    ("salesbook.ledger", "series", "ledger.series"),
    ("salesbook.compute", "compute", "compute.compute"),
    ("salesbook.reconcile", "reconcile", "reconcile.reconcile"),
    ("salesbook.compute.rollup", "compute_targets", "compute.compute_targets"),
    ("salesbook.compute.rollup", "compute_follow_ups", "compute.compute_follow_ups"),
    ("salesbook.compute.rollup", "compute_appraisal", "compute.compute_appraisal"),
    ("salesbook.compute.rollup", "compute_awards", "compute.compute_awards"),
    ("salesbook.compute.rollup", "compute_health", "compute.compute_health"),
    ("salesbook.compute.rollup", "compute_plans", "compute.compute_plans"),
    ("salesbook.batch", "target_period", "checks.target_period"),
    ("salesbook.batch", "Folder.check", "Folder.check"),
    ("salesbook.batch", "check_book", "checks.check_book"),
    ("salesbook.batch", "sort_issues", "issues.sort_issues"),
    ("salesbook.xlsx", "save_workbook", "xlsx.save_workbook"),
    ("salesbook.issue_list", "write_issue_workbook", "issue_list.write_issue_workbook"),
    ("salesbook.summary", "write_summary", "summary.write_summary"),
    ("salesbook.compute.rollup", "jsonable", "compute.jsonable"),
    ("salesbook.fill", "fill_workbooks", "fill.fill_workbooks"),
    ("openpyxl", "load_workbook", "openpyxl.load_workbook"),
    ("salesbook.fill", "_rebuilt", "fill._rebuilt"),
    ("salesbook.fill", "_fill_sheet", "fill._fill_sheet"),
    ("salesbook.fill", "_issue_sheet", "fill._issue_sheet"),
    ("openpyxl.writer.excel", "ExcelWriter.save", "openpyxl ExcelWriter.save"),
    ("salesbook.batch", "render_documents", "batch.render_documents"),
    ("salesbook.compute", "history_rows", "compute.history_rows"),
    ("salesbook.ledger", "record", "ledger.record"),
)


def _detail(label: str, args: tuple, kwargs: dict) -> str | None:
    """What a call is about, for the per-file tables: a file name or a sheet and its rows."""
    try:
        if label == "openpyxl.load_workbook":
            return Path(args[0]).name
        if label == "xlsx.save_workbook":
            return Path(args[1]).name
        if label == "fill._fill_sheet":
            return f"{args[1].sheet} ({len(args[3])} rows)"
    except (IndexError, KeyError, AttributeError, TypeError):
        return None
    return None


def _rss_kb() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def profile_child(folder: Path, output: Path, report: Path) -> None:
    """Run salesbook.batch.run once with every stage timed; write the events to `report`."""
    import resource

    started = time.perf_counter()
    modules = {}
    for name in sorted({module for module, _, _ in WRAPPED} | {"salesbook.cli"}):
        modules[name] = importlib.import_module(name)
    import_s = time.perf_counter() - started
    batch = modules["salesbook.batch"]

    events: list[dict[str, object]] = []
    stack: list[str] = []
    state: dict[str, str | None] = {"file": None}
    origin = time.perf_counter()

    def wrap(owner: object, attribute: str, label: str) -> None:
        original = getattr(owner, attribute)

        @functools.wraps(original)
        def timed(*args: object, **kwargs: object) -> object:
            if label in stack:  # a recursive call (jsonable): timed once, at the outermost call
                return original(*args, **kwargs)
            detail = _detail(label, args, kwargs)
            if (
                label in ("openpyxl.load_workbook", "fill._rebuilt")
                and "fill.fill_workbooks" in stack
            ):
                state["file"] = detail or "(rebuilt)"
            path = [*stack, label]
            stack.append(label)
            begun = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - begun
                stack.pop()
                event: dict[str, object] = {
                    "path": path,
                    "detail": detail,
                    "start_s": begun - origin,
                    "s": elapsed,
                }
                if "fill.fill_workbooks" in path[:-1]:
                    event["file"] = state["file"]
                if not stack:
                    event["maxrss_self_mib"] = (
                        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MIB
                    )
                    event["rss_after_mib"] = _rss_kb() / MIB
                events.append(event)

        setattr(owner, attribute, timed)

    missing = []
    for module, dotted, label in WRAPPED:
        owner: object = modules[module]
        *parents, attribute = dotted.split(".")
        try:
            for part in parents:
                owner = getattr(owner, part)
            getattr(owner, attribute)
        except AttributeError:
            missing.append(f"{module}.{dotted}")
            continue
        wrap(owner, attribute, label)

    # run() calls json.dumps (and json.loads, for the PDFs); time them through a stand-in module.
    real_json = batch.json

    class TimedJson:
        def __getattr__(self, name: str) -> object:
            return getattr(real_json, name)

    batch.json = TimedJson()
    for name in ("dumps", "loads"):
        setattr(batch.json, name, getattr(real_json, name))
        wrap(batch.json, name, f"json.{name}")

    kwargs: dict[str, object] = {"today": dt.date.fromisoformat(TODAY)}
    parameters = inspect.signature(batch.run).parameters
    if "pdf" in parameters:
        kwargs["pdf"] = False
    if "jobs" in parameters:
        kwargs["jobs"] = 1  # in this process, so that the wrappers see every stage
    origin = time.perf_counter()
    result = batch.run(folder, output, **kwargs)
    run_s = time.perf_counter() - origin
    payload = {
        "import_s": import_s,
        "run_s": run_s,
        "exit": result.exit_code,
        "written": len(result.written),
        "pdf_parameter": "pdf" in parameters,
        "jobs": os.cpu_count(),
        "not_wrapped": missing,
        "self_maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MIB,
        "children_maxrss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / MIB,
        "events": events,
    }
    report.write_text(json.dumps(payload, ensure_ascii=False, default=str), encoding="utf-8")


def measure_profile(folder: Path) -> dict[str, object]:
    scratch = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    report = scratch / "profile.json"
    argv = [sys.executable, str(Path(__file__).resolve()), "--profile-child"]
    argv += [str(folder.relative_to(PROJECT)), str(scratch / "out"), str(report)]
    try:
        done = run_process(argv)
        if done.returncode != 0:
            raise RuntimeError(f"profile run failed:\n{done.stderr[-3000:]}")
        inner = json.loads(report.read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    inner["wall_s"] = done.wall_s
    inner["maxrss_mib"] = done.tree_maxrss_kb / MIB
    return inner


# Top-level calls of run() -> the stages the issue names.
def stage_of(event: dict[str, object]) -> str:
    label, detail = event["path"][-1], event.get("detail") or ""
    if label == "batch.load":
        return "read (batch.load: find_workbooks, load_config, read_folder)"
    if label == "Folder.compute":
        return "compute (Folder.compute: resolve_period, ledger look-ups, compute.compute)"
    if label in ("Folder.check", "checks.target_period", "issues.sort_issues"):
        return "checks (target_period, Folder.check → check_book, sort_issues)"
    if label == "issue_list.write_issue_workbook":
        return "issue workbook (issue_list.write_issue_workbook)"
    if label == "summary.write_summary":
        return "summary workbook (summary.write_summary)"
    if label in ("compute.jsonable", "json.dumps", "json.loads") or detail == "figures.json":
        return "figures.json (jsonable, json.dumps, json.loads, write)"
    if label == "fill.fill_workbooks":
        return "filled copies (fill.fill_workbooks)"
    if label in ("compute.history_rows", "ledger.record"):
        return "ledger (history_rows, ledger.record)"
    if label == "batch.render_documents":
        return "PDFs (render_documents)"
    return f"other: {label}"


def profile_summary(profile: dict[str, object]) -> dict[str, object]:
    events = profile["events"]
    top = [e for e in events if len(e["path"]) == 1]
    stages: dict[str, dict[str, float]] = {}
    for event in sorted(top, key=lambda e: e["start_s"]):
        stage = stages.setdefault(stage_of(event), {"s": 0.0, "maxrss_self_mib": 0.0})
        stage["s"] += event["s"]
        stage["maxrss_self_mib"] = max(stage["maxrss_self_mib"], event["maxrss_self_mib"])
        stage["rss_after_mib"] = event["rss_after_mib"]
    inside = sum(stage["s"] for stage in stages.values())
    tree: dict[tuple[str, ...], dict[str, float]] = {}
    for event in sorted(events, key=lambda e: e["start_s"]):
        node = tree.setdefault(tuple(event["path"]), {"s": 0.0, "calls": 0})
        node["s"] += event["s"]
        node["calls"] += 1
    per_file: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for event in events:
        if event.get("file") and len(event["path"]) == 2:
            per_file[event["file"]][event["path"][-1]] += event["s"]
    fills = [e for e in events if e["path"] == ["fill.fill_workbooks", "fill._fill_sheet"]]
    return {
        "stages": stages,
        "glue_s": profile["run_s"] - inside,
        "tree": [{"path": list(k), **v} for k, v in tree.items()],
        "fill_per_file": {name: dict(parts) for name, parts in per_file.items()},
        "fill_sheets": [{"sheet": e["detail"], "s": e["s"], "file": e.get("file")} for e in fills],
    }


# --- one size -------------------------------------------------------------------------------------


def run_size(
    reps: int, repeats: int, warmup: int, profile: bool, no_pdf: bool
) -> dict[str, object]:
    folder, meta = ensure_demo(reps)
    inputs, editable = input_files(folder)
    measures: dict[str, Callable[[], dict[str, object]]] = {
        "run": lambda: measure_run(folder, no_pdf),
        "bare_read": lambda: measure_bare_read(inputs),
        "bare_load_save": lambda: measure_bare_load_save(editable),
    }
    names = list(measures)

    def show(name: str, label: str, result: dict[str, object]) -> None:
        inner = f" (calls {result['calls_s']:.2f} s)" if "calls_s" in result else ""
        exit_code = f" exit {result['exit']}" if "exit" in result else ""
        log(
            f"  reps {reps} {label} {name:14s} {result['wall_s']:6.2f} s{inner}{exit_code},"
            f" peak {result['maxrss_mib']:.0f} MiB  (load {os.getloadavg()[0]:.2f})"
        )

    for index in range(warmup):
        for name in names:
            show(name, f"warm-up {index}", measures[name]())
    runs: dict[str, list[dict[str, object]]] = {name: [] for name in names}
    code_changes = []
    code = code_fingerprint()
    for rep in range(repeats):
        order = names[rep % len(names) :] + names[: rep % len(names)]
        for name in order:
            result = measures[name]()
            result["repeat"] = rep
            result["load_after"] = os.getloadavg()[0]
            runs[name].append(result)
            show(name, f"rep {rep}", result)
        now = code_fingerprint()
        if now != code:
            changed = sorted(k for k in now.keys() | code.keys() if now.get(k) != code.get(k))
            code_changes.append({"after_repeat": rep, "files": changed})
            log(f"  !! salesbook code changed during repeat {rep}: {', '.join(changed)}")
            code = now
    profiled = None
    if profile:
        log(f"  reps {reps} profile run (in-process, timing wrappers) …")
        profiled = measure_profile(folder)
        profiled["summary"] = profile_summary(profiled)
        log(
            f"  reps {reps} profile run {profiled['wall_s']:.2f} s (run() {profiled['run_s']:.2f} s)"
        )

    run, read, load_save = runs["run"], runs["bare_read"], runs["bare_load_save"]
    triples = list(zip(run, read, load_save, strict=True))
    filled = set(run[0]["filled"])
    expected = set(_relative(editable, folder))
    summary = {
        "run_s": summarize(r["wall_s"] for r in run),
        "bare_read_s": summarize(r["wall_s"] for r in read),
        "bare_read_calls_s": summarize(r["calls_s"] for r in read),
        "bare_read_import_s": summarize(r["import_s"] for r in read),
        "bare_load_save_s": summarize(r["wall_s"] for r in load_save),
        "bare_load_save_calls_s": summarize(r["calls_s"] for r in load_save),
        "bare_load_s": summarize(r["load_s"] for r in load_save),
        "bare_save_s": summarize(r["save_s"] for r in load_save),
        "bare_load_save_import_s": summarize(r["import_s"] for r in load_save),
        "bare_sum_s": summarize(b["wall_s"] + s["wall_s"] for _, b, s in triples),
        "bare_calls_sum_s": summarize(b["calls_s"] + s["calls_s"] for _, b, s in triples),
        "ratio_run_to_bare_processes": summarize(
            r["wall_s"] / (b["wall_s"] + s["wall_s"]) for r, b, s in triples
        ),
        "ratio_run_to_bare_calls": summarize(
            r["wall_s"] / (b["calls_s"] + s["calls_s"]) for r, b, s in triples
        ),
        "run_maxrss_mib": summarize(r["maxrss_mib"] for r in run),
        "bare_read_maxrss_mib": summarize(r["maxrss_mib"] for r in read),
        "bare_load_save_maxrss_mib": summarize(r["maxrss_mib"] for r in load_save),
        "run_exit": sorted({r["exit"] for r in run}),
        "loadavg_1min": summarize(r["load_after"] for rs in runs.values() for r in rs),
        "filled_copies": len(filled),
        "filled_not_in_bare_load_save": sorted(filled - expected),
        "bare_load_save_not_filled": sorted(expected - filled),
    }
    rows = {
        Path(f["path"]).relative_to(folder).as_posix(): max((s[1] for s in f["sheets"]), default=0)
        for f in read[0]["files"]
    }
    stdout = run[0]["stdout"]
    for r in run:
        del r["stdout"]  # kept once, as run_stdout
    return {
        "reps": reps,
        "repeats": repeats,
        "warmup": warmup,
        "folder": folder.relative_to(PROJECT).as_posix(),
        "data": meta,
        "inputs": _relative(inputs, folder),
        "filled_inputs": _relative(editable, folder),
        "rows_of_largest_sheet": rows,
        "run_stdout": stdout,
        "code_changes": code_changes,
        "runs": runs,
        "summary": summary,
        "profile": profiled,
    }


# --- reporting ------------------------------------------------------------------------------------


def _over(ratio: float, target: float) -> str:
    return "met" if ratio <= target else f"MISSED by {ratio / target - 1:.0%}"


def markdown(results: list[dict[str, object]]) -> str:
    lines = [
        "| reps | inputs | run s | bare read s: process (calls) "
        "| bare load-save s: process (load + save calls) | bare sum s "
        "| **run ÷ bare sum** | run ÷ bare calls only "
        "| peak RSS MiB: run / bare read / bare load-save |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        s = result["summary"]
        rows = sum(result["rows_of_largest_sheet"].values())
        lines.append(
            f"| {result['reps']:,} (n={result['repeats']}) "
            f"| {len(result['inputs'])} files ({len(result['filled_inputs'])} filled), {rows:,} sheet rows "
            f"| {fmt(s['run_s'])} "
            f"| {fmt(s['bare_read_s'])} ({s['bare_read_calls_s']['median']:.2f}) "
            f"| {fmt(s['bare_load_save_s'])} ({s['bare_load_s']['median']:.2f} + "
            f"{s['bare_save_s']['median']:.2f}) "
            f"| {fmt(s['bare_sum_s'])} "
            f"| **{fmt(s['ratio_run_to_bare_processes'], unit='×')}** "
            f"| {fmt(s['ratio_run_to_bare_calls'], unit='×')} "
            f"| {s['run_maxrss_mib']['max']:.0f} / {s['bare_read_maxrss_mib']['max']:.0f}"
            f" / {s['bare_load_save_maxrss_mib']['max']:.0f} |"
        )
    lines.append("")
    for result in results:
        s = result["summary"]
        ratio = s["ratio_run_to_bare_processes"]["median"]
        rss = s["run_maxrss_mib"]["max"]
        budget = TARGET_RATIO * s["bare_sum_s"]["median"]
        line = (
            f"- reps {result['reps']:,}: run ≤ {TARGET_RATIO:g}× bare sum: "
            f"{_over(ratio, TARGET_RATIO)} ({ratio:.2f}×; budget {budget:.1f} s, "
            f"run {s['run_s']['median']:.1f} s); peak RSS < 1.5 GiB: "
            f"{'met' if rss < TARGET_RSS_MIB else 'MISSED'} ({rss:.0f} MiB); exit {s['run_exit']}; "
            f"1-min load average after each measurement {fmt(s['loadavg_1min'])}"
        )
        if s["filled_not_in_bare_load_save"] or s["bare_load_save_not_filled"]:
            line += (
                f"; filled copies differ from the bare load-save list: "
                f"{s['filled_not_in_bare_load_save']} / {s['bare_load_save_not_filled']}"
            )
        if result["code_changes"]:
            line += f"; salesbook code changed during the repeats: {result['code_changes']}"
        lines.append(line)
    for result in results:
        if result["profile"]:
            lines += ["", *profile_markdown(result)]
    return "\n".join(lines)


def profile_markdown(result: dict[str, object]) -> list[str]:
    profile = result["profile"]
    summary = profile["summary"]
    run_s = profile["run_s"]
    lines = [
        f"Profile, reps {result['reps']:,}: one in-process `salesbook.batch.run(…, pdf=False)` "
        f"with timing wrappers: process {profile['wall_s']:.2f} s = start-up + imports "
        f"{profile['wall_s'] - run_s:.2f} s (salesbook modules {profile['import_s']:.2f} s) "
        f"+ run() {run_s:.2f} s; peak RSS parent {profile['self_maxrss_mib']:.0f} MiB, "
        f"reader children {profile['children_maxrss_mib']:.0f} MiB.",
        "",
        "| stage (in run() order) | s | share of run() | parent peak RSS so far MiB |",
        "|---|---|---|---|",
    ]
    for stage, figures in summary["stages"].items():
        lines.append(
            f"| {stage} | {figures['s']:.2f} | {figures['s'] / run_s:.0%} "
            f"| {figures['maxrss_self_mib']:.0f} |"
        )
    lines.append(
        f"| glue between the stages | {summary['glue_s']:.2f} | {summary['glue_s'] / run_s:.0%} | |"
    )
    lines += ["", "| function (nested by caller) | calls | s |", "|---|---|---|"]
    for node in summary["tree"]:
        indent = "&nbsp;&nbsp;" * 2 * (len(node["path"]) - 1)
        lines.append(f"| {indent}`{node['path'][-1]}` | {node['calls']} | {node['s']:.2f} |")
    bare = defaultdict(list)
    for run in result["runs"]["bare_load_save"]:
        for f in run["files"]:
            bare[Path(f["path"]).name].append(f["load_s"] + f["save_s"])
    rows = {Path(k).name: v for k, v in result["rows_of_largest_sheet"].items()}
    lines += [
        "",
        "| filled copy | rows | load_workbook s | _fill_sheet s | _issue_sheet s | save s "
        "| fill total s | bare load+save s (median) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, parts in sorted(
        summary["fill_per_file"].items(), key=lambda kv: -sum(kv[1].values())
    ):
        lines.append(
            f"| {name} | {rows.get(name, 0):,} | {parts.get('openpyxl.load_workbook', 0):.2f} "
            f"| {parts.get('fill._fill_sheet', 0):.2f} | {parts.get('fill._issue_sheet', 0):.2f} "
            f"| {parts.get('openpyxl ExcelWriter.save', 0):.2f} | {sum(parts.values()):.2f} "
            f"| {_median(bare.get(name, [])):.2f} |"
        )
    if profile["not_wrapped"]:
        lines.append(f"\nNot found, so not timed: {', '.join(profile['not_wrapped'])}")
    return lines


def _median(values: Sequence[float]) -> float:
    return sorted(values)[len(values) // 2] if values else float("nan")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, nargs="+", default=[1000], help="demo sizes")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats per size")
    parser.add_argument("--warmup", type=int, default=1, help="discarded runs of each, per size")
    parser.add_argument("--no-profile", action="store_true", help="skip the per-stage profile")
    parser.add_argument("--profile-child", nargs=3, metavar="X", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.profile_child:
        folder, output, report = map(Path, args.profile_child)
        profile_child(folder, output, report)
        return 0
    started = dt.datetime.now()
    info = machine()
    load_before = os.getloadavg()
    code_before = code_fingerprint()
    no_pdf = run_has_no_pdf_option()
    log(f"{info['cpu_model']}, {info['nproc']} CPUs, load {load_before[0]:.2f}; --no-pdf: {no_pdf}")
    results = [
        run_size(reps, args.repeats, args.warmup, not args.no_profile, no_pdf) for reps in args.reps
    ]
    table = markdown(results)
    print(table)
    code_after = code_fingerprint()
    changed = sorted(
        k for k in code_before.keys() | code_after.keys() if code_before.get(k) != code_after.get(k)
    )
    if changed:
        log(f"!! salesbook code changed while the bench ran: {', '.join(changed)}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"run-{started:%Y%m%d-%H%M%S}.json"
    payload = {
        "started": started.isoformat(timespec="seconds"),
        "seconds": round((dt.datetime.now() - started).total_seconds(), 1),
        "machine": info,
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "today": TODAY,
        "run_no_pdf_option": no_pdf,
        "targets": {"ratio": TARGET_RATIO, "rss_mib": TARGET_RSS_MIB},
        "code_before": code_before,
        "code_changed": changed,
        "results": results,
        "table": table,
    }
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str), "utf-8")
    log(f"raw results: {out.relative_to(PROJECT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
