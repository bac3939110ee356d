"""Checks inside one strategic goal: declared figures, indicators, unit and budget programs."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from core.korean import with_josa
from core.numbers import format_number, quoted
from imports.cells import normalize_label
from imports.plan_document import BudgetProgramRow, PlanDocument, StrategicGoalBlock, UnitProgramBlock

from .types import Discrepancy

HUNDRED = Decimal(100)
SUPPORT_TYPES = {"직접수행", "민간보조", "자치단체보조", "공기관위탁", "출연(출자)", "기타"}


def check_strategic_goal(doc: PlanDocument, block: StrategicGoalBlock) -> Iterator[Discrepancy]:
    yield from _check_goal_figures(doc, block)
    yield from _check_indicators(block)
    for unit in block.unit_programs:
        yield from _check_unit_program(block, unit)


def _check_goal_figures(doc: PlanDocument, block: StrategicGoalBlock) -> Iterator[Discrepancy]:
    """Declared counts and budgets of the policy goal against what the block contains."""
    for row in block.policy_goals:
        if row.shifted:
            yield Discrepancy(
                "policy_goal_row_shifted",
                f"{block.department} 정책사업목표 표의 행이 한 칸 밀려 있습니다: 제목 '{row.title}'만 있고"
                " 성과 지표수·단위 사업수·예산액이 비어 있습니다",
                row.line,
            )
    bureau_rows = {normalize_label(row.title): row for row in doc.policy_goals}
    declared = [
        (row, source)
        for own in block.policy_goals
        for row, source in ((bureau_rows.get(normalize_label(own.title)), "실국 표"), (own, "부서 표"))
        if row is not None
    ]
    found_units = len(block.unit_programs)
    for row, source in declared:
        for what, value, found, unit in (
            ("성과 지표수", row.indicator_count, len(block.indicators), "성과지표"),
            ("단위 사업수", row.unit_program_count, found_units, "단위사업 블록"),
        ):
            if value is not None and value != found and len(block.policy_goals) == 1:
                yield Discrepancy(
                    "declared_count", f"{block.department} {what} {value}({source}) ≠ 문서의 {unit} {found}개", row.line
                )
    planned = sum((unit.amount(doc.plan_year) or Decimal(0) for unit in block.unit_programs), Decimal(0))
    budgets = [(row, source) for row, source in declared if row.budget_amount is not None]
    if any(row.budget_amount != planned for row, _ in budgets) or any(row.budget_amount is None for row, _ in declared):
        printed = ", ".join(f"{format_number(row.budget_amount)}({source} {row.line}행)" for row, source in declared)
        label = f"'{str(doc.plan_year)[2:]}예산"
        yield Discrepancy(
            "policy_goal_budget",
            f"{block.department} 정책사업목표 예산액 {printed} ≠ 단위사업 {label} 합계 {format_number(planned)}",
            block.policy_goals[0].line if block.policy_goals else block.line,
        )


def _check_indicators(block: StrategicGoalBlock) -> Iterator[Discrepancy]:
    total = sum((row.weight for row in block.indicators), Decimal(0))
    if total != HUNDRED:
        yield Discrepancy(
            "indicator_weight",
            f"{block.department} 성과지표 가중치 합계가 100이 아니라 {format_number(total)}입니다",
            block.indicators[0].line,
        )
    for row in block.indicators:
        if row.department_prefix != block.department:
            yield Discrepancy(
                "indicator_department",
                f"성과지표 '{row.name}'의 부서 표기가 소관부서 {with_josa(quoted(block.department), '과/와')} 다릅니다",
                row.line,
            )
        if row.formula_error:
            yield Discrepancy(
                "formula",
                f"성과지표 '{row.name}'의 측정산식 {with_josa(quoted(row.method_text), '을/를')} 해석할 수 없습니다: {row.formula_error}",
                row.line,
            )
        if not row.rationale_match:
            yield Discrepancy("rationale", f"성과지표 '{row.name}'의 목표치 설정 근거가 없습니다", row.line)
        elif row.rationale_match == "position":
            yield Discrepancy(
                "rationale",
                f"목표치 설정 근거 '{row.rationale_title}'의 지표명이 {with_josa(quoted(row.name), '과/와')} 달라 순서로 연결했습니다",
                row.rationale_line,
            )
    for entry in block.unmatched_rationales:
        yield Discrepancy("rationale", f"목표치 설정 근거 '{entry.title}'에 해당하는 성과지표가 없습니다", entry.line)


def _check_unit_program(block: StrategicGoalBlock, unit: UnitProgramBlock) -> Iterator[Discrepancy]:
    if normalize_label(unit.row_name) != normalize_label(unit.name):
        yield Discrepancy(
            "unit_program_name",
            f"단위사업 '{unit.name}'의 예산 표 첫 행 이름이 '{unit.row_name}'입니다",
            unit.table_line,
        )
    for cell in unit.amounts:
        values = [program.amount(cell.year) for program in unit.budget_programs]
        summed = sum((value for value in values if value is not None), Decimal(0))
        if cell.amount != summed:
            yield Discrepancy(
                "unit_program_total",
                f"단위사업 '{unit.name}' {cell.label} {format_number(cell.amount)} ≠ 세부사업 합계 {format_number(summed)}"
                f" (차이 {format_number((cell.amount or Decimal(0)) - summed)})",
                unit.table_line + 1,
            )
    found = len(unit.budget_programs)
    if unit.declared_budget_program_count is not None and unit.declared_budget_program_count != found:
        yield Discrepancy(
            "declared_count",
            f"단위사업 '{unit.name}' 세부사업수 {unit.declared_budget_program_count}(비고) ≠ 문서의 세부사업 {found}개",
            unit.table_line + 1,
        )
    for program in unit.budget_programs:
        yield from _check_program(unit, program)
    for overview in unit.unmatched_overviews:
        yield Discrepancy(
            "overview",
            f"예산사업 개요 '{overview.name}'에 해당하는 세부사업 행이 '{unit.name}'에 없습니다",
            overview.line,
        )


def _check_program(unit: UnitProgramBlock, program: BudgetProgramRow) -> Iterator[Discrepancy]:
    if program.continuation_lines:
        lines = ", ".join(f"{line}행" for line in program.continuation_lines)
        yield Discrepancy(
            "merged_row",
            f"세부사업 행이 {lines}으로 이어져 '{program.name}' 한 행으로 합쳤습니다",
            program.line,
        )
    overview = program.overview
    if overview is None:
        yield Discrepancy("overview", f"세부사업 '{program.name}'의 예산사업 개요가 없습니다", program.line)
        return
    if program.overview_match == "position":
        yield Discrepancy(
            "overview",
            f"예산사업 개요의 사업명 '{overview.name}'({overview.line}행)이 세부사업 {with_josa(quoted(program.name), '과/와')} 달라"
            " 순서로 연결했습니다",
            program.line,
        )
    if overview.missing_fields:
        yield Discrepancy(
            "overview",
            f"예산사업 개요 '{overview.name}'에 {', '.join(overview.missing_fields)} 항목이 없습니다",
            overview.line,
        )
    if overview.period_text and (overview.period_start is None or overview.period_end is None):
        yield Discrepancy(
            "overview",
            f"예산사업 개요 '{overview.name}'의 사업기간 {with_josa(quoted(overview.period_text), '을/를')} 날짜로 읽을 수 없습니다",
            overview.line,
        )
    if overview.support_type and overview.support_type not in SUPPORT_TYPES:
        yield Discrepancy(
            "overview",
            f"예산사업 개요 '{overview.name}'의 지원형태 {with_josa(quoted(overview.support_type), '은/는')} 알려진 유형이 아닙니다",
            overview.line,
        )
    if overview.funding is not None and overview.funding.total != HUNDRED:
        yield Discrepancy(
            "overview",
            f"예산사업 개요 '{overview.name}'의 지원조건 '{overview.funding_text}' 비율 합계가 100%가 아닙니다",
            overview.line,
        )
