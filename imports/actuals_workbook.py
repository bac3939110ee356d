"""The actuals workbook as the preview reads it: the meta sheet, then the data rows streamed and parsed.

`open_actuals_workbook` reads the meta sheet's key rows for the layout, starts the data sheet's
reader (a child process when possible: imports/read_process.py), which parses each row with
`parse_row`, reads the rest of the meta sheet meanwhile, and hands out `DataRow`s as they come.
The checks of the file itself (size, zip, prologs) are in `imports.readers`.
"""
from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from itertools import chain, islice
from typing import IO, Any, NamedTuple

from imports import read_process
from imports import workbook_layout as L
from imports.meta_sheet import NO_META, MetaSheet, meta_from_rows
from imports.readers import (
    CORRUPT,
    MAX_WHOLE,
    UNSAFE_XML,
    WorkbookRefused,
    as_id,
    cell_text,
    is_blank,
    parse_number,
    parse_text,
)
from imports.xlsx_stream import Cell, Package, SheetRows, XlsxError, cell_of, value_of


class DataRow(NamedTuple):
    """A data row of the actuals sheet, read as the preview needs it (`parse_row`).

    Built where the row was read, which is the child process when the sheet is read in one
    (imports/read_process.py), so that the request's process receives figures, not cells. It
    crosses the pipe as a plain tuple (a tenth of the cost of unpickling an object per row).
    """

    number: int
    id_value: Any  # the id cell as read, quoted when it is not an id
    indicator_id: int | None
    department: str  # the texts shown in the row
    name: str
    row_key: int  # L.row_key(indicator_id, name), 0 without an id
    labels: list[tuple[str, int]]  # (input name, its value column) of the slots that have a name
    values: dict[str, Decimal | None]  # input name → the number read (None: blank or refused)
    # What reading the slots found, in slot order: (column, text, is a problem). A problem refuses the
    # row; anything else is a note such as how '12%' was read, shown as "L7: …".
    findings: list[tuple[int, str, bool]]
    note: str
    note_problem: str  # why the note cell cannot be taken (an error value, a formula without its result), or ""
    shown: tuple[Any, Any, Any]  # target, weight and formula as the row showed them (stale reasons)


def parse_row(number: int, cells: dict[int, Any], layout: L.Layout) -> tuple | dict[int, Any] | None:
    """What a row of the data sheet says: the cells of a row above the data as they are, None for a row
    with nothing but the computed column (an empty row), else the fields of its DataRow as a tuple."""
    if number <= L.HEADER_ROW:
        return cells
    computed = layout.computed_col
    if not any(column != computed for column in cells):
        return None
    get = cells.get
    id_value = value_of(get(L.COL_ID))
    indicator_id = as_id(id_value)
    name = cell_text(value_of(get(L.COL_NAME)) or "")
    labels: list[tuple[str, int]] = []
    values: dict[str, Decimal | None] = {}
    findings: list[tuple[int, str, bool]] = []
    for slot in layout.slots:
        label = cell_text(value_of(get(slot.label)) or "")
        stored = get(slot.value)
        if not label:
            if stored is not None and not is_blank(value_of(stored)):
                findings.append((slot.value, "입력하는 칸이 아닙니다. 값을 지우세요.", True))
            continue
        labels.append((label, slot.value))
        if stored.__class__ is int and 0 <= stored < MAX_WHOLE:  # a bare whole number: parse_number's first case
            values[label] = Decimal(stored)
            continue
        number_value, error, info = parse_number(cell_of(stored))
        if error:
            findings.append((slot.value, error, True))
        if info:
            findings.append((slot.value, info, False))
        values[label] = number_value
    return (
        number, id_value, indicator_id, cell_text(value_of(get(L.COL_DEPARTMENT)) or ""), name,
        L.row_key(indicator_id, name) if indicator_id is not None else 0, labels, values, findings,
        *parse_text(cell_of(get(layout.note_col)), "비고"),
        (value_of(get(L.COL_TARGET)), value_of(get(L.COL_WEIGHT)), value_of(get(L.COL_FORMULA))),
    )


@dataclass
class ActualsWorkbook:
    meta: MetaSheet
    headers: dict[int, Any]
    layout: L.Layout
    merged: list[str]  # complete once `rows` is exhausted: merged ranges follow the cells in the XML
    rows: Iterator[DataRow]  # streamed: each row is read when the caller asks for it
    abort: Callable[[], None] = lambda: None  # stop reading (a no-op once every row was read)


def _values(sheet: SheetRows, width: int) -> Iterator[tuple[int, tuple]]:
    """(row number, values of columns 1..width) of the rows a sheet stream hands out."""
    columns = range(1, width + 1)
    for number, cells in sheet:
        row = tuple(map(cells.get, columns))
        yield number, (tuple(map(value_of, row)) if Cell in map(type, row) else row)


@contextmanager
def open_actuals_workbook(source: IO[bytes]) -> Iterator[ActualsWorkbook]:
    """The meta sheet read, the data sheet open for streaming (call `check_xlsx` first).

    Rows are read as the caller iterates `rows`, inside this block: memory does not grow with the
    number of rows read, and a part that fails to parse midway is still reported as a refusal.
    """
    source.seek(0)
    try:
        with zipfile.ZipFile(source) as archive:
            package = Package(archive)
            workbook = _open_sheets(package, source)
            try:
                yield workbook
            finally:
                workbook.abort()  # stops the reading process when the caller left before the last row
    except XlsxError as exc:
        raise _stream_failure(exc) from exc
    except zipfile.BadZipFile as exc:
        raise WorkbookRefused(CORRUPT) from exc
    finally:
        source.seek(0)


def _stream_failure(exc: XlsxError) -> WorkbookRefused:
    if exc.unsafe:
        return WorkbookRefused(UNSAFE_XML)
    return WorkbookRefused(f"엑셀 파일을 읽을 수 없습니다 ({exc}). 엑셀에서 다시 저장해 올리세요.", cell=exc.cell)


def _open_sheets(package: Package, source: IO[bytes]) -> ActualsWorkbook:
    if L.META_SHEET not in package.sheets:
        raise WorkbookRefused(NO_META)
    if L.DATA_SHEET not in package.sheets:
        raise WorkbookRefused(f"'{L.DATA_SHEET}' 시트가 없습니다. 시트 이름을 바꾸지 마세요.")
    meta_rows = _values(package.rows(L.META_SHEET, max_col=len(L.META_COLUMNS), blank_run=L.EMPTY_ROW_LIMIT),
                        len(L.META_COLUMNS))
    header = list(islice(meta_rows, len(L.META_KEYS)))  # the key/value rows: what the data rows need to be read
    layout = L.Layout(slot_count=_slot_count(header))
    # From here the data sheet is read, and its rows parsed, by a child process (imports/read_process.py)
    # while this one reads the rest of the meta sheet and then validates.
    sheet = read_process.sheet_rows(
        package, source, L.DATA_SHEET, max_col=layout.last_col, blank_run=L.EMPTY_ROW_LIMIT,
        transform=partial(parse_row, layout=layout),
        # Our own formula in the computed column is recomputed on the server: its cells need not be parsed.
        unread_formulas=(frozenset({layout.computed_col}), L.HEADER_ROW),
    )
    try:
        meta = meta_from_rows(chain(header, meta_rows))
        if meta.meta.get("kind") != L.KIND_ACTUALS:
            raise WorkbookRefused("실적 입력 파일이 아닙니다 (계획 파일은 계획 가져오기에서 올리세요).")
        rows = iter(sheet)
        headers: dict[int, Any] = {}
        first: tuple[int, tuple | None] | None = None  # the first data row, met while looking for the header
        for number, row in rows:
            if number == L.HEADER_ROW:
                headers = {column: value_of(cell) for column, cell in row.items()}
            if number >= L.HEADER_ROW:
                first = None if number == L.HEADER_ROW else (number, row)
                break
    except BaseException:
        sheet.abort()
        raise
    return ActualsWorkbook(meta=meta, headers=headers, layout=layout, merged=sheet.merged,
                           rows=_stream_rows(sheet, first, rows), abort=sheet.abort)


def _slot_count(header: list[tuple[int, tuple]]) -> int:
    """The number of input slots the meta sheet's key/value rows declare (1 to 60), else the refusal
    `meta_from_rows` and the checks after it would give (an other kind of workbook first)."""
    meta = {L.canonical(row[0]): L.canonical(row[1]) if len(row) > 1 else ""
            for number, row in header if number <= len(L.META_KEYS)}
    if meta.get("kind") != L.KIND_ACTUALS:
        raise WorkbookRefused("실적 입력 파일이 아닙니다 (계획 파일은 계획 가져오기에서 올리세요).")
    declared = meta.get("slot_count", "")
    if not declared.isdigit() or not 1 <= int(declared) <= MAX_SLOTS:
        raise WorkbookRefused(f"'{L.META_SHEET}' 시트가 손상되었습니다. 실적 파일을 새로 내려받으세요.")
    return int(declared)


MAX_SLOTS = 60  # the most input slots a workbook may declare


def _stream_rows(sheet: SheetRows, first, rows: Iterator) -> Iterator[DataRow]:
    """Data rows from FIRST_DATA_ROW; rows missing from the XML count as empty; stops after a run of them."""
    empty_run = 0
    read = 0
    last = L.HEADER_ROW
    make = DataRow._make
    pending = [first] if first is not None else []
    while True:
        try:
            number, row = pending.pop() if pending else next(rows)
        except StopIteration:
            break
        except XlsxError as exc:  # a part that fails to parse midway
            raise _stream_failure(exc) from exc
        empty_run += number - last - 1
        last = number
        if empty_run >= L.EMPTY_ROW_LIMIT:
            break
        if row is None:  # nothing but our own computed formula, or nothing at all
            empty_run += 1
            if empty_run >= L.EMPTY_ROW_LIMIT:
                break
            continue
        empty_run = 0
        read += 1
        if read > L.MAX_DATA_ROWS:
            raise WorkbookRefused(f"'{L.DATA_SHEET}' 시트의 행이 너무 많습니다 (최대 {L.MAX_DATA_ROWS:,}행).")
        yield make(row)
    try:
        sheet.close()  # the rest of the sheet, for merged ranges only
    except XlsxError as exc:
        raise _stream_failure(exc) from exc
