"""'(2) 성과지표 및 목표치 설정': the indicator table, its rationale, formulas and placeholders."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

from core.korean import with_josa
from core.numbers import quoted, whole_number
from imports.cells import normalize_label, parse_actual
from kpis.formulas import FormulaError, MethodKind, classify_method

from .reader import Cursor, Line, cell_value, decimal_cell, shown
from .types import ActualCell, IndicatorRow, RationaleEntry, TargetCell

KINDS = {"핵심": "core", "일반": "general"}
_NAME = re.compile(r"^\((?P<department>[^()]+)\)\s*(?P<short>.+?)\s*(?:\((?P<unit>[^()]*)\))?$")
# 'bsc 성과지표 연동', 'bsc성과지표와 연동', 'BSC 성과지표에 연동' …
_BSC = re.compile(r"bsc성과지표(?:와|과|에|로)?연동")


def read_indicator_table(cursor: Cursor) -> tuple[tuple[int, ...], list[IndicatorRow]]:
    """Two header rows, then for every indicator a '목표' row and a '실적' row right below it."""
    what = "'성과지표' 표"
    header = cursor.take(what)
    if not header.key(0).startswith("성과지표"):
        raise cursor.error(f"{what} 머리행이 와야 할 자리에 {with_josa(shown(header), '이/가')} 있습니다", header)
    years_line = cursor.take(what)
    # The last year is printed three cells further right: read the years in order, not by position.
    years = tuple(_year(number) for number in map(whole_number, years_line.cells[4:]) if number is not None)
    if years_line.key(3) != "구분" or not years:
        raise cursor.error(f"연도 머리행(구분⇥23⇥24…)이 와야 할 자리에 {with_josa(shown(years_line), '이/가')} 있습니다", years_line)
    rows: list[IndicatorRow] = []
    while (line := cursor.peek_raw()) is not None and not line.is_blank:
        cursor.take_raw()
        rows.append(_read_indicator(cursor, line, years))
    if not rows:
        raise cursor.error("성과지표 행이 하나도 없습니다", years_line)
    return years, rows


def _year(number: int) -> int:
    return 2000 + number if number < 100 else number


def _read_indicator(cursor: Cursor, line: Line, years: tuple[int, ...]) -> IndicatorRow:
    name = line.cell(0)
    if not name or line.key(3) != "목표":
        raise cursor.error(f"성과지표의 '목표' 행이 와야 할 자리에 {with_josa(shown(line), '이/가')} 있습니다", line)
    match = _NAME.match(name)
    if match is None:
        raise cursor.error(f"'(부서명)지표명(단위)' 형식의 성과지표명이 와야 할 자리에 {with_josa(quoted(name), '이/가')} 있습니다", line)
    kind = KINDS.get(line.key(1))
    if kind is None:
        raise cursor.error(f"지표 유형(핵심/일반)이 와야 할 자리에 {with_josa(quoted(line.cell(1)), '이/가')} 있습니다", line)
    weight = decimal_cell(line, 2, "가중치", required=True)
    assert weight is not None
    targets = tuple(
        TargetCell(year, line.cell(4 + i), decimal_cell(line, 4 + i, f"{year}년 목표")) for i, year in enumerate(years)
    )
    actual_line = cursor.peek_raw()
    if actual_line is None or actual_line.is_blank:
        where = actual_line.number if actual_line is not None else line.number
        raise cursor.error(f"성과지표 '{name}'의 '실적' 행이 와야 하는데 없습니다", where)
    if actual_line.key(3) != "실적" or any(actual_line.cell(i) for i in range(3)):
        raise cursor.error(
            f"성과지표 '{name}'의 '실적' 행이 와야 할 자리에 {with_josa(shown(actual_line), '이/가')} 있습니다", actual_line
        )
    cursor.take_raw()
    actuals = tuple(
        ActualCell(year, raw, *cell_value(actual_line, 4 + i, f"{year}년 실적", parse_actual))
        for i, year in enumerate(years)
        if (raw := actual_line.cell(4 + i))
    )
    method_text = line.cell(4 + len(years))
    formula, variables, formula_error = split_formula(method_text)
    return IndicatorRow(
        line=line.number,
        actual_line=actual_line.number,
        name=name,
        department_prefix=normalize_label(match["department"]),
        short_name=match["short"],
        unit=(match["unit"] or "").strip(),
        kind=kind,
        weight=weight,
        targets=targets,
        actuals=actuals,
        method_text=method_text,
        formula=formula,
        formula_variables=variables,
        formula_error=formula_error,
        data_source=line.cell(5 + len(years)),
    )


def split_formula(method_text: str) -> tuple[str, tuple[str, ...], str]:
    """'활동인원/인구*100' → (the text, ('활동인원', '인구'), ''); '개최횟수' → a single quantity.

    Classified with the evaluator's own grammar, so a stored formula is one it can compute.
    A method described in words ('설문조사 결과') gives ('', (), ''); text with operators that
    does not parse gives ('', (), the reason) so that reconcile can report it.
    """
    try:
        method = classify_method(method_text)
    except FormulaError as exc:
        return "", (), exc.message
    if method.kind == MethodKind.DIRECT:
        return "", (), ""
    return method_text.strip(), method.inputs, ""


def read_rationale(cursor: Cursor) -> list[RationaleEntry]:
    """'- (부서)지표명' lines, each followed by indented ' - 근거' lines."""
    first = cursor.take("목표치 설정 근거")
    entries: list[RationaleEntry] = []
    texts: list[list[str]] = []
    for line in [first, *cursor.take_block()]:
        indented = line.text[:1].isspace()
        stripped = line.text.strip()
        if not indented and stripped.startswith("-"):
            entries.append(RationaleEntry(line.number, stripped.lstrip("-").strip(), ""))
            texts.append([])
        elif entries:
            texts[-1].append(stripped.lstrip("-").strip())
        else:
            raise cursor.error(f"'- (부서명)지표명' 형식의 근거 항목이 와야 할 자리에 {with_josa(shown(line), '이/가')} 있습니다", line)
    return [replace(entry, text="\n".join(text)) for entry, text in zip(entries, texts, strict=True)]


def attach_rationale(
    indicators: list[IndicatorRow], entries: list[RationaleEntry]
) -> tuple[list[IndicatorRow], tuple[RationaleEntry, ...]]:
    """Match entries to indicators by name (spacing ignored), else by position; return the rest."""

    def keys(row: IndicatorRow) -> set[str]:
        prefixed = f"({row.department_prefix}){row.short_name}"
        return {normalize_label(row.name), normalize_label(prefixed), normalize_label(row.short_name)}

    chosen: dict[int, tuple[RationaleEntry, str]] = {}
    used: set[int] = set()
    for i, row in enumerate(indicators):
        for j, entry in enumerate(entries):
            if j not in used and normalize_label(entry.title) in keys(row):
                chosen[i] = (entry, "name")
                used.add(j)
                break
    for i in range(len(indicators)):
        if i not in chosen and i < len(entries) and i not in used:
            chosen[i] = (entries[i], "position")
            used.add(i)
    result = []
    for i, row in enumerate(indicators):
        if i not in chosen:
            result.append(row)
            continue
        entry, how = chosen[i]
        result.append(
            replace(
                row,
                rationale=entry.text,
                rationale_line=entry.line,
                rationale_title=entry.title,
                rationale_match=how,
                bsc_linked=bool(_BSC.search(normalize_label(entry.text).lower())),
            )
        )
    return result, tuple(entry for j, entry in enumerate(entries) if j not in used)


def mark_placeholders(row: IndicatorRow, plan_year: int) -> IndicatorRow:
    """Zeros that stand for 'not reported yet' or 'not in force' become values of None."""
    targets = {cell.year: cell.value for cell in row.targets}
    actuals = []
    for cell in row.actuals:
        reason = ""
        if cell.value == 0 and cell.supplementary is None:
            if cell.year >= plan_year - 1:
                # The plan is written during the year before the budget year: that year's
                # actuals cannot have been reported yet.
                reason = f"{plan_year}년 계획 작성 시점에 {cell.year}년 실적이 아직 집계되지 않아 0으로 표시됨"
            elif targets.get(cell.year) == Decimal(0):
                reason = f"{cell.year}년 목표가 0(지표 시행 전)이어서 실적 0은 자리표시 값임"
        actuals.append(replace(cell, value=None, placeholder_reason=reason) if reason else cell)
    return replace(row, actuals=tuple(actuals))
