"""The monthly run on a Dask local cluster (2 workers) against the local runner (`--jobs 2`).

For the demo organisation of N reps (default 1000; bench_run.ensure_demo makes it once):

1. local: `python -m salesbook run bench/data/demo-N -o TMP/local --today 2026-11-25 --jobs 2 -q`,
   timed from outside (the same command bench_batch.py times);
2. dask:  a fresh process (this script with --child) starts a LocalCluster of 2 worker processes,
   one thread each (what `--scheduler local:2` starts), and calls `salesbook.run(..., executor=…)`
   under Dask's task stream; it times the cluster's start and the run apart, and records each
   task's compute time on its worker and the bytes each task needs (arguments and files; those
   shared by several tasks and of 64 KiB or more are scattered once), the client peak RSS;
3. checks that both outputs are byte-identical (every file but manifest.json and salesbook.log);
4. prints a markdown table: dask ÷ local (target ≤ 1.15×), the per-task figures, and, on paper,
   the wall time for 100k documents on 4, 16 and 64 workers from the measured per-task times.

Usage: python bench/bench_dask.py [--reps 1000] [--repeats 1] [--scratch DIR]
Writes bench/results/dask-<timestamp>.json (git-ignored) with every raw figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench_run import ensure_demo
from bench_validate import MIB, PROJECT, RESULTS, TODAY, log, machine, run_process

TARGET = 1.15  # dask ÷ local at 1000 reps, 2 workers against --jobs 2
WORKERS = (4, 16, 64)
DOCUMENTS = 100_000
UNSTABLE = {"manifest.json", "salesbook.log"}


def child(folder: Path, output: Path, report: Path) -> None:
    """In a fresh process: a LocalCluster of 2, the run on it, and what it measured."""
    import distributed

    import salesbook
    from salesbook.cluster import DaskExecutor

    started = time.perf_counter()
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = distributed.Client(cluster)
    startup = time.perf_counter() - started
    executor = DaskExecutor(client, "local:2")
    with distributed.get_task_stream(client) as stream:
        started = time.perf_counter()
        salesbook.run(folder, output, today=dt.date.fromisoformat(TODAY), jobs=2, executor=executor)
        run_s = time.perf_counter() - started
    tasks: dict[str, list[float]] = defaultdict(list)
    for record in stream.data:
        kind = str(record["key"]).split("-")[0]
        compute = sum(
            s["stop"] - s["start"] for s in record["startstops"] if s["action"] == "compute"
        )
        tasks[kind].append(compute)
    client.close()
    cluster.close()
    report.write_text(
        json.dumps(
            {
                "startup_s": startup,
                "run_s": run_s,
                "client_peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MIB,
                "tasks": tasks,
                "calls": executor.calls,
                "timings": json.loads((output / "manifest.json").read_text())["timings"],
            }
        )
    )


def outputs(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in UNSTABLE
    }


def one_repeat(folder: Path, scratch: Path) -> dict[str, object]:
    local, dask, report = scratch / "local", scratch / "dask", scratch / "dask.json"
    argv = [sys.executable, "-m", "salesbook", "run", str(folder), "-o", str(local)]
    done = run_process([*argv, "--today", TODAY, "--jobs", "2", "-q"])
    log(f"local: exit {done.returncode} after {done.wall_s:.1f} s")
    child_argv = [sys.executable, __file__, "--child", str(folder), str(dask), str(report)]
    started = time.perf_counter()
    finished = run_process(child_argv)
    dask_wall = time.perf_counter() - started
    if finished.returncode != 0:
        raise RuntimeError(f"the dask run failed:\n{finished.stderr[-3000:]}")
    measured = json.loads(report.read_text())
    log(f"dask: {dask_wall:.1f} s (cluster start {measured['startup_s']:.1f} s)")
    expected, found = outputs(local), outputs(dask)
    differing = sorted(n for n in expected.keys() | found.keys() if expected.get(n) != found.get(n))
    output_bytes = sum(len(data) for data in found.values())
    return {
        "local_s": done.wall_s,
        "local_peak_rss_mib": done.tree_maxrss_kb / MIB,
        "dask_process_s": dask_wall,
        "differing_files": differing,
        "output_bytes": output_bytes,
        **measured,
    }


def paper(result: dict[str, object], reps: int, documents: int) -> list[str]:
    """Expected wall time for DOCUMENTS on W workers, from this run's figures (on paper)."""
    tasks: dict[str, list[float]] = result["tasks"]  # type: ignore[assignment]
    task_s = sum(sum(times) for times in tasks.values())
    scale = DOCUMENTS / documents
    # the client's own part: the run's wall time less what its 2 workers did in parallel
    client_s = max(0.0, float(result["run_s"]) - task_s / 2)  # type: ignore[arg-type]
    output_gb = float(result["output_bytes"]) * scale / 1e9  # type: ignore[arg-type]
    transfer_s = output_gb * 1e9 / 125e6  # results back to the client over 1 Gbit/s
    lines = [
        f"On paper, for {DOCUMENTS:,} documents (×{scale:.0f} this run's {documents:,}): client "
        f"part {client_s * scale:.0f} s (read, compute, check, joins, manifest: linear in reps, "
        f"bench_batch), worker part {task_s * scale:.0f} s of task time, {output_gb:.1f} GB of "
        f"results back over 1 Gbit/s ≥ {transfer_s:.0f} s.",
        "",
        "| workers | client s | tasks s (÷ workers) | expected wall | hours |",
        "|---:|---:|---:|---:|---:|",
    ]
    for workers in WORKERS:
        work = max(task_s * scale / workers, transfer_s)
        wall = client_s * scale + work
        lines.append(
            f"| {workers} | {client_s * scale:.0f} | {work:.0f} | {wall:.0f} s | {wall / 3600:.2f} |"
        )
    return lines


def documents_made(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*.pdf") if p.parent != folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--scratch", type=Path, default=None)
    parser.add_argument("--child", nargs=3, type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        child(*options.child)
        return 0
    folder, _ = ensure_demo(options.reps)
    results = []
    documents = 0
    for repeat in range(options.repeats):
        with tempfile.TemporaryDirectory(dir=options.scratch, prefix="bench-dask-") as scratch:
            log(f"repeat {repeat + 1}/{options.repeats}, {options.reps} reps")
            results.append(one_repeat(folder, Path(scratch)))
            documents = documents_made(Path(scratch) / "dask")
    ratios = [r["dask_process_s"] / r["local_s"] for r in results]  # type: ignore[operator]
    last = results[-1]
    calls = last["calls"]
    per_task = [size for call in calls for size in call["shipped"]]  # type: ignore[index]
    scattered = sum(call["scattered"] for call in calls)  # type: ignore[index]
    lines = [
        f"## Dask local cluster (2 workers) vs local runner (--jobs 2), {options.reps} reps",
        "",
        "| | local s | dask s (cluster start) | dask ÷ local | target | identical |",
        "|---|---:|---:|---:|---:|---|",
        *(
            f"| repeat {n + 1} | {r['local_s']:.1f} | {r['dask_process_s']:.1f} "
            f"({r['startup_s']:.1f}) | {ratio:.2f}× | ≤ {TARGET}× | "
            f"{'yes' if not r['differing_files'] else r['differing_files'][:3]} |"
            for n, (r, ratio) in enumerate(zip(results, ratios, strict=True))
        ),
        "",
        "| task | count | median s | total s |",
        "|---|---:|---:|---:|",
        *(
            f"| {kind} | {len(times)} | {statistics.median(times):.2f} | {sum(times):.1f} |"
            for kind, times in sorted(last["tasks"].items())  # type: ignore[union-attr]
        ),
        "",
        f"Bytes each task needs: median {statistics.median(per_task) / 1024:.0f} KiB, max "
        f"{max(per_task) / 1024:.0f} KiB over {len(per_task)} tasks; of these "
        f"{scattered / 1024 / 1024:.1f} MiB in all are scattered (sent once to each worker). "
        f"Client peak RSS {last['client_peak_rss_mib']:.0f} MiB; local run's largest process "
        f"{last['local_peak_rss_mib']:.0f} MiB.",
        "",
        *paper(last, options.reps, documents),
    ]
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"dask-{stamp}.json"
    path.write_text(
        json.dumps(
            {
                "reps": options.reps,
                "documents": documents,
                "machine": machine(),
                "results": results,
            },
            indent=1,
        )
    )
    log(f"raw figures: {path.relative_to(PROJECT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
