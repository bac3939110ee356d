"""'단위사업' blocks: purposes, contents, the budget program table and the overview blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from core.korean import with_josa
from core.numbers import quoted
from imports.cells import normalize_label, parse_funding, parse_period, strip_html_list

from .reader import Cursor, Line, decimal_cell, int_cell, shown
from .tables import read_list
from .types import BudgetProgramRow, Overview, ProgramAmount, UnitProgramBlock

_YEAR_COLUMN = re.compile(r"^'?(?P<year>\d{2}|\d{4})(?P<kind>결산|예산)$")
_KINDS = {"결산": "settled", "예산": "budget"}
OVERVIEW_FIELDS = {
    "사업명": "name",
    "사업내용": "content",
    "사업기간": "period_text",
    "지원형태": "support_type",
    "지원조건": "funding_text",
    "시행주체": "implementing_body",
}


@dataclass(frozen=True)
class _RawRow:
    line: Line
    name: str
    amounts: tuple[ProgramAmount, ...]

    @property
    def is_name_only(self) -> bool:
        return all(cell.amount is None for cell in self.amounts) and not any(self.line.cells[1:])


def is_section_end(line: Line | None) -> bool:
    """Where the blocks of one strategic goal stop: the next goal or the end of the file."""
    return line is None or line.key(0) == "전략목표"


def read_unit_program(cursor: Cursor, heading: Line) -> UnitProgramBlock:
    name_line = cursor.take("단위사업명")
    if len([cell for cell in name_line.cells if cell]) != 1:
        raise cursor.error(f"단위사업명이 와야 할 자리에 {with_josa(shown(name_line), '이/가')} 있습니다", name_line)
    cursor.expect_heading("□ 목적 및 주요내용")
    cursor.expect_heading("○ 목적")
    purposes = read_list(cursor, "단위사업 목적")
    cursor.expect_heading("○ 주요내용")
    key_contents = read_list(cursor, "단위사업 주요내용")
    cursor.expect_heading("□ 관련 예산사업 내역")
    cursor.skip_unit_note()
    header, columns = _read_header(cursor)
    rows = cursor.take_block()
    if not rows:
        raise cursor.error("관련 예산사업 내역 표의 머리행 바로 아래에 단위사업 행이 와야 합니다", header)
    unit_row = rows[0]
    if not unit_row.cell(1):
        raise cursor.error(f"단위사업 행(사업명⇥회계구분⇥…)이 와야 할 자리에 {with_josa(shown(unit_row), '이/가')} 있습니다", unit_row)
    raw_rows = [_RawRow(line, line.cell(0), _amounts(line, columns)) for line in rows[1:]]
    for raw in raw_rows:
        if not raw.name:
            raise cursor.error("세부사업명이 와야 할 자리가 비어 있습니다", raw.line)
        if raw.line.cell(1) or raw.line.cell(5):
            raise cursor.error(f"세부사업 행의 회계구분·비고 칸은 비어 있어야 하는데 {shown(raw.line)}입니다", raw.line)
    cursor.expect_heading("□ 관련 예산사업 개요")
    overviews = _read_overviews(cursor)
    programs, unmatched = _match_overviews(_merge_broken_rows(raw_rows, overviews), overviews)
    return UnitProgramBlock(
        line=heading.number,
        name=name_line.cell(0),
        purposes=purposes,
        key_contents=key_contents,
        table_line=header.number,
        row_name=unit_row.cell(0),
        account=unit_row.cell(1),
        amounts=_amounts(unit_row, columns),
        declared_budget_program_count=int_cell(unit_row, 5, "비고 (세부사업수)"),
        budget_programs=programs,
        overviews=overviews,
        unmatched_overviews=unmatched,
    )


def _read_header(cursor: Cursor) -> tuple[Line, list[tuple[int, str, str]]]:
    """'사업명⇥회계구분⇥'23결산⇥'24예산⇥'25예산⇥비고 (세부사업수)' → the three year columns."""
    header = cursor.take("관련 예산사업 내역 표")
    columns = []
    for index in (2, 3, 4):
        match = _YEAR_COLUMN.match(header.key(index))
        if match is None:
            break
        year = int(match["year"])
        columns.append((2000 + year if year < 100 else year, _KINDS[match["kind"]], header.cell(index)))
    if header.key(0) != "사업명" or header.key(1) != "회계구분" or len(columns) != 3:
        raise cursor.error(
            f"'사업명⇥회계구분⇥'YY결산⇥'YY예산⇥'YY예산⇥비고' 머리행이 와야 할 자리에 {with_josa(shown(header), '이/가')} 있습니다",
            header,
        )
    return header, columns


def _amounts(line: Line, columns: list[tuple[int, str, str]]) -> tuple[ProgramAmount, ...]:
    return tuple(
        ProgramAmount(year, kind, label, decimal_cell(line, 2 + i, label))
        for i, (year, kind, label) in enumerate(columns)
    )


def _read_overviews(cursor: Cursor) -> tuple[Overview, ...]:
    overviews: list[Overview] = []
    while not is_section_end(line := cursor.peek()) and line is not None and line.key(0) != "단위사업":
        if line.key(0) != "사업명":
            raise cursor.error(
                f"'사업명⇥…'(예산사업 개요), '단위사업' 또는 '전략목표'가 와야 할 자리에 {with_josa(shown(line), '이/가')} 있습니다",
                line,
            )
        overviews.append(_read_overview(cursor, cursor.take_block()))
    if not overviews:
        # The heading is printed only above blocks: none at all means the file was cut or mangled.
        expected = "예산사업 개요 블록('사업명⇥…')"
        if line is None:
            raise cursor.end_error(expected)
        raise cursor.error(f"{with_josa(expected, '이/가')} 와야 할 자리에 {with_josa(shown(line), '이/가')} 있습니다", line)
    return tuple(overviews)


def _read_overview(cursor: Cursor, block: list[Line]) -> Overview:
    fields: dict[str, str] = {}
    last = ""
    for line in block:
        if "\t" not in line.text.strip() and last:
            # A long 사업내용 may wrap onto a line of its own: it continues the field above.
            fields[last] = f"{fields[last]}\n{line.text.strip()}"
            continue
        field = OVERVIEW_FIELDS.get(line.key(0))
        if field is None:
            expected = ", ".join(OVERVIEW_FIELDS)
            raise cursor.error(f"예산사업 개요 항목({expected})이 와야 할 자리에 {with_josa(quoted(line.cell(0)), '이/가')} 있습니다", line)
        if field in fields:
            raise cursor.error(f"예산사업 개요 항목 {with_josa(quoted(line.cell(0)), '이/가')} 한 블록에 두 번 나옵니다", line)
        fields[field] = "\t".join(cell for cell in line.cells[1:] if cell)
        last = field
    content = fields.get("content", "")
    if "<" in content and ">" in content:
        content = "\n".join(strip_html_list(content))
    start, end = parse_period(fields.get("period_text", ""))
    funding_text = fields.get("funding_text", "")
    return Overview(
        line=block[0].number,
        name=fields["name"],
        content=content,
        period_text=fields.get("period_text", ""),
        period_start=start,
        period_end=end,
        support_type=fields.get("support_type", ""),
        funding_text=funding_text,
        funding=parse_funding(funding_text) if funding_text else None,
        implementing_body=fields.get("implementing_body", ""),
        missing_fields=tuple(label for label, field in OVERVIEW_FIELDS.items() if not fields.get(field)),
    )


def _merge_broken_rows(rows: list[_RawRow], overviews: tuple[Overview, ...]) -> list[BudgetProgramRow]:
    """A row holding only a name continues the name of the row above it.

    The export breaks long names ('국제화 기반구축 추진' / '기본경비'). The merge is undone
    only when the fragment alone is the name of an overview block and the merged name is not.
    """
    names = {normalize_label(overview.name) for overview in overviews}
    merged: list[BudgetProgramRow] = []
    for raw in rows:
        if raw.is_name_only and merged:
            previous = merged[-1]
            joined = f"{previous.name} {raw.name}"
            if normalize_label(joined) in names or normalize_label(raw.name) not in names:
                merged[-1] = replace(
                    previous, name=joined, continuation_lines=(*previous.continuation_lines, raw.line.number)
                )
                continue
        merged.append(BudgetProgramRow(line=raw.line.number, name=raw.name, amounts=raw.amounts))
    return merged


def _match_overviews(
    rows: list[BudgetProgramRow], overviews: tuple[Overview, ...]
) -> tuple[tuple[BudgetProgramRow, ...], tuple[Overview, ...]]:
    """By name ignoring spaces; then a leftover row takes the leftover block at its position."""
    by_row: dict[int, tuple[int, str]] = {}
    used: set[int] = set()
    for i, row in enumerate(rows):
        for j, overview in enumerate(overviews):
            if j not in used and normalize_label(overview.name) == normalize_label(row.name):
                by_row[i] = (j, "name")
                used.add(j)
                break
    for i in range(len(rows)):
        if i not in by_row and i < len(overviews) and i not in used:
            by_row[i] = (i, "position")
            used.add(i)
    matched = tuple(
        replace(row, overview=overviews[by_row[i][0]], overview_match=by_row[i][1]) if i in by_row else row
        for i, row in enumerate(rows)
    )
    return matched, tuple(overview for j, overview in enumerate(overviews) if j not in used)
