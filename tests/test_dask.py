"""Issue 17: the same run on a Dask cluster — same bytes, workers checked first, faults survived."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import files_state

import salesbook
from salesbook.batch import RunResult
from salesbook.cli import cli
from salesbook.cluster import SCHEDULER_ENV, DaskExecutor, scheduler_address
from salesbook.config import load_config
from salesbook.errors import SalesbookError
from salesbook.render import TEMPLATES
from salesbook.runner import Task, run_tasks
from salesbook.samples import write_demo

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-30"
UNSTABLE = {"manifest.json", "salesbook.log"}
LOCAL_2 = ("--scheduler", "local:2")  # stage timings and time stamps, every run


@pytest.fixture(scope="module")
def executor() -> Iterator[DaskExecutor]:
    """A local cluster of 2 worker processes, one thread each, as `--scheduler local:2` starts."""
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = distributed.Client(cluster)
    try:
        yield DaskExecutor(client, cluster.scheduler_address)
    finally:
        client.close()
        cluster.close()


def outputs(folder: Path) -> dict[str, bytes]:
    """Every file a run wrote, by its path, but the manifest and the log (compared apart)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in UNSTABLE
    }


def manifest(folder: Path) -> dict:
    """The manifest without what differs from run to run: its timings and the executor."""
    data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    data.pop("timings")
    return {key: value for key, value in data.items() if key != "executor"}


def assert_same_run(local: Path, dask: Path) -> None:
    expected, found = outputs(local), outputs(dask)
    assert sorted(found) == sorted(expected)
    differing = [name for name in expected if expected[name] != found[name]]
    assert differing == []
    assert manifest(dask) == manifest(local)
    executor = json.loads((dask / "manifest.json").read_text(encoding="utf-8"))["executor"]
    assert executor["kind"] == "dask"
    assert executor["workers"] >= 1
    assert json.loads((local / "manifest.json").read_text(encoding="utf-8"))["executor"] == {
        "kind": "local",
        "jobs": 2,
    }


def run(folder: Path, output: Path, **options) -> RunResult:
    import datetime as dt

    return salesbook.run(folder, output, today=dt.date.fromisoformat(TODAY), jobs=2, **options)


# --- where the run goes ----------------------------------------------------------------------------


def test_the_scheduler_comes_from_the_option_then_the_environment_then_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    assert scheduler_address(None, "") is None
    assert scheduler_address(None, "tcp://settings:8786") == "tcp://settings:8786"
    monkeypatch.setenv(SCHEDULER_ENV, "tcp://env:8786")
    assert scheduler_address(None, "tcp://settings:8786") == "tcp://env:8786"
    assert scheduler_address("tcp://option:8786", "tcp://settings:8786") == "tcp://option:8786"


def test_the_setting_is_read_but_is_no_figure(tmp_path: Path) -> None:
    (tmp_path / "salesbook.toml").write_text(
        '[run]\nscheduler = "tcp://10.0.0.5:8786"\n', encoding="utf-8"
    )
    config, issues = load_config(tmp_path)
    assert issues == []
    assert config.scheduler == "tcp://10.0.0.5:8786"
    # figures.json and the reuse keys hold the settings: where a run is made is not one of them
    assert "scheduler" not in config.as_dict()


def test_a_bad_local_cluster_size_stops_the_run(org: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["run", str(org), "-o", str(tmp_path / "out"), "--scheduler", "local:0", "-q"]
    )
    assert result.exit_code == 2
    assert "local:N" in result.output
    assert not (tmp_path / "out").exists()


# --- tasks on the cluster --------------------------------------------------------------------------


def _copy_upper(source: Path, target: Path) -> list[Path]:
    """A task that reads a file of the client's folder and writes one: as fills do."""
    target.write_text(source.joinpath("in.txt").read_text(encoding="utf-8").upper())
    return [target]


def _fail() -> None:
    raise SalesbookError("模板坏了 (broken template)")


def test_tasks_get_their_files_as_bytes_and_write_here(
    executor: DaskExecutor, tmp_path: Path
) -> None:
    source, target = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    target.mkdir()
    (source / "in.txt").write_text("abc", encoding="utf-8")
    tasks = [
        Task(
            _copy_upper,
            (source, target / f"{n}.txt"),
            label=f"{n}.txt",
            reads={source: ("in.txt",)},
            writes=target,
        )
        for n in range(4)
    ]
    assert run_tasks(tasks, 2, executor=executor) == [[target / f"{n}.txt"] for n in range(4)]
    assert [p.read_text() for p in sorted(target.iterdir())] == ["ABC"] * 4
    assert len(executor.shipped) == 4
    assert all(0 < size < 10_000 for size in executor.shipped)


def test_a_task_that_keeps_failing_fails_with_its_error(executor: DaskExecutor) -> None:
    with pytest.raises(SalesbookError, match="broken template") as raised:
        run_tasks([Task(_fail, label="责任书-2026Q3-全部.pdf")], 2, executor=executor)
    assert "责任书-2026Q3-全部.pdf" in str(raised.value)


def test_a_stopped_run_cancels_what_is_left(executor: DaskExecutor) -> None:
    outcomes = executor([Task(time.sleep, (0,))] + [Task(time.sleep, (20,))] * 4)
    next(outcomes)
    outcomes.close()  # what run_tasks does when a task failed or on Ctrl-C
    deadline = time.monotonic() + 10
    while executor.client.processing() and any(executor.client.processing().values()):
        assert time.monotonic() < deadline, executor.client.processing()
        time.sleep(0.2)


# --- workers checked first -------------------------------------------------------------------------


def test_a_worker_without_the_font_stops_the_run_and_the_old_output_stays(
    org: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    assert run(org, output, pdf=False).written
    before = files_state(output)
    # A worker whose fontconfig knows no font at all: it really lacks the CJK font.
    empty = tmp_path / "fonts.conf"
    empty.write_text('<?xml version="1.0"?>\n<fontconfig></fontconfig>\n', encoding="utf-8")
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    dask = Path(sys.executable).parent / "dask"
    worker = subprocess.Popen(
        [str(dask), "worker", cluster.scheduler_address, "--nworkers", "1", "--nthreads", "1"],
        env={**os.environ, "FONTCONFIG_FILE": str(empty)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        client = distributed.Client(cluster)
        client.wait_for_workers(2, timeout=60)
        client.close()
        result = CliRunner().invoke(
            cli,
            ["run", str(org), "-o", str(output), "--today", TODAY, "-q", "--no-pdf"],
            env={SCHEDULER_ENV: cluster.scheduler_address},
        )
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)
        cluster.close()
    assert result.exit_code == 2, result.output
    message = [line for line in result.output.splitlines() if "CJK" in line]
    assert len(message) == 1
    assert "工作节点 tcp://" in message[0]
    assert "缺少" in message[0]
    assert files_state(output) == before


# --- whole runs, byte for byte ---------------------------------------------------------------------


def test_the_cli_runs_on_a_local_cluster(org: Path, tmp_path: Path) -> None:
    local, dask = tmp_path / "local", tmp_path / "dask"
    run(org, local, pdf=False)
    result = CliRunner().invoke(
        cli,
        ["run", str(org), "-o", str(dask), "--today", TODAY, "-q", "--no-pdf", *LOCAL_2],
    )
    assert result.exit_code in (0, 1), result.output
    assert "Dask" in result.output
    assert_same_run(local, dask)


@pytest.mark.slow
def test_the_sample_folder_gives_the_same_bytes(executor: DaskExecutor, tmp_path: Path) -> None:
    folder = tmp_path / "workbooks"
    shutil.copytree(ROOT / "workbooks", folder)
    local, dask = tmp_path / "local", tmp_path / "dask"
    run(folder, local)
    result = run(folder, dask, executor=executor)
    assert result.executor["kind"] == "dask"
    assert any(p.suffix == ".pdf" for p in result.written)
    assert_same_run(local, dask)
    # the run stopped each worker's sampling profiler (it slowed the layouts by a third)
    profiling = executor.client.run(_profiling)
    assert profiling
    assert not any(profiling.values())


def _profiling(dask_worker: Any) -> bool:
    return "profile" in dask_worker.periodic_callbacks


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A demo organisation of 120 reps (two chunks of letters), with the built-in templates
    copied as the admin's own folder (it is shipped to the workers too), and the local
    runner's output. Outputs are compared beside it: the issue list links to the inputs by
    relative paths."""
    root = tmp_path_factory.mktemp("demo")
    write_demo(root / "demo", reps=120)
    shutil.copytree(TEMPLATES, root / "templates")
    run(root / "demo", root / "local", templates=root / "templates")
    return root / "demo", root / "local"


@pytest.mark.slow
def test_a_demo_organisation_gives_the_same_bytes(
    executor: DaskExecutor, demo: tuple[Path, Path], tmp_path: Path
) -> None:
    folder, local = demo
    output = local.parent / "dask"
    run(folder, output, templates=local.parent / "templates", executor=executor)
    assert_same_run(local, output)


class _KillOnce:
    """Progress that kills a worker busy with a task when the first document is done."""

    def __init__(self, client: distributed.Client) -> None:
        self.client = client
        self.stage_name = ""
        self.killed: int | None = None

    def stage(self, name: str, total: int | None = None) -> None:
        self.stage_name = name

    def note(self, message: str) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        if self.stage_name != "documents" or self.killed is not None:
            return
        busy = [worker for worker, keys in self.client.processing().items() if keys]
        if busy:
            self.killed = self.client.run(os.getpid, workers=[busy[0]])[busy[0]]
            os.kill(self.killed, signal.SIGKILL)


@pytest.mark.slow
def test_a_worker_killed_mid_run_still_gives_the_whole_output(demo: tuple[Path, Path]) -> None:
    folder, local = demo
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = distributed.Client(cluster)
    try:
        progress = _KillOnce(client)
        output = local.parent / "killed"
        executor = DaskExecutor(client, "local:2")
        run(
            folder,
            output,
            templates=local.parent / "templates",
            executor=executor,
            progress=progress,
        )
    finally:
        client.close()
        cluster.close()
    assert progress.killed is not None
    assert_same_run(local, output)
