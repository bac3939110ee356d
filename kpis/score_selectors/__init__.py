"""Reads for the evaluators' scoreboard and drill-down: stored scores only, set-based queries.

Nothing here computes a score: pages show DepartmentScore / IndicatorScore rows as the worker
stored them, with a stale flag while a recompute is pending, and the frozen ScoreSnapshot
beside them once a year is finalised.
"""
from kpis.score_selectors.board import (
    ScoreboardPage,
    ScoreboardRow,
    bureau_rollups,
    scoreboard_all,
    scoreboard_page,
)
from kpis.score_selectors.drilldown import DrilldownPage, IndicatorLine, department_drilldown
from kpis.score_selectors.paging import _ordering
from kpis.score_selectors.ranks import department_ranks
from kpis.score_selectors.shared import (
    GRADES,
    NO_GRADE,
    PAGE_SIZE,
    SORTS,
    BureauLine,
    scoreboard_departments,
    stale_department_ids,
)

__all__ = [
    "GRADES", "NO_GRADE", "PAGE_SIZE", "SORTS", "BureauLine", "DrilldownPage", "IndicatorLine", "ScoreboardPage",
    "ScoreboardRow", "_ordering", "bureau_rollups", "department_drilldown", "department_ranks", "scoreboard_all",
    "scoreboard_departments", "scoreboard_page", "stale_department_ids",
]
