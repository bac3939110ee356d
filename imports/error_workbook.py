"""The error workbook: the uploaded file with every bad cell filled light red and commented, and a first sheet
listing every problem with its place."""
from __future__ import annotations

from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from imports.exporters import FORMULA_TRIGGERS

ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
ERROR_SHEET = "오류목록"


def error_workbook_write(source: IO[bytes], errors: list[dict[str, Any]], out: IO[bytes]) -> int:
    """The uploaded workbook with every bad cell filled light red and commented; returns cells marked."""
    wb = load_workbook(source)
    marked = 0
    by_cell: dict[tuple[str, str], list[str]] = {}
    for error in errors:
        sheet, cell_name = error.get("sheet", ""), (error.get("cell") or "").split(":")[0]
        if sheet in wb.sheetnames and cell_name:
            by_cell.setdefault((sheet, cell_name), []).append(error["message"])
    for (sheet, cell_name), messages in by_cell.items():
        target = wb[sheet][cell_name]
        target.fill = ERROR_FILL
        note = Comment("\n".join(messages), "성과지표 관리")
        note.width, note.height = 320, 40 + 30 * len(messages)
        target.comment = note
        marked += 1
    listing = wb.create_sheet(ERROR_SHEET, 0)
    listing.column_dimensions["A"].width = 18
    listing.column_dimensions["B"].width = 100
    listing.append(["위치", "오류"])
    for error in errors:
        listing.append([error.get("address", ""), error.get("message", "")])
    for row in listing.iter_rows():
        for item in row:
            if isinstance(item.value, str) and item.value.startswith(FORMULA_TRIGGERS):
                item.data_type = "s"
    wb.active = 0
    wb.save(out)
    return marked
