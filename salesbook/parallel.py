"""Run independent pieces of a batch (a workbook to fill, a chunk of letters) in worker processes.

Each task runs in a process of its own, forked from the main thread: a task is any callable the
parent built (nothing but its index crosses over) and only its small result comes back through a
pipe. One process per task means memory is returned after every task however many there are, and
no process is ever forked from a helper thread (multiprocessing.Pool re-forks workers from one,
which deadlocked on locks the fork copied). Workers die with the parent, so a killed run leaves
no worker writing into a folder the next run cleans. Where fork is not available (Windows,
macOS) the tasks run one after another in the parent.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import pickle
import sys
from collections.abc import Callable, Sequence
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


def _worker(task: Callable[[], object], connection: multiprocessing.connection.Connection) -> None:
    _die_with_parent()
    try:
        outcome: tuple[bool, object] = (True, task())
    except BaseException as error:  # handed to the parent, which raises it
        outcome = (False, error)
    try:
        connection.send(outcome)
    except (pickle.PicklingError, TypeError, AttributeError):
        connection.send((False, SalesbookError(str(outcome[1]))))
    connection.close()


def run_tasks(
    tasks: Sequence[Callable[[], T]],
    jobs: int,
    done: Callable[[int], None] | None = None,
) -> list[T]:
    """Each task's result, in the order of `tasks`, at most `jobs` at once; `done(index)` as each
    one finishes. The first task that fails stops the others and its exception is raised here."""
    if jobs <= 1 or len(tasks) <= 1 or not sys.platform.startswith("linux"):
        results = []
        for index, task in enumerate(tasks):
            results.append(task())
            if done:
                done(index)
        return results
    context = multiprocessing.get_context("fork")
    pending = list(range(len(tasks)))
    running: dict = {}  # connection -> (index, process)
    found: dict[int, object] = {}
    try:
        while pending or running:
            while pending and len(running) < jobs:
                index = pending.pop(0)
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=_worker, args=(tasks[index], send), daemon=True)
                process.start()
                send.close()
                running[receive] = (index, process)
            for connection in multiprocessing.connection.wait(list(running)):
                index, process = running.pop(connection)
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
                if not ok:
                    raise value  # type: ignore[misc]
                found[index] = value
                if done:
                    done(index)
    finally:
        for connection, (_, process) in running.items():
            process.kill()
            process.join()
            connection.close()
    return [found[index] for index in range(len(tasks))]  # type: ignore[misc]
