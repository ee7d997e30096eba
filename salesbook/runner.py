"""Tasks (a callable and its arguments) -> their results as each completes, each in a child process.

One runner serves the reader (each input file parsed in a child with time and memory limits) and
the writers (a workbook to fill, a chunk of letters or appraisal sheets to lay out).

A task runs in a process of its own, forked from the main thread: nothing but the task's index
crosses over, and only its result comes back through a pipe. One process per task means memory
is returned after every task however many there are, and no process is ever forked from a helper
thread (multiprocessing.Pool re-forks workers from one, which deadlocked on locks the fork copied).
Children die with the parent, so a killed run leaves no child writing into a folder the next run
cleans. Where fork is not available (Windows, macOS) tasks run one after another in the parent,
except `isolate`d ones, which are spawned (and must then pickle: a module-level function and
picklable arguments, as a cluster executor would need them too).

With `limits`, a task runs in a child even with one job, under an address-space limit (beyond
what the parent maps) and a time limit. A task that raises, passes a limit or dies gives a
`Failure` instead of a result: `completed` reports it, `run_tasks` raises it or hands it to its
`failed` callback.
"""

from __future__ import annotations

import math
import multiprocessing
import multiprocessing.connection
import os
import pickle
import sys
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Generic, Literal, Protocol, TypeVar

from salesbook.errors import SalesbookError

T = TypeVar("T")
# close it to stop: running children are killed
Outcomes = Generator["Outcome[T] | Failed", None, None]
POLL_S = 1.0  # how often running children are looked at for their time limit


@dataclass(frozen=True)
class Task(Generic[T]):
    """One piece of work: `function(*args, **kwargs)`; `label` names what it makes in a failure."""

    function: Callable[..., T]
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""
    # What a task run on another machine needs (issue 17, cluster.py): the files it reads, as
    # folder -> names inside it (None: the whole folder), and the folder it writes into. There
    # the paths in its arguments are swapped for local copies and what it wrote comes back as
    # bytes; the local runner ignores both and the task uses the paths as they are.
    reads: Mapping[Path, tuple[str, ...] | None] = field(default_factory=dict)
    writes: Path | None = None
    # False: the run's Limits do not apply (the summary grows with the whole folder, not with
    # one input, and made in the run itself it had none)
    bounded: bool = True

    def __call__(self) -> T:
        return self.function(*self.args, **self.kwargs)


@dataclass(frozen=True)
class Limits:
    """Limits for each task's child: address space beyond what the parent maps, and seconds."""

    memory: int | None = None
    seconds: float | None = None


@dataclass(frozen=True)
class Failure:
    """Why a task gave no result: it raised (`error`), ran out of memory or time, or died."""

    kind: Literal["error", "memory", "time", "died"]
    reason: str  # one line: the exception's first line, or the limit or exit code in zh and en
    error: BaseException  # what raised; for the other kinds a SalesbookError saying `reason`
    exit_code: int | None = None  # a child that died: its exit code (-9: killed by SIGKILL)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """A task that finished: its index in the task list, and its value."""

    index: int
    value: T


@dataclass(frozen=True)
class Failed:
    """A task that gave no result: its index in the task list, and why."""

    index: int
    failure: Failure


class Executor(Protocol):
    """What runs tasks: `local` here; cluster.py's Dask executor offers the same call."""

    def __call__(
        self, tasks: Sequence[Callable[[], T]], limits: Limits | None = None
    ) -> Outcomes[T]: ...


# The executor `run_tasks` uses when it is given none (else `local(jobs)`): a run sets it for
# its writers (batch.py), so the modules that lay out documents need no executor argument.
_current: ContextVar[Executor | None] = ContextVar("salesbook_executor", default=None)


@contextmanager
def using(executor: Executor | None) -> Iterator[None]:
    """Within the block, `run_tasks` without an executor uses `executor` (None: the local one)."""
    token = _current.set(executor)
    try:
        yield
    finally:
        _current.reset(token)


def reason(error: BaseException) -> str:
    """An exception as one short line: its message's first line, else its type's name."""
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    return line[:160]


def _failure(
    kind: Literal["memory", "time", "died"], text: str, code: int | None = None
) -> Failure:
    return Failure(kind, text, SalesbookError(text), code)


def _memory_failure() -> Failure:
    return _failure("memory", "超出内存上限 (memory limit)")


def _time_failure(seconds: float) -> Failure:
    return _failure("time", f"超过 {seconds:.0f} 秒 (time limit {seconds:.0f} s)")


def _died_failure(code: int | None) -> Failure:
    text = f"并行任务异常退出 (a worker process ended with code {code})"
    return _failure("died", text, code)


# --- in the child ---------------------------------------------------------------------------------


def _die_with_parent() -> None:
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL))
    except (OSError, AttributeError):
        pass


def _mapped_bytes() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return 0


def _limit_memory(limit: int) -> None:
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        wanted = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    except (ImportError, ValueError, OSError):
        pass  # no resource limits on this platform


def _sendable(error: BaseException) -> BaseException:
    """`error` if it survives pickling both ways, else a SalesbookError with its text."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return SalesbookError(str(error) or type(error).__name__)
    return error


def _worker(
    task: Callable[[], object],
    connection: multiprocessing.connection.Connection,
    address_space: int | None = None,
) -> None:
    _die_with_parent()
    if address_space:
        _limit_memory(address_space)
    message: tuple[object, ...]
    try:
        message = ("ok", task())
    except MemoryError:
        message = ("memory",)
    except BaseException as error:  # handed to the parent: a reason, and the error if it pickles
        message = ("error", reason(error), _sendable(error))
    try:
        connection.send(message)
    except (pickle.PicklingError, TypeError, AttributeError) as error:  # a result that won't pickle
        text = f"结果无法传回 (the result could not be sent back: {reason(error)})"
        connection.send(("error", text, SalesbookError(text)))
    connection.close()


# --- in the parent --------------------------------------------------------------------------------


def local(jobs: int = 1, isolate: bool = False) -> Executor:
    """The executor of this machine: at most `jobs` children at once; `isolate` puts every task
    in a child (spawned where fork is missing), else children are used only where they help."""

    def run(tasks: Sequence[Callable[[], T]], limits: Limits | None = None) -> Outcomes[T]:
        return completed(tasks, jobs, limits, isolate)

    return run


def completed(
    tasks: Sequence[Callable[[], T]],
    jobs: int = 1,
    limits: Limits | None = None,
    isolate: bool = False,
) -> Outcomes[T]:
    """Each task's Outcome as it completes, at most `jobs` at once. Close the iterator (or let it
    end) to stop: children still running are killed."""
    linux = sys.platform.startswith("linux")
    if isolate or (linux and (limits is not None or (jobs > 1 and len(tasks) > 1))):
        return _in_children(tasks, jobs, limits, "fork" if linux else "spawn")
    return _in_parent(tasks)


def _in_parent(tasks: Sequence[Callable[[], T]]) -> Outcomes[T]:
    for index, task in enumerate(tasks):
        try:
            value = task()
        except MemoryError as error:
            yield Failed(index, Failure("memory", reason(error), error))
        except Exception as error:
            yield Failed(index, Failure("error", reason(error), error))
        else:
            yield Outcome(index, value)


def _in_children(
    tasks: Sequence[Callable[[], T]], jobs: int, limits: Limits | None, method: str
) -> Outcomes[T]:
    memory = limits.memory if limits else None
    seconds = limits.seconds if limits else None
    context: Any = multiprocessing.get_context(method)
    pending = list(range(len(tasks)))
    running: dict[
        Connection, tuple[int, Any, float]
    ] = {}  # connection -> (index, process, deadline)
    try:
        while pending or running:
            while pending and len(running) < max(1, jobs):
                index = pending.pop(0)
                bounded = getattr(tasks[index], "bounded", True)
                receive, send = context.Pipe(duplex=False)
                # a forked child starts with the parent's mappings: the limit is on top of them
                address_space = _mapped_bytes() + memory if memory and bounded else None
                process = context.Process(
                    target=_worker, args=(tasks[index], send, address_space), daemon=True
                )
                process.start()
                send.close()
                deadline = time.monotonic() + seconds if seconds and bounded else math.inf
                running[receive] = (index, process, deadline)
            ready = multiprocessing.connection.wait(
                list(running), timeout=POLL_S if seconds else None
            )
            for connection in ready:
                assert isinstance(connection, Connection)
                index, process, _ = running.pop(connection)
                message: Any
                try:
                    message = connection.recv()
                except (EOFError, OSError):  # the child died: a native crash, the kernel's OOM
                    message = None
                connection.close()
                process.join()
                if message is None:
                    yield Failed(index, _died_failure(process.exitcode))
                elif message[0] == "ok":
                    yield Outcome(index, message[1])
                elif message[0] == "memory":
                    yield Failed(index, _memory_failure())
                else:
                    yield Failed(index, Failure("error", message[1], message[2]))
            if seconds:
                now = time.monotonic()
                for connection, (index, process, deadline) in list(running.items()):
                    if now > deadline:
                        process.kill()
                        process.join()
                        connection.close()
                        del running[connection]
                        yield Failed(index, _time_failure(seconds))
    finally:
        for connection, (_, process, _) in running.items():
            process.kill()
            process.join()
            connection.close()


def run_tasks(
    tasks: Sequence[Callable[[], T]],
    jobs: int,
    done: Callable[[int], None] | None = None,
    limits: Limits | None = None,
    failed: Callable[[int, Failure], T] | None = None,
    executor: Executor | None = None,
) -> list[T]:
    """Each task's result, in the order of `tasks`, at most `jobs` at once; `done(index)` as each
    one finishes. The first task that fails stops the others and its exception is raised here
    (a SalesbookError names the task's `label`), unless `failed` is given: then a failed task's
    result is `failed(index, failure)`, which may raise `named(failure.error, label)` itself."""
    run = executor or _current.get() or local(jobs)
    found: dict[int, T] = {}
    with closing(run(tasks, limits)) as outcomes:
        for outcome in outcomes:
            if isinstance(outcome, Outcome):
                found[outcome.index] = outcome.value
            elif failed is None:
                raise named(outcome.failure.error, getattr(tasks[outcome.index], "label", ""))
            else:
                found[outcome.index] = failed(outcome.index, outcome.failure)
            if done:
                done(outcome.index)
    return [found[index] for index in range(len(tasks))]


def named(error: BaseException, label: str) -> BaseException:
    """A SalesbookError saying which task's output it stopped (`label`), in its own class."""
    if not label or not isinstance(error, SalesbookError):
        if label:
            error.add_note(f"while making {label}")
        return error
    try:
        named = type(error)(f"{label}：{error}")
    except Exception:
        named = SalesbookError(f"{label}：{error}")
    named.__cause__ = error
    return named
