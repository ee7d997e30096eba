"""Past periods' figures in an embedded SQLite database: trends, 最佳进步奖, 成长进步榜 (SPEC §1.3–1.4).

Each run records its period's figures per person, region and indicator; re-running a period replaces
that period's rows and nothing else, in one transaction.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from salesbook.values import (
    BadValue,
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


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA foreign_keys = ON")
    connection.executescript(SCHEMA)
    return connection


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
    """(period, kind, as-of, number of figures) for every stored run, oldest first."""
    if not path.exists():
        return []
    connection = connect(path)
    try:
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
