"""Writing outputs so that nothing is lost or half-written, and equal content gives equal bytes.

- `write_atomically`: one file, written beside its target and moved into place.
- `staged_output`: a whole output folder, built beside the target under a lock and swapped in at
  the end, so readers see the old folder or the new one, never a mix.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from salesbook.errors import OutputError

# What no output file name may hold or be, on Linux, macOS or Windows (letters, filled copies).
UNSAFE_IN_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f-\x9f]')
RESERVED_NAMES = re.compile(r"^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$", re.IGNORECASE)

_UMASK = os.umask(0o022)
os.umask(_UMASK)


def write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary file beside `target`, then move it into place: whole or not at all."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    os.close(handle)
    try:
        write(Path(temporary))
        os.chmod(temporary, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs are for sharing
        os.replace(temporary, target)
    except PermissionError as error:
        raise OutputError(f"无法写入 {target}（文件是否在 Excel 中打开？）：{error}") from error
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


# --- the output folder as one unit ---------------------------------------------------------------

STAGING_SUFFIX = ".salesbook-staging"
MARKERS = ("manifest.json", "salesbook.log", "问题清单")  # what outputs salesbook made hold
# (问题清单/ is what `salesbook watch` writes into an output before its first run)
LIVE_EN = "Issues"  # what `watch --lang en` writes there instead (manifest.LIVE_EN)


def real_output(output: Path) -> Path:
    """The folder a run writes: a symlinked output is followed, so the link itself is kept."""
    return Path(os.path.realpath(output))


def lock_path(output: Path) -> Path:
    """The lock sits beside the output folder, which is itself replaced by each run."""
    return output.parent / f".{output.name}.salesbook.lock"


def staging_path(output: Path) -> Path:
    """The one staging folder of `output`: its exact name, so cleaning up after a killed run can
    never touch the staging folder of another output (`out` vs `out.q3`)."""
    return output.parent / f".{output.name}{STAGING_SUFFIX}"


def check_separate(inputs: Path, output: Path, what: str = "输出文件夹") -> None:
    """Refuse an output that is the input folder, holds it or lies inside it: the swap would
    delete the workbooks, and a run would read its own outputs back as input."""
    folder, target = Path(os.path.realpath(inputs)), real_output(output)
    if folder == target or folder.is_relative_to(target) or target.is_relative_to(folder):
        raise OutputError(
            f"{what} {output} 与工作簿文件夹 {inputs} 重叠（相同、包含或位于其中），请换一个位置"
            f" (the output must be outside the workbook folder and must not contain it)"
        )


def _is_salesbook_output(folder: Path) -> bool:
    """An existing output may be replaced only if salesbook made it (or it is empty)."""
    try:
        names = {entry.name for entry in os.scandir(folder)}
    except OSError:
        return False
    return (
        not names
        or any(marker in names for marker in MARKERS)
        or (names == {LIVE_EN} and _only_issue_lists(folder / LIVE_EN))
    )


def _only_issue_lists(folder: Path) -> bool:
    """An output the English watcher wrote before a first run: nothing but Issues/ holding
    .xlsx lists. "Issues" is a common name, so a folder of one's own is never taken for it."""
    try:
        entries = list(folder.rglob("*"))
    except OSError:
        return False
    return folder.is_dir() and all(p.is_dir() or p.suffix.lower() == ".xlsx" for p in entries)


@contextmanager
def output_lock(output: Path, wait: float = 0) -> Iterator[Path]:
    """Hold `output`'s lock (taken before the inputs are read); yields the real output path."""
    output = real_output(output.absolute())
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(lock_path(output), timeout=wait)
        lock.acquire()
    except Timeout as error:
        raise OutputError(
            f"另一个 salesbook 正在写入 {output}，请等它结束后再运行"
            f" (another run is writing this output; lock {lock_path(output)})"
        ) from error
    except OSError as error:
        raise OutputError(f"无法创建输出文件夹 {output}：{error}") from error
    try:
        yield output
    finally:
        lock.release()


@contextmanager
def staged_output(
    output: Path, expected: Callable[[Path], list[Path]] | None = None
) -> Iterator[Path]:
    """Yield an empty folder beside `output`; on a clean exit it replaces `output` in one step.

    The caller holds `output_lock(output)` and passes the real path it yields. `expected(stage)`
    lists the files the stage must hold before the swap (its manifest's); one missing fails the
    run. On an exception the staging folder is removed and `output` is left as it was.
    """
    if output.exists() and not output.is_dir():
        raise OutputError(f"输出位置 {output} 是一个文件，不是文件夹 (output is a file)")
    if output.is_dir() and not _is_salesbook_output(output):
        raise OutputError(
            f"输出文件夹 {output} 里已有不是 salesbook 写出的文件，为免覆盖，请指定一个空的或新的文件夹"
            f" (the output folder holds files salesbook did not write; choose an empty or new one)"
        )
    _remove_leftovers(output)
    staging = staging_path(output)
    staging.mkdir()
    os.chmod(staging, 0o777 & ~_UMASK)
    try:
        yield staging
        if expected is not None:
            _check_complete(staging, expected(staging))
        _swap_in(staging, output)
    finally:
        _remove_tree(staging)


def _check_complete(stage: Path, listed: list[Path]) -> None:
    missing = [path for path in listed if not path.is_file()]
    if missing:
        shown = ", ".join(p.relative_to(stage).as_posix() for p in missing[:3])
        raise OutputError(
            f"临时输出不完整，缺少 {len(missing)} 个文件（{shown}），已保留上次的输出"
            f" (the staged output lacks {len(missing)} listed files; the old output is kept)"
        )


def _remove_tree(path: Path) -> None:
    """Remove a folder salesbook made; a symlink in its place is unlinked, never followed."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


def _remove_leftovers(output: Path) -> None:
    """What a killed run of this output left behind; only ever touched while holding the lock."""
    old = _old(output)
    if old.is_dir() and not old.is_symlink():  # killed between the two renames of the fallback
        if output.exists():
            _remove_tree(old)
        else:
            os.rename(old, output)
    _remove_tree(staging_path(output))


def _old(output: Path) -> Path:
    return output.with_name(output.name + ".salesbook-old")


def _swap_in(staging: Path, output: Path) -> None:
    """Put `staging` at `output`; the old output ends at `staging` and is deleted by the caller."""
    if not output.exists():
        os.rename(staging, output)
        staging.mkdir()  # the caller removes it
        return
    if _exchange(staging, output):
        return
    # No atomic exchange here (not Linux): two renames, with a short window where a reader
    # finds no folder; a kill in that window leaves the old output at `.old`, restored next run.
    old = _old(output)
    os.rename(output, old)
    os.rename(staging, output)
    os.rename(old, staging)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically with Linux renameat2(RENAME_EXCHANGE); False when unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange)
    if result != 0:
        errno = ctypes.get_errno()
        if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: the file system cannot
            return False
        raise OutputError(f"无法替换输出文件夹 {second}：{os.strerror(errno)}")
    return True
