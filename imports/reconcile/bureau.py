"""Bureau-level checks: goal list, departments, headcount, budget summaries, policy goal tables."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from core.korean import with_josa
from core.numbers import decimal_places, format_number, parse_decimal, quoted, round_half_up
from imports.cells import normalize_label
from imports.plan_document import BudgetTable, HeadcountTable, PlanDocument

from .types import Discrepancy

HUNDRED = Decimal(100)
_HEADCOUNT_COLUMNS = (
    ("total", "정원 계"),
    ("grade4_up", "정원 4급이상"),
    ("grade5", "정원 5급"),
    ("grade6_down", "정원 6급이하"),
    ("current", "현원"),
)
_CATEGORY_LABELS = {
    "total": "계",
    "policy": "정책사업",
    "admin": "행정운영경비",
    "personnel": "인력운영비",
    "basic": "기본경비",
    "financial": "재무활동",
}
# 계 = 정책사업 + 행정운영경비 + 재무활동, and 행정운영경비 = 인력운영비 + 기본경비.
_BUDGET_SUMS = (("total", ("policy", "admin", "financial")), ("admin", ("personnel", "basic")))


def check_goal_list(doc: PlanDocument) -> Iterator[Discrepancy]:
    if normalize_label(doc.responsible_bureau) != normalize_label(doc.bureau_name):
        yield Discrepancy(
            "bureau", f"[소관실국] {with_josa(quoted(doc.responsible_bureau), '이/가')} 실국명 {with_josa(quoted(doc.bureau_name), '과/와')} 다릅니다"
        )
    titles = {normalize_label(block.title) for block in doc.strategic_goals}
    listed = {normalize_label(goal) for goal in doc.goal_list}
    for goal in doc.goal_list:
        if normalize_label(goal) not in titles:
            yield Discrepancy(
                "goal_list", f"실국 전략목표 목록의 '{goal}'에 해당하는 전략목표 블록이 없습니다", doc.goal_list_line
            )
    for block in doc.strategic_goals:
        if normalize_label(block.title) not in listed:
            yield Discrepancy("goal_list", f"전략목표 {with_josa(quoted(block.title), '이/가')} 실국 전략목표 목록에 없습니다", block.line)


def check_departments(doc: PlanDocument) -> Iterator[Discrepancy]:
    in_table = {row.name for row in doc.headcount.rows}
    for block in doc.strategic_goals:
        if block.department not in in_table:
            yield Discrepancy(
                "department", f"소관부서 {with_josa(quoted(block.department), '이/가')} 실국 조직 및 인력현황 표에 없습니다", block.line
            )


def check_headcount(doc: PlanDocument) -> Iterator[Discrepancy]:
    yield from _headcount_sums(doc.headcount, "실국")
    bureau_rows = {row.name: row for row in doc.headcount.rows}
    for block in doc.strategic_goals:
        yield from _headcount_sums(block.headcount, block.department)
        for row in block.headcount.rows:
            other = bureau_rows.get(row.name)
            if other is None:
                continue
            for field, label in _HEADCOUNT_COLUMNS:
                if getattr(row, field) != getattr(other, field):
                    yield Discrepancy(
                        "headcount",
                        f"{row.name} {label}: 부서 표 {getattr(row, field)} ≠ 실국 표 {getattr(other, field)}({other.line}행)",
                        row.line,
                    )
            if row.teams != other.teams:
                yield Discrepancy(
                    "headcount", f"{row.name} 계단위 직제명이 실국 표({other.line}행)와 다릅니다", row.line
                )


def _headcount_sums(table: HeadcountTable, owner: str) -> Iterator[Discrepancy]:
    for row in [*([table.total] if table.total else []), *table.rows]:
        grades = row.grade4_up + row.grade5 + row.grade6_down
        if grades != row.total:
            yield Discrepancy(
                "headcount", f"{owner} 표 '{row.printed_name}' 정원 계 {row.total} ≠ 직급별 합계 {grades}", row.line
            )
    if table.total is None:
        return
    for field, label in _HEADCOUNT_COLUMNS:
        summed = sum(getattr(row, field) for row in table.rows)
        if summed != getattr(table.total, field):
            yield Discrepancy(
                "headcount",
                f"{owner} 표 계 행 {label} {getattr(table.total, field)} ≠ 부서 합계 {summed}",
                table.total.line,
            )


def check_budget_tables(doc: PlanDocument) -> Iterator[Discrepancy]:
    tables = [("실국", doc.budget), *((block.department, block.budget) for block in doc.strategic_goals)]
    for owner, table in tables:
        yield from _budget_structure(owner, table)
        yield from _budget_printed(owner, table)
    for category, label in _CATEGORY_LABELS.items():
        line = doc.budget.get(category)
        for field, what in (("amount", "예산액"), ("prior_amount", "전년도예산액")):
            bureau = getattr(line, field)
            summed = sum((getattr(block.budget.get(category), field) for block in doc.strategic_goals), Decimal(0))
            if bureau != summed:
                yield Discrepancy(
                    "budget_bureau_total",
                    f"실국 예산현황 {label} {what} {format_number(bureau)} ≠ 부서 예산현황 합계 {format_number(summed)}"
                    f" (차이 {format_number(bureau - summed)})",
                    line.line,
                )


def _budget_structure(owner: str, table: BudgetTable) -> Iterator[Discrepancy]:
    for whole, parts in _BUDGET_SUMS:
        for field, what in (("amount", "예산액"), ("prior_amount", "전년도예산액")):
            value = getattr(table.get(whole), field)
            summed = sum((getattr(table.get(part), field) for part in parts), Decimal(0))
            if value != summed:
                names = " + ".join(_CATEGORY_LABELS[part] for part in parts)
                yield Discrepancy(
                    "budget_structure",
                    f"{owner} 예산현황 {_CATEGORY_LABELS[whole]} {what} {format_number(value)} ≠ {names}"
                    f" {format_number(summed)}",
                    table.get(whole).line,
                )


def _budget_printed(owner: str, table: BudgetTable) -> Iterator[Discrepancy]:
    """Recompute 구성비, 증감액 and 증감률 and compare at the printed precision."""
    total = table.get("total")
    for row in table.lines:
        change = row.amount - row.prior_amount
        checks = [
            ("구성비", row.printed_share, _ratio(row.amount, total.amount)),
            ("전년도 구성비", row.printed_prior_share, _ratio(row.prior_amount, total.prior_amount)),
            ("증감액", row.printed_change, change),
            ("증감률", row.printed_change_rate, _ratio(change, row.prior_amount)),
        ]
        for what, printed_text, computed in checks:
            printed = parse_decimal(printed_text)
            if printed is None:
                continue
            if computed is None:
                if printed != 0:
                    yield Discrepancy(
                        "budget_printed",
                        f"{owner} 예산현황 {row.label} {what} '{printed_text}': 분모가 0이라 계산할 수 없습니다",
                        row.line,
                    )
                continue
            rounded = round_half_up(computed, decimal_places(printed_text))
            if rounded != printed:
                yield Discrepancy(
                    "budget_printed",
                    f"{owner} 예산현황 {_CATEGORY_LABELS[row.category]} {what}: 문서 '{printed_text}'"
                    f" ≠ 계산 {format_number(rounded, decimal_places(printed_text))}",
                    row.line,
                )


def _ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if whole == 0 else part * HUNDRED / whole


def check_policy_goal_tables(doc: PlanDocument) -> Iterator[Discrepancy]:
    """The bureau's '정책사업목표 현황' against each department's own table."""
    department_rows = {normalize_label(row.title): row for block in doc.strategic_goals for row in block.policy_goals}
    for row in doc.policy_goals:
        other = department_rows.pop(normalize_label(row.title), None)
        if other is None:
            yield Discrepancy(
                "policy_goal_table", f"실국 표의 정책사업목표 {with_josa(quoted(row.title), '이/가')} 부서 표에 없습니다", row.line
            )
            continue
        differences = [
            f"{what} {format_number(as_decimal(mine))} ≠ {format_number(as_decimal(theirs))}"
            for what, mine, theirs in (
                ("성과 지표수", row.indicator_count, other.indicator_count),
                ("단위 사업수", row.unit_program_count, other.unit_program_count),
                ("예산액", row.budget_amount, other.budget_amount),
            )
            if mine != theirs
        ]
        if differences:
            yield Discrepancy(
                "policy_goal_table",
                f"정책사업목표 '{row.title}' 실국 표({row.line}행)와 부서 표({other.line}행)가 다릅니다: "
                + ", ".join(differences),
                other.line,
            )
    for row in department_rows.values():
        yield Discrepancy(
            "policy_goal_table", f"부서 표의 정책사업목표 {with_josa(quoted(row.title), '이/가')} 실국 표에 없습니다", row.line
        )


def as_decimal(value: int | Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value)
