"""The cells of an uploaded workbook as the imports read them (openpyxl read-only, cached values).

A figure cell is handed to `kpis.domain.value_read` as what the user sees in it: a number as a number,
text as text, a percent-formatted number as its percent text ('5.85%'), so that a value typed into a
workbook is read, refused and quoted exactly as the same value typed into the form or sent to the API.
What openpyxl cannot tell, a formula typed over a cell, comes from `imports.sheet_scan`.
"""
from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from core.korean import with_josa
from core.numbers import plain_text, whole_number
from imports.uploads import WorkbookRefused, parse_failure

# The error values a formula's stored result can be (openpyxl gives them as text).
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!"})


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """How a cell's value is quoted back to the user in a message."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != time(0) else value.strftime("%Y-%m-%d")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def as_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, float) and value.is_integer() and value > 0:
        return int(value)
    if isinstance(value, str):
        return whole_number(value, low=1)
    return None


def _is_error(cell: Any) -> bool:
    return getattr(cell, "data_type", "") == "e" or (isinstance(cell.value, str) and cell.value.strip() in EXCEL_ERRORS)


def cell_input(cell: Any, formula: str = "") -> tuple[object, str, str]:
    """(what the figure cell holds, as `value_read` takes it; an error; a note on how it was read).

    `formula` is the formula the user typed into the cell, if any. Blank gives None. An error value, or a
    formula without the result Excel stores with it, is an error: nothing is read from the cell.
    """
    value = cell.value
    if is_blank(value) and not formula:
        return None, "", ""
    if _is_error(cell):
        where = f"수식 '{formula}'의 결과가" if formula else "이 칸은"
        return None, f"{where} 오류 값({cell_text(value)})입니다. 값을 직접 입력하세요.", ""
    info = ""
    if formula:
        if is_blank(value):
            return None, (f"수식 '{formula}'에 저장된 계산 결과가 없습니다. "
                          "값을 직접 입력하거나 엑셀에서 계산해 저장하세요."), ""
        info = f"수식 '{formula}'의 계산 결과 {with_josa(cell_text(value), '을/를')} 사용했습니다."
    if isinstance(value, (datetime, date, time)):
        return cell_text(value), "", info  # not a figure: value_read refuses it, quoting what the cell shows
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        try:
            shown = plain_text(Decimal(repr(value)) * 100) + "%"
        except InvalidOperation:
            return repr(value), "", info
        return shown, "", info or f"{shown}로 입력되어 {with_josa(shown[:-1], '으로/로')} 읽었습니다."
    return value, "", info


def cell_note(cell: Any, formula: str, label: str) -> tuple[str, str]:
    """(text, error) of an editable text cell such as a note or a method: a formula the user typed gives
    the text Excel stored with it; an error value, or a formula stored without its result (which would read
    as empty and erase what the server holds), is refused."""
    value = cell.value
    if value is None and not formula:
        return "", ""
    text = cell_text(value) if value is not None else ""
    if _is_error(cell):
        return text, f"{label} 칸이 오류 값({text})입니다. 수식이 아니라 글자로 입력하세요."
    if formula and is_blank(value):
        return "", (f"{label} 칸의 수식 '{formula}'에 저장된 계산 결과가 없습니다. "
                    "수식이 아니라 글자로 입력하거나 엑셀에서 계산해 저장하세요.")
    return text, ""


def sheet_rows(
    ws, *, max_col: int, row_limit: int, formula_rows: Collection[int] = (),
) -> Iterator[tuple[int, tuple]]:
    """(row number, cells of columns 1..max_col) of every row of a read-only sheet that holds anything
    (a value, or a formula typed in one of `formula_rows`).

    Every row is read, however many blank rows come before it. The sheet may not reach below `row_limit`,
    not even with a formatted empty row: the limit is stated and refused, never a place where reading
    silently stops.
    """
    ws.reset_dimensions()
    rows = ws.iter_rows(max_col=max_col)
    number = 0
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except WorkbookRefused:
            raise
        except Exception as exc:  # a part that fails to parse while streaming rows
            raise parse_failure(exc) from exc
        number += 1
        if number > row_limit:
            raise WorkbookRefused(
                f"'{ws.title}' 시트는 {row_limit:,}행까지만 읽습니다. {row_limit:,}행 아래에 있는 값과 서식을 지우고 "
                "다시 올리세요.", cell=f"{ws.title}!A{row_limit + 1}",
            )
        if number not in formula_rows and all(is_blank(cell.value) for cell in cells):
            continue
        yield number, cells
