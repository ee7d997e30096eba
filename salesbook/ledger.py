"""Past periods' figures in an embedded SQLite database: trends, 最佳进步奖, 成长进步榜 (SPEC §1.3–1.4).

Each run records its period's figures per person, region and indicator; re-running a period replaces
that period's rows and nothing else, in one transaction. A run works on a copy (`working_copy`) and
`settle`s it into a fresh file with sorted rows, so the same content always gives the same bytes and
a failed run leaves the database it was given untouched.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from salesbook.errors import BadValue, HistoryError
from salesbook.values import (
    Period,
    month_period,
    parse_period,
    quarter_period,
    year_period,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    period TEXT PRIMARY KEY,      -- 2026-10, 2026Q4, 2026
    kind TEXT NOT NULL,           -- month, quarter, year
    as_of TEXT NOT NULL,
    salesbook TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS letters (
    period TEXT NOT NULL,         -- the targets' period the letter is for
    owner TEXT NOT NULL,
    seq INTEGER NOT NULL,         -- the document number's sequence: once given, kept
    PRIMARY KEY (period, owner)
);
CREATE TABLE IF NOT EXISTS issued (   -- every version of every letter, as issued (versions.py)
    period TEXT NOT NULL,
    owner TEXT NOT NULL,
    version INTEGER NOT NULL,     -- 1, then 2, 3 … for each change after issue
    number TEXT NOT NULL,         -- the 文号 as printed: XS-2026Q3-004, XS-2026Q3-004-2
    targets TEXT NOT NULL,        -- JSON: what the letter states, Decimals as exact text
    clauses TEXT NOT NULL,        -- JSON: reward and penalty as printed
    content TEXT NOT NULL,        -- sha256 of targets and clauses
    template TEXT NOT NULL,       -- JSON: the template files used and their sha256
    run_period TEXT NOT NULL,     -- the run that issued it: period, as-of, salesbook version
    run_as_of TEXT NOT NULL,
    salesbook TEXT NOT NULL,
    issued_on TEXT NOT NULL,      -- the run's day (its --today)
    PRIMARY KEY (period, owner, version)
);
CREATE TABLE IF NOT EXISTS changes (  -- what changed between a version and the one before
    period TEXT NOT NULL,
    owner TEXT NOT NULL,
    version INTEGER NOT NULL,     -- the version the change made
    number TEXT NOT NULL,         -- the 文号 of the version it changed
    item TEXT NOT NULL,           -- the target (总体目标 / 目标维度) or clause
    field TEXT NOT NULL,          -- target, deadline, standard, owner, added, removed, reward …
    old TEXT NOT NULL,
    new TEXT NOT NULL,
    detected TEXT NOT NULL,       -- the run's day
    PRIMARY KEY (period, owner, version, item, field)
);
CREATE TABLE IF NOT EXISTS figures (
    period TEXT NOT NULL REFERENCES runs(period) ON DELETE CASCADE,
    scope TEXT NOT NULL,          -- person, region, indicator
    name TEXT NOT NULL,
    metric TEXT NOT NULL,         -- attainment, actual, target, score, value, ...
    value TEXT NOT NULL,          -- a Decimal as text: exact, never float
    PRIMARY KEY (period, scope, name, metric)
);
"""

Row = tuple[str, str, str, Decimal]  # scope, name, metric, value
TABLES = {
    "runs": ("period", "kind", "as_of", "salesbook"),
    "letters": ("period", "owner", "seq"),
    "issued": (
        "period",
        "owner",
        "version",
        "number",
        "targets",
        "clauses",
        "content",
        "template",
        "run_period",
        "run_as_of",
        "salesbook",
        "issued_on",
    ),
    "changes": (
        "period",
        "owner",
        "version",
        "number",
        "item",
        "field",
        "old",
        "new",
        "detected",
    ),
    "figures": ("period", "scope", "name", "metric", "value"),
}


def check(path: Path) -> None:
    """Raise HistoryError unless `path` is missing, empty or a salesbook history database."""
    if not path.exists() or (path.is_file() and path.stat().st_size == 0):
        return
    if not path.is_file():
        raise HistoryError(f"历史数据库 {path} 不是一个文件 (the history path is not a file)")
    try:
        connection = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            found = {
                table: tuple(row[1] for row in connection.execute(f"PRAGMA table_info({table})"))
                for (table,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            }
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise HistoryError(
            f"{path} 不是 salesbook 的历史数据库（{error}），请指定正确的文件或新的文件名"
            f" ({path} is not a salesbook history database)"
        ) from error
    if any(found.get(table, columns) != columns for table, columns in TABLES.items()) or (
        found and not set(TABLES) & set(found)
    ):
        raise HistoryError(
            f"{path} 是另一个程序的数据库，不是 salesbook 的历史数据库，请指定正确的文件或新的文件名"
            f" ({path} is a database of another program, not a salesbook history)"
        )


def connect(path: Path) -> sqlite3.Connection:
    check(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        connection = sqlite3.connect(path)
        connection.execute("PRAGMA foreign_keys = ON")
        connection.executescript(SCHEMA)
    except sqlite3.Error as error:
        raise HistoryError(f"无法打开历史数据库 {path}：{error}") from error
    return connection


def working_copy(source: Path, target: Path | None = None) -> Path:
    """A copy of `source` (checked first; when missing, no file) at `target`, by default a hidden
    file beside `source`, for this run to write into."""
    check(source)
    if target is None:
        source.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(
            dir=source.parent, prefix=f".{source.name}.", suffix=".salesbook-working"
        )
        os.close(handle)
        target = Path(name)
        target.unlink()
    if source.is_file():
        shutil.copyfile(source, target)
    return target


def settle(path: Path) -> None:
    """Rewrite the database as a fresh file with every row in sorted order: equal content, equal
    bytes (SQLite otherwise keeps free pages and change counters that differ run to run)."""
    connection = connect(path)
    try:
        rows = {
            table: sorted(connection.execute(f"SELECT {', '.join(columns)} FROM {table}"))
            for table, columns in TABLES.items()
        }
    finally:
        connection.close()
    fresh = path.with_name(path.name + ".fresh")
    fresh.unlink(missing_ok=True)
    connection = sqlite3.connect(fresh)
    try:
        connection.executescript(SCHEMA)
        with connection:
            for table, columns in TABLES.items():
                marks = ", ".join("?" for _ in columns)
                connection.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows[table]
                )
    finally:
        connection.close()
    os.replace(fresh, path)


def record(path: Path, period: Period, as_of: str, version: str, rows: list[Row]) -> None:
    """Replace `period`'s figures with `rows`, all or nothing."""
    connection = connect(path)
    try:
        with connection:  # one transaction: commit on success, roll back on any error
            connection.execute("DELETE FROM runs WHERE period = ?", (period.label,))
            connection.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?)", (period.label, period.kind, as_of, version)
            )
            connection.executemany(
                "INSERT OR REPLACE INTO figures VALUES (?, ?, ?, ?, ?)",
                [
                    (period.label, scope, name, metric, str(value))
                    for scope, name, metric, value in rows
                ],
            )
    finally:
        connection.close()


def previous_period(period: Period) -> Period:
    """The period just before: last month, last quarter or last year."""
    start = period.start
    if period.kind == "month":
        return month_period(start.year - (start.month == 1), (start.month - 2) % 12 + 1)
    if period.kind == "quarter":
        quarter = (start.month - 1) // 3 + 1
        return quarter_period(start.year - (quarter == 1), (quarter - 2) % 4 + 1)
    return year_period(start.year - 1)


def values(path: Path | None, period: Period, scope: str, metric: str) -> dict[str, Decimal]:
    """name -> value of one metric in one period; empty when nothing is stored."""
    if path is None or not path.exists():
        return {}
    connection = connect(path)
    try:
        rows = connection.execute(
            "SELECT name, value FROM figures WHERE period = ? AND scope = ? AND metric = ?",
            (period.label, scope, metric),
        ).fetchall()
    finally:
        connection.close()
    return {name: Decimal(value) for name, value in rows}


def series(
    path: Path | None, period: Period, scope: str, metric: str
) -> dict[str, list[tuple[str, Decimal]]]:
    """name -> [(period label, value)] for stored periods of the same kind ending before `period`."""
    if path is None or not path.exists():
        return {}
    connection = connect(path)
    try:
        rows = connection.execute(
            "SELECT f.period, f.name, f.value FROM figures f JOIN runs r USING (period) "
            "WHERE r.kind = ? AND f.scope = ? AND f.metric = ?",
            (period.kind, scope, metric),
        ).fetchall()
    finally:
        connection.close()
    found: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for label, name, value in rows:
        try:
            if parse_period(label).end < period.start:
                found[name].append((label, Decimal(value)))
        except BadValue:
            continue
    return {name: sorted(points) for name, points in found.items()}


def stored(path: Path) -> list[tuple[str, str, str, int]]:
    """(period, kind, as-of, number of figures) for every stored run, oldest first; read only."""
    if not path.is_file():
        raise HistoryError(f"历史数据库不存在：{path} (no history database there)")
    check(path)
    connection = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        if "runs" not in tables:
            return []
        return connection.execute(
            "SELECT r.period, r.kind, r.as_of, COUNT(f.metric) FROM runs r "
            "LEFT JOIN figures f USING (period) GROUP BY r.period ORDER BY r.period"
        ).fetchall()
    finally:
        connection.close()


def letter_numbers(path: Path, period: str, owners: list[str]) -> dict[str, int]:
    """Each owner's letter sequence for `period`: kept across re-runs, new owners numbered next."""
    connection = connect(path)
    try:
        with connection:
            known = dict(
                connection.execute(
                    "SELECT owner, seq FROM letters WHERE period = ?", (period,)
                ).fetchall()
            )
            next_seq = max(known.values(), default=0) + 1
            for owner in owners:
                if owner not in known:
                    known[owner] = next_seq
                    connection.execute(
                        "INSERT INTO letters VALUES (?, ?, ?)", (period, owner, next_seq)
                    )
                    next_seq += 1
    finally:
        connection.close()
    return {owner: known[owner] for owner in owners}


def _read_only(path: Path | None, table: str, query: str) -> list[tuple] | None:
    """The rows of `query` on `table` of the history at `path`, opened read only; None when there
    is no history or it has no such table yet."""
    if path is None or not path.is_file() or path.stat().st_size == 0:
        return None
    check(path)
    connection = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        return connection.execute(query).fetchall() if table in tables else None
    finally:
        connection.close()


def issued_letters(path: Path | None) -> dict[tuple[str, str], list[dict[str, object]]]:
    """(period, owner) -> every issued version of its letter, oldest first; read only."""
    columns = TABLES["issued"]
    query = f"SELECT {', '.join(columns)} FROM issued ORDER BY period, owner, version"
    found: dict[tuple[str, str], list[dict[str, object]]] = defaultdict(list)
    for row in _read_only(path, "issued", query) or []:
        entry = dict(zip(columns, row, strict=True))
        found[str(entry["period"]), str(entry["owner"])].append(entry)
    return dict(found)


def letter_changes(path: Path | None) -> list[dict[str, object]]:
    """Every recorded change of an issued letter, in the order they were made; read only."""
    columns = TABLES["changes"]
    query = (
        f"SELECT {', '.join(columns)} FROM changes "
        "ORDER BY period, detected, owner, version, item, field"
    )
    return [
        dict(zip(columns, row, strict=True)) for row in _read_only(path, "changes", query) or []
    ]


def record_issued(
    path: Path, letters: list[dict[str, object]], changes: list[dict[str, object]]
) -> None:
    """Add new letter versions and the changes that made them, all or nothing; a version once
    recorded is never replaced."""
    connection = connect(path)
    try:
        with connection:
            for table, rows in (("issued", letters), ("changes", changes)):
                columns = TABLES[table]
                marks = ", ".join("?" for _ in columns)
                connection.executemany(
                    f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    [tuple(row[c] for c in columns) for row in rows],
                )
    finally:
        connection.close()


def known_letter_numbers(path: Path | None) -> dict[tuple[str, str], int]:
    """(period, owner) -> its letter sequence as given so far; read only."""
    rows = _read_only(path, "letters", "SELECT period, owner, seq FROM letters") or []
    return {(period, owner): seq for period, owner, seq in rows}
