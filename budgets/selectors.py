"""Reads of budget data, loaded set-wise into plain dataclasses for the pages."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch

from budgets.models import (
    AmountKind,
    BudgetProgram,
    BudgetSummaryLine,
    SummaryCategory,
    UnitProgram,
)
from budgets.summary import AmountColumn, SummaryLine, SummaryTable, amount_columns, budget_summary_rows

CATEGORY_ORDER = {value: index for index, value in enumerate(SummaryCategory.values)}
KIND_LABELS = dict(AmountKind.choices)


@dataclass(frozen=True)
class BudgetLineRow:
    """One row of a 관련 예산사업 내역 table; cells line up with the table's columns."""

    name: str
    account: str
    cells: list[Decimal | None]
    is_unit: bool = False
    declared_count: int | None = None


@dataclass(frozen=True)
class BudgetProgramOverview:
    """A 관련 예산사업 개요 block."""

    id: int
    name: str
    overview_name: str
    content: str
    period_text: str
    support_type: str
    funding_text: str
    funding_shares: list[tuple[str, Decimal]]
    implementing_body: str


@dataclass(frozen=True)
class UnitProgramView:
    id: int
    name: str
    account: str
    purposes: list[str]
    key_contents: list[str]
    columns: list[AmountColumn]
    rows: list[BudgetLineRow]
    budget_programs: list[BudgetProgramOverview]


def summary_table_from_lines(lines: list[BudgetSummaryLine]) -> SummaryTable:
    lines = sorted(lines, key=lambda line: (line.order, CATEGORY_ORDER.get(line.category, 99)))
    rows = budget_summary_rows(
        SummaryLine(
            category=line.category,
            label=SummaryCategory(line.category).label if line.category in CATEGORY_ORDER else line.label,
            amount=line.amount,
            prior_amount=line.prior_amount,
            printed_share=line.printed_share,
            printed_prior_share=line.printed_prior_share,
            printed_change=line.printed_change,
            printed_change_rate=line.printed_change_rate,
        )
        for line in lines
    )
    return SummaryTable(rows=rows)


def budget_summary_for_bureau(*, bureau_id: int) -> SummaryTable:
    """The bureau's own 예산현황 (rows without a department). One query."""
    lines = list(BudgetSummaryLine.objects.filter(bureau_id=bureau_id, department__isnull=True))
    return summary_table_from_lines(lines)


def budget_summary_for_department(*, department_id: int) -> SummaryTable:
    """A department's 예산현황. One query."""
    lines = list(BudgetSummaryLine.objects.filter(department_id=department_id))
    return summary_table_from_lines(lines)


def budget_totals_for_bureau_departments(*, bureau_id: int) -> dict[int, Decimal]:
    """Each department's 계 amount, by department id. One query."""
    rows = BudgetSummaryLine.objects.filter(
        bureau_id=bureau_id, department__isnull=False, category=SummaryCategory.TOTAL
    ).values_list("department_id", "amount")
    return dict(rows)


def funding_shares(program: BudgetProgram) -> list[tuple[str, Decimal]]:
    """The parsed 지원조건 shares that carry money, in the document's order (국비, 도비, 시군비).

    도비(100%) is stored as 0/100/0; the zero shares are left out so it reads 도비 100%.
    """
    pairs = (
        ("국비", program.national_share),
        ("도비", program.provincial_share),
        ("시군비", program.municipal_share),
    )
    return [(label, share) for label, share in pairs if share is not None and share != 0]


def _cells(amounts, columns: list[AmountColumn]) -> list[Decimal | None]:
    by_key = {(entry.year, entry.kind): entry.amount for entry in amounts}
    return [by_key.get((column.year, column.kind)) for column in columns]


def unit_programs_for_department(*, department_id: int) -> list[UnitProgramView]:
    """Unit programs with their amounts and budget programs. Four queries, whatever their number."""
    programs = UnitProgram.objects.filter(department_id=department_id).order_by("order", "id").prefetch_related(
        "amounts",
        Prefetch(
            "budget_programs",
            queryset=BudgetProgram.objects.order_by("order", "id").prefetch_related("amounts"),
        ),
    )
    views = []
    for unit in programs:
        budget_programs = list(unit.budget_programs.all())
        unit_amounts = list(unit.amounts.all())
        entries = [(a.year, a.kind, KIND_LABELS.get(a.kind, a.kind)) for a in unit_amounts]
        for program in budget_programs:
            entries.extend((a.year, a.kind, KIND_LABELS.get(a.kind, a.kind)) for a in program.amounts.all())
        columns = amount_columns(entries)
        rows = [
            BudgetLineRow(
                name=unit.name,
                account=unit.account,
                cells=_cells(unit_amounts, columns),
                is_unit=True,
                declared_count=unit.declared_budget_program_count,
            )
        ]
        rows.extend(
            BudgetLineRow(name=program.name, account=program.account, cells=_cells(program.amounts.all(), columns))
            for program in budget_programs
        )
        views.append(
            UnitProgramView(
                id=unit.id,
                name=unit.name,
                account=unit.account,
                purposes=list(unit.purposes or []),
                key_contents=list(unit.key_contents or []),
                columns=columns,
                rows=rows,
                budget_programs=[
                    BudgetProgramOverview(
                        id=program.id,
                        name=program.name,
                        # The overview block sometimes spells the name differently (전복/전북).
                        overview_name=program.overview_name if program.overview_name != program.name else "",
                        content=program.content,
                        period_text=program.period_text,
                        support_type=program.support_type,
                        funding_text=program.funding_text,
                        funding_shares=funding_shares(program),
                        implementing_body=program.implementing_body,
                    )
                    for program in budget_programs
                ],
            )
        )
    return views
