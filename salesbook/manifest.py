"""output/manifest.json: what a run read and wrote, with hashes, so a result can be checked later.

Structure (format 1; README, "manifest.json"):
    format, salesbook, period, as_of, today, options, config,
    inputs:   [{path, size, sha256}]            relative to the workbook folder, sorted
    outputs:  [{path, size, sha256}]            relative to the output folder, sorted
    products: {name: {key, files}}              groups of outputs with the hash of what made them
    issues:   {error, warning, info}
    timings:  {stage: seconds}                  the only part that differs between equal runs

The manifest does not list itself or the log file (salesbook.log), which records wall-clock times,
nor the live folder 问题清单/ (LIVE; Issues/ in English), where `salesbook watch` keeps rewriting each input's issue
list while it runs: those lists are not products of the run, and `verify` neither checks nor counts
them as added.
A product's `key` hashes everything its files are made from; the next run of the same output reuses
the files when the key is unchanged and the files still hash as recorded.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from salesbook.files import sha256

NAME = "manifest.json"
LOG_NAME = "salesbook.log"
FORMAT = 1
UNLISTED = {NAME, LOG_NAME}
LIVE = "问题清单"  # OUTPUT/问题清单/: the watcher's lists (watch.REPORTS), outside the manifest
LIVE_EN = "Issues"  # the same with `watch --lang en` (files.LIVE_EN)
LIVE_FOLDERS = (LIVE, LIVE_EN)


def live_folder(lang: str = "zh") -> str:
    """The folder of OUTPUT the watcher keeps its lists in: Issues/ in English, else 问题清单/."""
    return LIVE_EN if lang == "en" else LIVE


def fingerprint(*parts: object) -> str:
    """A stable hash of JSON-able parts (dict keys sorted), for product keys."""
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def folder_fingerprint(folders: list[Path]) -> str:
    """Every file's relative path and content under `folders` (template folders, in order)."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(sha256(path).encode())
    return digest.hexdigest()


def file_entries(
    root: Path, paths: list[Path], known: dict[str, str] | None = None
) -> list[dict[str, object]]:
    """{path, size, sha256} per file, by relative path; `known` hashes are not computed again."""
    known = known or {}
    entries = []
    for path in paths:
        relative = path.relative_to(root).as_posix()
        digest = known.get(relative) or sha256(path)
        entries.append({"path": relative, "size": path.stat().st_size, "sha256": digest})
    return sorted(entries, key=lambda entry: str(entry["path"]))


def output_files(root: Path) -> list[Path]:
    """Every file the manifest covers: all but itself, the log and the live folder (either
    language's: a run and the watcher need not share one)."""
    return [
        path
        for path in root.rglob("*")
        if path.is_file()
        and path.relative_to(root).as_posix() not in UNLISTED
        and path.relative_to(root).parts[0] not in LIVE_FOLDERS
    ]


def load(output: Path) -> dict | None:
    """The manifest of a previous run in `output`, or None (none there, or unreadable)."""
    return read(output)[0]


def read(output: Path) -> tuple[dict | None, bool]:
    """(manifest, damaged): a manifest that is there but not as salesbook wrote it (hand-edited,
    cut short) is treated as absent, and `damaged` says so for a warning."""
    path = output / NAME
    if not path.is_file():
        return None, False
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None, True
    return (manifest, False) if _well_formed(manifest) else (None, True)


def _well_formed(manifest: object) -> bool:
    """The parts a later run or `verify` relies on, with the types salesbook writes."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return False
    outputs, products = manifest.get("outputs"), manifest.get("products", {})
    if not isinstance(outputs, list) or not isinstance(products, dict):
        return False
    for entry in outputs:
        if not (
            isinstance(entry, dict)
            and _relative(entry.get("path"))
            and isinstance(entry.get("sha256"), str)
        ):
            return False
    for product in products.values():
        if not (
            isinstance(product, dict)
            and isinstance(product.get("key"), str)
            and isinstance(product.get("files"), list)
            and all(_relative(name) for name in product["files"])
        ):
            return False
    return True


def _relative(name: object) -> bool:
    """A path inside the output folder: a hand-edited `../x` must not make a run read elsewhere."""
    if not isinstance(name, str) or not name or "\0" in name:
        return False
    parts = Path(name).parts
    return not Path(name).is_absolute() and ".." not in parts


def write(stage: Path, manifest: dict) -> None:
    text = json.dumps(manifest, ensure_ascii=False, indent=1)
    (stage / NAME).write_text(text + "\n", encoding="utf-8")


@dataclass
class Reuse:
    """Outputs of the previous run that can be carried over into the new one unchanged."""

    previous_root: Path
    previous: dict | None
    stage: Path
    products: dict[str, dict] = field(default_factory=dict)
    reused: list[str] = field(default_factory=list)
    verified: dict[str, str] = field(default_factory=dict)  # path -> sha256 of files carried over

    def __post_init__(self) -> None:
        self._recorded = {e["path"]: e["sha256"] for e in (self.previous or {}).get("outputs", [])}

    def take(self, name: str, key: str) -> list[Path] | None:
        """Link the product's previous files into the stage when its key and hashes still hold."""
        old = (self.previous or {}).get("products", {}).get(name)
        if not old or old.get("key") != key:
            return None
        files = old.get("files", [])
        for relative in files:
            source = self.previous_root / relative
            if self._recorded.get(relative) is None or not source.is_file():
                return None
            if sha256(source) != self._recorded[relative]:  # edited since: make it again
                return None
        taken = []
        for relative in files:
            self.verified[relative] = self._recorded[relative]
            target = self.stage / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            _link_or_copy(self.previous_root / relative, target)
            taken.append(target)
        self.record(name, key, taken)
        self.reused.append(name)
        return taken

    def record(self, name: str, key: str, files: list[Path]) -> None:
        self.products[name] = {
            "key": key,
            "files": sorted(path.relative_to(self.stage).as_posix() for path in files),
        }


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link costs nothing; the old output folder is deleted once the new one is in place."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def verify(output: Path) -> tuple[list[str], list[str], list[str]] | None:
    """Files changed, missing and added since the manifest was written; None without a manifest."""
    manifest = load(output)
    if manifest is None:
        return None
    recorded = {e["path"]: e["sha256"] for e in manifest.get("outputs", [])}
    present = {p.relative_to(output).as_posix(): p for p in output_files(output)}
    changed = sorted(
        p for p, digest in recorded.items() if p in present and sha256(present[p]) != digest
    )
    missing = sorted(p for p in recorded if p not in present)
    added = sorted(p for p in present if p not in recorded)
    return changed, missing, added


def listed(stage: Path) -> list[Path]:
    """Every file the stage's manifest says the run wrote (the manifest and log included)."""
    manifest, _ = read(stage)
    if manifest is None:
        return [stage / NAME]
    return [stage / NAME, stage / LOG_NAME] + [stage / e["path"] for e in manifest["outputs"]]
