"""Budget execution (예산 집행): the settled amount (결산) against the budget (예산) of the same year, per budget
program, unit program and policy goal. The one rate every page, export and report shows."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from budgets.models import AmountKind, BudgetProgram, BudgetProgramAmount
from budgets.summary import percent_of


@dataclass(frozen=True)
class Rate:
    """결산 / 예산 × 100 (%), rounded half-up to 0.01; None with the Korean reason when it cannot be computed."""

    value: Decimal | None
    reason: str = ""


def execution_rate(*, budget: Decimal | None, settled: Decimal | None) -> Rate:
    if budget is None:
        return Rate(None, "예산액이 없습니다")
    if budget == 0:
        return Rate(None, "예산액이 0입니다")
    if settled is None:
        return Rate(None, "결산액이 입력되지 않았습니다")
    return Rate(percent_of(settled, budget))


def _aggregate_rate(programs: list[ProgramExecution], budget: Decimal | None, settled: Decimal | None) -> Rate:
    """A unit's or goal's rate: not computed while a budgeted program has no settled amount yet (a partial sum
    over the full budget would read as under-execution)."""
    missing = sum(1 for p in programs if p.budget is not None and p.settled is None)
    if missing and settled is not None:
        return Rate(None, f"결산액이 입력되지 않은 세부사업이 {missing}개 있습니다")
    return execution_rate(budget=budget, settled=settled)


def _sum(values: Iterable[Decimal | None]) -> Decimal | None:
    """Σ of the known amounts; None when none is known (a missing amount is never counted as 0)."""
    known = [value for value in values if value is not None]
    return sum(known, Decimal(0)) if known else None


@dataclass(frozen=True)
class ProgramExecution:
    budget_program_id: int
    name: str
    budget: Decimal | None
    settled: Decimal | None

    @property
    def rate(self) -> Rate:
        return execution_rate(budget=self.budget, settled=self.settled)


@dataclass(frozen=True)
class UnitExecution:
    unit_program_id: int
    name: str
    programs: list[ProgramExecution] = field(default_factory=list)

    @property
    def budget(self) -> Decimal | None:
        return _sum(p.budget for p in self.programs)

    @property
    def settled(self) -> Decimal | None:
        return _sum(p.settled for p in self.programs)

    @property
    def rate(self) -> Rate:
        return _aggregate_rate(self.programs, self.budget, self.settled)


@dataclass(frozen=True)
class GoalExecution:
    policy_goal_id: int
    units: list[UnitExecution] = field(default_factory=list)

    @property
    def budget(self) -> Decimal | None:
        return _sum(u.budget for u in self.units)

    @property
    def settled(self) -> Decimal | None:
        return _sum(u.settled for u in self.units)

    @property
    def programs(self) -> list[ProgramExecution]:
        return [p for u in self.units for p in u.programs]

    @property
    def rate(self) -> Rate:
        return _aggregate_rate(self.programs, self.budget, self.settled)


def execution_for_goals(*, policy_goal_ids: Iterable[int], year: int) -> dict[int, GoalExecution]:
    """policy goal id → its execution in `year`, unit programs and budget programs in plan order (amounts in
    백만원, summed over budget programs). Two queries; the caller passes goals it already scoped."""
    ids = list(policy_goal_ids)
    programs = list(
        BudgetProgram.objects.filter(unit_program__policy_goal_id__in=ids)
        .select_related("unit_program")
        .order_by("unit_program__order", "unit_program_id", "order", "id")
    )
    amounts: dict[tuple[int, str], Decimal | None] = {
        (row.budget_program_id, row.kind): row.amount
        for row in BudgetProgramAmount.objects.filter(budget_program__in=[p.pk for p in programs], year=year)
    }
    goals = {goal_id: GoalExecution(policy_goal_id=goal_id) for goal_id in ids}
    units: dict[int, UnitExecution] = {}
    for program in programs:
        unit = program.unit_program
        if unit.pk not in units:
            units[unit.pk] = UnitExecution(unit_program_id=unit.pk, name=unit.name)
            goals[unit.policy_goal_id].units.append(units[unit.pk])
        units[unit.pk].programs.append(
            ProgramExecution(
                budget_program_id=program.pk, name=program.name,
                budget=amounts.get((program.pk, AmountKind.BUDGET)), settled=amounts.get((program.pk, AmountKind.SETTLED)),
            )
        )
    return goals
