"""Budget and execution (예산·결산, 집행률) per policy goal as the report prints them."""
from __future__ import annotations

from collections.abc import Sequence

from budgets.models import AmountKind, UnitProgram
from reports.report.data import BudgetLine

NOT_COMPUTED = "집행률 산정 함수 대기"


def budget_lines_by_goal(
    department_ids: Sequence[int], year: int
) -> dict[int, tuple[tuple[BudgetLine, ...], BudgetLine | None]]:
    """policy goal id → (its unit programs' lines, the goal's total line) for `year`."""
    programs = UnitProgram.objects.filter(department_id__in=list(department_ids)).order_by("order", "id")
    out: dict[int, list[BudgetLine]] = {}
    for unit in programs.prefetch_related("amounts"):
        amount = next((a for a in unit.amounts.all() if a.year == year), None)
        budget = amount.amount if amount is not None and amount.kind == AmountKind.BUDGET else None
        settled = amount.amount if amount is not None and amount.kind == AmountKind.SETTLED else None
        out.setdefault(unit.policy_goal_id, []).append(BudgetLine(unit.name, budget, settled, None, NOT_COMPUTED))
    return {goal_id: (tuple(lines), None) for goal_id, lines in out.items()}
