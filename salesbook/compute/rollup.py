"""Book + Config + RunPeriod -> Figures: every figure of SPEC §1 (compute), the roll-up, and figures.json.

Pure: no workbook, no file, no PDF. Figure-dependent issues are reconcile's; figures.json is
`figures_document`, which every document renders from.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypedDict

from salesbook.compute.appraisal import (
    Award,
    PersonFigure,
    compute_appraisal,
    compute_awards,
    own_new_customer_targets,
)
from salesbook.compute.follow_ups import (
    Discipline,
    FollowUpFigures,
    PlanFigure,
    RepFollowUps,
    compute_follow_ups,
    compute_plans,
    discipline,
)
from salesbook.compute.health import (
    IndicatorFigure,
    compute_health,
    derived_indicators,
)
from salesbook.compute.people import People, place_key, roster_people
from salesbook.compute.period import (
    HUNDRED,
    INTERNAL,
    RunPeriod,
    ratio,
    targets_period,
)
from salesbook.compute.recipients import Recipients, document_recipients, no_recipients
from salesbook.compute.risks import Risk, compute_risks
from salesbook.compute.targets import (
    TargetFigure,
    add_export_targets,
    compute_targets,
    mark_incomplete,
    pace_of,
)
from salesbook.compute.tiers import (
    TIER_CODES,
    CustomerTier,
    TierMove,
    compute_tiers,
    tier_counts,
    tier_moves,
)
from salesbook.config import Config
from salesbook.issues import Issue
from salesbook.read import Book
from salesbook.schemas import DONE
from salesbook.values import Period, Threshold, indicator_key
from salesbook.workdays import WorkCalendar

LEVELS = ("区域", "小组", "产品", "个人")  # levels a whole target is summed at, preferred first


# --- roll-up (SPEC §1.1) ----------------------------------------------------------------------------


class RollupLevel(TypedDict):
    """A region, group or person of the roll-up, with what the level below adds up to."""

    level: str
    name: str
    target: Decimal | None
    actual: Decimal | None
    attainment: Decimal | None
    gap: Decimal | None  # target − actual; 汇总 shows it as 差额 / 超额
    missing: list[str]  # unreadable actuals: not summed
    children_target: Decimal | None
    children_actual: Decimal | None  # None when a child with a target has no actual
    children: list[RollupLevel]


def rollup(targets: list[TargetFigure], people: People) -> list[RollupLevel]:
    """区域 → 小组 → 个人 sales targets and actuals, with what the level below adds up to."""
    money = [t for t in targets if t.unit == "元"]
    by_kind: dict[str, dict[str, TargetFigure]] = defaultdict(dict)
    for figure in money:
        if figure.dimension_type and figure.name:
            by_kind[figure.dimension_type][place_key(figure.name)] = figure
    individual = by_kind.get("个人", {})
    regions = sorted({r for r in people.region.values() if r})
    tree = []
    for region in regions:
        members = {p for p, r in people.region.items() if r == region}
        groups = sorted({people.group[p] for p in members if people.group.get(p)})
        group_rows = []
        for group in groups:
            in_group = sorted(p for p in members if people.group.get(p) == group)
            person_rows = [_level("个人", p, individual.get(place_key(p)), []) for p in in_group]
            group_rows.append(
                _level("小组", group, by_kind.get("小组", {}).get(place_key(group)), person_rows)
            )
        loose = sorted(p for p in members if not people.group.get(p))
        children = group_rows + [_level("个人", p, individual.get(place_key(p)), []) for p in loose]
        tree.append(
            _level("区域", region, by_kind.get("区域", {}).get(place_key(region)), children)
        )
    return tree


def _level(
    kind: str, name: str, figure: TargetFigure | None, children: list[RollupLevel]
) -> RollupLevel:
    below = [t for c in children if (t := c["target"]) is not None]
    below_actual = [a for c in children if (a := c["actual"]) is not None]
    return {
        "level": kind,
        "name": name,
        "target": figure.target if figure else None,
        "actual": figure.actual if figure else None,
        "attainment": figure.attainment if figure else None,
        "gap": figure.gap if figure else None,  # target − actual; 汇总 shows it as 差额 / 超额
        "missing": list(figure.missing) if figure else [],  # unreadable actuals: not summed
        "children_target": sum(below, Decimal(0)) if below else None,
        # a child with a target and no actual makes the sum unknown, never a partial sum
        "children_actual": sum(below_actual, Decimal(0))
        if below_actual
        and all(c["actual"] is not None for c in children if c["target"] is not None)
        else None,
        "children": children,
    }


@dataclass
class OverviewFigure:
    """A whole target (e.g. 季度销售额100万元) summed over one breakdown level (the review's 总览)."""

    overall: str
    metric: str
    period: str
    unit: str | None
    level: str  # the dimension type summed (see summing_level); "" when none is typed
    parts: int
    measured: int  # parts with an actual
    target: Decimal
    actual: Decimal | None
    attainment: Decimal | None  # of the measured parts' targets
    elapsed: Decimal | None
    pace: str | None
    missing: list[str] = field(default_factory=list)  # unreadable actuals of the parts (cells)


def overview(targets: list[TargetFigure], tolerance: Decimal) -> list[OverviewFigure]:
    """Each whole target (overall text, period, unit) summed over one breakdown level."""
    wholes: dict[tuple[str, str, str | None], list[TargetFigure]] = defaultdict(list)
    for target in targets:
        wholes[(target.overall, target.period.label, target.unit)].append(target)
    rows = []
    for (overall, period, unit), parts in wholes.items():
        level = summing_level(parts)
        chosen = [p for p in parts if (p.dimension_type or "") == level] or parts
        measured = [(p.target, a) for p in chosen if (a := p.actual) is not None]
        actual = sum((a for _, a in measured), Decimal(0)) if measured else None
        attainment = (
            ratio(actual, sum((t for t, _ in measured), Decimal(0))) if actual is not None else None
        )
        elapsed = chosen[0].elapsed
        rows.append(
            OverviewFigure(
                overall,
                chosen[0].metric,
                period,
                unit,
                level,
                len(chosen),
                len(measured),
                sum((p.target for p in chosen), Decimal(0)),
                actual,
                attainment,
                elapsed,
                pace_of(attainment, elapsed, tolerance)
                if attainment is not None and elapsed is not None
                else None,
                [m for p in chosen for m in p.missing],
            )
        )
    return rows


def summing_level(parts: list[TargetFigure]) -> str:
    """The breakdown level whose parts best have actuals (区域 before 小组, 产品, 个人 on a tie):
    a region without actuals would make the whole look far behind or far ahead."""

    def coverage(kind: str) -> tuple[Decimal, int]:
        mine = [p for p in parts if p.dimension_type == kind]
        measured = sum(1 for p in mine if p.actual is not None)
        return (ratio(measured, len(mine)) or Decimal(0), -LEVELS.index(kind))

    present = [k for k in LEVELS if any(p.dimension_type == k for p in parts)]
    return max(present, key=coverage) if present else ""


# --- everything -------------------------------------------------------------------------------------


@dataclass
class Figures:
    run: RunPeriod
    calendar: str
    targets: list[TargetFigure]
    follow_ups: FollowUpFigures
    people: dict[str, PersonFigure]
    awards: list[Award]
    health: list[IndicatorFigure]
    review_items: list[dict[str, object]]
    issues: list[Issue]  # reconcile's (batch sets them): figure-dependent issues
    to_date: dict[str, dict[str, object]] = field(default_factory=dict)  # monthly runs: QTD, YTD
    rollup: list[RollupLevel] = field(default_factory=list)  # 区域 -> 小组 -> 个人
    plans: list[PlanFigure] = field(default_factory=list)
    money_unit: str = "元"  # how writers show money (config money_unit)
    roster: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> role, region, …
    # The lines figures are judged against, so writers never round a figure across one
    lines: dict[str, tuple[Decimal, ...]] = field(default_factory=dict, metadata=INTERNAL)
    # Appraisal sheets cover the targets' period: its follow-up figures per person
    appraisal_period: Period | None = None
    appraisal_reps: dict[str, RepFollowUps] = field(default_factory=dict)
    # Who gets a document, and each document withheld with its reason
    documents: Recipients = field(default_factory=no_recipients)
    # The review's overview (whole targets summed at one level) and the follow-up discipline
    # ratios and totals of the run period and of the appraisal period
    overview: list[OverviewFigure] = field(default_factory=list)
    discipline: Discipline = field(default_factory=Discipline)
    appraisal_discipline: Discipline = field(default_factory=Discipline)
    # Customer tiers by RFM (seed 003), customers per tier per owner, and the tier changes since
    # the previous period in the history
    tiers: list[CustomerTier] = field(default_factory=list)
    tier_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    tier_moves: list[TierMove] = field(default_factory=list)
    # The ranked risk list (风险预警清单), most severe first
    risks: list[Risk] = field(default_factory=list)


def compute(
    book: Book,
    config: Config,
    run: RunPeriod,
    previous_attainment: dict[str, Decimal] | None = None,
    health_history: dict[str, list[tuple[str, Decimal]]] | None = None,
    previous_actual: dict[str, Decimal] | None = None,
    previous_tiers: dict[str, Decimal] | None = None,
) -> Figures:
    """Every figure for the run period; `previous_*` come from the history database.
    Figures.issues is left empty: the issues that need figures are salesbook.reconcile's."""
    calendar = WorkCalendar(config.calendar)
    people = roster_people(book)
    follow_ups = compute_follow_ups(book, config, run, calendar, people)
    # Appraisals and targets cover the targets' period (a quarter) whatever period the run covers:
    # their follow-up parts are counted over that period, up to the run's as-of date.
    own_period = targets_period(book) or run.period
    own_follow_ups = follow_ups
    if (own_period.start, own_period.end) != (run.period.start, run.period.end):
        own_run = RunPeriod(own_period, min(run.as_of, own_period.end), False, None, None)
        own_follow_ups = compute_follow_ups(book, config, own_run, calendar, people)
    appraisal = compute_appraisal(book, config, own_follow_ups, own_new_customer_targets(book))
    targets = compute_targets(book, config, run, calendar, people, appraisal, own_follow_ups)
    mark_incomplete(book, targets, appraisal, people)
    add_export_targets(book, config, run, calendar, targets, people, own_follow_ups)
    awards = compute_awards(appraisal, config, previous_attainment, previous_actual)
    derived = derived_indicators(targets, follow_ups)
    health = compute_health(book, run, derived, health_history or {})
    documents = document_recipients(targets, appraisal, people, own_period)
    plans = compute_plans(book, config, run, follow_ups, people)
    to_date = {}
    for key, span in (("quarter", run.quarter_to_date), ("year", run.year_to_date)):
        if span is not None:
            partial = compute_follow_ups(
                book, config, RunPeriod(span, run.as_of, False, None, None), calendar, people
            )
            to_date[key] = {
                "period": span,
                "follow_ups": partial.totals,
                "regions": partial.regions,
            }
    figures = Figures(
        run,
        calendar.name,
        targets,
        follow_ups,
        appraisal,
        awards,
        health,
        review_items(book, run),
        [],
        to_date,
        rollup(targets, people),
        plans,
        config.money_unit,
        {
            name: {
                "role": people.role.get(name, ""),
                "region": people.region.get(name, ""),
                "group": people.group.get(name, ""),
                "manager": people.manager.get(name, ""),
            }
            for name in sorted(people.role)
        },
        rule_lines(config),
    )
    figures.appraisal_period = own_period
    figures.appraisal_reps = own_follow_ups.reps
    figures.documents = documents
    figures.overview = overview(targets, config.pace_tolerance)
    figures.discipline = discipline(follow_ups.reps)
    figures.appraisal_discipline = discipline(own_follow_ups.reps)
    figures.tiers = compute_tiers(book, config, run, follow_ups, previous_tiers)
    figures.tier_counts = tier_counts(figures.tiers)
    figures.tier_moves = tier_moves(figures.tiers, follow_ups, previous_tiers)
    figures.risks = compute_risks(book, config, follow_ups, targets, health, plans, figures.tiers)
    return figures


def rule_lines(config: Config) -> dict[str, tuple[Decimal, ...]]:
    """Per kind of figure, the lines a rule compares it with (ratios for attainment)."""
    return {
        "attainment": (Decimal(1), config.star_min_attainment / HUNDRED),
        "score": (config.grade_excellent, config.grade_good),
        "improvement": (Decimal(0), config.improvement_min_points),
        "pace": (config.pace_tolerance,),  # points: the bands around expected progress
    }


def review_items(book: Book, run: RunPeriod) -> list[dict[str, object]]:
    table = book.table("review_items")
    if table is None:
        return []
    items: list[dict[str, object]] = []
    for category, content, owner, due, status in zip(
        table.texts("category"),
        table.texts("content"),
        table.texts("owner"),
        table.dates("due"),
        table.texts("status"),
        strict=True,
    ):
        if content:
            items.append(
                {
                    "category": category,
                    "content": content,
                    "owner": owner,
                    "due": due,
                    "status": status,
                    "overdue": bool(due and due < run.as_of and status != DONE),
                }
            )
    return items


# --- serialisation ---------------------------------------------------------------------------------


def jsonable(value: object) -> object:
    """Figures as JSON-ready data: Decimal -> string (exact), dates ISO, periods by label."""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, (dt.date, Period)):
        return value.isoformat() if isinstance(value, dt.date) else value.label
    if isinstance(value, Threshold):
        return {"op": value.op, "limit": f"{value.limit:f}", "unit": value.unit}
    if isinstance(value, Issue):
        return value.as_dict()
    if hasattr(value, "__dataclass_fields__"):
        return {
            name: jsonable(getattr(value, name))
            for name, spec in value.__dataclass_fields__.items()
            if not name.startswith("_") and spec.metadata.get("json", True)
        }
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        items = sorted(value) if isinstance(value, set) else value
        return [jsonable(v) for v in items]
    return value


def document_text(document: dict[str, object]) -> str:
    """figures.json's text: the document's parts expanded, and each record (a target, a person, a
    customer, a risk) on a line of its own. The same data indented throughout was four times
    slower to write (Python's encoder, not C's: 0.9 s for the 15 MB of 1000 reps)."""
    one_line = json.JSONEncoder(ensure_ascii=False).encode  # made once: json.dumps makes one a call

    def text(value: object, depth: int) -> str:
        if not isinstance(value, dict | list) or not value:
            return one_line(value)
        children = list(value.values()) if isinstance(value, dict) else value
        if depth > 1 and not all(isinstance(child, dict | list) and child for child in children):
            return one_line(value)  # a record, or a list of plain values
        inner = " " * (depth + 1)
        if isinstance(value, dict):
            items = [
                f"{inner}{one_line(str(key))}: {text(item, depth + 1)}"
                for key, item in value.items()
            ]
            return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}"
        items = [inner + text(item, depth + 1) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + " " * depth + "]"

    return text(document, 0)


def history_rows(figures: Figures) -> list[tuple[str, str, str, Decimal]]:
    """What the ledger keeps of a run: per person, region and indicator."""
    rows: list[tuple[str, str, str, Decimal]] = []
    for person in figures.people.values():
        for metric in ("attainment", "actual", "target", "score"):
            value = getattr(person, metric)
            if value is not None:
                rows.append(("person", person.name, metric, Decimal(value)))
    for target in figures.targets:
        if target.dimension_type == "区域" and target.name and target.unit == "元":
            for metric in ("attainment", "actual", "target"):
                value = getattr(target, metric)
                if value is not None:
                    rows.append(("region", target.name, metric, value))
    for region, counts in figures.follow_ups.regions.items():
        rows.append(("region", region, "follow_ups", Decimal(counts.get("follow_ups", 0))))
    for indicator in figures.health:
        if indicator.value is not None:
            rows.append(("indicator", indicator_key(indicator.name), "value", indicator.value))
    for tier in figures.tiers:  # the next period's 较上期 (previous_tier)
        rows.append(("customer", tier.customer, "tier", Decimal(TIER_CODES[tier.tier])))
    return rows


def figures_document(figures: Figures, config: Config, version: str) -> dict[str, object]:
    """What figures.json holds: the run's period and settings, and every figure (JSON-ready)."""
    return {
        "format": 1,
        "salesbook": version,
        "period": figures.run.period.label,
        "as_of": figures.run.as_of.isoformat(),
        "config": config.as_dict(),
        "figures": jsonable(figures),
    }
