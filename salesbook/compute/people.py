"""Book -> People: the roster as lookups (region, group, role, manager, who is active)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from salesbook.read import Book
from salesbook.schemas import ACTIVE
from salesbook.values import choice_key


@dataclass
class People:
    """The roster as lookups."""

    region: dict[str, str] = field(default_factory=dict)  # name -> region
    group: dict[str, str] = field(default_factory=dict)  # name -> group
    role: dict[str, str] = field(default_factory=dict)
    manager: dict[str, str] = field(default_factory=dict)
    active: set[str] = field(default_factory=set)

    def reps_in(self, kind: str | None, name: str | None) -> set[str] | None:
        """Everyone a dimension covers: a region's or group's people, or the person; None: unknown."""
        if not name:
            return None
        if kind == "个人":
            return {name}
        lookup = self.region if kind == "区域" else self.group if kind == "小组" else None
        if lookup is None:
            return None
        key = place_key(name)
        members = {p for p, place in lookup.items() if place and place_key(place) == key}
        return members or None


@lru_cache(maxsize=65536)
def place_key(name: str) -> str:
    """`华东区域`, `华东区`, `华东` name the same region (cached: asked once per person and target)."""
    return re.sub(r"(区域|大区|区|组)$", "", choice_key(name))


def roster_people(book: Book) -> People:
    """The roster sheet as People (everyone on it; active unless marked otherwise)."""
    people = People()
    table = book.table("roster")
    if table is None:
        return people
    for name, role, region, group, manager, status in zip(
        table.texts("name"),
        table.texts("role"),
        table.texts("region"),
        table.texts("group"),
        table.texts("manager"),
        table.texts("status"),
        strict=True,
    ):
        if not name:
            continue
        people.manager[name] = manager or ""
        people.region[name] = region or ""
        people.group[name] = group or ""
        people.role[name] = role or ""
        if status in (None, ACTIVE):
            people.active.add(name)
    return people
