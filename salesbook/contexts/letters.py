"""figures document → LetterContext per owner and period (销售目标责任书)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from salesbook.config import Config, number_format_problem
from salesbook.contexts.common import NAME_CHARS, choice_text, on_paper, unit_text
from salesbook.errors import RenderError
from salesbook.schemas import DIMENSION_TYPES, ROLES
from salesbook.values import PLACEHOLDER, parse_period
from salesbook.versions import numbered
from salesbook.words import say


@dataclass
class LetterTarget:
    metric: str
    dimension: str
    amount: str  # Decimal as text, as in figures.json
    unit: str | None
    unit_text: str  # the unit of a count as printed after it ("" for 个 in English)
    share: str | None
    months: list[tuple[str, str]]  # (month label, monthly target)
    quarters: list[tuple[str, str]]  # (quarter label, its months' sum), when it spans quarters
    weekly: str | None
    daily: str | None
    standard: str | None
    deadline: str | None


@dataclass
class LetterContext:
    """Everything letter.html shows; a missing field fails a test, not on paper."""

    number: str
    company: str
    owner: str
    role: str
    region: str
    manager: str
    period: str
    start: str
    end: str
    targets: list[LetterTarget]
    reward: str
    penalty: str
    signing_date: str  # the period's first day: letters are signed when targets are agreed
    file_stem: str = ""
    pages: int = 1
    # `number` is the 文号 with its version suffix (XS-2026Q3-004-2; the first version has none);
    # a revised letter (version 2 on) says 变更版 / Revised on the page (versions.py)
    version: int = 1
    revised: bool = False

    @property
    def person(self) -> str:
        """Whose letter this is: names its file."""
        return self.owner


def _signs(figures: dict, period: str, owner: str) -> bool:
    """Whether `owner` gets a letter for `period`: compute decides (documents.letters: people on
    the roster, never a group, region, placeholder or unknown name); the placeholder rule alone
    for a figures document made without that decision."""
    decided = (figures.get("documents") or {}).get("letters")
    if decided is not None:
        return owner in decided.get(period, [])
    return bool(owner) and not PLACEHOLDER.match(owner)


def letter_owners(document: dict) -> dict[str, list[str]]:
    """Target period -> the owners who get a letter, in order of first appearance."""
    owners: dict[str, list[str]] = defaultdict(list)
    figures = document["figures"]
    for target in figures["targets"]:
        owner = (target.get("owner") or "").strip()
        if _signs(figures, target["period"], owner) and owner not in owners[target["period"]]:
            owners[target["period"]].append(owner)
    return dict(owners)


def letter_clause(config: dict, name: str, lang: str = "zh") -> str:
    """The reward or penalty clause (`name`) as printed: the admin's own text as written; the
    Chinese default, left as it is, in the letter's language."""
    text = config[f"letter_{name}"]
    if lang == "en" and text.strip() == getattr(Config, f"letter_{name}"):
        return say(f"letter.{name}", "en")
    return text


def letter_contexts(
    document: dict, numbers: dict[tuple[str, str], int] | None = None, lang: str = "zh"
) -> list[LetterContext]:
    """One context per owner of a target, in order of first appearance; `numbers` maps
    (period, owner) to the document number's sequence (from the history, so it never changes)."""
    figures, config = document["figures"], document["config"]
    roster = figures.get("roster", {})
    by_owner: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for target in figures["targets"]:
        owner = (target.get("owner") or "").strip()
        if _signs(figures, target["period"], owner):
            by_owner[(target["period"], owner)].append(target)
    contexts: list[LetterContext] = []
    for (label, owner), targets in by_owner.items():
        period = parse_period(label)
        person = roster.get(owner, {})
        seq = (numbers or {}).get((label, owner), len(contexts) + 1)
        pattern = config["letter_number_format"]
        # load_config already refuses these; a Config built in code is checked here as well
        if number_format_problem(pattern):
            raise RenderError(f"责任书编号格式无效：{pattern}")
        version = int(((document.get("letter_versions") or {}).get(label) or {}).get(owner, 1))
        number = numbered(pattern.format(period=label, seq=seq, owner=owner), version)
        contexts.append(
            LetterContext(
                number=number,
                company=config["company"],
                owner=on_paper(owner, NAME_CHARS),
                role=choice_text(person.get("role"), ROLES, lang)
                or (
                    ("Team" if lang == "en" else "小组")
                    if any(p.get("group") == owner for p in roster.values())
                    else ""
                ),
                region=on_paper(person.get("region", ""), NAME_CHARS),
                manager=on_paper(person.get("manager", ""), NAME_CHARS),
                period=label,
                start=period.start.isoformat(),
                end=period.end.isoformat(),
                targets=[_letter_target(t, lang) for t in targets],
                reward=letter_clause(config, "reward", lang),
                penalty=letter_clause(config, "penalty", lang),
                signing_date=period.start.isoformat(),
                version=version,
                revised=version > 1,
            )
        )
    return contexts


def _letter_target(target: dict, lang: str) -> LetterTarget:
    # compute's split adds back to the target: the last month takes the cents, counts are whole
    months = [(m, amount) for m, amount in target.get("months") or []]
    dimension = target.get("dimension") or target.get("name") or ""
    if lang == "en" and target.get("dimension_type") and target.get("name"):
        kind = choice_text(target["dimension_type"], DIMENSION_TYPES, lang)
        dimension = f"{kind}: {target['name']}"  # 区域-华东区域 -> Region: 华东区域
    return LetterTarget(
        metric=target["metric"],
        dimension=on_paper(dimension, NAME_CHARS),
        amount=target["target"],
        unit=target["unit"],
        unit_text=unit_text(target["unit"], lang),
        share=target["share"],
        months=months if len(months) > 1 else [],
        quarters=[(q, amount) for q, amount in target.get("quarters") or []],
        weekly=target["weekly"],
        daily=target["daily"],
        standard=on_paper((target.get("standard") or {}).get("text")) or None,
        deadline=target.get("deadline"),
    )
