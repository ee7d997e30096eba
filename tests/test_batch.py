"""The batch an admin can trust: inputs untouched, output swapped whole, a lock, a manifest that
`verify` checks, byte-identical re-runs whatever the time zone or file order, reuse, --strict."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import FOLLOW_UP_KEYS, TODAY, files_state, headers, write_book
from filelock import FileLock

from salesbook.cli import cli
from salesbook.files import lock_path

SAMPLE = Path(__file__).parent.parent / "workbooks"


def plant_error(folder: Path) -> None:
    """A follow-up dated 2023年13月45日: an error the run reports and works around."""
    write_book(
        folder / "补充跟进.xlsx",
        {
            "Sheet1": (
                headers("follow_up", keys=FOLLOW_UP_KEYS),
                [
                    [
                        "新客户",
                        "无名氏",
                        "2023年13月45日",
                        "电话",
                        "初次联系",
                        "有兴趣",
                        "寄样品",
                        "2023-10-20",
                    ]
                ],
            )
        },
    )


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def run(folder: Path, output: Path, *args: str) -> tuple[int, str, str]:
    code, out, err = invoke("run", str(folder), "-o", str(output), "--today", TODAY, *args)
    assert code in (0, 1), out + err
    return code, out, err


def hashes(folder: Path) -> dict[str, str]:
    return {path: digest for path, (digest, _) in files_state(folder).items()}


def test_manifest_lists_inputs_outputs_counts_and_timings(seed_org: Path, tmp_path: Path) -> None:
    plant_error(seed_org)
    output = tmp_path / "out"
    code, out, _ = run(seed_org, output, "--period", "2023Q4", "--no-pdf")
    manifest = json.loads((output / "manifest.json").read_text("utf-8"))
    assert manifest["period"] == "2023Q4"
    assert manifest["config"]["stale_days"] == 3
    inputs = {e["path"]: e for e in manifest["inputs"]}
    source = seed_org / "销售目标分解表.xlsx"
    assert (
        inputs["销售目标分解表.xlsx"]["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    )
    assert inputs["销售目标分解表.xlsx"]["size"] == source.stat().st_size
    listed = {e["path"]: e["sha256"] for e in manifest["outputs"]}
    on_disk = hashes(output)
    assert listed == {
        p: d for p, d in on_disk.items() if p not in ("manifest.json", "salesbook.log")
    }
    assert "workbooks/销售目标分解表.xlsx" in listed
    assert sum(manifest["issues"].values()) > 0
    assert (manifest["issues"]["error"] > 0) == (code == 1)
    assert set(manifest["timings"]) >= {"read", "compute", "check", "workbooks"}
    assert "manifest.json" in out
    assert "salesbook.log" in out
    log = (output / "salesbook.log").read_text("utf-8")
    assert "workbooks" in log
    assert "files written" in log


def test_verify_finds_changed_missing_and_added_files(seed_org: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    run(seed_org, output, "--period", "2023Q4", "--no-pdf")
    code, out, _ = invoke("verify", str(output))
    assert code == 0
    assert "未被改动" in out
    (output / "figures.json").write_text("{}", encoding="utf-8")
    (output / "问题清单.xlsx").unlink()
    (output / "extra.txt").write_text("x", encoding="utf-8")
    code, out, _ = invoke("verify", str(output), "--lang", "en")
    assert code == 1
    assert "changed  figures.json" in out
    assert "missing  问题清单.xlsx" in out
    assert "added  extra.txt" in out
    code, out, err = invoke("verify", str(tmp_path / "nowhere"))
    assert code == 2
    assert "manifest.json" in out + err
    assert "Traceback" not in out + err


@pytest.mark.slow
def test_same_inputs_give_identical_bytes_whatever_zone_locale_or_file_order(
    tmp_path: Path,
) -> None:
    """Two fresh runs in separate processes: other time zone, locale and directory order."""
    folder = tmp_path / "workbooks"
    names = sorted(p.relative_to(SAMPLE) for p in SAMPLE.rglob("*") if p.is_file())
    outputs = []
    for order, zone, locale in (
        (names, "UTC", "C.UTF-8"),
        (names[::-1], "Asia/Shanghai", "POSIX"),
    ):
        shutil.rmtree(folder, ignore_errors=True)
        for name in order:  # files created in another order come off the disk in another order
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(SAMPLE / name, folder / name)
        output = tmp_path / f"out-{zone.replace('/', '-')}"
        env = {**os.environ, "TZ": zone, "LC_ALL": locale, "LANG": locale}
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "salesbook",
                "run",
                str(folder),
                "-o",
                str(output),
                "--today",
                TODAY,
                "-q",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode in (0, 1), done.stderr
        outputs.append(output)
    first, second = (hashes(o) for o in outputs)
    assert sorted(first) == sorted(second)
    assert any(p.endswith(".pdf") for p in first)
    assert any(p.endswith(".xlsx") for p in first)
    differing = [p for p in first if first[p] != second[p]]
    assert differing == ["manifest.json", "salesbook.log"]
    manifests = [json.loads((o / "manifest.json").read_text("utf-8")) for o in outputs]
    for manifest in manifests:
        del manifest["timings"]
    assert manifests[0] == manifests[1]


@pytest.mark.slow
def test_unchanged_rerun_reuses_and_a_corrected_log_reprints_no_letter(
    seed_org: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    run(seed_org, output, "--period", "2023Q4")
    first = hashes(output)
    _, out, _ = run(seed_org, output, "--period", "2023Q4")
    assert "沿用上次未变的结果" in out
    again = hashes(output)
    ours = ("manifest.json", "salesbook.log")  # timings; the history is byte-identical too
    assert {p: d for p, d in again.items() if p not in ours} == {
        p: d for p, d in first.items() if p not in ours
    }
    products = json.loads((output / "manifest.json").read_text("utf-8"))["products"]
    letters = products["letters:2023Q4"]["files"]
    assert letters
    assert all(p.endswith(".pdf") for p in letters)
    inode = {p: (output / p).stat().st_ino for p in letters}

    # A follow-up log corrected (a deal not signed after all): the funnel and the reports
    # change, the letters (targets and terms only) are carried over, not rendered again.
    log = seed_org / "跟进记录.xlsx"
    book = openpyxl.load_workbook(log)
    book["Sheet1"]["I4"] = "商务谈判"
    book.save(log)
    run(seed_org, output, "--period", "2023Q4")
    assert {p: (output / p).stat().st_ino for p in letters} == inode  # linked, not re-rendered
    log_text = (output / "salesbook.log").read_text("utf-8")
    assert "reused letters:2023Q4" in log_text
    assert "reused reports" not in log_text
    assert hashes(output)["figures.json"] != first["figures.json"]

    _code, out, _ = run(seed_org, output, "--period", "2023Q4", "--redo")
    assert "沿用" not in out
    assert hashes(output)[letters[0]] == first[letters[0]]  # remade, same bytes


def test_strict_renders_no_letters_while_errors_remain(seed_org: Path, tmp_path: Path) -> None:
    plant_error(seed_org)
    output = tmp_path / "out"
    code, out, _ = run(seed_org, output, "--period", "2023Q4", "--strict")
    assert code == 1
    assert "--strict" in out
    assert not list(output.rglob("*.pdf"))
    assert (output / "问题清单.xlsx").is_file()
    assert (output / "figures.json").is_file()


def test_a_second_run_refuses_while_the_output_is_locked(seed_org: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    run(seed_org, output, "--period", "2023Q4", "--no-pdf")
    before = files_state(output)
    with FileLock(lock_path(output.absolute())):
        result = CliRunner().invoke(
            cli, ["run", str(seed_org), "-o", str(output), "--no-pdf", "--today", TODAY]
        )
    assert result.exit_code == 2
    assert "另一个 salesbook 正在写入" in result.output
    assert "Traceback" not in result.output
    assert files_state(output) == before


def test_a_failed_run_leaves_the_old_output_and_the_inputs_as_they_were(
    seed_org: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    run(seed_org, output, "--period", "2023Q4", "--no-pdf")
    old, inputs = files_state(output), files_state(seed_org)
    broken = tmp_path / "templates"
    broken.mkdir()
    (broken / "letters.html").write_text("{{ no_such_figure }}", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["run", str(seed_org), "-o", str(output), "--today", TODAY, "--templates", str(broken)],
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert files_state(output) == old
    assert files_state(seed_org) == inputs
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".salesbook-staging")]


@pytest.mark.slow
def test_killed_runs_leave_the_old_output_or_the_new_one(seed_org: Path, tmp_path: Path) -> None:
    """Kill `salesbook run` at random moments: the output always verifies, history stays sound."""
    output = tmp_path / "out"
    command = [sys.executable, "-m", "salesbook", "run", str(seed_org), "-o", str(output)]
    command += ["--today", TODAY, "--period", "2023Q4", "-q", "--redo"]
    subprocess.run(command, capture_output=True, check=False)
    inputs = files_state(seed_org)
    chance = random.Random(20261126)
    for _ in range(5):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(chance.uniform(0.3, 4.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
        done = subprocess.run(
            [sys.executable, "-m", "salesbook", "verify", str(output)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        with sqlite3.connect(output / "history.sqlite") as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert db.execute("SELECT count(*) FROM runs").fetchone()[0] >= 1
    assert files_state(seed_org) == inputs
    subprocess.run(command, capture_output=True, check=False)  # cleans what the kills left
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".salesbook-staging")]


@pytest.mark.parametrize("args", [["--quiet"], []])
def test_progress_is_one_line_per_stage_off_a_terminal(
    seed_org: Path, tmp_path: Path, args: list[str]
) -> None:
    _, _, err = run(seed_org, tmp_path / "out", "--period", "2023Q4", "--no-pdf", *args)
    lines = err.splitlines()
    assert [line.split("]")[0] + "]" for line in lines] == [
        "[读取文件]",
        "[计算]",
        "[检查]",
        "[写出工作簿]",
        "[写出清单]",
    ]
    assert lines[0].startswith("[读取文件] 4 ")  # four workbooks read


@pytest.mark.slow
def test_parallel_rendering_gives_the_same_bytes_as_one_process(
    seed_org: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Letters and appraisal sheets in chunks of two, spread over worker processes."""
    import pypdf

    from salesbook import chunks

    monkeypatch.setattr(chunks, "CHUNK", 2)
    one, two = tmp_path / "one", tmp_path / "two"
    run(seed_org, one, "--period", "2023Q4", "--jobs", "1")
    run(seed_org, two, "--period", "2023Q4", "--jobs", "2")
    first, second = hashes(one), hashes(two)
    pdfs = [p for p in first if p.endswith(".pdf")]
    assert len(pdfs) > 8
    assert {p: first[p] for p in pdfs} == {p: second[p] for p in pdfs}
    combined = pypdf.PdfReader(two / "责任书-2023Q4-全部.pdf")
    # 张经理, 王总, 李明, 王芳: the group 华东一组 gets no letter (SB-T014)
    assert len(combined.outline) == len(list((two / "责任书").glob("*.pdf"))) == 4


def test_a_failing_or_dying_worker_stops_the_run_with_a_message() -> None:
    from salesbook.errors import SalesbookError
    from salesbook.runner import run_tasks

    assert run_tasks([lambda: 1, lambda: 2, lambda: 3], jobs=2) == [1, 2, 3]

    def fails() -> int:
        raise SalesbookError("模板有误")

    with pytest.raises(SalesbookError, match="模板有误"):
        run_tasks([lambda: 1, fails], jobs=2)
    with pytest.raises(SalesbookError, match="worker process ended"):
        run_tasks([lambda: 1, lambda: os._exit(3)], jobs=2)
