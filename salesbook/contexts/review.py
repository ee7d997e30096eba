"""figures document → ReviewContext, the 销售复盘报告 (targets, results, causes, lessons)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from salesbook.charts import Chart, attainment_chart
from salesbook.contexts.appraisal import AwardRow, award_rows
from salesbook.contexts.common import (
    NAME_CHARS,
    DisciplineRow,
    TargetRow,
    choice_text,
    decimal_or_none,
    discipline_rows,
    key_text,
    missing_text,
    on_paper,
    pace_text,
    target_row,
)
from salesbook.contexts.health import IndicatorRow, indicator_rows
from salesbook.contexts.risks import RiskRow, risk_rows
from salesbook.schemas import (
    DIMENSION_TYPES,
    GRADES,
    REVIEW_CATEGORIES,
    REVIEW_STATUS,
    ROLES,
    STAGES,
)
from salesbook.values import PLACEHOLDER
from salesbook.versions import WHAT
from salesbook.words import as_set, tier_change

ROLE_ORDER = [c.value for c in ROLES]
SHORTFALLS = 5  # the largest gaps the review discusses
FINDINGS = ("问题", "原因")  # review-item categories that explain; the rest (措施) are actions


def _place_key(name: str) -> str:
    """`华东区域`, `华东区` and `华东` name one region (as compute matches them)."""
    return re.sub(r"(区域|大区|区|组)$", "", name)


@dataclass
class ReassignRow:
    """A customer to reassign (待重新分配): its owner left or is not an active person."""

    customer: str
    owner: str
    reason: str
    last_date: str
    idle_days: int | str  # — when never followed up (in the opportunity list only)
    overdue: bool
    stale: bool


def reassign_rows(figures: dict, lang: str = "zh") -> list[ReassignRow]:
    return [
        ReassignRow(
            customer=on_paper(c["customer"]),
            owner=on_paper(c.get("owner") or "", NAME_CHARS) or "—",
            reason=key_text("reassign", c.get("reassign") or "", lang),
            last_date=c.get("last_date") or "",
            idle_days="—" if c.get("idle_days") is None else int(c["idle_days"]),
            overdue=bool(c.get("overdue")),
            stale=bool(c.get("stale")),
        )
        for c in figures.get("follow_ups", {}).get("reassign", [])
    ]


@dataclass
class TierCountRow:
    """A rep's customers per tier (客户分层)."""

    owner: str
    a: int
    b: int
    c: int


@dataclass
class TierRow:
    """An A customer, or a customer whose tier moved since the previous period."""

    customer: str
    owner: str
    stage: str
    recency_days: int | str  # — when never followed up
    frequency: int
    monetary: str | None  # exact yuan as figures.json writes it; None without a deal value
    key_customer: bool
    tier: str
    previous_tier: str | None
    change: str  # ↓ A→B, ↑ C→B


@dataclass
class TierSection:
    """客户分层 of the review: one page — counts per rep, the A customers, the moves."""

    total: int
    totals: dict[str, int]  # tier -> customers
    counts: list[TierCountRow]  # the TIER_ROWS reps with the most A (then B) customers
    counts_total: int  # every rep with a tiered customer
    a_customers: list[TierRow]  # the first TIER_ROWS, largest deal value first
    a_total: int
    moves: list[TierRow]  # the first TIER_ROWS, drops first
    moves_total: int
    rule: str  # the rule in words, with the configured scores and window
    services: dict[str, str]  # tier -> service approach


TIER_ROWS = 10  # rows of each tier table in the review: the rest are in 汇总 › 客户分层


def tier_section(figures: dict, config: dict, lang: str = "zh") -> TierSection | None:
    """The review's 客户分层, or None when no customer was tiered."""
    tiers = figures.get("tiers") or []
    if not tiers:
        return None
    en = lang == "en"
    counts = [
        TierCountRow(on_paper(owner, NAME_CHARS), n.get("A", 0), n.get("B", 0), n.get("C", 0))
        for owner, n in (figures.get("tier_counts") or {}).items()
    ]
    shown = sorted(counts, key=lambda r: (-r.a, -r.b, r.owner))[:TIER_ROWS]
    chosen = {id(r) for r in shown}

    def row(t: dict, previous: str | None, tier: str) -> TierRow:
        return TierRow(
            customer=on_paper(t["customer"]),
            owner=on_paper(t.get("owner") or "", NAME_CHARS) or "—",
            stage=choice_text(t.get("stage"), STAGES, lang) or "—",
            recency_days="—" if t.get("recency_days") is None else int(t["recency_days"]),
            frequency=int(t.get("frequency") or 0),
            monetary=t.get("monetary"),
            key_customer=bool(t.get("key_customer")),
            tier=tier,
            previous_tier=previous,
            change=tier_change(previous, tier, lang),
        )

    a_rows = [row(t, t.get("previous_tier"), "A") for t in tiers if t.get("tier") == "A"]
    by_name = {t["customer"]: t for t in tiers}
    moves = [
        row(by_name.get(m["customer"], m), m["previous_tier"], m["tier"])
        for m in figures.get("tier_moves") or []
    ]
    high, low = config.get("tier_high", 4), config.get("tier_low", 2)
    window = config.get("tier_window_days", 90)
    rule = (
        f"R = working days since the last follow-up, F = follow-ups in the last {window} days, "
        f"M = deal value; each scored 1–5 by quintile over all customers. A: R, F and M all ≥ "
        f"{high}; C: M and F both ≤ {low}; B otherwise. Without a deal value: A on R and F, C "
        f"on F alone. A key customer of the plan is never below B; lost customers are not tiered (one tiered last period is a move to lost)."
        if en
        else f"R＝距最近一次跟进的工作日数，F＝截至日前 {window} 天内的跟进次数，M＝商机金额；"
        f"各按全部客户的五分位打 1–5 分。A 类：R、F、M 均 ≥ {high} 分；C 类：M 与 F 均 ≤ {low}"
        f" 分；其余为 B 类。无商机金额的客户只按 R、F 评定（A 看 R 与 F，C 看 F）。"
        f"销售计划中的重点客户不低于 B 类；已输单客户不参与分层（上期已分层的列为变动：→已输单）。"
    )
    return TierSection(
        total=len(tiers),
        totals={k: sum(1 for t in tiers if t.get("tier") == k) for k in ("A", "B", "C")},
        counts=[r for r in counts if id(r) in chosen],
        counts_total=len(counts),
        a_customers=a_rows[:TIER_ROWS],
        a_total=len(a_rows),
        moves=moves[:TIER_ROWS],
        moves_total=len(moves),
        rule=rule,
        services={
            k: on_paper(
                as_set(f"tier_service.{k}", config.get(f"tier_service_{k.lower()}") or "", lang)
            )
            for k in ("A", "B", "C")
        },
    )


@dataclass
class ParticipantGroup:
    role: str
    names: list[str]


@dataclass
class OverviewRow:
    """A whole target (e.g. 季度销售额100万元) summed over one breakdown level."""

    overall: str
    metric: str
    period: str
    unit: str | None
    level: str
    parts: int
    measured: int  # parts with an actual
    target: Decimal
    actual: Decimal | None
    attainment: Decimal | None
    elapsed: str | None
    pace_label: str
    missing: list[str] = field(default_factory=list)  # unreadable actuals of the parts (cells)

    @property
    def money(self) -> bool:
        return self.unit == "元"


@dataclass
class RepRow:
    name: str
    region: str
    sales: TargetRow | None
    customers: TargetRow | None  # the new-customer target (unit 个), when there is one


@dataclass
class Shortfall:
    row: TargetRow
    reasons: list[str]  # review items of category 问题/原因 that name this target


@dataclass
class ReviewItem:
    category: str
    content: str
    owner: str
    due: str | None
    status: str
    overdue: bool


@dataclass
class GradeGroup:
    grade: str
    names: list[str]


@dataclass
class LetterChangeRow:
    """目标变更记录: a change of an issued letter (versions.py), who, what, from, to, when."""

    owner: str
    number: str  # the 文号 of the version it changed
    new_number: str  # the revised letter's; "" when locked (not reissued)
    item: str
    what: str
    old: str
    new: str
    detected: str
    locked: bool


@dataclass
class LetterNote:
    """A letter not signed in time, or one whose signed copy states other targets."""

    owner: str
    number: str
    period: str
    date: str | None  # the last day to sign, or the day it was signed
    current: str = ""  # the 文号 of the letter the figures are measured against


def letter_sections(
    document: dict, lang: str = "zh"
) -> tuple[list[LetterChangeRow], list[LetterNote], list[LetterNote]]:
    """The changes of the period's letters, the unsigned letters and those whose signed copy
    differs from the target measured (figures.json letter_changes, letters_unsigned, …)."""
    key = "en" if lang == "en" else "zh"
    changes = [
        LetterChangeRow(
            owner=on_paper(c["owner"], NAME_CHARS),
            number=c["number"],
            new_number=c.get("new_number") or "",
            item=on_paper(c.get("item") or "") or "—",
            what=WHAT[c["field"]][key],
            old=on_paper(str(c["old"])),
            new=on_paper(str(c["new"])),
            detected=c["detected"],
            locked=bool(c.get("locked")),
        )
        for c in document.get("letter_changes") or []
    ]
    unsigned = [
        LetterNote(on_paper(u["owner"], NAME_CHARS), u["number"], u["period"], u["deadline"])
        for u in document.get("letters_unsigned") or []
    ]
    differs = [
        LetterNote(
            on_paper(d["owner"], NAME_CHARS),
            d["signed_number"],
            d["period"],
            d["signed"],
            d["number"],
        )
        for d in document.get("letters_differ") or []
    ]
    return changes, unsigned, differs


@dataclass
class ReviewContext:
    """Everything review.html shows, in the order of a 复盘: 回顾目标 → 评估结果 → 分析原因 → 总结经验."""

    company: str
    period: str
    as_of: str
    calendar: str
    quarter_to_date: str | None
    participants: list[ParticipantGroup]
    overview: list[OverviewRow]
    regions: list[TargetRow]
    products: list[TargetRow]
    reps: list[RepRow]
    reps_omitted: int  # people between the best and the lowest TABLE_ENDS, left out of the table
    region_chart: Chart | None
    product_chart: Chart | None
    rep_chart: Chart | None
    rep_chart_cut: bool  # only the best and the lowest CHART_ENDS people are drawn
    grades: list[GradeGroup]
    appraised: int
    awards: list[AwardRow]
    shortfalls: list[Shortfall]
    findings: list[ReviewItem]  # problems and causes from the meeting
    discipline: list[DisciplineRow]
    discipline_omitted: int  # reps with fewer lapses than the 2 × TABLE_ENDS listed
    discipline_total: DisciplineRow | None
    health: list[IndicatorRow]
    actions: list[ReviewItem]
    stale_days: int
    backfill_days: int
    created: str
    reassign: list[ReassignRow] = field(default_factory=list)  # the first 2 × TABLE_ENDS
    reassign_total: int = 0  # all customers to reassign; the rest are in 汇总 › 待重新分配
    tiers: TierSection | None = None  # 客户分层 (RFM); None when no customer was tiered
    risks: list[RiskRow] = field(default_factory=list)  # the first risks.report_top
    risks_total: int = 0  # every risk; the rest are in 汇总 › 风险预警清单
    risk_rules: list[tuple[str, str]] = field(default_factory=list)  # kinds listed: rule
    letter_changes: list[LetterChangeRow] = field(default_factory=list)  # 目标变更记录
    letters_unsigned: list[LetterNote] = field(default_factory=list)
    letters_differ: list[LetterNote] = field(default_factory=list)


def review_context(document: dict, lang: str = "zh") -> ReviewContext:
    figures, config = document["figures"], document["config"]
    targets = figures.get("targets", [])
    tolerance = Decimal(str(config.get("pace_tolerance", "10")))
    rows = [target_row(t, lang, tolerance) for t in targets]
    by_kind: dict[str, list[tuple[dict, TargetRow]]] = defaultdict(list)
    for raw, row in zip(targets, rows, strict=True):
        by_kind[raw.get("dimension_type") or ""].append((raw, row))
    money_rows = {kind: [row for raw, row in pairs if row.money] for kind, pairs in by_kind.items()}
    regions, products = money_rows.get("区域", []), money_rows.get("产品", [])
    reps = _rep_rows(figures, by_kind.get("个人", []), lang)
    elapsed = next((decimal_or_none(r.elapsed) for r in rows if r.elapsed), None)
    raw_items = figures.get("review_items", [])
    findings = [_review_item(i, lang) for i in raw_items if i.get("category") in FINDINGS]
    actions = [_review_item(i, lang) for i in raw_items if i.get("category") not in FINDINGS]
    discipline, total = discipline_rows(figures, lang)
    reassign = reassign_rows(figures, lang)
    risks = risk_rows(document, lang)
    letter_changes, unsigned, differs = letter_sections(document, lang)
    return ReviewContext(
        company=config.get("company", ""),
        period=document["period"],
        as_of=document["as_of"],
        calendar=_calendar_name(figures.get("calendar", ""), lang),
        quarter_to_date=_to_date_label((figures.get("run") or {}).get("quarter_to_date"), lang),
        participants=participants(figures, lang),
        overview=overview_rows(figures, lang),
        regions=regions,
        products=products,
        reps=_ends(reps, TABLE_ENDS),
        reps_omitted=max(0, len(reps) - 2 * TABLE_ENDS),
        region_chart=_chart(regions, lang, elapsed),
        product_chart=_chart(products, lang, elapsed),
        rep_chart=_chart(_ends([r.sales for r in reps if r.sales], CHART_ENDS), lang, elapsed),
        rep_chart_cut=sum(1 for r in reps if r.sales) > 2 * CHART_ENDS,
        grades=grade_groups(figures, lang),
        appraised=sum(1 for p in figures.get("people", {}).values() if p.get("grade")),
        awards=award_rows(document, lang),
        shortfalls=shortfalls(targets, rows, figures.get("review_items", [])),
        findings=findings,
        discipline=_most_lapses(discipline, 2 * TABLE_ENDS),
        discipline_omitted=max(0, len(discipline) - 2 * TABLE_ENDS),
        discipline_total=total,
        health=indicator_rows(figures, lang),
        actions=actions,
        stale_days=config.get("stale_days", 3),
        backfill_days=config.get("backfill_days", 1),
        created=document["as_of"],
        reassign=reassign[: 2 * TABLE_ENDS],
        reassign_total=len(reassign),
        tiers=tier_section(figures, config, lang),
        risks=risks[: int(config.get("risk_report_top", 15))],
        risks_total=len(risks),
        risk_rules=list(
            dict((r.kind, r.rule) for r in risks[: int(config.get("risk_report_top", 15))]).items()
        ),
        letter_changes=letter_changes,
        letters_unsigned=unsigned,
        letters_differ=differs,
    )


def _calendar_name(text: str, lang: str) -> str:
    """workdays.WorkCalendar.name (Chinese) in English for English reports."""
    if lang != "en":
        return text
    text = text.replace(
        "中国法定节假日与调休（chinesecalendar）",
        "Chinese official holidays and adjusted working days (chinesecalendar)",
    ).replace("自然日 calendar days", "calendar days")
    return re.sub(
        r"；(.+?) 年尚未发布，按周末计算",
        lambda m: f"; {m[1].replace('、', ', ')} not published yet, weekends only",
        text,
    )


def _to_date_label(label: str | None, lang: str) -> str | None:
    """compute labels a to-date span `2026Q3（截至 2026-09-30）`; English: `2026Q3 to 2026-09-30`."""
    if label and lang == "en":
        return re.sub(r"\s*（截至\s*(.+?)）", r" to \1", label)
    return label


# A meeting report of a large team shows the ends of each ranking; everyone is in 汇总-<period>.xlsx
# and on their own appraisal sheet. (At 5000 reps the full tables ran to 300 pages and 2 GiB.)
CHART_ENDS = 20  # a chart of more people than 2 × this shows the best and the lowest only
TABLE_ENDS = 25  # a table of more people than 2 × this shows the best and the lowest only


def _ends(rows: list, ends: int) -> list:
    """The first and last `ends` rows, when there are more than twice that many."""
    return rows if len(rows) <= 2 * ends else rows[:ends] + rows[-ends:]


def _most_lapses(rows: list[DisciplineRow], keep: int) -> list[DisciplineRow]:
    """The `keep` reps with the most overdue, stale and back-filled customers, in table order."""
    if len(rows) <= keep:
        return rows
    worst = sorted(rows, key=lambda r: -(r.overdue + r.stale + r.backfilled))[:keep]
    chosen = {id(r) for r in worst}
    return [r for r in rows if id(r) in chosen]


def _chart(rows: list[TargetRow], lang: str, elapsed: Decimal | None) -> Chart | None:
    bars = [(r.name, Decimal(r.attainment)) for r in rows if r.attainment is not None]
    return attainment_chart(bars, lang, elapsed) if bars else None


def participants(figures: dict, lang: str) -> list[ParticipantGroup]:
    """The roster's people who appear in the figures, and their direct managers, by role."""
    roster = figures.get("roster", {})
    seen: set[str] = set()
    for target in figures.get("targets", []):
        seen.update(n for n in (target.get("owner"), target.get("name")) if n)
    seen.update(figures.get("people", {}))
    seen.update(figures.get("follow_ups", {}).get("reps", {}))
    seen.update(i["owner"] for i in figures.get("review_items", []) if i.get("owner"))
    present = {n for n in seen if n in roster and not PLACEHOLDER.match(n)}
    present |= {roster[n]["manager"] for n in present if roster[n].get("manager") in roster}
    groups: dict[tuple[int, str, str], list[str]] = defaultdict(list)
    for name in sorted(present, key=lambda n: (roster[n].get("region") or "", n)):
        person = roster[name]
        role = person.get("role") or ""
        rank = ROLE_ORDER.index(role) if role in ROLE_ORDER else len(ROLE_ORDER)
        label = choice_text(role, ROLES, lang) or ("Others" if lang == "en" else "其他")
        region = person.get("region") or ""
        shown = (f" ({region})" if lang == "en" else f"（{region}）") if region else ""
        if role == ROLE_ORDER[-1] and region:  # reps: one line per region
            groups[(rank, region, label + shown)].append(name)
        else:
            groups[(rank, "", label)].append(name + shown)
    return [ParticipantGroup(key[2], names) for key, names in sorted(groups.items())]


def overview_rows(figures: dict, lang: str) -> list[OverviewRow]:
    """Each whole target summed over one breakdown level, as compute summed it (overview)."""
    return [
        OverviewRow(
            overall=whole["overall"],
            metric=whole["metric"],
            period=whole["period"],
            unit=whole.get("unit"),
            level=choice_text(whole.get("level"), DIMENSION_TYPES, lang),
            parts=whole["parts"],
            measured=whole["measured"],
            missing=[missing_text(m, lang) for m in whole.get("missing") or []],
            target=Decimal(whole["target"]),
            actual=decimal_or_none(whole.get("actual")),
            attainment=decimal_or_none(whole.get("attainment")),
            elapsed=whole.get("elapsed"),
            pace_label=pace_text(whole.get("pace"), lang),
        )
        for whole in figures.get("overview", [])
    ]


def _rep_rows(figures: dict, personal: list[tuple[dict, TargetRow]], lang: str) -> list[RepRow]:
    """One row per person: the sales target beside the new-customer target, best first."""
    roster, people = figures.get("roster", {}), figures.get("people", {})
    reps: dict[str, RepRow] = {}
    for raw, row in personal:
        name = raw.get("name") or raw.get("owner") or ""
        rep = reps.setdefault(
            name, RepRow(name, roster.get(name, {}).get("region", ""), None, None)
        )
        if row.money and rep.sales is None:
            rep.sales = row
        elif row.unit == "个" and rep.customers is None:
            rep.customers = row
    for name, person in people.items():  # appraised without an individual target (SB-P006)
        rep = reps.setdefault(
            name, RepRow(name, roster.get(name, {}).get("region", ""), None, None)
        )
        if rep.sales is None and person.get("target"):
            rep.sales = TargetRow(
                kind=choice_text("个人", DIMENSION_TYPES, lang),
                name=name,
                owner=name,
                metric="",
                period=figures.get("run", {}).get("period", ""),
                unit="元",
                target=person["target"],
                actual=person.get("actual"),
                attainment=person.get("attainment"),
                gap=None,
                elapsed=None,
                projection=None,
                pace=None,
                pace_label="—",
            )

    def best_first(rep: RepRow) -> tuple[int, Decimal]:
        value = rep.sales.attainment if rep.sales else None
        return (0, -Decimal(value)) if value is not None else (1, Decimal(0))

    return sorted(reps.values(), key=best_first)


def shortfalls(targets: list[dict], rows: list[TargetRow], items: list[dict]) -> list[Shortfall]:
    """The money targets furthest behind, with the meeting's problems and causes that name them."""
    regions = {
        (t["target"], t.get("actual"), t["period"])
        for t in targets
        if t.get("dimension_type") == "区域"
    }
    behind = [
        (raw, row)
        for raw, row in zip(targets, rows, strict=True)
        if row.money
        and row.gap is not None
        and Decimal(row.gap) > 0
        # a group that is its whole region would list the same gap twice
        and not (
            raw.get("dimension_type") == "小组"
            and (raw["target"], raw.get("actual"), raw["period"]) in regions
        )
    ]
    behind.sort(key=lambda pair: -Decimal(pair[1].gap or 0))
    found = []
    for _, row in behind[:SHORTFALLS]:
        keys = {k for k in (row.name, _place_key(row.name), row.owner) if k and len(k) >= 2}
        reasons = [
            on_paper(item["content"])
            for item in items
            if item.get("category") in FINDINGS
            and any(k in str(item.get("content") or "") for k in keys)
        ]
        found.append(Shortfall(row, reasons))
    return found


def grade_groups(figures: dict, lang: str) -> list[GradeGroup]:
    people = sorted(
        figures.get("people", {}).values(), key=lambda p: (p.get("rank") or 10**6, p["name"])
    )
    groups = []
    for choice in GRADES:
        names = [p["name"] for p in people if p.get("grade") == choice.value]
        groups.append(GradeGroup(choice_text(choice.value, GRADES, lang), names))
    return groups


def _review_item(item: dict, lang: str) -> ReviewItem:
    return ReviewItem(
        category=choice_text(item.get("category"), REVIEW_CATEGORIES, lang),
        content=on_paper(item.get("content")),
        owner=on_paper(item.get("owner"), NAME_CHARS),
        due=item.get("due"),
        status=choice_text(item.get("status"), REVIEW_STATUS, lang),
        overdue=bool(item.get("overdue")),
    )
