"""Book + Config + follow-ups -> PersonFigure per appraised person (score, grade, rank) and the awards."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TypedDict

from salesbook.compute.follow_ups import FollowUpFigures, RepFollowUps
from salesbook.compute.period import HUNDRED, INTERNAL, pct, plain, points, ratio
from salesbook.config import Config
from salesbook.read import Book
from salesbook.values import Quantity, split_dimension, split_overall
from salesbook.words import Phrase, say


@dataclass
class PersonFigure:
    row: int = field(metadata=INTERNAL)  # position in the appraisal table
    name: str
    target: Decimal | None
    actual: Decimal | None
    attainment: Decimal | None = None
    new_customers: int | None = None
    retention: Decimal | None = None
    score: Decimal | None = None
    score_source: str = "computed"  # entered or computed
    score_parts: dict[str, Decimal] = field(default_factory=dict)
    grade: str | None = None
    rank: int | None = None
    suggestion: str | None = None
    previous_attainment: Decimal | None = None
    improvement: Decimal | None = None  # attainment points gained since the previous period
    previous_actual: Decimal | None = None
    increase: Decimal | None = None  # sales over the previous period's (成长进步榜, seed 003)
    awards: list[str] = field(default_factory=list)
    actual_missing: str | None = None  # the cell of an actual that could not be read: no grade
    new_customer_target: Decimal | None = None  # own target (个人 … 个), else the setting
    missing_parts: list[str] = field(default_factory=list)  # scorecard parts without data
    weights_used: dict[str, Decimal] = field(default_factory=dict)  # rescaled over the parts used


def grade_of(score: Decimal, config: Config) -> str:
    if score >= config.grade_excellent:
        return "优秀"
    if score >= config.grade_good:
        return "良好"
    return "待改进"


def own_new_customer_targets(book: Book) -> dict[str, Decimal]:
    """Person -> their own new-customer target (a `个人-…` row counted in 个), for the scorecard."""
    table = book.table("target_breakdown")
    found: dict[str, Decimal] = {}
    if table is None:
        return found
    for overall, dimension, target, owner in zip(
        table.texts("overall"),
        table.texts("dimension"),
        table.quantities("target"),
        table.texts("owner"),
        strict=True,
    ):
        split = split_dimension(dimension) if dimension else None
        if not split or split[0] != "个人" or not isinstance(target, Quantity) or not overall:
            continue
        metric, embedded = split_overall(overall)
        unit = target.unit or (embedded.unit if embedded else None)
        if target.amount > 0 and (unit == "个" or "新客户" in metric):
            for name in {n for n in (split[1], owner) if n}:  # the same amount for both
                found.setdefault(name, target.amount)
    return found


def compute_appraisal(
    book: Book,
    config: Config,
    follow_ups: FollowUpFigures,
    own_targets: dict[str, Decimal] | None = None,
) -> dict[str, PersonFigure]:
    """Each appraised person; `follow_ups` are those of the appraisal's own period."""
    table = book.table("appraisal")
    people: dict[str, PersonFigure] = {}
    if table is None:
        return people
    # Each column fetched once: every Table accessor copies the whole column.
    targets, actuals = table.decimals("target"), table.decimals("actual")
    new_customers, retention = table.counts("new_customers"), table.decimals("retention")
    suggestions, scores = table.texts("suggestion"), table.decimals("score")
    managers = table.decimals("manager_score") if table.has("manager_score") else None
    for i, name in enumerate(table.texts("name")):
        if not name or name in people:
            continue
        target, actual = targets[i], actuals[i]
        person = PersonFigure(i, name, target, actual)
        if target and actual is not None and target > 0:
            person.attainment = ratio(actual, target)
        if actual is None:
            person.actual_missing = str(table.location(i, "actual"))
        person.new_customer_target = (own_targets or {}).get(name)
        person.new_customers = new_customers[i]
        person.retention = retention[i]
        person.suggestion = suggestions[i]
        entered_score = scores[i]
        parts = _score_parts(
            person, follow_ups.reps.get(name), managers[i] if managers else None, config
        )
        person.score_parts = parts
        person.missing_parts = [k for k, w in config.weights.items() if w and k not in parts]
        used = sum((config.weights.get(k, Decimal(0)) for k in parts), Decimal(0))
        if used:
            person.weights_used = {
                k: ratio(config.weights.get(k, Decimal(0)), used) or Decimal(0) for k in parts
            }
        if entered_score is not None:
            person.score, person.score_source = Decimal(entered_score), "entered"
        elif parts and person.actual_missing is None:
            person.score = _weighted(parts, config)
        # Without the actual the sheet is incomplete: no grade (nor rank) as if it were complete.
        if person.score is not None and person.actual_missing is None:
            person.grade = grade_of(person.score, config)
        people[name] = person
    # graded people all have a score (a grade is only given to one)
    scored = [(p, s) for p in people.values() if p.grade is not None and (s := p.score) is not None]
    ranked = [p for p, _ in sorted(scored, key=lambda ps: -ps[1])]
    for position, person in enumerate(ranked, start=1):
        same = [p for p in ranked[: position - 1] if p.score == person.score]
        person.rank = same[0].rank if same else position
    return people


def _score_parts(
    person: PersonFigure, rep: RepFollowUps | None, manager: Decimal | None, config: Config
) -> dict[str, Decimal]:
    """Each scorecard part as 0–100; parts without data are left out (weights renormalised)."""
    parts: dict[str, Decimal] = {}
    if person.attainment is not None:
        parts["attainment"] = min(HUNDRED, person.attainment * HUNDRED)
    goal = person.new_customer_target or config.new_customer_target
    if person.new_customers is not None and goal:
        parts["new_customers"] = min(HUNDRED, Decimal(person.new_customers) * HUNDRED / goal)
    if person.retention is not None:
        parts["retention"] = min(HUNDRED, person.retention * HUNDRED)
    if rep is not None and rep.node_completion is not None:
        parts["process_nodes"] = rep.node_completion * HUNDRED
    if rep is not None and rep.completeness is not None:
        parts["record_completeness"] = rep.completeness * HUNDRED
    if isinstance(manager, Decimal):
        parts["qualitative"] = min(HUNDRED, manager)
    return parts  # exact: the score and its grade are decided before any rounding


def _weighted(parts: dict[str, Decimal], config: Config) -> Decimal | None:
    weights = {k: config.weights.get(k, Decimal(0)) for k in parts}
    total = sum(weights.values())
    if not total:
        return None
    return sum(parts[k] * w for k, w in weights.items()) / total


# A full scorecard may differ from a typed score by 5 points (the manager's judgement); a partial one
# only by rounding: its range already allows every value of the parts it lacks.
SCORE_SLACK = {True: Decimal(5), False: Decimal("0.05")}


def score_reach(parts: dict[str, Decimal], config: Config) -> tuple[Decimal, Decimal] | None:
    """The lowest and highest score the scorecard can give: the parts without data anywhere
    from 0 to 100 (the manager's part included). One value when every weighted part is known."""
    weights = {k: w for k, w in config.weights.items() if w}
    total = sum(weights.values(), Decimal(0))
    if not total:
        return None
    known = sum((parts[k] * w for k, w in weights.items() if k in parts), Decimal(0))
    unknown = sum((w for k, w in weights.items() if k not in parts), Decimal(0))
    tenth = Decimal("0.1")
    return (
        (known / total).quantize(tenth, rounding=ROUND_HALF_UP),
        ((known + unknown * HUNDRED) / total).quantize(tenth, rounding=ROUND_HALF_UP),
    )


class AwardWords(TypedDict):
    """An award's sentences as keys of salesbook.words and their numbers, for either language."""

    rule: Phrase
    note: Phrase | None
    near_misses: list[tuple[str, Phrase]]


@dataclass
class Award:
    key: str  # star, most_improved, growth_board
    name: str
    rule: str
    winners: list[str] = field(default_factory=list)
    near_misses: list[tuple[str, str]] = field(
        default_factory=list
    )  # (name, why not), closest first
    available: bool = True
    note: str | None = None
    # 成长进步榜: (name, sales increase, attainment points gained) in board order
    standings: list[tuple[str, Decimal, Decimal | None]] = field(default_factory=list)
    # The sentences above as phrases of salesbook.words (key and numbers), so a document can
    # say them in either language; set by `say`, which compute_awards calls for every award
    words: AwardWords | None = None

    def say(self, rule: Phrase, note: Phrase | None = None) -> None:
        """Set the rule and note (zh, as figures.json holds them) from their phrases."""
        self.rule, self.note = rule.text(), note.text() if note else None
        self.words = {"rule": rule, "note": note, "near_misses": []}

    def near_miss(self, name: str, why: Phrase) -> None:
        if self.words is None:
            raise RuntimeError(f"award {self.key}: say() its rule before a near miss")
        self.near_misses.append((name, why.text()))
        self.words["near_misses"].append((name, why))


def compute_awards(
    people: dict[str, PersonFigure],
    config: Config,
    previous: dict[str, Decimal] | None,
    previous_actual: dict[str, Decimal] | None = None,
) -> list[Award]:
    """销售之星, 最佳进步奖, 成长进步榜 with their rules, decided on exact values.

    `previous` holds last period's attainment, `previous_actual` its sales (the history)."""
    threshold = config.star_min_attainment / HUNDRED
    star = Award("star", say("award.star"), "")
    star_line = plain(config.star_min_attainment)
    star.say(Phrase("award.star.rule", {"threshold": star_line}))
    attained = [(p, a) for p in people.values() if (a := p.attainment) is not None]
    qualified = [(p, a) for p, a in attained if a >= threshold]
    if qualified:
        best = max(a for _, a in qualified)
        star.winners = sorted(p.name for p, a in qualified if a == best)
    # Near misses: everyone within 5 points below the line, the closest first (stable: table order)
    close = sorted(
        ((p, a) for p, a in attained if threshold - Decimal("0.05") <= a < threshold),
        key=lambda pa: threshold - pa[1],
    )
    for p, a in close:
        star.near_miss(
            p.name,
            Phrase(
                "award.star.near_miss",
                {"attainment": pct(a, threshold), "threshold": star_line},
            ),
        )
    minimum = config.improvement_min_points
    improved = Award("most_improved", say("award.most_improved"), "")
    board = Award("growth_board", say("award.growth_board"), "")
    improved_rule = Phrase("award.most_improved.rule", {"minimum": plain(minimum)})
    board_rule = Phrase("award.growth_board.rule", {"size": str(config.growth_board_size)})
    if previous:
        improved.say(improved_rule)
        for person in people.values():
            before = previous.get(person.name)
            if person.attainment is not None and before is not None:
                person.previous_attainment = before
                person.improvement = (person.attainment - before) * HUNDRED  # exact points
        gains = sorted(
            ((p, g) for p in people.values() if (g := p.improvement) is not None),
            key=lambda pg: -pg[1],
        )
        if gains and gains[0][1] >= minimum:
            top = gains[0][1]
            improved.winners = sorted(p.name for p, g in gains if g == top)
        line = gains[0][1] if improved.winners else minimum
        for person, gain in gains:  # sorted by gain: the closest to the line first
            if person.name in improved.winners or gain <= 0:
                continue
            gained = {"points": points(gain, minimum)}
            if not improved.winners:
                why = Phrase(
                    "award.most_improved.below_minimum", {**gained, "minimum": plain(minimum)}
                )
            elif gain < line:
                why = Phrase(
                    "award.most_improved.below_top", {**gained, "top": points(line, minimum)}
                )
            else:
                why = Phrase("award.most_improved.near_miss", gained)
            improved.near_miss(person.name, why)
    else:
        improved.available = False
        improved.say(improved_rule, Phrase("award.no_previous"))
    if previous_actual:
        board.say(board_rule)
        for person in people.values():
            before = previous_actual.get(person.name)
            if person.actual is not None and before is not None:
                person.previous_actual = before
                person.increase = person.actual - before
        growth = sorted(
            ((p, up) for p in people.values() if (up := p.increase) is not None and up > 0),
            key=lambda pu: (
                -pu[1],
                -(pu[0].improvement if pu[0].improvement is not None else Decimal("-Infinity")),
            ),
        )
        size = config.growth_board_size
        cut = growth[size - 1] if 0 < size <= len(growth) else None
        # a tie at the last place is on the board too: never decided by name or table order
        board.winners = [
            p.name
            for i, (p, up) in enumerate(growth)
            if i < size or (cut is not None and (up, p.improvement) == (cut[1], cut[0].improvement))
        ]
        board.standings = [
            (p.name, up, p.improvement) for p, up in growth if p.name in board.winners
        ]
    else:
        board.available = False
        board.say(board_rule, Phrase("award.no_previous"))
    for award in (star, improved, board):
        for name in award.winners:
            people[name].awards.append(award.name)
    return [star, improved, board]
