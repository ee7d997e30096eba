"""Figures already computed -> one ranked risk list (风险预警清单, seed 004), pure.

Each rule reads figures the run has made anyway (customers at the as-of date, tiers, targets with
their pace, health statuses, plans): one pass over each list, never over the log. Every risk
carries the rule with its threshold, who owns it, the figure that fired it, the money at stake,
the corrective action from the `risks.action_*` settings and the input row it came from.

Severity (README, "The risk list"): 高 when the money at stake reaches `risks.high_value`; 中 when
some money is at stake below it, or for what only the manager can act on whatever the money (a
target, an indicator, a letter, a customer whose owner left); 低 for any other customer whose
value is unknown. Sorted 高 → 中 → 低, then by money at stake
(largest first), then by days (longest first), then by the order of RISK_KINDS, owner and subject.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from salesbook.compute.follow_ups import CustomerStatus, FollowUpFigures, PlanFigure
from salesbook.compute.health import IndicatorFigure
from salesbook.compute.period import INTERNAL
from salesbook.compute.targets import TargetFigure
from salesbook.compute.tiers import CustomerTier
from salesbook.config import SETTINGS_BY_KEY, Config
from salesbook.issues import Issue, Location
from salesbook.read import Book, source_location
from salesbook.schemas import STAGES
from salesbook.shown import money_text, percent_text
from salesbook.values import Threshold, customer_key
from salesbook.words import say

# The kinds, in the order they are listed on a tie; a customer gets at most one of the first four
# (the first that fires: an owner who left comes before anything that owner should do).
RISK_KINDS = (
    "owner_left",
    "key_customer",
    "deal_idle",
    "plan_no_follow_up",
    "behind_pace",
    "health_alert",
    "unsigned_letter",
)
LEVELS = ("high", "medium", "low")
LATE_STAGES = ("商务谈判", "合同签订")  # deals near the line (risks.deal_idle_days)
STAGE_EN = {c.value: (c.en or c.value).lower() for c in STAGES}  # for the English twin
PACE_LEVELS = ("区域", "小组", "个人")  # targets whose pace is a risk: regions, teams, reps
Parts = list[tuple[str, dict[str, object]]]  # risk_part.<key> of words and its params


@dataclass
class Risk:
    """One risk: what fired, by which rule, about whom, what it costs and what to do."""

    kind: str  # one of RISK_KINDS
    severity: str  # high, medium, low
    owner: str  # who acts ("" when nobody: an indicator)
    subject: str  # the customer, target or indicator it is about
    money: Decimal | None  # exact yuan at stake; None when not money
    days: int | None  # working days without an update; None when not a customer's
    rule: str  # the rule with its threshold (zh)
    figure: str  # the figure that fired it (zh)
    action: str  # the suggested corrective action (risks.action_<kind>)
    rule_en: str = ""
    figure_en: str = ""
    action_en: str = ""  # the default action in English; an action the admin wrote, as written
    source: Location | None = None  # the input cell it came from, for a link
    rank: int = 0  # 1 = most severe
    _order: tuple = field(default=(), metadata=INTERNAL, repr=False)


def compute_risks(
    book: Book,
    config: Config,
    follow_ups: FollowUpFigures,
    targets: Sequence[TargetFigure],
    health: Sequence[IndicatorFigure],
    plans: Sequence[PlanFigure],
    tiers: Sequence[CustomerTier] = (),
) -> list[Risk]:
    """Every risk the figures show, most severe first (module docstring)."""
    maker = _Maker(book, config)
    tier_of = {t.customer: t for t in tiers}
    flagged: set[str] = set()  # customer_key of customers that have their risk already
    for status in follow_ups.customers:
        if status.lost:
            continue  # its funnel has ended: nothing left to lose or to do
        risk = maker.customer(status, tier_of.get(status.customer))
        if risk is not None:
            flagged.add(customer_key(status.customer))
            maker.add(risk)
    maker.plans(plans, follow_ups, flagged, tier_of)
    for target in targets:
        maker.target(target)
    for indicator in health:
        if indicator.status == "alert":
            maker.indicator(indicator)
    return _ranked(maker.risks)


def add_unsigned(
    risks: list[Risk],
    unsigned: Sequence[Mapping[str, object]],
    issues: Sequence[Issue],
    targets: Sequence[TargetFigure],
    book: Book,
    config: Config,
) -> list[Risk]:
    """The list with a risk per letter not signed in time (salesbook.versions: known only once
    the history is read, after compute): its money targets of the period are at stake, its
    SB-T019 cell is its source. Ranked again as a whole."""
    maker = _Maker(book, config)
    where = {
        (str(i.params.get("period")), str(i.params.get("person"))): i.location
        for i in issues
        if i.code == "SB-T019"
    }
    stated: dict[tuple[str, str], list[Decimal]] = {}  # the money targets each letter states
    for t in targets:
        if t.unit == "元":
            stated.setdefault((t.period.label, (t.owner or "").strip()), []).append(t.target)
    for letter in unsigned:
        period, owner = str(letter["period"]), str(letter["owner"])
        money = stated.get((period, owner))
        maker.add(
            maker.make(
                "unsigned_letter",
                owner,
                f"{period} {owner}",
                sum(money, Decimal(0)) if money else None,
                None,
                {"days": letter.get("days", "")},
                [
                    (
                        "unsigned",
                        {"number": letter.get("number", ""), "deadline": letter["deadline"]},
                    )
                ],
                where.get((period, owner)),
                team=True,
            )
        )
    return _ranked([*risks, *maker.risks])


def _ranked(risks: list[Risk]) -> list[Risk]:
    ranked = sorted(risks, key=lambda r: r._order)
    for rank, risk in enumerate(ranked, start=1):
        risk.rank = rank
    return ranked


def severity_of(money: Decimal | None, team: bool, high_value: Decimal) -> str:
    if money is not None and money >= high_value:
        return "high"
    if (money is not None and money > 0) or team:
        return "medium"
    return "low"


class _Maker:
    def __init__(self, book: Book, config: Config) -> None:
        self.book, self.config = book, config
        self.unit = config.money_unit
        self.risks: list[Risk] = []
        self.places: dict[str, tuple[list[int], list[int]]] = {}

    # --- text ----------------------------------------------------------------------------------

    def money(self, value: Decimal) -> dict[str, str]:
        """An amount as each language prints it (a param that differs by language)."""
        return {lang: money_text(value, self.unit, lang=lang) for lang in ("zh", "en")}

    def said(self, parts: Parts, lang: str) -> str:
        return (", " if lang == "en" else "，").join(
            say(f"risk_part.{key}", lang, _in(params, lang)) for key, params in parts
        )

    def make(
        self,
        kind: str,
        owner: str,
        subject: str,
        money: Decimal | None,
        days: int | None,
        rule: dict[str, object],
        parts: Parts,
        source: Location | None,
        team: bool = False,
    ) -> Risk:
        level = severity_of(money, team, self.config.risk_high_value)
        return Risk(
            kind,
            level,
            owner,
            subject,
            money,
            days,
            say(f"risk.{kind}.rule", "zh", _in(rule, "zh")),
            self.said(parts, "zh"),
            getattr(self.config, f"risk_action_{kind}"),
            say(f"risk.{kind}.rule", "en", _in(rule, "en")),
            self.said(parts, "en"),
            self.action_en(kind),
            source,
            _order=(
                LEVELS.index(level),
                -(money if money is not None else Decimal(-1)),
                -(days if days is not None else -1),
                RISK_KINDS.index(kind),
                owner,
                subject,
            ),
        )

    def action_en(self, kind: str) -> str:
        """The action in English while the setting is at its default (as letters.reward)."""
        text = getattr(self.config, f"risk_action_{kind}")
        default = SETTINGS_BY_KEY[f"risks.action_{kind}"].default
        return say(f"risk_action.{kind}", "en") if text == default else text

    def add(self, risk: Risk) -> None:
        self.risks.append(risk)

    def where(self, kind: str, row: int | None, key: str | None) -> Location | None:
        """The cell of `row` (position in the merged table) and column `key`: Table.location,
        with the positions fetched once per table (thousands of risks in a 1000-rep folder)."""
        table = self.book.table(kind)
        if table is None or row is None or row < 0 or row >= len(table):
            return None
        if kind not in self.places:
            frame = table.frame
            self.places[kind] = (frame["_source"].tolist(), frame["_row"].tolist())
        sources, rows = self.places[kind]
        return source_location(table.sources[int(sources[row])], int(rows[row]), key)

    # --- rules ---------------------------------------------------------------------------------

    def customer(self, status: CustomerStatus, tiered: CustomerTier | None) -> Risk | None:
        """The first customer rule that fires: owner left, key customer stale or overdue, a deal
        near the line idle. Its value: the opportunity list's, else the log's latest 商机金额 (the
        tier's M)."""
        config = self.config
        tier = tiered.tier if tiered else None
        value = status.deal_value
        if value is None and tiered is not None:
            value = tiered.monetary
        days = status.idle_days
        idle: Parts = [("idle", {"days": days})] if days is not None else [("never", {})]
        if status.reassign == "left":
            return self.make(
                "owner_left",
                status.owner,
                status.customer,
                value,
                days,
                {},
                [("owner", {"owner": status.owner}), *idle],
                self.where("follow_up", status.row, "owner"),
                team=True,  # nobody is in charge of it: the manager's to act on
            )
        high = value is not None and value >= config.risk_high_value
        if (tier == "A" or high) and (status.stale or status.overdue):
            parts: Parts = [("tier", {"tier": tier})] if tier == "A" else []
            parts += [*idle]
            if status.overdue and status.due is not None:
                parts.append(("overdue", {"due": status.due.isoformat()}))
            return self.make(
                "key_customer",
                status.owner,
                status.customer,
                value,
                days,
                {
                    "high_value": self.money(config.risk_high_value),
                    "stale_days": config.stale_days,
                },
                parts,
                self.where("follow_up", status.row, "customer"),
            )
        if status.stage in LATE_STAGES and days is not None and days >= config.risk_deal_idle_days:
            return self.make(
                "deal_idle",
                status.owner,
                status.customer,
                value,
                days,
                {"days": config.risk_deal_idle_days},
                [("stage", {"stage": {"zh": status.stage, "en": STAGE_EN[status.stage]}}), *idle],
                self.where("follow_up", status.row, "stage"),
            )
        return None

    def plans(
        self,
        plans: Sequence[PlanFigure],
        follow_ups: FollowUpFigures,
        flagged: set[str],
        tier_of: dict[str, CustomerTier],
    ) -> None:
        """A plan's key customer with no follow-up in the months the plan counts (SB-R004), once
        per customer (its plan rows added up), unless the customer has a risk already."""
        missed: dict[str, list[PlanFigure]] = {}
        for plan in plans:
            if not plan.follow_ups:
                key = customer_key(plan.customer)
                if key not in flagged:
                    missed.setdefault(key, []).append(plan)
        if not missed:
            return
        statuses = {customer_key(c.customer): c for c in follow_ups.customers}
        for key, rows in missed.items():
            first = rows[0]
            status = statuses.get(key)
            if status is not None and status.lost:
                continue
            value = status.deal_value if status else None
            if status is not None and value is None and status.customer in tier_of:
                value = tier_of[status.customer].monetary
            days = status.idle_days if status else None
            parts: Parts = [
                ("plan", {"planned": sum(p.planned for p in rows), "period": first.period})
            ]
            if days is not None:
                parts.append(("idle", {"days": days}))
            self.add(
                self.make(
                    "plan_no_follow_up",
                    first.owner,
                    first.customer,
                    value,
                    days,
                    {},
                    parts,
                    self.where("sales_plan", first.row, "key_customer"),
                )
            )

    def target(self, target: TargetFigure) -> None:
        """Behind pace, and the straight-line projection ends below the target."""
        if target.dimension_type not in PACE_LEVELS or target.pace != "behind":
            return
        if target.projection is None or target.projection >= target.target:
            return
        money = target.target - target.projection if target.unit == "元" else None

        def amount(value: Decimal) -> dict[str, str]:
            if target.unit == "元":
                return self.money(value)
            text = f"{value.quantize(Decimal('0.1')).normalize():f}"
            return {"zh": f"{text} {target.unit or ''}".strip(), "en": text}

        if target.source == "export" or target.row is None:
            source = self.where("target_completion", target.export_row, "name")
        else:
            source = self.where("target_breakdown", target.row, "owner")
        self.add(
            self.make(
                "behind_pace",
                target.owner or "",
                target.dimension or target.name or target.overall,  # as typed
                money,
                None,
                {"tolerance": f"{self.config.pace_tolerance.normalize():f}"},
                [
                    (
                        "pace",
                        {
                            "attainment": percent_text(target.attainment),
                            "elapsed": percent_text(target.elapsed),
                        },
                    ),
                    (
                        "projection",
                        {"projection": amount(target.projection), "target": amount(target.target)},
                    ),
                ],
                source,
                team=True,
            )
        )

    def indicator(self, indicator: IndicatorFigure) -> None:
        value = {
            lang: "—"
            if indicator.value is None
            else _measure(indicator.value, indicator.unit, lang)
            for lang in ("zh", "en")
        }
        alert = {lang: _threshold(indicator.alert, lang) for lang in ("zh", "en")}
        if indicator.data_row is not None:
            source = self.where("health_data", indicator.data_row, "value")
        else:
            source = self.where("health_monitoring", indicator.row, "alert")
        risk = self.make(
            "health_alert",
            "",
            indicator.name,
            None,
            None,
            {},
            [("indicator", {"value": value, "alert": alert})],
            source,
            team=True,
        )
        if indicator.improvement:  # the monitoring sheet's own 改进方向, as typed
            risk.action += f"（{indicator.improvement}）"
            risk.action_en += f" ({indicator.improvement})"
        self.add(risk)


def _in(params: dict[str, object], lang: str) -> dict[str, object]:
    """Params for `lang`: a param given per language ({"zh": …, "en": …}) as that language's."""
    return {k: v[lang] if isinstance(v, dict) else v for k, v in params.items()}


UNITS_EN = {"天": " days", "个": "", "次": "", "家": "", "人": " people"}  # as contexts print them


def _measure(value: Decimal, unit: str, lang: str = "zh") -> str:
    """An indicator's value or limit as the reports print it (a % is a ratio: 0.85 -> 85.0%)."""
    if unit == "%":
        return percent_text(value)
    return f"{value.normalize():f}{UNITS_EN.get(unit, unit) if lang == 'en' else unit}"


def _threshold(threshold: Threshold | None, lang: str = "zh") -> str:
    if threshold is None:
        return "—"
    op = {"<=": "≤", ">=": "≥"}.get(threshold.op, threshold.op)
    return op + _measure(threshold.limit, threshold.unit, lang)
