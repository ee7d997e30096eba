"""The one process runner: results in order, limits, a dying child; the reader and the renderers
that run on it report a failure with the file named and the reason given."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from salesbook import sources
from salesbook.cli import cli
from salesbook.errors import RenderError, SalesbookError
from salesbook.runner import Limits, Task, completed, run_tasks

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork and rlimits")


def slow(seconds: float, value: int) -> int:
    time.sleep(seconds)
    return value


def fails(text: str) -> int:
    raise ValueError(text)


def dies(code: int) -> int:
    os._exit(code)


def grabs(megabytes: int) -> int:
    return len(bytearray(megabytes << 20))


@linux_only
def test_results_come_back_as_they_complete_and_in_order_from_run_tasks() -> None:
    tasks = [Task(slow, (1.0, 1)), Task(slow, (0.0, 2))]
    assert [o.index for o in completed(tasks, jobs=2)] == [1, 0]  # the quick one first
    finished: list[int] = []
    assert run_tasks(tasks, jobs=2, done=finished.append) == [1, 2]
    assert finished == [1, 0]


@linux_only
def test_a_failed_task_gives_its_reason_to_failed_and_the_others_go_on() -> None:
    tasks = [
        Task(slow, (0.0, 1)),
        Task(fails, ("no such sheet\nsecond line",)),
        Task(dies, (3,)),
        Task(slow, (30.0, 4)),
        Task(grabs, (512,)),
    ]
    results = run_tasks(
        tasks, jobs=2, limits=Limits(64 << 20, 1.0), failed=lambda i, why: f"failed: {why.reason}"
    )
    assert results == [
        1,
        "failed: no such sheet",
        "failed: 并行任务异常退出 (a worker process ended with code 3)",
        "failed: 超过 1 秒 (time limit 1 s)",
        "failed: 超出内存上限 (memory limit)",
    ]


@linux_only
def test_a_failing_task_stops_the_run_naming_what_it_was_making() -> None:
    def broken() -> int:
        raise RenderError("模板有误")

    with pytest.raises(RenderError, match=r"^责任书-2023Q4-全部\.pdf：模板有误$"):
        run_tasks([Task(slow, (0.0, 1)), Task(broken, label="责任书-2023Q4-全部.pdf")], jobs=2)
    with pytest.raises(SalesbookError, match=r"评估单\.pdf：.*worker process ended with code 9"):
        run_tasks([Task(slow, (0.0, 1)), Task(dies, (9,), label="评估单.pdf")], jobs=2)


@linux_only
@pytest.mark.parametrize(
    ("task", "code", "detail"),
    [
        pytest.param(
            lambda path, options=None: os._exit(3),
            "SB-F006",
            "reader exited with code 3",
            id="dies",
        ),
        pytest.param(lambda path, options=None: time.sleep(30), "SB-F006", "> 1 s", id="hangs"),
        pytest.param(
            lambda path, options=None: fails("calamine said no\n…"),
            "SB-F001",
            "calamine said no",
            id="raises",
        ),
        pytest.param(lambda path, options=None: grabs(1 << 14), "SB-F006", "memory", id="memory"),
    ],
)
def test_a_reader_child_that_fails_is_one_issue_for_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, task, code: str, detail: str
) -> None:
    monkeypatch.setattr(sources, "read_raw", task)
    monkeypatch.setattr(sources, "READ_MEMORY_BYTES", 256 << 20)
    paths = [tmp_path / "a.xlsx", tmp_path / "b.xlsx"]
    seen: list[Path] = []
    read = list(sources.read_files_isolated(paths, jobs=2, timeout=1.0, progress=seen.append))
    assert [path for path, _ in read] == seen == paths
    assert [raw.failure for _, raw in read] == [(code, {"detail": detail})] * 2


@pytest.mark.slow
def test_a_failed_render_stops_the_run_naming_the_document(
    seed_org: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from salesbook.render import Renderer

    def write(self: Renderer, document: object, path: Path) -> None:
        raise RenderError("打印机着火了 (the printer caught fire)")

    monkeypatch.setattr(Renderer, "write", write)
    output = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["run", str(seed_org), "-o", str(output), "--period", "2023Q4", "--jobs", "1"]
    )
    assert result.exit_code == 2, result.output
    assert "责任书-2023Q4-全部.pdf：打印机着火了" in result.stderr
    assert not output.exists()  # nothing half made
