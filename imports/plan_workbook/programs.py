"""The 세부사업 sheet of an uploaded plan workbook: its 결산 columns read into preview rows (the same ImportRun as
the 성과지표 sheet), applied on confirm through `budgets.settled.settled_amounts_write`."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from openpyxl.cell.read_only import EMPTY_CELL

from accounts.models import User
from budgets.models import AmountKind, BudgetProgramAmount
from budgets.settled import SettledChange, settled_amounts_write, settled_programs, settled_read
from core.errors import InvalidInput
from core.korean import with_josa
from core.numbers import quoted
from imports import workbook_layout as L
from imports.plan_workbook.layout import (
    CHANGED,
    ERROR,
    G_DEPARTMENT,
    G_ID,
    G_NAME,
    PLAN_HEADER_ROW,
    PROGRAM_FIXED_HEADERS,
    PROGRAM_SHEET,
    UNCHANGED,
    amount_column_of,
    amount_title,
)
from imports.uploads import Problem
from imports.workbook_cells import as_id, cell_input, cell_text
from kpis.domain import ValueRefused
from kpis.models import ChangeSource

PROGRAM_MAX_COLUMNS = len(PROGRAM_FIXED_HEADERS) + 3 * 40  # forty years of budget, settled amounts and slack


def programs_preview(program_rows, scan, problems: list[Problem], *, user: User) -> list[dict[str, Any]]:
    """Preview rows of the programs whose 결산 cells differ from what the server holds; a bad cell is a problem
    naming 세부사업 and the cell."""
    rows = list(program_rows)
    if not rows or rows[0][0] != PLAN_HEADER_ROW:
        problems.append(Problem(PLAN_HEADER_ROW, 1, "머리글 행이 없습니다. 계획 엑셀을 새로 내려받으세요.", sheet=PROGRAM_SHEET))
        return []
    settled_columns = _header(rows[0][1], problems)
    ids = [as_id(cells[G_ID - 1].value) for number, cells in rows[1:] if cells]
    programs = settled_programs(user=user).select_related("unit_program__department").in_bulk([i for i in ids if i])
    stored = {
        (row.budget_program_id, row.year): row.amount
        for row in BudgetProgramAmount.objects.filter(budget_program_id__in=list(programs), kind=AmountKind.SETTLED)
    }
    seen: dict[int, int] = {}
    return [
        _program_row(number, cells, settled_columns, programs, stored, seen, scan, problems)
        for number, cells in rows[1:]
    ]


def _header(cells, problems: list[Problem]) -> dict[int, int]:
    """column → year of the 결산 columns; a moved fixed column is a problem."""
    for column, title in enumerate(PROGRAM_FIXED_HEADERS, start=1):
        found = cells[column - 1].value if column <= len(cells) else None
        if L.canonical(found) != title:
            problems.append(Problem(PLAN_HEADER_ROW, column, f"머리글이 '{title}'이어야 합니다. 열을 넣거나 지우지 마세요.",
                                    sheet=PROGRAM_SHEET))
    columns = {}
    for column in range(len(PROGRAM_FIXED_HEADERS) + 1, len(cells) + 1):
        key = amount_column_of(cells[column - 1].value)
        if key is not None and key[1] == AmountKind.SETTLED:
            columns[column] = key[0]
    return columns


def _program_row(number, cells, settled_columns, programs, stored, seen, scan, problems) -> dict[str, Any]:
    def at(column: int):
        return cells[column - 1] if column <= len(cells) else EMPTY_CELL

    def problem(column: int, message: str) -> None:
        problems.append(Problem(number, column, message, sheet=PROGRAM_SHEET))
        entry["status"] = ERROR
        entry["messages"].append(f"{PROGRAM_SHEET}!{L.cell_ref(column, number)}: {message}")

    name = cell_text(at(G_NAME).value or "")
    entry: dict[str, Any] = {
        "row": number, "sheet": PROGRAM_SHEET, "budget_program_id": None, "name": f"세부사업: {name}",
        "department": cell_text(at(G_DEPARTMENT).value or ""), "status": UNCHANGED, "changes": [], "messages": [],
        "settled": {},
    }
    program_id = as_id(at(G_ID).value)
    program = programs.get(program_id) if program_id else None
    if program is None or program.name != name:
        raw = at(G_ID).value
        problem(G_ID, f"세부사업ID {with_josa(quoted(cell_text(raw) if raw is not None else ''), '은/는')} 이 행의 "
                      "세부사업이 아닙니다. 세부사업ID·세부사업 열은 고치지 마세요.")
        return entry
    if program.pk in seen:
        problem(G_ID, f"세부사업ID {with_josa(str(program.pk), '이/가')} {seen[program.pk]}행에도 있습니다.")
        return entry
    seen[program.pk] = number
    entry["budget_program_id"] = program.pk
    for column, year in settled_columns.items():
        raw, error, _info = cell_input(at(column), scan.formulas.get((number, column), ""))
        if error:
            problem(column, error)
            continue
        try:
            amount = settled_read(raw)
        except ValueRefused as exc:
            problem(column, f"{amount_title(year, AmountKind.SETTLED)}: {exc.message}")
            continue
        old = stored.get((program.pk, year))
        if L.number_text(amount) != L.number_text(old):
            entry["settled"][str(year)] = None if amount is None else format(amount, "f")
            entry["changes"].append({"field": "settled", "label": amount_title(year, AmountKind.SETTLED), "year": year,
                                     "old": L.number_text(old), "new": L.number_text(amount)})
    if entry["status"] != ERROR and entry["changes"]:
        entry["status"] = CHANGED
    return entry


def programs_apply(*, user: User, rows: list[dict[str, Any]], run_id: int) -> int:
    """Apply the changed 결산 amounts of a confirmed run; a value changed on the server since the preview is refused."""
    changes = [
        (row, SettledChange(row["budget_program_id"], int(year), None if value is None else Decimal(value)))
        for row in rows for year, value in row["settled"].items()
    ]
    if not changes:
        return 0
    current = {
        (a.budget_program_id, a.year): a.amount
        for a in BudgetProgramAmount.objects.filter(
            budget_program_id__in={c.budget_program_id for _, c in changes}, kind=AmountKind.SETTLED
        )
    }
    for row, change in changes:
        old = next(c["old"] for c in row["changes"] if c["year"] == change.year)
        if L.number_text(current.get((change.budget_program_id, change.year))) != old:
            raise InvalidInput({f"{PROGRAM_SHEET} {row['row']}행": ["미리보기 뒤 서버에서 결산액이 바뀌었습니다. 파일을 다시 올리세요."]})
    settled_amounts_write(
        user=user, changes=[change for _, change in changes], source=ChangeSource.PLAN_WORKBOOK, import_run_id=run_id
    )
    return len(rows)
