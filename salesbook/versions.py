"""The 责任书 over its life: what each issued letter stated, changes since, who has signed.

Every letter a run prints is recorded in the history (ledger `issued`): the targets and clauses it
states, their hash, the template and the run. A later run compares each letter with its latest
issued version: the same content records nothing; a changed target (value, deadline, standard,
owner) gives SB-T017 and a new version (文号 suffix -2, -3 …, 变更版 on the page), or with
`letters.lock` SB-T018 and the issued version printed again. Signatures come from the 签署日期
column of 目标分解; letters unsigned N working days into the period give SB-T019.

Only the history is read here; `record` (called where letters are numbered) writes it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from salesbook import ledger
from salesbook.issues import Issue, Location
from salesbook.values import PLACEHOLDER, parse_period
from salesbook.workdays import WorkCalendar

if TYPE_CHECKING:
    from salesbook.compute import Figures
    from salesbook.config import Config
    from salesbook.read import Book

# What changed, in both languages (the issue's {what} and the review's 变更内容).
WHAT = {
    "target": {"zh": "目标值", "en": "target value"},
    "deadline": {"zh": "时间节点", "en": "deadline"},
    "standard": {"zh": "完成标准", "en": "standard"},
    "owner": {"zh": "责任人", "en": "owner"},
    "share": {"zh": "占比", "en": "share"},
    "added": {"zh": "新增目标", "en": "added target"},
    "removed": {"zh": "删除目标", "en": "removed target"},
    "reward": {"zh": "奖励条款", "en": "reward clause"},
    "penalty": {"zh": "惩罚条款", "en": "penalty clause"},
    "content": {"zh": "其他内容（月度分解等）", "en": "other content (run-rates)"},
}
# The fields of a target a letter states, as figures.json holds them.
STATED = (
    "overall", "metric", "dimension", "dimension_type", "name", "target", "unit", "share",
    "months", "quarters", "weekly", "daily", "standard", "deadline",
)  # fmt: skip


NO_NUMBER = {"zh": "（文号未知：未指定历史数据库）", "en": "(number unknown: no history given)"}


def numbered(base: str, version: int) -> str:
    """The 文号 of a version: the first has none, then -2, -3 …"""
    return base if version <= 1 else f"{base}-{version}"


def _signs(figures: dict, period: str, owner: str) -> bool:
    decided = (figures.get("documents") or {}).get("letters")
    if decided is not None:
        return owner in decided.get(period, [])
    return bool(owner) and not PLACEHOLDER.match(owner)


def stated(document: dict) -> dict[tuple[str, str], dict]:
    """(period, owner) -> what the letter states: its targets (exact text) and clauses."""
    figures, config = document["figures"], document["config"]
    letters: dict[tuple[str, str], dict] = {}
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for target in figures.get("targets", []):
        owner = (target.get("owner") or "").strip()
        if not _signs(figures, target["period"], owner):
            continue
        item = f"{target.get('overall') or target.get('metric')} / {target.get('dimension') or ''}"
        seen[target["period"], item] += 1
        if seen[target["period"], item] > 1:  # the same target twice: told apart by its place
            item += f" #{seen[target['period'], item]}"
        entry = {"item": item, "owner": owner}
        for key in STATED:
            value = target.get(key)
            entry[key] = (value or {}).get("text") if key == "standard" else value
        letter = letters.setdefault(
            (target["period"], owner),
            {
                "targets": [],
                "clauses": {"reward": config["letter_reward"], "penalty": config["letter_penalty"]},
            },
        )
        letter["targets"].append(entry)
    return letters


def content_hash(letter: dict) -> str:
    text = json.dumps([letter["targets"], letter["clauses"]], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _amount(target: dict | None) -> str:
    if target is None:
        return "—"
    return f"{target['target']}{target.get('unit') or ''}"


def _diff(
    old: dict, new: dict, moved: dict[str, tuple[str, str]]
) -> list[tuple[str, str, str, str]]:
    """(item, field, old, new) for each difference a person would name; `moved` maps an item to
    (old owner, new owner) when it went from one letter to another."""
    before = {t["item"]: t for t in old["targets"]}
    after = {t["item"]: t for t in new["targets"]}
    found = []
    for item in list(before) + [i for i in after if i not in before]:
        was, now = before.get(item), after.get(item)
        if item in moved and (was is None or now is None):
            found.append((item, "owner", *moved[item]))
        elif was is None:
            found.append((item, "added", "—", _amount(now)))
        elif now is None:
            found.append((item, "removed", _amount(was), "—"))
        else:
            value_changed = (was["target"], was.get("unit")) != (now["target"], now.get("unit"))
            if value_changed:
                found.append((item, "target", _amount(was), _amount(now)))
            for key in ("deadline", "standard", "share"):
                # a share follows its value: named only when the whole (总体目标) changed
                if was.get(key) != now.get(key) and not (key == "share" and value_changed):
                    found.append((item, key, was.get(key) or "—", now.get(key) or "—"))
    for name in ("reward", "penalty"):
        if old["clauses"].get(name) != new["clauses"].get(name):
            found.append(("", name, old["clauses"].get(name) or "—", new["clauses"][name]))
    if not found:  # e.g. the same target split over months differently (calendar changed)
        found.append(("", "content", old.get("content", "")[:12], content_hash(new)[:12]))
    return found


@dataclass
class Review:
    """What a run finds about its letters: issues, and what figures.json carries for documents."""

    issues: list[Issue] = field(default_factory=list)
    versions: dict[str, dict[str, int]] = field(default_factory=dict)  # period -> owner -> version
    locked: list[list[str]] = field(default_factory=list)  # [period, owner]: print as issued
    changes: list[dict] = field(default_factory=list)  # every change of the letters' periods
    unsigned: list[dict] = field(default_factory=list)
    differs: list[dict] = field(default_factory=list)  # measured target ≠ the signed letter's

    def document_part(self) -> dict[str, object]:
        """What figures.json adds for the documents: only what there is to say, so a run with
        nothing to say writes figures_document(...) as it is (first versions are implied)."""
        revised = {
            period: {owner: v for owner, v in owners.items() if v > 1}
            for period, owners in self.versions.items()
        }
        part = {
            "letter_versions": {period: owners for period, owners in revised.items() if owners},
            "letter_locked": self.locked,
            "letter_changes": self.changes,
            "letters_unsigned": self.unsigned,
            "letters_differ": self.differs,
        }
        return {key: value for key, value in part.items() if value}


def _rows(book: Book, figures: Figures) -> dict[tuple[str, str], list[int]]:
    """(period, owner) -> the breakdown rows (frame positions) of the owner's targets."""
    rows: dict[tuple[str, str], list[int]] = defaultdict(list)
    for target in figures.targets:
        if target.row is not None and target.owner:
            rows[target.period.label, target.owner.strip()].append(target.row)
    return rows


def review(
    history: Path | None,
    document: dict,
    figures: Figures,
    book: Book,
    config: Config,
    today: dt.date,
) -> Review:
    """Compare every letter of `document` with its issued versions in `history` (read only) and
    look at the signatures; `today` dates changes found now and decides what is overdue."""
    found = Review()
    issued = ledger.issued_letters(history)
    recorded = [
        {
            **change,
            "new_number": numbered(
                str(issued[str(change["period"]), str(change["owner"])][0]["number"]),
                int(str(change["version"])),
            ),
            "locked": False,
        }
        for change in ledger.letter_changes(history)
        if (change["period"], change["owner"]) in issued
    ]
    letters = stated(document)
    table = book.table("target_breakdown")
    rows = _rows(book, figures)

    def where(period: str, owner: str, column: str | None = None) -> Location:
        places = rows.get((period, owner))
        if table is None or not places:
            return Location("")
        return table.location(places[0], column)

    # Which letter last stated each target: a target now on another letter changed owner.
    last_owner: dict[tuple[str, str], str] = {}
    for (period, owner), versions in issued.items():
        for target in json.loads(str(versions[-1]["targets"])):
            last_owner[period, target["item"]] = owner
    current_owner = {
        (period, t["item"]): owner for (period, owner), letter in letters.items()
        for t in letter["targets"]
    }  # fmt: skip
    moved = {
        key: (old, current_owner[key])
        for key, old in last_owner.items()
        if key in current_owner and current_owner[key] != old
    }

    signed = _signed_dates(book, rows)
    periods = {period for period, _ in letters}
    for (period, owner), letter in letters.items():
        versions = issued.get((period, owner), [])
        found.versions.setdefault(period, {})[owner] = 1
        if not versions:
            continue
        latest = versions[-1]
        version = int(str(latest["version"]))
        base = str(versions[0]["number"])
        current = content_hash(letter)
        if current == latest["content"]:
            found.versions[period][owner] = version
            for change in recorded:  # what made this version: said again on every run
                if (change["period"], change["owner"], change["version"]) == (
                    period,
                    owner,
                    version,
                ):
                    found.issues.append(_issue("SB-T017", change, owner, where(period, owner)))
        else:
            old = {
                "targets": json.loads(str(latest["targets"])),
                "clauses": json.loads(str(latest["clauses"])),
                "content": latest["content"],
            }
            mine = {item: pair for (p, item), pair in moved.items() if p == period}
            lock = config.letter_lock
            new_version = version if lock else version + 1
            found.versions[period][owner] = new_version
            if lock:
                found.locked.append([period, owner])
            for item, what, before, after in _diff(old, letter, mine):
                change = {
                    "period": period,
                    "owner": owner,
                    "version": version + 1,
                    "number": str(latest["number"]),
                    "new_number": "" if lock else numbered(base, version + 1),
                    "item": item,
                    "field": what,
                    "old": before,
                    "new": after,
                    "detected": today.isoformat(),
                    "locked": lock,
                }
                found.changes.append(change)
                code = "SB-T018" if lock else "SB-T017"
                found.issues.append(_issue(code, change, owner, where(period, owner)))
        # the figures use the current targets: say so when the signed copy states others
        current_version = found.versions[period][owner]
        signed_on = signed.get((period, owner))
        if signed_on is not None:  # the version signed: the latest issued by that day
            signed_version = max(
                (
                    int(str(v["version"]))
                    for v in versions
                    if str(v["issued_on"]) <= signed_on.isoformat()
                ),
                default=None,
            )
            locked = [period, owner] in found.locked
            if signed_version is not None and (signed_version < current_version or locked):
                found.differs.append(
                    {
                        "period": period,
                        "owner": owner,
                        "signed_number": numbered(base, signed_version),
                        "signed": signed_on.isoformat(),
                        "number": "" if locked else numbered(base, current_version),
                        "locked": locked,
                    }
                )
    found.changes += [change for change in recorded if change["period"] in periods]
    found.changes.sort(key=lambda c: (c["period"], c["detected"], c["owner"], c["version"]))
    if table is not None and table.has("signed"):
        numbers = bases(document, expected_numbers(history, list(letters)))
        _unsigned(found, numbers, signed, config, today, where, history is not None)
    return found


def expected_numbers(
    history: Path | None, letters: list[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """The sequence each letter has or will get when printed (ledger.letter_numbers' rule: kept
    once given, new owners next in order), without writing the history."""
    known = ledger.known_letter_numbers(history)
    numbers: dict[tuple[str, str], int] = {}
    for period, owner in letters:
        if (period, owner) not in known:
            taken = [seq for (p, _), seq in known.items() if p == period]
            known[period, owner] = max(taken, default=0) + 1
        numbers[period, owner] = known[period, owner]
    return numbers


def _issue(code: str, change: dict, owner: str, location: Location) -> Issue:
    return Issue(
        code,
        location,
        {
            "person": owner,
            "number": change["number"],
            "new_number": change["new_number"],
            "item": {"zh": f"「{change['item']}」", "en": f"'{change['item']}'"}
            if change["item"]
            else "",
            "what": WHAT[str(change["field"])],
            "old": change["old"],
            "new": change["new"],
        },
    )


def _signed_dates(
    book: Book, rows: dict[tuple[str, str], list[int]]
) -> dict[tuple[str, str], dt.date]:
    """(period, owner) -> the latest 签署日期 on any of the owner's breakdown rows."""
    table = book.table("target_breakdown")
    if table is None or not table.has("signed"):
        return {}
    dates = table.dates("signed")
    found = {}
    for key, places in rows.items():
        filled = [dates[i] for i in places if dates[i] is not None]
        if filled:
            found[key] = max(d for d in filled if d is not None)
    return found


def sign_by(start: dt.date, days: int, calendar: WorkCalendar) -> dt.date:
    """The `days`-th working day after `start` (`start` itself when 0): the last day to sign."""
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        counted += calendar.is_workday(day)
    return day


def _unsigned(
    found: Review,
    numbers: dict[tuple[str, str], str],
    signed: dict[tuple[str, str], dt.date],
    config: Config,
    today: dt.date,
    where: Callable[..., Location],
    known: bool,
) -> None:
    """SB-T019 and the list for the documents; without a history (`known` false: validate
    without --history) a letter's 文号 cannot be known and is said to be so."""
    calendar = WorkCalendar(config.calendar)
    days = config.letter_sign_within_days
    for period, owner in numbers:
        if (period, owner) in signed:
            continue
        deadline = sign_by(parse_period(period).start, days, calendar)
        if today <= deadline:
            continue
        number = numbered(numbers[period, owner], found.versions[period][owner])
        found.unsigned.append(
            {
                "period": period,
                "owner": owner,
                "number": number,
                "deadline": deadline.isoformat(),
                "days": days,
            }
        )
        found.issues.append(
            Issue(
                "SB-T019",
                where(period, owner, "signed"),
                {
                    "person": owner,
                    "number": number if known else NO_NUMBER,
                    "deadline": deadline.isoformat(),
                    "days": days,
                    "period": period,
                },
            )
        )


def record(
    history: Path,
    document: dict,
    bases: dict[tuple[str, str], str],
    template: dict[str, object],
    issued_on: str,
) -> None:
    """Record each letter's current version (once: a version already there is kept as first
    issued) and the changes that made it; `bases` is each letter's 文号 without suffix."""
    issued = ledger.issued_letters(history)
    versions = document.get("letter_versions") or {}
    locked = {tuple(pair) for pair in document.get("letter_locked") or []}
    rows, changes = [], []
    for (period, owner), letter in stated(document).items():
        if (period, owner) in locked or (period, owner) not in bases:
            continue
        version = int((versions.get(period) or {}).get(owner, 1))
        known = {int(str(v["version"])) for v in issued.get((period, owner), [])}
        if version in known:
            continue
        rows.append(
            {
                "period": period,
                "owner": owner,
                "version": version,
                "number": numbered(bases[period, owner], version),
                "targets": json.dumps(letter["targets"], ensure_ascii=False, sort_keys=True),
                "clauses": json.dumps(letter["clauses"], ensure_ascii=False, sort_keys=True),
                "content": content_hash(letter),
                "template": json.dumps(template, ensure_ascii=False, sort_keys=True),
                "run_period": document["period"],
                "run_as_of": document["as_of"],
                "salesbook": document["salesbook"],
                "issued_on": issued_on,
            }
        )
        changes += [
            c
            for c in document.get("letter_changes") or []
            if (c["period"], c["owner"], c["version"]) == (period, owner, version)
            and not c.get("locked")
        ]
    ledger.record_issued(history, rows, changes)


def as_printed(document: dict, history: Path) -> dict:
    """`document` with each locked letter's targets as its issued version stated them, so the
    letter printed is the one issued (the figures keep measuring the current targets)."""
    locked = {tuple(pair) for pair in document.get("letter_locked") or []}
    if not locked:
        return document
    issued = ledger.issued_letters(history)
    targets: list[dict] = []
    done: set[tuple[str, str]] = set()
    for target in document["figures"]["targets"]:
        key = (target["period"], (target.get("owner") or "").strip())
        if key not in locked:
            targets.append(target)
        elif key not in done:
            done.add(key)
            for kept in json.loads(str(issued[key][-1]["targets"])):
                standard = {"text": kept["standard"]} if kept.get("standard") else None
                targets.append({**kept, "period": key[0], "standard": standard})
    return {**document, "figures": {**document["figures"], "targets": targets}}


# The files a letter is made from (PDF and Word), first found in the template folders wins.
TEMPLATE_FILES = ("letters.html", "_base.html", "print.css", "letter.docx", "letter-en.docx")


def templates_used(dirs: list[Path]) -> dict[str, object]:
    """The letter templates as found in `dirs` (the last is the built-in folder): where each
    came from and its sha256, so the history says what an issued letter was made from."""
    files: dict[str, object] = {}
    for name in TEMPLATE_FILES:
        for place in dirs:
            path = place / name
            if path.is_file():
                files[name] = {
                    "from": "built-in" if place == dirs[-1] else "company",
                    "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                }
                break
    return {"name": "letters.html", "files": files}


def bases(document: dict, numbers: dict[tuple[str, str], int]) -> dict[tuple[str, str], str]:
    """Each letter's 文号 without a version suffix, from its sequence and the number format."""
    pattern = document["config"]["letter_number_format"]
    return {
        (period, owner): pattern.format(period=period, seq=seq, owner=owner)
        for (period, owner), seq in numbers.items()
    }
