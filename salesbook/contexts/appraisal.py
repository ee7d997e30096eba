"""figures document → AppraisalSheet per person (个人业绩评估单), and the award rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from salesbook.contexts.common import (
    DisciplineRow,
    TargetRow,
    choice_text,
    discipline_rows,
    target_row,
)
from salesbook.contexts.risks import APPRAISAL_RISKS, RiskRow, by_owner, risk_rows
from salesbook.schemas import GRADES, ROLES
from salesbook.shown import money_text, number_text, shown
from salesbook.words import Phrase, say

SCORE_PARTS = {  # scorecard parts of compute._score_parts, in the order they are printed
    "attainment": ("销售达成率", "Sales attainment"),
    "new_customers": ("新客户开发", "New customers"),
    "retention": ("客户留存率", "Customer retention"),
    "process_nodes": ("流程节点完成率", "Process-node completion"),
    "record_completeness": ("跟进记录完整率", "Follow-up record completeness"),
    "qualitative": ("主管定性评价", "Manager's qualitative rating"),
}


@dataclass
class AwardRow:
    key: str
    name: str
    rule: str
    winners: list[str]
    near_misses: list[tuple[str, str]]  # (name, why not yet), closest to the line first
    available: bool
    note: str | None
    standings: list[tuple[str, str]] = field(
        default_factory=list
    )  # 成长进步榜: (name, by how much)


def award_rows(document: dict, lang: str) -> list[AwardRow]:
    """Awards with their rule and near misses (SPEC §2), in `lang` from compute's phrases
    (salesbook.words); an award without them shows its sentences as they are."""
    figures = document["figures"]
    rows = []
    for award in figures.get("awards", []):
        words = award.get("words")
        row = AwardRow(
            award["key"],
            award["name"],
            award["rule"],
            list(award.get("winners", [])),
            [(name, why) for name, why in award.get("near_misses", [])],
            award.get("available", True),
            award.get("note"),
            [
                (name, _growth(increase, points, document, lang))
                for name, increase, points in award.get("standings", [])
            ],
        )
        if words:
            row.name = say(f"award.{award['key']}", lang)
            row.rule = _phrase(words["rule"], lang)
            row.note = _phrase(words["note"], lang) if words.get("note") else None
            row.near_misses = [(name, _phrase(why, lang)) for name, why in words["near_misses"]]
        rows.append(row)
    return rows


def _phrase(phrase: dict, lang: str) -> str:
    return Phrase(phrase["key"], phrase.get("params") or {}).text(lang)


def _growth(increase: object, points: object, document: dict, lang: str) -> str:
    """`业绩增量 +12,000.00 元，达成率 +4.8 个百分点` for a line of the 成长进步榜."""
    amount = "+" + money_text(increase, document["config"].get("money_unit", "元"), lang=lang)
    if points is None:
        return say("award.growth.sales", lang, {"amount": amount})
    gained = shown(Decimal(str(points)), 1, (Decimal(0),))
    sign = "+" if gained >= 0 else ""
    return say("award.growth.sales_points", lang, {"amount": amount, "points": f"{sign}{gained}"})


@dataclass
class ScorePart:
    key: str
    label: str
    value: Decimal  # 0–100
    weight: Decimal  # configured weight
    share: Decimal  # weight among the parts that have data (compute renormalises)
    points: Decimal  # value × share

    @property
    def points_shown(self) -> Decimal:
        return _tenths(self.points)  # the total is summed unrounded, as compute weighs it


@dataclass
class AppraisalSheet:
    """Everything one person's 评估单 shows; one page each."""

    company: str
    period: str
    as_of: str
    name: str
    role: str
    region: str
    group: str
    manager: str
    targets: list[TargetRow]
    target: str | None
    actual: str | None
    attainment: str | None
    new_customers: int | None
    retention: str | None
    parts: list[ScorePart]
    scorecard: Decimal | None  # the weighted sum of the parts
    score: str | None
    score_entered: bool
    grade: str
    rank: int | None
    ranked: int
    awards: list[str]
    near_misses: list[tuple[str, str]]  # (award, why not yet)
    suggestion: str | None
    follow_ups: DisciplineRow | None
    file_stem: str = ""
    missing_parts: list[str] = field(default_factory=list)  # scorecard parts without data
    actual_missing: str | None = None  # the cell of an unreadable actual: no grade
    new_customer_target: str | None = None  # the person's own target the part measures against
    risks: list[RiskRow] = field(default_factory=list)  # the person's own, most severe first
    risks_total: int = 0

    @property
    def person(self) -> str:
        """Whose sheet this is: names its file."""
        return self.name


def appraisal_sheets(document: dict, lang: str = "zh") -> list[AppraisalSheet]:
    """One sheet per appraised person, in the appraisal table's order."""
    figures, config = document["figures"], document["config"]
    people, roster = figures.get("people", {}), figures.get("roster", {})
    weights = {k: Decimal(str(v)) for k, v in config.get("weights", {}).items()}
    # The follow-ups of the appraisal's own period (the targets' quarter), not the run's month
    rows, _ = discipline_rows(figures, lang, "appraisal_discipline")
    discipline = {row.name: row for row in rows}
    awards = award_rows(document, lang)
    own_risks = by_owner(risk_rows(document, lang))
    allowed = (figures.get("documents") or {}).get("appraisals")
    ranked = sum(1 for p in people.values() if p.get("rank"))
    grade_lines = [Decimal(str(config.get(k, 0))) for k in ("grade_excellent", "grade_good")]
    sheets = []
    for name, person in people.items():
        if allowed is not None and name not in allowed:
            continue  # not a person on the roster: SB-T014 says why
        info = roster.get(name, {})
        personal = [
            target_row(t, lang, Decimal(str(config.get("pace_tolerance", "10"))))
            for t in figures.get("targets", [])
            if t.get("dimension_type") == "个人" and name in (t.get("name"), t.get("owner"))
        ]
        parts = score_parts(person.get("score_parts", {}), weights, lang)
        sheets.append(
            AppraisalSheet(
                company=config.get("company", ""),
                # The appraisal covers its targets' period (a quarter), not the month the run chose.
                period=figures.get("appraisal_period")
                or (personal[0].period if personal else document["period"]),
                as_of=document["as_of"],
                name=name,
                role=choice_text(info.get("role"), ROLES, lang),
                region=info.get("region", ""),
                group=info.get("group", ""),
                manager=info.get("manager", ""),
                targets=personal,
                target=person.get("target"),
                actual=person.get("actual"),
                attainment=person.get("attainment"),
                new_customers=person.get("new_customers"),
                retention=person.get("retention"),
                parts=parts,
                # shown once from the exact sum, never across a grade line (89.99 is not 90.0)
                scorecard=shown(sum((p.points for p in parts), Decimal(0)), 1, grade_lines)
                if parts
                else None,
                score=number_text(person["score"], grade_lines)
                if person.get("score") is not None
                else None,
                score_entered=person.get("score_source") == "entered",
                grade=choice_text(person.get("grade"), GRADES, lang),
                rank=person.get("rank"),
                ranked=ranked,
                awards=[a.name for a in awards if name in a.winners],
                near_misses=[
                    (a.name, why) for a in awards for who, why in a.near_misses if who == name
                ],
                suggestion=person.get("suggestion"),
                follow_ups=discipline.get(name),
                missing_parts=[
                    SCORE_PARTS.get(k, (k, k))[1 if lang == "en" else 0]
                    for k in person.get("missing_parts", [])
                ],
                actual_missing=person.get("actual_missing"),
                new_customer_target=person.get("new_customer_target"),
                risks=own_risks.get(name, [])[:APPRAISAL_RISKS],
                risks_total=len(own_risks.get(name, [])),
            )
        )
    return sheets


def score_parts(values: dict, weights: dict[str, Decimal], lang: str) -> list[ScorePart]:
    """The scorecard as compute weighs it: parts without data drop out, the others renormalise."""
    present = {k: Decimal(str(v)) for k, v in values.items()}
    total = sum((weights.get(k, Decimal(0)) for k in present), Decimal(0))
    parts = []
    for key in [*SCORE_PARTS, *(k for k in present if k not in SCORE_PARTS)]:
        if key not in present:
            continue
        weight = weights.get(key, Decimal(0))
        share = weight / total if total else Decimal(0)
        zh, en = SCORE_PARTS.get(key, (key, key))
        parts.append(
            ScorePart(
                key,
                en if lang == "en" else zh,
                present[key],
                weight,
                share,
                present[key] * share,
            )
        )
    return parts


def _tenths(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
