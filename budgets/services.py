"""Writing the budget side of a plan: 예산현황 lines, unit programs (단위사업), budget programs (세부사업) and
their yearly amounts, upserted by natural key through `core.upsert.Upserts` (plain document data, no audit).

The plan document's shapes are described here as protocols, so that budgets does not depend on the importer
that reads them (imports.plan_document provides objects of these shapes).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Protocol

from django.db import models

from budgets.models import BudgetProgram, BudgetProgramAmount, BudgetSummaryLine, UnitProgram, UnitProgramAmount
from core.upsert import M, Upserts
from kpis.models import Bureau, Department, PolicyGoal


class SummaryLineData(Protocol):
    category: str
    label: str
    amount: Decimal
    prior_amount: Decimal
    printed_share: str  # the document's own figures, kept as printed to reconcile
    printed_prior_share: str
    printed_change: str
    printed_change_rate: str
    line: int


class SummaryTableData(Protocol):
    lines: Sequence[SummaryLineData]


class AmountData(Protocol):
    year: int
    kind: str
    amount: Decimal | None


class FundingData(Protocol):
    national: Decimal | None
    provincial: Decimal | None
    municipal: Decimal | None


class OverviewData(Protocol):
    name: str
    content: str
    period_text: str
    period_start: date | None
    period_end: date | None
    support_type: str
    funding_text: str
    funding: FundingData | None
    implementing_body: str


class BudgetProgramData(Protocol):
    name: str
    overview: OverviewData | None
    amounts: Sequence[AmountData]
    line: int


class UnitProgramData(Protocol):
    name: str
    purposes: Sequence[str]
    key_contents: Sequence[str]
    account: str
    declared_budget_program_count: int | None
    amounts: Sequence[AmountData]
    budget_programs: Sequence[BudgetProgramData]
    line: int
    table_line: int


def budget_summary_write(
    upserts: Upserts, *, bureau: Bureau, department: Department | None, table: SummaryTableData
) -> None:
    """The 예산현황 lines of a bureau (department None) or a department; lines gone from the table are deleted."""
    lines = BudgetSummaryLine.objects.filter(bureau=bureau, department=department)
    current = {line.category: line for line in lines}
    for order, row in enumerate(table.lines, start=1):
        upserts.save(
            "budget_summary_lines",
            BudgetSummaryLine,
            current.pop(row.category, None),
            {"bureau": bureau, "department": department, "category": row.category},
            {
                "label": row.label,
                "order": order,
                "amount": row.amount,
                "prior_amount": row.prior_amount,
                "printed_share": row.printed_share,
                "printed_prior_share": row.printed_prior_share,
                "printed_change": row.printed_change,
                "printed_change_rate": row.printed_change_rate,
            },
            line=row.line,
        )
    owner = department.name if department else "실국"
    upserts.delete_missing(
        "budget_summary_lines", lines.filter(pk__in=[x.pk for x in current.values()]), f"{owner} 예산현황"
    )


def unit_programs_write(
    upserts: Upserts, *, department: Department, policy_goal: PolicyGoal, blocks: Sequence[UnitProgramData]
) -> None:
    """A department's unit programs with their amounts and budget programs; one gone from the plan is noted."""
    current = {unit.name: unit for unit in UnitProgram.objects.filter(department=department)}
    for order, block in enumerate(blocks, start=1):
        values = {
            "policy_goal_id": policy_goal.pk,
            "order": order,
            "purposes": list(block.purposes),
            "key_contents": list(block.key_contents),
            "account": block.account,
            "declared_budget_program_count": block.declared_budget_program_count,
        }
        unit, _, _ = upserts.save(
            "unit_programs",
            UnitProgram,
            current.pop(block.name, None),
            {"department": department, "name": block.name},
            values,
            line=block.line,
        )
        amounts_write(
            upserts, "unit_program_amounts", UnitProgramAmount, "unit_program", unit, block.amounts,
            line=block.table_line + 1,
        )
        budget_programs_write(upserts, unit=unit, block=block)
    upserts.note_missing(
        UnitProgram.objects.filter(pk__in=[u.pk for u in current.values()]), f"{department.name} 단위사업"
    )


def budget_programs_write(upserts: Upserts, *, unit: UnitProgram, block: UnitProgramData) -> None:
    """A unit program's budget programs with their amounts; one gone from the plan is deleted."""
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
        program, _, _ = upserts.save(
            "budget_programs",
            BudgetProgram,
            current.pop(row.name, None),
            {"unit_program": unit, "name": row.name},
            values,
            line=row.line,
        )
        amounts_write(
            upserts, "budget_program_amounts", BudgetProgramAmount, "budget_program", program, row.amounts,
            line=row.line,
        )
    upserts.delete_missing(
        "budget_programs",
        BudgetProgram.objects.filter(pk__in=[p.pk for p in current.values()]),
        f"{unit.name} 세부사업",
    )


def amounts_write(
    upserts: Upserts,
    entity: str,
    model: type[M],
    parent_field: str,
    parent: models.Model,
    amounts: Sequence[AmountData],
    *,
    line: int,
) -> None:
    """The yearly amounts of a unit or budget program; a year gone from the plan is deleted.

    A budget program's amounts are keyed by (year, kind): its settled amount (결산) of a year the document
    prints as 예산 is entered later (by a planner or the plan workbook) and stays when the plan is imported again.
    """
    by_kind = model is BudgetProgramAmount
    rows = model.objects.filter(**{parent_field: parent})  # type: ignore[attr-defined]
    current = {((a.year, a.kind) if by_kind else a.year): a for a in rows}
    years = {cell.year for cell in amounts}
    for cell in amounts:
        keys: dict = {parent_field: parent, "year": cell.year}
        values: dict = {"amount": cell.amount}
        (keys if by_kind else values)["kind"] = cell.kind
        upserts.save(
            entity, model, current.pop((cell.year, cell.kind) if by_kind else cell.year, None), keys, values, line=line
        )
    stale_ids = [amount.pk for amount in current.values() if not (by_kind and amount.year in years)]
    stale = model.objects.filter(pk__in=stale_ids)  # type: ignore[attr-defined]
    upserts.delete_missing(entity, stale, f"{parent} 금액")
