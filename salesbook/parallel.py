"""Run independent pieces of a batch (a workbook to fill, a chunk of letters) in worker processes.

Each task runs in a process of its own, forked from the main thread: a task is any callable the
parent built (nothing but its index crosses over) and only its small result comes back through a
pipe. One process per task means memory is returned after every task however many there are, and
no process is ever forked from a helper thread (multiprocessing.Pool re-forks workers from one,
which deadlocked on locks the fork copied). Workers die with the parent, so a killed run leaves
no worker writing into a folder the next run cleans. Where fork is not available (Windows,
macOS) the tasks run one after another in the parent.

With `limits`, each task runs in a child even with one job, under an address-space limit and a
time limit (like the reader's children), and with `failed` a task that fails or passes a limit
gives `failed(index, reason)` as its result instead of stopping the others.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import pickle
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from salesbook.errors import SalesbookError

T = TypeVar("T")


def _die_with_parent() -> None:
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL))
    except (OSError, AttributeError):
        pass


@dataclass(frozen=True)
class Limits:
    """Limits for each task's child: address space beyond what the parent maps, and seconds."""

    memory: int | None = None
    seconds: float | None = None


def _mapped_bytes() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return 0


def _limit_memory(memory: int) -> None:
    try:
        import resource

        wanted = _mapped_bytes() + memory  # the forked child starts with the parent's mappings
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass  # no resource limits on this platform


def _worker(
    task: Callable[[], object],
    connection: multiprocessing.connection.Connection,
    memory: int | None = None,
) -> None:
    _die_with_parent()
    if memory:
        _limit_memory(memory)
    try:
        outcome: tuple[bool, object] = (True, task())
    except MemoryError:  # raised again in the parent, or handed to `failed`
        outcome = (False, SalesbookError("超出内存上限 (memory limit)"))
    except BaseException as error:  # handed to the parent, which raises it
        outcome = (False, error)
    try:
        connection.send(outcome)
    except (pickle.PicklingError, TypeError, AttributeError):
        connection.send((False, SalesbookError(str(outcome[1]))))
    connection.close()


def _reason(error: object) -> str:
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    return line[:160]


def run_tasks(
    tasks: Sequence[Callable[[], T]],
    jobs: int,
    done: Callable[[int], None] | None = None,
    limits: Limits | None = None,
    failed: Callable[[int, str], T] | None = None,
) -> list[T]:
    """Each task's result, in the order of `tasks`, at most `jobs` at once; `done(index)` as each
    one finishes. The first task that fails stops the others and its exception is raised here,
    unless `failed` is given: then a failed task's result is `failed(index, reason)`."""
    isolate = limits is not None and sys.platform.startswith("linux")
    if not isolate and (jobs <= 1 or len(tasks) <= 1 or not sys.platform.startswith("linux")):
        results = []
        for index, task in enumerate(tasks):
            if failed is None:
                results.append(task())
            else:
                try:
                    results.append(task())
                except Exception as error:
                    results.append(failed(index, _reason(error)))
            if done:
                done(index)
        return results
    memory = limits.memory if limits else None
    seconds = limits.seconds if limits else None
    context = multiprocessing.get_context("fork")
    pending = list(range(len(tasks)))
    running: dict = {}  # connection -> (index, process, started)
    found: dict[int, object] = {}

    def finish(index: int, ok: bool, value: object) -> None:
        if not ok:
            if failed is None:
                raise value  # type: ignore[misc]
            value = failed(index, _reason(value))
        found[index] = value
        if done:
            done(index)

    try:
        while pending or running:
            while pending and len(running) < max(1, jobs):
                index = pending.pop(0)
                receive, send = context.Pipe(duplex=False)
                process = context.Process(
                    target=_worker, args=(tasks[index], send, memory), daemon=True
                )
                process.start()
                send.close()
                running[receive] = (index, process, time.monotonic())
            ready = multiprocessing.connection.wait(list(running), timeout=1.0 if seconds else None)
            for connection in ready:
                index, process, _ = running.pop(connection)
                try:
                    ok, value = connection.recv()
                except (EOFError, OSError):
                    process.join()
                    ok, value = (
                        False,
                        SalesbookError(
                            f"并行任务异常退出 (a worker process ended with code {process.exitcode})"
                        ),
                    )
                connection.close()
                process.join()
                finish(index, ok, value)
            if seconds:
                now = time.monotonic()
                for connection, (index, process, started) in list(running.items()):
                    if now - started > seconds:
                        process.kill()
                        process.join()
                        connection.close()
                        del running[connection]
                        finish(
                            index,
                            False,
                            SalesbookError(f"超过 {seconds:.0f} 秒 (time limit {seconds:.0f} s)"),
                        )
    finally:
        for connection, (_, process, _) in running.items():
            process.kill()
            process.join()
            connection.close()
    return [found[index] for index in range(len(tasks))]  # type: ignore[misc]
