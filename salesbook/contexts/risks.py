"""figures document → the risk rows the review report and the appraisal sheets print."""

from __future__ import annotations

from dataclasses import dataclass

from salesbook.contexts.common import NAME_CHARS, on_paper
from salesbook.shown import money_text
from salesbook.words import say

APPRAISAL_RISKS = 2  # a rep's own risks on the one-page appraisal sheet; the rest are counted


@dataclass
class RiskRow:
    rank: int
    severity: str  # high, medium, low (the CSS class)
    severity_label: str
    kind: str
    owner: str
    subject: str
    figure: str
    money: str | None  # None when no money is at stake
    rule: str
    action: str
    source: str  # file › sheet › cell, or ""


def risk_rows(document: dict, lang: str = "zh") -> list[RiskRow]:
    """Every risk of figures.json, in its order (most severe first), in `lang`."""
    figures, config = document["figures"], document["config"]
    unit = config.get("money_unit", "元")
    en = lang == "en"
    rows = []
    for risk in figures.get("risks", []):
        source = risk.get("source") or {}
        place = source.get("cell") or (
            (f"row {source['row']}" if en else f"第{source['row']}行")
            if source.get("row")
            else None
        )
        rows.append(
            RiskRow(
                rank=int(risk["rank"]),
                severity=risk["severity"],
                severity_label=say(f"risk_level.{risk['severity']}", lang),
                kind=say(f"risk.{risk['kind']}", lang),
                owner=on_paper(risk.get("owner") or "", NAME_CHARS) or "—",
                subject=on_paper(risk.get("subject") or "", NAME_CHARS),
                figure=on_paper(risk.get("figure_en") if en else risk.get("figure")),
                money=money_text(risk["money"], unit, lang=lang)
                if risk.get("money") is not None
                else None,
                rule=on_paper(risk.get("rule_en") if en else risk.get("rule")),
                action=on_paper(risk.get("action_en") if en else risk.get("action")),
                source=" › ".join(p for p in (source.get("file"), source.get("sheet"), place) if p),
            )
        )
    return rows


def by_owner(rows: list[RiskRow]) -> dict[str, list[RiskRow]]:
    """Each owner's risks, in the list's order (one pass, for the per-person sheets)."""
    owners: dict[str, list[RiskRow]] = {}
    for row in rows:
        owners.setdefault(row.owner, []).append(row)
    return owners
