"""Budget and execution (예산·결산, 집행률) per policy goal as the report prints them: the one execution rate
(budgets.execution), per unit program and for the goal."""
from __future__ import annotations

from collections.abc import Sequence

from budgets.execution import execution_for_goals
from reports.report.data import BudgetLine


def budget_lines_by_goal(
    policy_goal_ids: Sequence[int], year: int
) -> dict[int, tuple[tuple[BudgetLine, ...], BudgetLine | None]]:
    """policy goal id → (its unit programs' lines, the goal's total line) for `year`; two queries."""
    out = {}
    for goal_id, goal in execution_for_goals(policy_goal_ids=policy_goal_ids, year=year).items():
        if not goal.units:
            continue
        lines = tuple(
            BudgetLine(unit.name, unit.budget, unit.settled, unit.rate.value, unit.rate.reason) for unit in goal.units
        )
        out[goal_id] = (lines, BudgetLine("계", goal.budget, goal.settled, goal.rate.value, goal.rate.reason))
    return out
