"""Tasks -> results on a Dask cluster (issue 17): runner.local's call, run by other machines.

Workers share nothing with this machine but salesbook itself and the fonts. Each task carries what
it reads (runner.Task.reads: an input workbook's bytes, the template folders) and writes into a
scratch folder of its own on the worker; what it wrote comes back as bytes with its result and is
written here, under the task's `writes` folder, as each task completes. The run (batch.py) stays
what it is: staged output, manifest, reuse and the swap all happen here, on the client.

Before any task, every worker is checked (`WORKER_CHECKS`): the same salesbook version, the CJK
font covering the run's characters, HarfBuzz's subsetting. A worker that dies mid-task has its
tasks run again on another (the scheduler's `allowed-failures`); a task that raises is tried
`RETRIES` more times, then fails the run like a local one. Closing the outcomes (the run failed,
Ctrl-C) cancels every future still pending.

Needs the `cluster` extra (`pip install 'salesbook[cluster]'`: dask and distributed).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from salesbook import __version__
from salesbook.errors import RenderError, SalesbookError
from salesbook.fonts import check_fast_subsetting, missing_characters
from salesbook.runner import Failed, Failure, Limits, Outcome, Outcomes, Task, reason

T = TypeVar("T")
SCHEDULER_ENV = "SALESBOOK_SCHEDULER"
RETRIES = 2  # a task that raises is tried this many more times (a worker's death: the scheduler)
INSTALL = "pip install 'salesbook[cluster]'"
SCATTER_BYTES = 64 * 1024  # an argument this big is sent once, not with each task

# --- on the worker ---------------------------------------------------------------------------------

# A check run on every worker before any task: (the client's salesbook version, the characters
# the run prints) -> what is missing there, or None.
WorkerCheck = Callable[[str, str], str | None]


def same_version(version: str, glyphs: str) -> str | None:
    if __version__ != version:
        return f"salesbook {__version__}（本机 {version}）"
    return None


def cjk_font(version: str, glyphs: str) -> str | None:
    try:
        missing = missing_characters([glyphs])
    except RenderError:  # no fontconfig at all
        return "fontconfig"
    if missing:
        shown = "".join(missing[:10]) + ("…" if len(missing) > 10 else "")
        return f"CJK 字体（缺 {len(missing)} 个字：{shown}）"
    return None


def harfbuzz_subsetting(version: str, glyphs: str) -> str | None:
    try:
        import uharfbuzz  # noqa: F401  (pdf_fonts re-subsets each person's file with it)
    except ImportError:
        return "uharfbuzz"
    try:
        check_fast_subsetting()
    except (RenderError, ImportError, OSError):
        return "libharfbuzz-subset0"
    return None


WORKER_CHECKS: tuple[WorkerCheck, ...] = (same_version, cjk_font, harfbuzz_subsetting)


def without_profiler(dask_worker: Any) -> None:
    """Stop Dask's sampling profiler on this worker. Every 10 ms it walks the running task's
    stack; WeasyPrint's layout stacks are deep, and it made the appraisal sheets ~35 % slower
    than in a local child (measured: 100 sheets 24.9 s against 18.0 s without it)."""
    for name in ("profile", "profile-cycle"):
        callback = dask_worker.periodic_callbacks.pop(name, None)
        if callback is not None:
            callback.stop()


def worker_problems(checks: Sequence[WorkerCheck], version: str, glyphs: str) -> list[str]:
    """What this worker lacks, by `checks` (run through Client.run on every worker)."""
    return [found for check in checks if (found := check(version, glyphs))]


@dataclass(frozen=True)
class _Remake:
    """An argument built again on the worker from its parts, its paths swapped first (a
    Renderer: its template folders are shipped copies there)."""

    factory: Callable[..., Any]
    args: tuple[Any, ...]


def _moved(value: Any, move: Callable[[Path], Path], deep: bool = False) -> Any:
    """`value` with every Path in it passed through `move`: in lists, tuples and dicts, a
    _Remake's parts, and (`deep`, for results) dataclasses' fields."""
    if isinstance(value, Path):
        return move(value)
    if isinstance(value, list | tuple):
        items = [_moved(item, move, deep) for item in value]
        return type(value)(items) if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {key: _moved(item, move, deep) for key, item in value.items()}
    if isinstance(value, _Remake):
        return value.factory(*_moved(value.args, move, deep))
    if deep and is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _moved(getattr(value, f.name), move, deep) for f in fields(value)}
        return replace(value, **changes)
    return value


def _mover(moves: Mapping[Path, Path], make_parents: bool = False) -> Callable[[Path], Path]:
    def move(path: Path) -> Path:
        for origin, place in moves.items():
            if path == origin or path.is_relative_to(origin):
                moved = place / path.relative_to(origin)
                if make_parents:  # the task expects the folder its output goes in to exist
                    moved.parent.mkdir(parents=True, exist_ok=True)
                return moved
        return path

    return move


def run_shipped(
    function: Callable[..., T],
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    bundles: Sequence[tuple[str, dict[str, bytes]]],
    writes: str | None,
) -> tuple[T, dict[str, bytes]]:
    """On a worker: the files of `bundles` laid out in a scratch folder, the task run with its
    paths moved there, and (its result, the bytes of every file it wrote under `writes`)."""
    with tempfile.TemporaryDirectory(prefix="salesbook-task-") as scratch:
        root = Path(scratch)
        moves: dict[Path, Path] = {}
        for n, (origin, files) in enumerate(bundles):
            place = root / f"in-{n}"
            place.mkdir()
            for name, data in files.items():
                (place / name).parent.mkdir(parents=True, exist_ok=True)
                (place / name).write_bytes(data)
            moves[Path(origin)] = place
        out = root / "out"
        out.mkdir()
        inputs = _mover(moves)
        outputs = _mover({Path(writes): out}, make_parents=True) if writes else None

        def move(path: Path) -> Path:
            return outputs(path) if outputs and path.is_relative_to(writes or "") else inputs(path)

        value = function(*_moved(args, move), **_moved(dict(kwargs), move))
        written = {
            path.relative_to(out).as_posix(): path.read_bytes()
            for path in sorted(out.rglob("*"))
            if path.is_file()
        }
        if writes:
            value = _moved(value, _mover({out: Path(writes)}), deep=True)
        return value, written


# --- on the client ---------------------------------------------------------------------------------


def _pack(folder: Path, names: tuple[str, ...] | None) -> dict[str, bytes]:
    """The files a task reads, by their path inside `folder`. A whole folder is walked without
    following symlinks: a link out of a template folder is not shipped (render refuses it too)."""
    if names is not None:
        return {name: (folder / name).read_bytes() for name in names}
    files: dict[str, bytes] = {}
    for top, dirs, names_here in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(top, d)))
        for name in sorted(names_here):
            path = Path(top) / name
            if path.is_file() and not path.is_symlink():
                files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


def _portable(value: Any) -> Any:
    """An argument that knows what it reads (a Renderer) goes as its parts, rebuilt there."""
    if callable(getattr(value, "reads", None)):
        factory, parts = value.__reduce__()[:2]
        return _Remake(factory, tuple(parts))
    return value


def _write(files: Mapping[str, bytes], folder: Path) -> None:
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


class DaskExecutor:
    """runner.Executor on a Dask cluster; `name` says which, for the summary and the manifest."""

    def __init__(
        self,
        client: Any,
        address: str,
        retries: int = RETRIES,
        checks: Sequence[WorkerCheck] = WORKER_CHECKS,
    ) -> None:
        self.client = client
        self.address = address
        self.retries = retries
        self.checks = tuple(checks)
        # For bench/: per call, the bytes each task needs (arguments, files) and of those the
        # bytes scattered (sent once to each worker that needs them, not with every task).
        self.shipped: list[int] = []
        self.scattered = 0
        self.calls: list[dict[str, object]] = []

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    def describe(self) -> dict[str, object]:
        return {"kind": "dask", "scheduler": self.address, "workers": self.workers}

    def check_workers(self, glyphs: str) -> None:
        """Every worker can make this run's documents, else SalesbookError naming the first one
        that cannot and what it lacks. Each worker's profiler is stopped first (a worker that
        joins later keeps it unless started with DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False)."""
        if not self.workers:
            raise SalesbookError(
                f"Dask 调度器 {self.address} 没有工作节点 (the scheduler has no workers)"
            )
        self.client.run(without_profiler)
        found = self.client.run(worker_problems, self.checks, __version__, glyphs)
        for worker, problems in sorted(found.items()):
            if problems:
                lacking = "；".join(problems)
                raise SalesbookError(
                    f"工作节点 {worker} 不能生成本次文件，缺少：{lacking}"
                    f" (worker {worker} cannot make this run's files: {lacking})"
                )

    def __call__(
        self, tasks: Sequence[Callable[[], T]], limits: Limits | None = None
    ) -> Outcomes[T]:
        # `limits` are the local children's; a worker's memory is the nanny's (--memory-limit).
        return self._outcomes(tasks)

    def _outcomes(self, tasks: Sequence[Callable[[], T]]) -> Outcomes[T]:
        import pickle

        from distributed import as_completed

        run = uuid.uuid4().hex[:8]
        # What several tasks share (the Book, the figures, the templates) is sent once.
        shared: dict[int, Any] = {}
        bundles: dict[tuple, Any] = {}
        specs: list[tuple[Any, ...]] = []
        for task in tasks:
            if not isinstance(task, Task):
                specs.append((task, (), {}, [], None))
                continue
            args = tuple(shared.setdefault(id(a), _portable(a)) for a in task.args)
            reads = []
            for folder, names in task.reads.items():
                key = (str(folder), names)
                if key not in bundles:
                    bundles[key] = (str(folder), _pack(folder, names))
                reads.append(bundles[key])
            writes = str(task.writes) if task.writes else None
            specs.append((task.function, args, dict(task.kwargs), reads, writes))
        # What is big and shared (the Book, the figures, the templates) is scattered once, not
        # sent with each task that uses it; the rest (a chunk's documents, one workbook) goes
        # with its task, so the client can send it again if the worker dies.
        sizes: dict[int, int] = {}
        items: dict[int, Any] = {}
        uses: dict[int, int] = {}
        for _, args, _, reads, _ in specs:
            for item in (*args, *reads):
                uses[id(item)] = uses.get(id(item), 0) + 1
                if id(item) not in sizes:
                    sizes[id(item)] = len(pickle.dumps(item, protocol=5))
                    items[id(item)] = item
        big = {
            key: items[key]
            for key, size in sizes.items()
            if size >= SCATTER_BYTES and uses[key] > 1
        }
        # broadcast: a copy on every worker, so one that dies takes no input with it
        scattered = (
            self.client.scatter(list(big.values()), hash=False, broadcast=True) if big else []
        )
        futures_of = dict(zip(big, scattered, strict=True))
        self.scattered = sum(sizes[key] for key in big)
        self.shipped = []
        futures: dict[Any, int] = {}
        for index, (function, args, kwargs, reads, writes) in enumerate(specs):
            self.shipped.append(  # with the task, and what it needs of the scattered items
                len(pickle.dumps((function, kwargs, writes), protocol=5))
                + sum(sizes[id(item)] for item in (*args, *reads))
            )
            future = self.client.submit(
                run_shipped,
                function,
                tuple(futures_of.get(id(a), a) for a in args),
                kwargs,
                [futures_of.get(id(r), r) for r in reads],
                writes,
                key=f"{getattr(function, '__name__', 'task')}-{run}-{index}",
                retries=self.retries,
                pure=False,
            )
            futures[future] = index
        self.calls.append({"shipped": self.shipped, "scattered": self.scattered})
        try:
            for future in as_completed(list(futures)):
                index = futures.pop(future)
                try:
                    value, written = future.result()
                except Exception as error:
                    yield Failed(index, _failure(error))
                else:
                    task = tasks[index]
                    if isinstance(task, Task) and task.writes:
                        _write(written, task.writes)
                    yield Outcome(index, value)
                future.release()
        finally:
            if futures:
                self.client.cancel(list(futures))
            self.client.cancel(list(futures_of.values()))


def _failure(error: BaseException) -> Failure:
    from distributed import KilledWorker

    if isinstance(error, KilledWorker):
        text = f"工作节点多次异常退出 (workers died running this task: {reason(error)})"
        return Failure("died", text, SalesbookError(text))
    if isinstance(error, MemoryError):
        return Failure("memory", reason(error), error)
    return Failure("error", reason(error), error)


def scheduler_address(option: str | None, setting: str) -> str | None:
    """Where the run goes: `--scheduler`, else $SALESBOOK_SCHEDULER, else the setting; None or
    an empty value: this machine."""
    for value in (option, os.environ.get(SCHEDULER_ENV), setting):
        if value is not None and value.strip():
            return value.strip()
    return None


@contextmanager
def connect(address: str) -> Iterator[DaskExecutor]:
    """A DaskExecutor on the scheduler at `address` (tcp://HOST:8786), or on a cluster of N
    worker processes started here for the run (`local`, `local:N`; default 2)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as error:
        raise SalesbookError(
            f"未安装 Dask：请先 {INSTALL} (Dask is not installed; run: {INSTALL})"
        ) from error
    cluster = None
    if address == "local" or address.startswith("local:"):
        count = address.partition(":")[2] or "2"
        if not count.isdigit() or not 0 < int(count) <= 256:
            raise SalesbookError(f"--scheduler {address}：local:N 的 N 应为 1–256 的整数")
        cluster = LocalCluster(
            n_workers=int(count), threads_per_worker=1, processes=True, dashboard_address=":0"
        )
        client_address = cluster.scheduler_address
    else:
        client_address = address
    try:
        try:
            client = Client(client_address, timeout="20s")
        except OSError as error:
            raise SalesbookError(
                f"无法连接 Dask 调度器 {address}：{reason(error)}"
                f" (cannot reach the Dask scheduler {address})"
            ) from error
        try:
            yield DaskExecutor(client, address)
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()
