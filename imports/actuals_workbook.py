"""The actuals workbook as the preview reads it: openpyxl in read-only mode, the `_meta` sheet first, then
the data rows as they stream by. The checks of the file itself run before (`imports.uploads.check_xlsx`)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, NamedTuple

from openpyxl.cell.read_only import EMPTY_CELL

from core.numbers import whole_number
from imports import workbook_layout as L
from imports.meta_sheet import NO_META, MetaSheet, read_meta
from imports.sheet_scan import scan_sheet
from imports.uploads import WorkbookRefused, open_workbook
from imports.workbook_cells import as_id, cell_input, cell_note, cell_text, is_blank, sheet_rows

MAX_SLOTS = 60  # the most input slots a workbook may declare
NOT_ACTUALS = "실적 입력 파일이 아닙니다 (계획 파일은 계획 가져오기에서 올리세요)."


class DataRow(NamedTuple):
    """A data row of the actuals sheet, read as the preview needs it."""

    number: int
    id_value: Any  # the id cell as read
    indicator_id: int | None
    department: str  # the texts shown in the row
    name: str
    labels: list[tuple[str, int]]  # (input name, its value column) of the slots that have a name
    values: dict[str, object]  # input name → what its cell holds, as kpis.domain.value_read takes it
    # What reading the slots found, in slot order: (column, text, is a problem). A problem refuses the
    # row; anything else is a note such as how '12%' was read, shown as "L7: …".
    findings: list[tuple[int, str, bool]]
    note: str
    note_problem: str  # why the note cell cannot be taken (an error value, a formula without its result), or ""
    shown: tuple[Any, Any, Any]  # target, weight and formula as the row showed them (stale reasons)
    # A workbook by period reads a sheet row as one DataRow per period; the note belongs to the latest period
    # holding a value (the others keep their stored note).
    period: int = 0
    note_applies: bool = True


@dataclass
class ActualsWorkbook:
    meta: MetaSheet
    headers: dict[int, Any]
    layout: L.Layout
    merged: list[str]
    rows: Iterator[DataRow]  # streamed: each row is read when the caller asks for it


@contextmanager
def open_actuals_workbook(source: IO[bytes]) -> Iterator[ActualsWorkbook]:
    """The meta sheet read, the data sheet open for streaming (call `check_xlsx` first)."""
    scan = scan_sheet(source, L.DATA_SHEET)
    wb = open_workbook(source)
    try:
        if L.META_SHEET not in wb.sheetnames:
            raise WorkbookRefused(NO_META)
        if L.DATA_SHEET not in wb.sheetnames:
            raise WorkbookRefused(f"'{L.DATA_SHEET}' 시트가 없습니다. 시트 이름을 바꾸지 마세요.")
        meta = read_meta(wb)
        if meta.meta.get("kind") != L.KIND_ACTUALS:
            raise WorkbookRefused(NOT_ACTUALS)
        layout = L.Layout(slot_count=_slot_count(meta.meta), period_count=_period_count(meta.meta))
        # Our own formulas in the computed columns are recomputed on the server: only the user's count.
        typed = {key: text for key, text in scan.formulas.items() if key[1] not in layout.formula_cols}
        rows = sheet_rows(
            wb[L.DATA_SHEET], max_col=layout.last_col, row_limit=L.DATA_ROW_LIMIT,
            formula_rows={row for row, _ in typed},
        )
        headers: dict[int, Any] = {}
        first: tuple[int, tuple] | None = None
        for number, cells in rows:
            if number == L.HEADER_ROW:
                headers = {column: cell.value for column, cell in enumerate(cells, start=1) if cell.value is not None}
            elif number > L.HEADER_ROW:
                first = (number, cells)
                break
        yield ActualsWorkbook(meta=meta, headers=headers, layout=layout, merged=scan.merged,
                              rows=_data_rows(first, rows, layout, typed))
    finally:
        wb.close()
        source.seek(0)


def _slot_count(meta: dict[str, str]) -> int:
    declared = whole_number(meta.get("slot_count"), low=1, high=MAX_SLOTS)
    if declared is None:
        raise WorkbookRefused(f"'{L.META_SHEET}' 시트가 손상되었습니다. 실적 파일을 새로 내려받으세요.")
    return declared


def _period_count(meta: dict[str, str]) -> int:
    declared = whole_number(meta.get("period_count") or "0", high=4)
    if declared not in (0, 2, 4):
        raise WorkbookRefused(f"'{L.META_SHEET}' 시트가 손상되었습니다. 실적 파일을 새로 내려받으세요.")
    return declared


def _data_rows(first, rows, layout: L.Layout, formulas: dict[tuple[int, int], str]) -> Iterator[DataRow]:
    if first is not None:
        yield from parse_row(*first, layout, formulas)
    for number, cells in rows:
        yield from parse_row(number, cells, layout, formulas)


def parse_row(number: int, cells: tuple, layout: L.Layout, formulas: dict[tuple[int, int], str]) -> list[DataRow]:
    """What a data row says: one DataRow (one per period in a workbook by period); none for a row with nothing
    but the computed columns."""
    def get(column: int):
        return cells[column - 1] if column <= len(cells) else EMPTY_CELL

    def typed(column: int) -> str:
        return formulas.get((number, column), "")

    if all(is_blank(cell.value) and not typed(column)
           for column, cell in enumerate(cells, start=1) if column not in layout.formula_cols):
        return []
    id_value = get(L.COL_ID).value
    note, note_problem = cell_note(get(layout.note_col), typed(layout.note_col), "비고")
    rows = []
    for block in layout.blocks:
        labels: list[tuple[str, int]] = []
        values: dict[str, object] = {}
        findings: list[tuple[int, str, bool]] = []
        for slot in block.slots:
            label = cell_text(get(slot.label).value or "")
            cell = get(slot.value)
            if not label:
                if not is_blank(cell.value) or typed(slot.value):
                    findings.append((slot.value, "입력하는 칸이 아닙니다. 값을 지우세요.", True))
                continue
            labels.append((label, slot.value))
            value, error, info = cell_input(cell, typed(slot.value))
            if error:
                findings.append((slot.value, error, True))
            if info:
                findings.append((slot.value, info, False))
            values[label] = value
        rows.append(DataRow(
            number=number, id_value=id_value, indicator_id=as_id(id_value),
            department=cell_text(get(L.COL_DEPARTMENT).value or ""), name=cell_text(get(L.COL_NAME).value or ""),
            labels=labels, values=values, findings=findings, note=note, note_problem=note_problem,
            shown=(get(L.COL_TARGET).value, get(L.COL_WEIGHT).value, get(L.COL_FORMULA).value),
            period=block.period,
        ))
    if layout.period_count:
        filled = [row for row in rows if any(value is not None for value in row.values.values())]
        latest = filled[-1].period if filled else 0
        rows = [row._replace(note_applies=row.period == latest) for row in rows]
    return rows
