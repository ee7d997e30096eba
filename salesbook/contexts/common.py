"""figures document → the rows and cell text every document shares (targets, discipline)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from salesbook.schemas import DIMENSION_TYPES, Choice
from salesbook.words import WORDS, say

# --- cell text on paper -------------------------------------------------------------------------

PAPER_CHARS = 300  # of cell prose (a review item, a standard) in a PDF; the workbook keeps it all
NAME_CHARS = 60  # of a name or a target's dimension


def on_paper(value: object, limit: int = PAPER_CHARS) -> str:
    """A cell's text as a document prints it: cut with "…" past `limit` characters, so a
    200,000-character cell is a line or two, not 16 pages."""
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def choice_text(value: str | None, choices: Iterable[Choice], lang: str) -> str:
    """An enumerated workbook value (已完成, 优秀, 区域…) in the report's language."""
    if not value:
        return ""
    if lang == "en":
        for choice in choices:
            if value == choice.value:
                return choice.en or value
    return value


# Count units typed in Chinese, in English: a count needs no measure word (个, 家, 次).
UNITS_EN = {"个": "", "家": "", "次": "", "位": "", "名": "", "人": "people", "天": "days"}


def unit_text(unit: str | None, lang: str) -> str:
    """A count's unit as printed after the number; in English a measure word is dropped."""
    if not unit:
        return ""
    return UNITS_EN.get(unit, unit) if lang == "en" else unit


def missing_text(member: str, lang: str) -> str:
    """An unreadable member as compute names it, `冯慧平（file › sheet › C5）`, on paper; in
    English with ASCII brackets."""
    if lang == "en":
        member = re.sub(r"（([^（）]*)）$", r" (\1)", member)
    return on_paper(member, NAME_CHARS * 2)


def decimal_or_none(value: object) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


# --- shared rows --------------------------------------------------------------------------------


@dataclass
class TargetRow:
    kind: str  # dimension type as printed: 区域 / Region
    name: str
    owner: str
    metric: str
    period: str
    unit: str | None  # 元, 个 or None
    target: str
    actual: str | None
    attainment: str | None
    gap: str | None
    elapsed: str | None
    projection: str | None
    pace: str | None  # ahead, on_track, watch, behind
    pace_label: str
    standard: str | None = None
    standard_met: bool | None = None
    lines: list[Decimal] = field(default_factory=list)  # pace bands the attainment is judged by
    missing: list[str] = field(default_factory=list)  # members whose actual is unreadable (cell)

    @property
    def money(self) -> bool:
        return self.unit == "元"


def key_text(family: str, key: str, lang: str) -> str:
    """A pace, status or reassign key in words (salesbook.words); an unknown key as it is."""
    return say(f"{family}.{key}", lang) if f"{family}.{key}" in WORDS else key


def pace_text(pace: str | None, lang: str) -> str:
    return key_text("pace", pace, lang) if pace else "—"


def target_row(target: dict, lang: str, tolerance: Decimal = Decimal(10)) -> TargetRow:
    standard = target.get("standard") or {}
    elapsed = decimal_or_none(target.get("elapsed"))
    band = tolerance / 100
    return TargetRow(
        kind=choice_text(target.get("dimension_type"), DIMENSION_TYPES, lang),
        name=on_paper(
            target.get("name") or target.get("dimension") or target.get("overall"), NAME_CHARS
        ),
        owner=on_paper(target.get("owner"), NAME_CHARS),
        metric=target["metric"],
        period=target["period"],
        unit=target.get("unit"),
        target=target["target"],
        actual=target.get("actual"),
        attainment=target.get("attainment"),
        gap=target.get("gap"),
        elapsed=target.get("elapsed"),
        projection=target.get("projection"),
        pace=target.get("pace"),
        pace_label=pace_text(target.get("pace"), lang),
        standard=on_paper(standard.get("text")) or None,
        standard_met=standard.get("met"),
        lines=[elapsed - band, elapsed, elapsed + band] if elapsed is not None else [],
        missing=[missing_text(m, lang) for m in target.get("missing") or []],
    )


@dataclass
class DisciplineRow:
    """One rep's follow-up discipline in the period (SPEC §1.2)."""

    name: str
    region: str
    follow_ups: int
    customers: int
    visits: int
    planned_visits: int | None
    overdue: int
    stale: int
    backfilled: int
    completeness: Decimal | None
    node_completion: Decimal | None
    plan_visits: int | None = None  # visits to the plans' key customers (汇总 › 计划执行)


def discipline_rows(
    figures: dict, lang: str = "zh", own: str = "discipline"
) -> tuple[list[DisciplineRow], DisciplineRow | None]:
    """Per rep (grouped by region, log order within), and the team total; the ratios and the
    total are compute's (`figures[own]`: discipline, or appraisal_discipline for the
    appraisal's period)."""
    reps = figures.get("follow_ups", {}).get("reps", {})
    if own == "appraisal_discipline" and figures.get("appraisal_reps"):
        reps = figures["appraisal_reps"]
    else:
        own = "discipline"
    computed = figures.get(own) or {}
    completeness = computed.get("completeness") or {}
    node_completion = computed.get("node_completion") or {}
    rows = [
        DisciplineRow(
            name=rep["owner"],
            region=rep.get("region") or "",
            follow_ups=rep["follow_ups"],
            customers=rep["customers"],
            visits=rep["visits"],
            planned_visits=rep.get("planned_visits"),
            overdue=rep["overdue"],
            stale=rep["stale"],
            backfilled=rep["backfilled"],
            completeness=decimal_or_none(completeness.get(name)),
            node_completion=decimal_or_none(node_completion.get(name)),
            plan_visits=rep.get("plan_visits"),
        )
        for name, rep in reps.items()
    ]
    regions = list(dict.fromkeys(r.region for r in rows if r.region))
    rows.sort(key=lambda r: regions.index(r.region) if r.region in regions else len(regions))
    total = computed.get("total")
    if not rows or not total:
        return rows, None
    return rows, DisciplineRow(
        name="Total" if lang == "en" else "合计",
        region="",
        follow_ups=total["follow_ups"],
        customers=total["customers"],
        visits=total["visits"],
        planned_visits=total["planned_visits"],
        overdue=total["overdue"],
        stale=total["stale"],
        backfilled=total["backfilled"],
        completeness=decimal_or_none(total["completeness"]),
        node_completion=decimal_or_none(total["node_completion"]),
        plan_visits=total["plan_visits"],
    )
