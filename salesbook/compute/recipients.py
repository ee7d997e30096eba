"""Targets + appraisal + People -> who gets a 销售目标责任书 and an 个人业绩评估单, and who not (why)."""

from __future__ import annotations

from collections import defaultdict
from typing import TypedDict

from salesbook.compute.appraisal import PersonFigure
from salesbook.compute.people import People, place_key
from salesbook.compute.targets import TargetFigure
from salesbook.values import Period, is_placeholder
from salesbook.words import say


class Withheld(TypedDict):
    """A document not made, and why (SB-T014)."""

    document: str  # letter or appraisal
    name: str
    period: str  # label
    reason: str  # withheld.<key> in salesbook.words
    why: str  # that sentence, in Chinese


class Recipients(TypedDict):
    letters: dict[str, list[str]]  # period label -> owners who get a 责任书
    appraisals: list[str]  # names who get an 评估单
    withheld: list[Withheld]


def no_recipients() -> Recipients:
    return {"letters": {}, "appraisals": [], "withheld": []}


def why_not_signer(name: str, people: People, places: set[str]) -> str | None:
    """Why `name` cannot sign a document (withheld.<key> in salesbook.words), or None when they can.

    With a roster, only the people on it sign; without one, any name that is not a placeholder
    and not the name of a region, group or product line in the targets."""
    if is_placeholder(name):
        return "placeholder"
    if name in people.role:
        return None
    key = place_key(name)
    if name in places or key in {place_key(p) for p in places if p}:
        return "group"
    return "unknown" if people.role else None


def document_recipients(
    targets: list[TargetFigure],
    appraisal: dict[str, PersonFigure],
    people: People,
    period: Period,
) -> Recipients:
    """Who gets a 责任书 (per period) and an 评估单; each document withheld with its reason
    (SB-T014 in reconcile)."""
    places = {p for p in (*people.region.values(), *people.group.values()) if p}
    places |= {f.name for f in targets if f.name and f.dimension_type in ("区域", "小组", "产品")}
    letters: dict[str, list[str]] = defaultdict(list)
    withheld: list[Withheld] = []
    seen: set[tuple[str, str]] = set()

    def withhold(document: str, name: str, label: str, reason: str) -> None:
        why = say(f"withheld.{reason}")
        withheld.append(
            {"document": document, "name": name, "period": label, "reason": reason, "why": why}
        )

    for figure in targets:
        owner = (figure.owner or "").strip()
        label = figure.period.label
        if not owner or (label, owner) in seen:
            continue
        seen.add((label, owner))
        reason = why_not_signer(owner, people, places)
        if reason is None:
            letters[label].append(owner)
        else:
            withhold("letter", owner, label, reason)
    sheets: list[str] = []
    for name in appraisal:
        reason = why_not_signer(name.strip(), people, places)
        if reason is None:
            sheets.append(name)
        else:
            withhold("appraisal", name, period.label, reason)
    return {"letters": dict(letters), "appraisals": sheets, "withheld": withheld}
