"""Tables shared by the bureau header and every strategic goal: goals, headcount, budget."""

from __future__ import annotations

from core.korean import with_josa
from core.numbers import parse_decimal, quoted
from imports.cells import normalize_label, strip_list_marker

from .reader import Cursor, Line, decimal_cell, int_cell, number_text_cell, shown
from .types import BudgetLine, BudgetTable, HeadcountRow, HeadcountTable, PolicyGoalRow

# Labels of '예산현황' rows, compared without spaces ('정 책 사 업').
BUDGET_CATEGORIES = {
    "계": "total",
    "정책사업": "policy",
    "행정운영경비": "admin",
    "인력운영비": "personnel",
    "기본경비": "basic",
    "재무활동": "financial",
}


def read_paragraph(cursor: Cursor, what: str) -> tuple[Line, str]:
    """Free text up to the next blank line, lines joined by newlines, kept as written."""
    first = cursor.take(what)
    rest = cursor.take_block()
    return first, "\n".join(line.text.strip() for line in [first, *rest])


def read_list(cursor: Cursor, what: str) -> tuple[str, ...]:
    """Numbered or bulleted lines; indented sub-bullets stay with the item above them."""
    first = cursor.take(what)
    items: list[str] = []
    for line in [first, *cursor.take_block()]:
        if "\t" in line.text.strip():
            raise cursor.error(f"{with_josa(what, '이/가')} 와야 할 자리에 표 형식의 행 {with_josa(shown(line), '이/가')} 있습니다", line)
        if line.text[:1].isspace() and items:
            items[-1] = f"{items[-1]}\n{line.text.strip()}"
        else:
            items.append(strip_list_marker(line.text))
    return tuple(items)


def _table_rows(cursor: Cursor, what: str) -> list[Line]:
    rows = cursor.take_block()
    if not rows:
        line = cursor.peek()
        if line is None:
            raise cursor.end_error(f"{what}의 데이터 행")
        raise cursor.error(f"{what}의 데이터 행이 와야 할 자리에 {with_josa(shown(line), '이/가')} 있습니다", line)
    return rows


def _expect_header(cursor: Cursor, what: str, check: bool, line: Line) -> None:
    if not check:
        raise cursor.error(f"{what} 머리행이 와야 할 자리에 {with_josa(shown(line), '이/가')} 있습니다", line)


def read_policy_goals(cursor: Cursor) -> tuple[PolicyGoalRow, ...]:
    """'정책사업목표⇥성과 지표수⇥단위 사업수⇥예산액' and one row per goal."""
    what = "'정책사업목표' 표"
    header = cursor.take(what)
    keys = [normalize_label(cell) for cell in header.cells]
    _expect_header(cursor, what, keys[:1] == ["정책사업목표"] and len(keys) >= 4, header)
    goals: list[PolicyGoalRow] = []
    for line in _table_rows(cursor, what):
        title, first = line.cell(0), line.cell(1)
        # A row whose title slid into the count column (and whose figures are gone) is kept
        # with its title and no figures; reconcile reports it.
        if not title and first and _not_a_number(first):
            if line.cell(2) or line.cell(3):
                raise cursor.error("정책사업목표 제목이 첫 칸에 와야 합니다", line)
            goals.append(PolicyGoalRow(line.number, first, None, None, None, shifted=True))
            continue
        if not title:
            raise cursor.error("정책사업목표 제목이 와야 할 자리가 비어 있습니다", line)
        goals.append(
            PolicyGoalRow(
                line=line.number,
                title=title,
                indicator_count=int_cell(line, 1, "성과 지표수"),
                unit_program_count=int_cell(line, 2, "단위 사업수"),
                budget_amount=decimal_cell(line, 3, "예산액"),
            )
        )
    return tuple(goals)


def _not_a_number(text: str) -> bool:
    try:
        parse_decimal(text)
    except ValueError:
        return True
    return False


def read_headcount(cursor: Cursor) -> HeadcountTable:
    """'부서명⇥정원(계, 4급이상, 5급, 6급이하)⇥현원⇥계단위 직제명', two header rows."""
    what = "'조직 및 인력현황' 표"
    header = cursor.take(what)
    _expect_header(cursor, what, header.key(0) == "부서명", header)
    sub_header = cursor.take(what)
    _expect_header(cursor, what, sub_header.key(0) == "" and sub_header.key(1) == "계", sub_header)
    total: HeadcountRow | None = None
    rows: list[HeadcountRow] = []
    for line in _table_rows(cursor, what):
        if not line.cell(0):
            raise cursor.error("부서명이 와야 할 자리가 비어 있습니다", line)
        row = HeadcountRow(
            line=line.number,
            name=normalize_label(line.cell(0)),
            printed_name=line.cell(0),
            total=_count(line, 1, "정원 계"),
            grade4_up=_count(line, 2, "정원 4급이상"),
            grade5=_count(line, 3, "정원 5급"),
            grade6_down=_count(line, 4, "정원 6급이하"),
            current=_count(line, 5, "현원"),
            teams=tuple(team.strip() for team in line.cell(6).split(",") if team.strip()),
        )
        if row.name == "계":
            if total is not None or rows:
                raise cursor.error("'계' 행은 표의 첫 행에 한 번만 와야 합니다", line)
            total = row
        else:
            rows.append(row)
    if not rows:
        raise cursor.error("'조직 및 인력현황' 표에 부서 행이 없습니다", header)
    return HeadcountTable(line=header.number, total=total, rows=tuple(rows))


def _count(line: Line, index: int, column: str) -> int:
    value = int_cell(line, index, column, required=True)
    assert value is not None
    return value


def read_budget(cursor: Cursor) -> BudgetTable:
    """'예산현황': columns are taken by position, because some headers repeat a wrong name."""
    what = "'예산현황' 표"
    header = cursor.take(what)
    keys = [normalize_label(cell) for cell in header.cells]
    shape_ok = keys[:2] == ["구분", "예산액"] and len(keys) >= 6 and keys[3].startswith("전년도")
    _expect_header(cursor, what, shape_ok, header)
    sub_header = cursor.take(what)
    _expect_header(cursor, what, sub_header.key(0) == "" and any(sub_header.cells), sub_header)
    lines: list[BudgetLine] = []
    rows = _table_rows(cursor, what)
    for line in rows:
        label = normalize_label(line.cell(0))
        category = BUDGET_CATEGORIES.get(label)
        if category is None:
            expected = ", ".join(BUDGET_CATEGORIES)
            raise cursor.error(f"예산현황 구분({expected})이 와야 할 자리에 {with_josa(quoted(line.cell(0)), '이/가')} 있습니다", line)
        if any(existing.category == category for existing in lines):
            raise cursor.error(f"예산현황 구분 {with_josa(quoted(line.cell(0)), '이/가')} 두 번 나옵니다", line)
        amount = decimal_cell(line, 1, "예산액", required=True)
        prior = decimal_cell(line, 3, "전년도예산액", required=True)
        assert amount is not None and prior is not None
        lines.append(
            BudgetLine(
                line=line.number,
                label=line.cell(0),
                category=category,
                amount=amount,
                prior_amount=prior,
                printed_share=number_text_cell(line, 2, "구성비"),
                printed_prior_share=number_text_cell(line, 4, "전년도 구성비"),
                printed_change=number_text_cell(line, 5, "증감액"),
                printed_change_rate=number_text_cell(line, 6, "증감률"),
            )
        )
    missing = [label for label, category in BUDGET_CATEGORIES.items() if all(x.category != category for x in lines)]
    if missing:
        raise cursor.error(f"예산현황 표에 {', '.join(missing)} 행이 없습니다 (표가 잘렸을 수 있습니다)", rows[-1])
    return BudgetTable(line=header.number, lines=tuple(lines))
