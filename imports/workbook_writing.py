"""What every workbook we write shares: the named cell styles, text cells that never run as formulas, and
the download headers."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side

# Text that a spreadsheet would run as a formula if typed; written as plain strings instead.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")
LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
HEADER_FILL = PatternFill("solid", fgColor="1F3B5C")
DISABLED_FILL = PatternFill("solid", fgColor="D9D9D9")
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
NUMBER_FORMAT = "#,##0.####"
COMPUTED_FORMAT = "#,##0.00"


def styles() -> list[NamedStyle]:
    def style(name: str, *, locked: bool, fill: PatternFill | None = None, number_format: str = "General",
              bold: bool = False, color: str | None = None, wrap: bool = False,
              horizontal: str | None = None) -> NamedStyle:
        named = NamedStyle(name=name)
        named.protection = Protection(locked=locked)
        if fill is not None:
            named.fill = fill
        named.number_format = number_format
        named.font = Font(name="맑은 고딕", size=10, bold=bold, color=color)
        named.border = BORDER
        named.alignment = Alignment(vertical="center", wrap_text=wrap, horizontal=horizontal)
        return named

    return [
        style("kpi_header", locked=True, fill=HEADER_FILL, bold=True, color="FFFFFF", wrap=True, horizontal="center"),
        style("kpi_text", locked=True, fill=LOCKED_FILL),
        style("kpi_number", locked=True, fill=LOCKED_FILL, number_format=NUMBER_FORMAT),
        style("kpi_input", locked=False, fill=INPUT_FILL, number_format=NUMBER_FORMAT),
        style("kpi_note", locked=False, fill=INPUT_FILL, wrap=True),
        style("kpi_disabled", locked=True, fill=DISABLED_FILL, number_format=NUMBER_FORMAT),
        style("kpi_computed", locked=True, fill=LOCKED_FILL, number_format=COMPUTED_FORMAT, bold=True),
    ]


def text_cell(ws, value: str | None, style: str | None = None) -> WriteOnlyCell:
    """A text cell that can never become a formula, whatever it starts with."""
    cell = WriteOnlyCell(ws)
    text = value or ""
    cell.value = text
    if text:
        cell.data_type = "s"
    if style is not None:
        cell.style = style
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True  # Excel keeps it text even when the cell is edited and confirmed
    return cell


def cell(ws, value: Any, style: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.style = style
    return cell


def content_disposition(file_name: str, fallback: str = "export.xlsx") -> str:
    """An attachment named `file_name` (UTF-8), `fallback` for clients that read only the ASCII name."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name)}"


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, file_name: str) -> HttpResponse:
    """A written workbook as a download, never cached."""
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(file_name)
    response["Cache-Control"] = "no-store"
    return response
