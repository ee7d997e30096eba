"""Nothing a run does can lose the admin's data: the output never overlaps the inputs, cleaning up
touches only what this run made, a symlinked output stays a link, a failed or interrupted run keeps
the old output and the history it was given, and every failure is one line with exit status 2."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import files_state, interruptible
from filelock import FileLock

from salesbook import batch
from salesbook.cli import cli
from salesbook.errors import SalesbookError
from salesbook.files import lock_path

SAMPLE = Path(__file__).parent.parent / "workbooks"
SALESBOOK = Path(sys.executable).with_name("salesbook")


def salesbook(*args: object, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SALESBOOK), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    shutil.copytree(SAMPLE, folder)
    return folder


# --- 1. the output never overlaps the inputs -------------------------------------------------------


@pytest.mark.parametrize(
    "where", ["same", "parent", "inside", "same-via-link"], ids=lambda w: f"output-{w}"
)
def test_output_overlapping_the_inputs_is_refused(sample: Path, tmp_path: Path, where: str) -> None:
    link = tmp_path / "link-to-in"
    link.symlink_to(sample)
    output = {
        "same": sample,
        "parent": tmp_path,
        "inside": sample / "output",
        "same-via-link": link,
    }[where]
    before = files_state(sample)
    done = salesbook("run", sample, "-o", output, "--no-pdf", "-q")
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "重叠" in done.stderr
    assert "Traceback" not in done.stderr
    assert files_state(sample) == before
    assert not (sample / "output").exists()


def test_history_inside_the_inputs_is_refused(sample: Path, tmp_path: Path) -> None:
    before = files_state(sample)
    done = salesbook(
        "run", sample, "-o", tmp_path / "out", "--history", sample / "h.sqlite", "--no-pdf"
    )
    assert done.returncode == 2
    assert "历史数据库" in done.stderr
    assert files_state(sample) == before
    assert not (tmp_path / "out").exists()


def test_a_folder_salesbook_did_not_write_is_never_replaced(sample: Path, tmp_path: Path) -> None:
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "合同.docx").write_bytes(b"the admin's own file")
    done = salesbook("run", sample, "-o", documents, "--no-pdf", "-q")
    assert done.returncode == 2
    assert "不是 salesbook 写出的" in done.stderr
    assert [p.name for p in documents.iterdir()] == ["合同.docx"]
    assert (documents / "合同.docx").read_bytes() == b"the admin's own file"


# --- cleaning up only what this run made ---------------------------------------------------------------


def test_another_outputs_staging_folder_is_left_alone(sample: Path, tmp_path: Path) -> None:
    """`out` and `out.q3` share a prefix: the run on `out` must not clean up `out.q3`'s stage."""
    other = tmp_path / ".out.q3.salesbook-staging"
    other.mkdir()
    (other / "half-written.pdf").write_bytes(b"%PDF-")
    other_old = tmp_path / "out.q3.salesbook-old"
    other_old.mkdir()
    done = salesbook("run", sample, "-o", tmp_path / "out", "--no-pdf", "-q")
    assert done.returncode in (0, 1), done.stderr
    assert (other / "half-written.pdf").read_bytes() == b"%PDF-"
    assert other_old.is_dir()


def test_a_stage_missing_a_listed_file_is_not_swapped_in(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "out"
    batch.run(sample, output, pdf=False)
    before = files_state(output)
    from salesbook import manifest

    listed = manifest.listed
    monkeypatch.setattr(manifest, "listed", lambda stage: [*listed(stage), stage / "lost.pdf"])
    with pytest.raises(SalesbookError, match="不完整"):
        batch.run(sample, output, pdf=False, reuse=False)
    assert files_state(output) == before
    assert not (tmp_path / ".out.salesbook-staging").exists()


def test_the_lock_is_taken_before_anything_is_read(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "out"

    def must_not_read(*args: object, **kwargs: object) -> None:
        raise AssertionError("read while another run held the output")

    monkeypatch.setattr(batch, "load", must_not_read)
    with FileLock(lock_path(output)), pytest.raises(SalesbookError, match="另一个 salesbook"):
        batch.run(sample, output, pdf=False)


def test_a_symlinked_output_stays_a_link(sample: Path, tmp_path: Path) -> None:
    target = tmp_path / "shared" / "salesbook-output"
    target.mkdir(parents=True)
    link = tmp_path / "out"
    link.symlink_to(target)
    for _ in range(2):  # the second run replaces an existing output through the link
        done = salesbook("run", sample, "-o", link, "--no-pdf", "-q", "--redo")
        assert done.returncode in (0, 1), done.stderr
        assert link.is_symlink()
        assert link.resolve() == target.resolve()
        assert (target / "manifest.json").is_file()
    assert salesbook("verify", link).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out", "shared"]


# --- 3. failures are one line, exit 2; Ctrl-C is 130 ------------------------------------------------


def test_an_unexpected_failure_is_one_line_exit_2_with_a_log(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom in the reader")

    monkeypatch.setattr("salesbook.cli.check_folder", broken)
    result = CliRunner().invoke(cli, ["validate", str(sample)])
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1
    assert "boom in the reader" in line
    log = Path(line.split("详情见 ")[1].split(" ")[0])
    assert "RuntimeError: boom in the reader" in log.read_text("utf-8")
    log.unlink()


@pytest.mark.slow
def test_ctrl_c_exits_130_and_keeps_the_old_output(sample: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    assert salesbook("run", sample, "-o", output, "--no-pdf", "-q").returncode in (0, 1)
    before = files_state(output)
    process = subprocess.Popen(
        [str(SALESBOOK), "run", str(sample), "-o", str(output), "--redo", "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,
    )
    staging = tmp_path / ".out.salesbook-staging"
    deadline = time.monotonic() + 60
    while not staging.exists() and time.monotonic() < deadline:  # mid-run: the stage exists
        time.sleep(0.05)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "已中断" in stderr
    assert "Traceback" not in stderr
    assert files_state(output) == before
    assert not staging.exists()


def test_a_full_disk_is_one_line_and_keeps_the_old_output(sample: Path, tmp_path: Path) -> None:
    # A disk that holds one output but not a second one beside it (the staged re-run).
    trial = tmp_path / "trial"
    assert salesbook("run", sample, "-o", trial, "--no-pdf", "-q").returncode in (0, 1)
    # in whole 4 KiB pages, as tmpfs counts them, one for each folder too
    size = sum(
        -(-f.stat().st_size // 4096) * 4096 if f.is_file() else 4096 for f in trial.rglob("*")
    )
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size * 3 // 2 // 1024 + 64}k", "tmpfs", str(disk)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("a small tmpfs cannot be mounted here (needs root)")
    try:
        output = disk / "out"
        first = salesbook("run", sample, "-o", output, "--no-pdf", "-q")
        assert first.returncode in (0, 1), first.stderr
        before = files_state(output)
        second = salesbook("run", sample, "-o", output, "--no-pdf", "-q", "--redo")
        assert second.returncode == 2, second.stdout + second.stderr
        assert "磁盘空间不足" in second.stderr
        assert "Traceback" not in second.stderr
        assert files_state(output) == before
    finally:
        subprocess.run(["umount", str(disk)], check=False)


# --- manifests and history that are not what salesbook wrote -----------------------------------------


@pytest.mark.parametrize(
    "edit",
    [
        lambda m: {**m, "outputs": "everything"},
        lambda m: {**m, "products": {"summary": {"key": m["products"]["summary"]["key"],
                                                 "files": ["../../in/销售目标分解表.xlsx"]}}},
        lambda m: [m],
        lambda m: {**m, "outputs": [{"path": 3}]},
    ],
    ids=["outputs-text", "files-outside", "list", "path-number"],
)  # fmt: skip
def test_a_hand_edited_manifest_is_rebuilt_with_a_warning(
    sample: Path, tmp_path: Path, edit: object
) -> None:
    output = tmp_path / "out"
    assert salesbook("run", sample, "-o", output, "--no-pdf", "-q").returncode in (0, 1)
    manifest = json.loads((output / "manifest.json").read_text("utf-8"))
    (output / "manifest.json").write_text(json.dumps(edit(manifest)), "utf-8")  # type: ignore[operator]
    assert salesbook("verify", output).returncode == 2  # nothing to check against: one line
    before = files_state(sample)
    done = salesbook("run", sample, "-o", output, "--no-pdf", "-q")
    assert done.returncode in (0, 1), done.stderr
    assert "manifest" in done.stdout
    assert "重新生成" in done.stdout
    assert salesbook("verify", output).returncode == 0
    assert files_state(sample) == before


@pytest.mark.parametrize(
    "content",
    [b"this is a text file, not a database\n", b"SQLite format 3\x00" + b"\xff" * 200],
    ids=["text", "broken-sqlite"],
)
def test_a_history_that_is_not_a_history_database_is_refused(
    sample: Path, tmp_path: Path, content: bytes
) -> None:
    history = tmp_path / "history.sqlite"
    history.write_bytes(content)
    done = salesbook("run", sample, "-o", tmp_path / "out", "--history", history, "--no-pdf")
    assert done.returncode == 2
    assert "不是 salesbook 的历史数据库" in done.stderr
    assert history.read_bytes() == content
    listing = salesbook("history", history)
    assert listing.returncode == 2
    assert "Traceback" not in listing.stderr


def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path, sample: Path) -> None:
    other = tmp_path / "crm.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE customers (name TEXT)")
    before = other.read_bytes()
    done = salesbook("run", sample, "-o", tmp_path / "out", "--history", other, "--no-pdf")
    assert done.returncode == 2
    assert "另一个程序" in done.stderr
    assert other.read_bytes() == before


def test_history_of_a_missing_file_is_exit_2(tmp_path: Path) -> None:
    done = salesbook("history", tmp_path / "nowhere.sqlite")
    assert done.returncode == 2
    assert "不存在" in done.stderr


@pytest.mark.slow
def test_a_rerun_leaves_the_history_byte_identical(sample: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    assert salesbook("run", sample, "-o", output, "--no-pdf", "-q").returncode in (0, 1)
    first = (output / "history.sqlite").read_bytes()
    assert salesbook("run", sample, "-o", output, "--no-pdf", "-q", "--redo").returncode in (0, 1)
    assert (output / "history.sqlite").read_bytes() == first


def test_a_failed_run_writes_nothing_to_the_given_history(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = tmp_path / "kept" / "history.sqlite"
    output = tmp_path / "out"
    batch.run(sample, output, pdf=False, history=history)
    before = history.read_bytes(), history.stat().st_mtime_ns
    with sqlite3.connect(history) as db:  # forget the letter numbers: the next run assigns them
        db.execute("DELETE FROM letters")
    before = history.read_bytes(), history.stat().st_mtime_ns

    def fail(*args: object, **kwargs: object) -> None:
        raise SalesbookError("the printer caught fire")

    monkeypatch.setattr("salesbook.letters.render_letters", fail)
    with pytest.raises(SalesbookError, match="printer"):
        batch.run(sample, output, history=history, reuse=False)
    assert (history.read_bytes(), history.stat().st_mtime_ns) == before
    assert sorted(p.name for p in history.parent.iterdir()) == ["history.sqlite"]


def test_the_summary_failing_beside_the_copies_fails_the_run_with_its_error(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The summary is made in a child beside the filled copies; its error comes back as it was
    raised (a full disk is still the one-line message) and the old output stays."""
    import errno

    output = tmp_path / "out"
    batch.run(sample, output, pdf=False)
    before = files_state(output)

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "汇总-2026Q3.xlsx")

    monkeypatch.setattr("salesbook.summary.write_summary", full)
    with pytest.raises(OSError, match="No space left") as raised:
        batch.run(sample, output, pdf=False, reuse=False)
    assert raised.value.errno == errno.ENOSPC
    result = CliRunner().invoke(cli, ["run", str(sample), "-o", str(output), "--no-pdf", "--redo"])
    assert result.exit_code == 2
    assert "磁盘空间不足" in result.output
    assert "汇总-2026Q3.xlsx" in result.output
    assert files_state(output) == before
