"""The document from top to bottom: bureau header, then one block per strategic goal."""

from __future__ import annotations

from dataclasses import replace

from core.korean import with_josa
from core.numbers import quoted
from imports.cells import normalize_label, strip_html_list

from .indicators import attach_rationale, mark_placeholders, read_indicator_table, read_rationale
from .programs import is_section_end, read_unit_program
from .reader import Cursor, shown
from .tables import read_budget, read_headcount, read_list, read_paragraph, read_policy_goals
from .types import (
    BudgetTable,
    HeadcountTable,
    PlanDocument,
    PlanDocumentError,
    PolicyGoalRow,
    StrategicGoalBlock,
    UnitProgramBlock,
)


def parse_plan_document(text: str, *, source_name: str) -> PlanDocument:
    """Parse a whole plan document, or raise PlanDocumentError naming the first bad line."""
    cursor = Cursor(text)
    name_line = cursor.take("실국명")
    if len([cell for cell in name_line.cells if cell]) != 1:
        raise cursor.error(f"첫 줄에는 실국명이 와야 하는데 {with_josa(shown(name_line), '이/가')} 있습니다", name_line)
    goals_line = cursor.take("'전략목표⇥목록'")
    if goals_line.key(0) != "전략목표" or not goals_line.cell(1):
        raise cursor.error(f"'전략목표⇥목록' 행이 와야 할 자리에 {with_josa(shown(goals_line), '이/가')} 있습니다", goals_line)
    _, responsible = cursor.expect_field("[소관실국]")
    cursor.expect_heading("1. 기본방향")
    _, basic_direction = read_paragraph(cursor, "기본방향")
    policy_goals, headcount, budget = _read_status_tables(cursor)

    blocks: list[StrategicGoalBlock] = []
    while (line := cursor.peek()) is not None:
        if line.key(0) != "전략목표":
            raise cursor.error(f"'전략목표⇥…' 행이 와야 할 자리에 {with_josa(shown(line), '이/가')} 있습니다", line)
        blocks.append(_read_strategic_goal(cursor))
    if not blocks:
        raise cursor.end_error("'전략목표⇥…' 블록")
    # Every department of the bureau's organisation table has its block; a missing one means
    # the file stops short at a block boundary, which nothing else would reveal.
    covered = {block.department for block in blocks}
    for row in headcount.rows:
        if row.name not in covered:
            raise cursor.end_error(f"실국 조직 및 인력현황 표({row.line}행)의 부서 '{row.name}'의 전략목표 블록")

    _check_unique(blocks)
    plan_year = _plan_year(blocks)
    blocks = [
        replace(block, indicators=tuple(mark_placeholders(row, plan_year) for row in block.indicators))
        for block in blocks
    ]
    return PlanDocument(
        source_name=source_name,
        bureau_name=name_line.cell(0),
        bureau_line=name_line.number,
        responsible_bureau=responsible,
        goal_list=tuple(strip_html_list(goals_line.cell(1))),
        goal_list_line=goals_line.number,
        basic_direction=basic_direction,
        policy_goals=policy_goals,
        headcount=headcount,
        budget=budget,
        strategic_goals=tuple(blocks),
        plan_year=plan_year,
        line_count=cursor.line_count,
    )


def _read_status_tables(cursor: Cursor) -> tuple[tuple[PolicyGoalRow, ...], HeadcountTable, BudgetTable]:
    """'< 정책사업목표 현황 >', '2. 조직 및 인력현황' and '3. 예산현황', in that order."""
    cursor.expect_heading("< 정책사업목표 현황 >")
    cursor.skip_unit_note()
    policy_goals = read_policy_goals(cursor)
    cursor.expect_heading("2. 조직 및 인력현황")
    cursor.skip_unit_note()
    headcount = read_headcount(cursor)
    cursor.expect_heading("3. 예산현황")
    cursor.skip_unit_note()
    budget = read_budget(cursor)
    return policy_goals, headcount, budget


def _read_strategic_goal(cursor: Cursor) -> StrategicGoalBlock:
    title_line = cursor.take("'전략목표⇥…'")
    if not title_line.cell(1):
        raise cursor.error("전략목표 제목이 와야 할 자리가 비어 있습니다", title_line)
    _, department = cursor.expect_field("[소관부서]")
    cursor.expect_heading("1. 기본방향")
    _, basic_direction = read_paragraph(cursor, "기본방향")
    policy_goals, headcount, budget = _read_status_tables(cursor)
    cursor.expect_heading("(1) 주요내용")
    main_contents = read_list(cursor, "주요내용")
    cursor.expect_heading("(2) 성과지표 및 목표치 설정")
    cursor.expect_heading("< 성과지표별 목표치 설정 >")
    years, indicators = read_indicator_table(cursor)
    cursor.expect_heading("< 성과지표별 목표치 설정 근거 >")
    indicators, unmatched = attach_rationale(indicators, read_rationale(cursor))

    unit_programs: list[UnitProgramBlock] = []
    while not is_section_end(line := cursor.peek()):
        assert line is not None
        if line.key(0) != "단위사업" or len([cell for cell in line.cells if cell]) != 1:
            raise cursor.error(f"'단위사업' 또는 '전략목표'가 와야 할 자리에 {with_josa(shown(line), '이/가')} 있습니다", line)
        unit_programs.append(read_unit_program(cursor, cursor.take("'단위사업'")))
    if not unit_programs:
        # Every strategic goal carries its unit programs; none means the file was cut short.
        if cursor.peek() is None:
            raise cursor.end_error("'단위사업' 블록")
        raise cursor.error("전략목표에 '단위사업' 블록이 하나도 없습니다", title_line)
    return StrategicGoalBlock(
        line=title_line.number,
        title=title_line.cell(1),
        department=normalize_label(department),
        printed_department=department,
        basic_direction=basic_direction,
        policy_goals=policy_goals,
        headcount=headcount,
        budget=budget,
        main_contents=main_contents,
        indicator_years=years,
        indicators=tuple(indicators),
        unmatched_rationales=unmatched,
        unit_programs=tuple(unit_programs),
    )


def _plan_year(blocks: list[StrategicGoalBlock]) -> int:
    """The plan year is the latest '..예산' column of the budget program tables (2025 here)."""
    years = [
        cell.year for block in blocks for unit in block.unit_programs for cell in unit.amounts if cell.kind == "budget"
    ]
    if not years:
        raise PlanDocumentError("예산 연도('YY예산 열)를 찾을 수 없어 계획 연도를 정할 수 없습니다", line=None)
    return max(years)


def _check_unique(blocks: list[StrategicGoalBlock]) -> None:
    """Names are the natural keys the import updates by: a repeated one cannot be stored."""
    keyed: list[tuple[str, list[tuple[str, int]]]] = [
        ("전략목표", [(block.title, block.line) for block in blocks]),
        ("부서", [(block.department, block.line) for block in blocks]),
    ]
    for block in blocks:
        keyed.append((f"{block.department} 성과지표", [(row.name, row.line) for row in block.indicators]))
        keyed.append((f"{block.department} 단위사업", [(unit.name, unit.line) for unit in block.unit_programs]))
        for row in block.headcount.rows:
            keyed.append((f"{row.name} 팀", [(team, row.line) for team in row.teams]))
        for unit in block.unit_programs:
            keyed.append(
                (f"'{unit.name}' 세부사업", [(program.name, program.line) for program in unit.budget_programs])
            )
    for what, items in keyed:
        seen: dict[str, int] = {}
        for name, line in items:
            if name in seen:
                raise PlanDocumentError(f"{what} {with_josa(quoted(name), '이/가')} {seen[name]}행에 이어 다시 나옵니다", line=line)
            seen[name] = line
