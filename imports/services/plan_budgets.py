"""Unit programs, budget programs and their yearly amounts: plain document data, no audit."""

from __future__ import annotations

from django.db import models

from budgets.models import BudgetProgram, BudgetProgramAmount, UnitProgram, UnitProgramAmount
from imports.plan_document import ProgramAmount, StrategicGoalBlock, UnitProgramBlock
from kpis.models import Department, PolicyGoal

from .upsert import M, UpsertSession


def write_unit_programs(
    session: UpsertSession, dept: Department, policy_goal: PolicyGoal, block: StrategicGoalBlock
) -> None:
    current = {unit.name: unit for unit in UnitProgram.objects.filter(department=dept)}
    for order, unit_block in enumerate(block.unit_programs, start=1):
        values = {
            "policy_goal_id": policy_goal.pk,
            "order": order,
            "purposes": list(unit_block.purposes),
            "key_contents": list(unit_block.key_contents),
            "account": unit_block.account,
            "declared_budget_program_count": unit_block.declared_budget_program_count,
        }
        unit, _, _ = session.save(
            "unit_programs",
            UnitProgram,
            current.pop(unit_block.name, None),
            {"department": dept, "name": unit_block.name},
            values,
            line=unit_block.line,
        )
        write_amounts(
            session,
            "unit_program_amounts",
            UnitProgramAmount,
            "unit_program",
            unit,
            unit_block.amounts,
            line=unit_block.table_line + 1,
        )
        write_budget_programs(session, unit, unit_block)
    session.note_missing(UnitProgram.objects.filter(pk__in=[u.pk for u in current.values()]), f"{dept.name} 단위사업")


def write_budget_programs(session: UpsertSession, unit: UnitProgram, block: UnitProgramBlock) -> None:
    current = {program.name: program for program in unit.budget_programs.all()}
    for order, row in enumerate(block.budget_programs, start=1):
        overview = row.overview
        funding = overview.funding if overview else None
        values = {
            "order": order,
            "account": block.account,
            "content": overview.content if overview else "",
            "period_text": overview.period_text if overview else "",
            "period_start": overview.period_start if overview else None,
            "period_end": overview.period_end if overview else None,
            "support_type": overview.support_type if overview else "",
            "funding_text": overview.funding_text if overview else "",
            "national_share": funding.national if funding else None,
            "provincial_share": funding.provincial if funding else None,
            "municipal_share": funding.municipal if funding else None,
            "implementing_body": overview.implementing_body if overview else "",
            "overview_name": overview.name if overview else "",
        }
        program, _, _ = session.save(
            "budget_programs",
            BudgetProgram,
            current.pop(row.name, None),
            {"unit_program": unit, "name": row.name},
            values,
            line=row.line,
        )
        write_amounts(
            session,
            "budget_program_amounts",
            BudgetProgramAmount,
            "budget_program",
            program,
            row.amounts,
            line=row.line,
        )
    session.delete_missing(
        "budget_programs",
        BudgetProgram.objects.filter(pk__in=[p.pk for p in current.values()]),
        f"{unit.name} 세부사업",
    )


def write_amounts(
    session: UpsertSession,
    entity: str,
    model: type[M],
    parent_field: str,
    parent: models.Model,
    amounts: tuple[ProgramAmount, ...],
    *,
    line: int,
) -> None:
    current = {amount.year: amount for amount in model.objects.filter(**{parent_field: parent})}  # type: ignore[attr-defined]
    for cell in amounts:
        session.save(
            entity,
            model,
            current.pop(cell.year, None),
            {parent_field: parent, "year": cell.year},
            {"kind": cell.kind, "amount": cell.amount},
            line=line,
        )
    stale = model.objects.filter(pk__in=[amount.pk for amount in current.values()])  # type: ignore[attr-defined]
    session.delete_missing(entity, stale, f"{parent} 금액")
