"""Book + Config + RunPeriod -> Figures, pure: one module per job, in the order they depend on.

period (RunPeriod, money and ratios) → people (roster) → follow_ups (and plans) → appraisal
(and awards) → targets → health → recipients → rollup (Figures, compute, figures.json).
"""

from salesbook.compute.appraisal import Award, PersonFigure, compute_awards, grade_of
from salesbook.compute.follow_ups import FollowUpFigures, RepFollowUps
from salesbook.compute.health import IndicatorFigure, status_of
from salesbook.compute.period import RunPeriod, ratio, resolve_period
from salesbook.compute.rollup import (
    Figures,
    RollupLevel,
    compute,
    document_text,
    figures_document,
    history_rows,
    jsonable,
)
from salesbook.compute.targets import TargetFigure, pace_of
from salesbook.words import PACE_LABELS, REASSIGN_LABELS, STATUS_LABELS  # defined in words

__all__ = [
    "PACE_LABELS",
    "REASSIGN_LABELS",
    "STATUS_LABELS",
    "Award",
    "Figures",
    "FollowUpFigures",
    "IndicatorFigure",
    "PersonFigure",
    "RepFollowUps",
    "RollupLevel",
    "RunPeriod",
    "TargetFigure",
    "compute",
    "compute_awards",
    "document_text",
    "figures_document",
    "grade_of",
    "history_rows",
    "jsonable",
    "pace_of",
    "ratio",
    "resolve_period",
    "status_of",
]
