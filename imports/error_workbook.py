"""The error workbook: a first sheet listing every problem with its place, then the uploaded sheets with
every bad cell filled light red and commented.

One reader and one writer, both streaming: the upload is read with openpyxl in read-only mode (cached
values, never formulas) and a new workbook is written in write-only mode, a row at a time, so memory does
not grow with the upload. Values are copied as values with their cell style (number formats included: a
percent cell must read back as a percent); text that a spreadsheet would run as a formula is written as
text. What read-only mode does not see (column widths, merged cells, validations, sheet protection) is not
carried over; the reader trusts only the `_meta` sheet's values, so a fixed error workbook uploads again.
"""
from __future__ import annotations

from copy import copy
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.cell.read_only import EMPTY_CELL
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.utils.exceptions import CellCoordinatesException

from imports import workbook_layout as L
from imports.plan_workbook.layout import PLAN_ROW_LIMIT
from imports.uploads import open_workbook
from imports.workbook_writing import FORMULA_TRIGGERS, text_cell

ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
ERROR_SHEET = "오류목록"
AUTHOR = "성과지표 관리"
# At most this many problems are listed and marked; a last line says how many more there are.
MAX_LISTED = 1000
# Rows and columns copied per sheet: the readers refuse anything below their row limit, and no workbook
# of ours is wider than 11 fixed columns plus 60 input slots (2 columns each) plus 2.
ROW_LIMIT = max(L.DATA_ROW_LIMIT, PLAN_ROW_LIMIT)
MAX_COLUMNS = 200


def error_workbook_write(source: IO[bytes], errors: list[dict[str, Any]], out: IO[bytes]) -> int:
    """Write the error workbook of `source` (an upload that passed `check_xlsx`) to `out`; returns cells marked."""
    listed = errors[:MAX_LISTED]
    by_sheet: dict[str, dict[int, dict[int, list[str]]]] = {}  # sheet → row → column → messages
    for error in listed:
        place = _place(error.get("cell") or "")
        if error.get("sheet") and place:
            row, column = place
            by_sheet.setdefault(error["sheet"], {}).setdefault(row, {}).setdefault(column, []).append(
                error.get("message", ""))

    wb = Workbook(write_only=True)
    _listing_sheet(wb.create_sheet(ERROR_SHEET), listed, len(errors))
    upload = open_workbook(source)
    marked = 0
    try:
        for ws in upload.worksheets:
            marked += _copy_sheet(ws, wb.create_sheet(ws.title), by_sheet.get(ws.title, {}))
    finally:
        upload.close()
        source.seek(0)
    wb.save(out)
    return marked


def _listing_sheet(ws, listed: list[dict[str, Any]], total: int) -> None:
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 100
    ws.freeze_panes = "A2"
    ws.append(["위치", "오류"])
    for error in listed:
        ws.append([text_cell(ws, error.get("address", "")), text_cell(ws, error.get("message", ""))])
    if total > len(listed):
        ws.append(["", (f"외 {total - len(listed):,}건의 오류가 더 있습니다 (처음 {len(listed):,}건만 표시했습니다). "
                        "위의 오류를 고쳐 다시 올리면 나머지를 확인할 수 있습니다.")])


def _copy_sheet(source, target, marks: dict[int, dict[int, list[str]]]) -> int:
    """Copy `source` row by row into the write-only `target`, filling and commenting the cells in `marks`."""
    target.sheet_state = source.sheet_state
    # Rows are padded to the width asked for: the declared width when there is one (Excel, LibreOffice and
    # openpyxl declare it), never more than MAX_COLUMNS. The declared height is not trusted: every row is read.
    width = min(source.max_column or MAX_COLUMNS, MAX_COLUMNS)
    source.reset_dimensions()
    styles: dict[int, Any] = {}  # source style id → the same style in the new workbook
    marked = 0
    number = 0
    for number, cells in enumerate(source.iter_rows(max_col=width), start=1):
        if number > ROW_LIMIT:
            break
        row = [None if cell is EMPTY_CELL else _copied(target, cell, styles) for cell in cells]
        while row and row[-1] is None:
            row.pop()
        if number in marks:
            marked += _mark_row(target, row, marks.pop(number))
        target.append(row)
    for later in sorted(row for row in marks if number < row <= ROW_LIMIT):  # marks below the last row read
        for _ in range(number + 1, later):
            target.append([])
        row = []
        marked += _mark_row(target, row, marks[later])
        target.append(row)
        number = later
    return marked


def _mark_row(ws, row: list[Any], marks: dict[int, list[str]]) -> int:
    for column, messages in marks.items():
        row.extend([None] * (column - len(row)))
        row[column - 1] = _marked(ws, row[column - 1], messages)
    return len(marks)


def _copied(ws, cell, styles: dict[int, Any]) -> Any:
    """The value to append for a read-only `cell`: the bare value when it has no style and cannot run as a
    formula, else a WriteOnlyCell carrying the style."""
    value = cell.value
    style_id = getattr(cell, "_style_id", 0)
    unsafe = isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)
    if not style_id and not unsafe:
        return value
    copied = text_cell(ws, value) if unsafe else WriteOnlyCell(ws, value=value)
    if style_id:
        if style_id not in styles:
            template = WriteOnlyCell(ws)
            template.font, template.fill, template.border = copy(cell.font), copy(cell.fill), copy(cell.border)
            template.alignment, template.protection = copy(cell.alignment), copy(cell.protection)
            template.number_format = cell.number_format
            styles[style_id] = template._style  # openpyxl's own cell copy shares style arrays the same way
        quoted = copied.quotePrefix
        copied._style = copy(styles[style_id])
        copied.quotePrefix = quoted or copied.quotePrefix
    return copied


def _marked(ws, current: Any, messages: list[str]) -> Cell:
    cell = current if isinstance(current, Cell) else WriteOnlyCell(ws, value=current)
    cell.fill = ERROR_FILL
    note = Comment("\n".join(messages), AUTHOR)
    note.width, note.height = 320, 40 + 30 * len(messages)
    cell.comment = note
    return cell


def _place(cell: str) -> tuple[int, int] | None:
    """(row, column) of 'L6' (the first cell of a range 'L6:M7'); None for anything else or beyond the copy."""
    try:
        letters, row = coordinate_from_string(cell.split(":")[0].strip().upper())
        column = column_index_from_string(letters)
    except (ValueError, CellCoordinatesException):
        return None
    return (row, column) if 1 <= row <= ROW_LIMIT and 1 <= column <= MAX_COLUMNS else None
