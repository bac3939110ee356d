"""Cross-checks of a parsed plan document: report every figure that does not add up, fix none."""

from __future__ import annotations

from imports.plan_document import PlanDocument

from .bureau import (
    check_budget_tables,
    check_departments,
    check_goal_list,
    check_headcount,
    check_policy_goal_tables,
)
from .goals import check_strategic_goal
from .report import KIND_TITLES, render_report
from .types import Discrepancy, Placeholder

__all__ = ["KIND_TITLES", "Discrepancy", "Placeholder", "list_placeholders", "reconcile", "render_report"]


def reconcile(doc: PlanDocument) -> list[Discrepancy]:
    """Every check, grouped by kind of check; each names the line of the figure it doubts."""
    return [
        *check_goal_list(doc),
        *check_departments(doc),
        *check_headcount(doc),
        *check_budget_tables(doc),
        *check_policy_goal_tables(doc),
        *(item for block in doc.strategic_goals for item in check_strategic_goal(doc, block)),
    ]


def list_placeholders(doc: PlanDocument) -> list[Placeholder]:
    return [
        Placeholder(block.department, row.name, cell.year, cell.raw_text, cell.placeholder_reason, row.actual_line)
        for block in doc.strategic_goals
        for row in block.indicators
        for cell in row.actuals
        if cell.is_placeholder
    ]
