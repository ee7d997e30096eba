"""Book + Figures -> Issues that need figures: allocation, typed vs computed values, plans, documents.

Each check reads what compute produced and the cells it came from; none changes a figure.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from salesbook.compute.appraisal import SCORE_SLACK, PersonFigure, grade_of, score_reach
from salesbook.compute.follow_ups import PlanFigure
from salesbook.compute.health import IndicatorFigure
from salesbook.compute.people import People, roster_people
from salesbook.compute.period import pct, plain
from salesbook.compute.rollup import Figures
from salesbook.compute.targets import (
    BREAKDOWN,
    TargetFigure,
    completion_data,
    completion_year,
    covering_breakdown,
    overall_targets,
    run_target_period,
)
from salesbook.config import Config
from salesbook.issues import Issue, Location
from salesbook.read import Book
from salesbook.schemas import DIMENSION_TYPES, REP_ROLE
from salesbook.values import Period, choice_key, split_overall
from salesbook.words import say


def reconcile(book: Book, figures: Figures, config: Config) -> list[Issue]:
    """Every figure-dependent issue, in the order figures.json lists them."""
    people = roster_people(book)
    return (
        allocation_issues(book, figures.targets)
        + appraisal_issues(book, figures.people, config, figures.targets, people)
        + health_issues(book, figures.health, figures.run.period)
        + withheld_issues(book, figures)
        + plan_issues(book, figures.plans)
        + completion_issues(book, figures, config)
    )


def target_location(book: Book, figure: TargetFigure, key: str) -> Location:
    """Where a target was typed: its breakdown cell; for a figure from a target-completion
    export (no breakdown row), the person's name on their first month row of the export."""
    if figure.row is not None:
        breakdown = book.table("target_breakdown")
        assert breakdown is not None  # a breakdown row came from it
        return breakdown.location(figure.row, key)
    export = book.table("target_completion")
    assert export is not None  # an export figure came from it
    assert figure.export_row is not None
    return export.location(figure.export_row, "name")


def allocation_issues(book: Book, figures: list[TargetFigure]) -> list[Issue]:
    """T011/T012: one overall target's breakdown along one dimension type sums above or below it."""
    table = book.table("target_breakdown")
    if table is None:
        return []  # no breakdown, no target figures
    overall = overall_targets(book)
    groups: dict[tuple[str, str], list[TargetFigure]] = defaultdict(list)
    for figure in figures:
        if figure.dimension_type and figure.source == BREAKDOWN:  # an export splits no whole
            groups[(choice_key(figure.metric), figure.dimension_type)].append(figure)
    issues = []
    for (metric_key, kind), members in groups.items():
        whole = overall.get(metric_key, (None, None))[0]
        if whole is None:
            _, whole = split_overall(members[0].overall)
        if whole is None or (kind == "个人" and len(members) < 2):
            continue
        total = sum((f.target for f in members), Decimal(0))
        difference = total - whole.amount
        if difference:
            code = "SB-T011" if difference > 0 else "SB-T012"
            issues.append(
                Issue(
                    code,
                    target_location(book, members[0], "target"),
                    {
                        "overall": members[0].overall,
                        "kind": {"zh": kind, "en": _KIND_EN.get(kind, kind)},
                        "total": plain(total),
                        "amount": plain(abs(difference)),
                    },
                )
            )
    return issues


_KIND_EN = {c.value: (c.en or c.value).lower() for c in DIMENSION_TYPES}  # 区域 -> region


def appraisal_issues(
    book: Book,
    people: dict[str, PersonFigure],
    config: Config,
    targets: list[TargetFigure],
    roster: People,
) -> list[Issue]:
    """Entered attainment, score or grade that disagree with the figures; people without a pair."""
    table = book.table("appraisal")
    issues: list[Issue] = []
    if table is None:
        return issues
    half_point = Decimal("0.005")
    attainments, grades = table.decimals("attainment"), table.texts("grade")  # fetched once
    for person in people.values():
        i = person.row
        entered = attainments[i]
        if (
            entered is not None
            and person.attainment is not None
            and abs(entered - person.attainment) > half_point
        ):
            issues.append(
                Issue(
                    "SB-P003",
                    table.location(i, "attainment"),
                    {"entered": pct(entered), "computed": pct(person.attainment)},
                )
            )
        score = person.score  # an entered score is never None
        if person.score_source == "entered" and score is not None:
            reach = score_reach(person.score_parts, config)
            slack = SCORE_SLACK[reach is not None and reach[0] == reach[1]]
            if reach is not None and not reach[0] - slack <= score <= reach[1] + slack:
                low, high = reach
                shown = plain(low) if low == high else f"{plain(low)}–{plain(high)}"
                issues.append(
                    Issue(
                        "SB-P004",
                        table.location(i, "score"),
                        {"entered": plain(score), "computed": shown},
                    )
                )
        grade = grades[i]
        if grade and person.score is not None and grade != grade_of(person.score, config):
            issues.append(
                Issue(
                    "SB-P005",
                    table.location(i, "grade"),
                    {
                        "entered": grade,
                        "computed": grade_of(person.score, config),
                        "score": plain(person.score),
                    },
                )
            )
    with_target = {f.name for f in targets if f.dimension_type == "个人" and f.unit != "个"} | {
        f.owner for f in targets if f.dimension_type == "个人" and f.unit != "个" and f.owner
    }
    if targets:
        for person in people.values():
            if person.name not in with_target:
                issues.append(
                    Issue("SB-P006", table.location(person.row, "name"), {"person": person.name})
                )
        for figure in targets:
            if (
                figure.dimension_type == "个人"
                and figure.name is not None  # always: a typed dimension has a name
                and figure.unit != "个"
                and figure.name not in people
                and (figure.owner not in people)
                and roster.role.get(figure.name, REP_ROLE) == REP_ROLE
            ):
                issues.append(
                    Issue(
                        "SB-P007",
                        target_location(book, figure, "dimension"),
                        {"person": figure.name},
                    )
                )
    return issues


def health_issues(book: Book, health: list[IndicatorFigure], period: Period) -> list[Issue]:
    """SB-P009: a value typed in 指标数据 for the run's period that differs from the one the
    workbooks give, beyond the one-decimal rounding of a percentage. The typed value is used; both
    are printed. A month's row standing in for a quarter is printed beside the quarter's computed
    value, with both periods, but is not compared: they measure different spans."""
    data = book.table("health_data")
    issues: list[Issue] = []
    if data is None:
        return issues
    for figure in health:
        if figure.computed is None or figure.value is None or figure.data_row is None:
            continue
        if figure.source_period != period.label:
            continue
        if abs(figure.value - figure.computed) > Decimal("0.0005"):
            issues.append(
                Issue(
                    "SB-P009",
                    data.location(figure.data_row, "value"),
                    {
                        "indicator": figure.name,
                        "entered": pct(figure.value),
                        "computed": pct(figure.computed),
                    },
                )
            )
    return issues


def withheld_issues(book: Book, figures: Figures) -> list[Issue]:
    """SB-T014: a document withheld because its name is not a person (compute's recipients), at
    the first breakdown row naming the owner (or the export row naming them, for a target from a
    target-completion export), or at the person's appraisal row."""
    table = book.table("appraisal")
    issues: list[Issue] = []
    for item in figures.documents["withheld"]:
        document, name, reason = item["document"], item["name"], item["reason"]
        if document == "letter":
            figure = next(
                f
                for f in figures.targets
                if (f.owner or "").strip() == name and f.period.label == item["period"]
            )
            location = target_location(book, figure, "owner")
        else:
            assert table is not None  # an appraisal sheet is withheld for an appraisal row
            location = table.location(figures.people[name].row, "name")
        issues.append(
            Issue(
                "SB-T014",
                location,
                {
                    "document": {
                        "zh": say(f"document.{document}"),
                        "en": say(f"document.{document}", "en"),
                    },
                    "name": name,
                    "reason": {
                        "zh": say(f"withheld.{reason}"),
                        "en": say(f"withheld.{reason}", "en"),
                    },
                },
            )
        )
    return issues


def plan_issues(book: Book, plans: list[PlanFigure]) -> list[Issue]:
    """SB-R004: a key customer of a plan row not followed up in the months the plan counts."""
    plan, log = book.table("sales_plan"), book.table("follow_up")
    if plan is None or log is None:
        return []
    return [
        Issue(
            "SB-R004",
            plan.location(figure.row, "key_customer"),
            {"customer": figure.customer, "owner": figure.owner, "period": figure.period},
        )
        for figure in plans
        if not figure.follow_ups
    ]


def completion_issues(book: Book, figures: Figures, config: Config) -> list[Issue]:
    """SB-T016: a person's individual money target in the breakdown that differs from the sum
    of their month targets in a target-completion export over the same period (the breakdown's
    is used; compute adds no second figure for them)."""
    data = completion_data(book)
    if not data:
        return []
    year, period = completion_year(config, figures.run), run_target_period(figures.run)
    issues: list[Issue] = []
    for person, months in data.items():
        for figure in covering_breakdown(figures.targets, person, period):
            sums = months.sums(year, figure.period, figures.run.as_of)
            if sums is None:
                continue
            total = sum((amount for _, amount in sums[0]), Decimal(0))
            if total != figure.target:
                issues.append(
                    Issue(
                        "SB-T016",
                        target_location(book, figure, "target"),
                        {
                            "person": person,
                            "period": figure.period.label,
                            "breakdown": plain(figure.target),
                            "export": plain(total),
                        },
                    )
                )
    return issues
