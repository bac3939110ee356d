"""Opening uploaded workbooks safely; the cells, numbers and problems the workbook imports share.

Every check on the raw bytes and the zip directory runs before any reader sees the file (openpyxl
for the plan workbook, `imports.xlsx_stream` for the actuals workbook): size, zip magic, entry
count, declared uncompressed sizes and ratios, encryption, macros and DTDs. Python's zipfile never
inflates an entry past its declared size (it fails the CRC instead), so the declared sizes are a
real bound. defusedxml must be importable: openpyxl only blocks entity expansion when it is, so
this module refuses to load without it (the streaming reader refuses DTDs itself). The actuals
workbook as a whole is opened by `imports.actuals_workbook`; the `_meta` sheet is read by
`imports.meta_sheet`, and the plan workbook's typed formulas are found by `imports.sheet_scan`.
"""
from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import IO, Any

import defusedxml  # noqa: F401 - openpyxl switches to defusedxml parsers only when this imports
import openpyxl
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from openpyxl import load_workbook

from core.numbers import NumberError, parse_decimal, plain_number, plain_text
from imports import workbook_layout as L
from imports.xlsx_stream import Cell

if not openpyxl.DEFUSEDXML:  # pragma: no cover - guarded at start-up
    raise ImproperlyConfigured("defusedxml must be installed (and OPENPYXL_DEFUSEDXML not False) to read uploads")

MAX_ENTRIES = 200
MAX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_RATIO = 100
RATIO_FLOOR = 64 * 1024  # entries smaller than this cannot hurt whatever their ratio
CFB_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
ZIP_MAGIC = b"PK\x03\x04"
PROLOG_BYTES = 64 * 1024
MAX_MAGNITUDE = Decimal(10) ** 16  # inputs beyond 16 integer digits are typos, not figures
MAX_WHOLE = int(MAX_MAGNITUDE)  # the same, as an int: compared with bare whole-number cells

NOT_XLSX = "엑셀(xlsx) 파일이 아닙니다. 내려받은 실적 파일을 엑셀에서 xlsx로 저장해 올리세요."
ENCRYPTED_OR_XLS = "암호가 걸린 파일이거나 옛 xls 형식입니다. 암호를 풀고 xlsx 형식으로 저장해 올리세요."
CORRUPT = "파일이 손상되었거나 끝까지 올라오지 않았습니다 (zip 구조를 읽을 수 없습니다)."
MACRO = "매크로가 포함된 파일(xlsm)은 올릴 수 없습니다. xlsx 형식으로 저장해 올리세요."
UNSAFE_XML = "파일 안의 XML에 허용되지 않는 선언(DOCTYPE/ENTITY)이 있습니다. 엑셀에서 새로 저장해 올리세요."
TOO_BIG_INSIDE = "파일의 압축을 푼 크기가 너무 큽니다 (최대 50MB). 빈 행·서식을 지우고 다시 저장해 올리세요."
BOMB = "압축률이 비정상적으로 높은 항목이 있어 열지 않습니다 ({name})."


class WorkbookRefused(Exception):
    """An upload that cannot be read at all; `message` is for the user (Korean)."""

    def __init__(self, message: str, *, cell: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.cell = cell


def upload_size(source: IO[bytes]) -> int:
    position = source.tell()
    source.seek(0, 2)
    size = source.tell()
    source.seek(position)
    return size


def size_text(size: int) -> str:
    """10485760 → '10MB', 1536 → '1.5KB'."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + unit
    return f"{size}바이트"


def too_large_message() -> str:
    return f"파일이 너무 큽니다. 최대 {size_text(settings.UPLOAD_MAX_BYTES)}까지 올릴 수 있습니다."


def check_size(size: int) -> None:
    if size > settings.UPLOAD_MAX_BYTES:
        raise WorkbookRefused(f"{too_large_message()} (올린 파일: {size_text(size)})")
    if size == 0:
        raise WorkbookRefused("빈 파일입니다. " + NOT_XLSX)


def check_xlsx(source: IO[bytes]) -> None:
    """Everything that must hold before any parser opens `source`; raises WorkbookRefused."""
    check_size(upload_size(source))
    source.seek(0)
    head = source.read(8)
    source.seek(0)
    if head.startswith(CFB_MAGIC):
        raise WorkbookRefused(ENCRYPTED_OR_XLS)
    if not head.startswith(ZIP_MAGIC):
        raise WorkbookRefused(NOT_XLSX)
    try:
        with zipfile.ZipFile(source) as archive:
            _check_directory(archive)
            _check_prologs(archive)
    except zipfile.BadZipFile as exc:
        raise WorkbookRefused(CORRUPT) from exc
    except (OSError, EOFError, RuntimeError, NotImplementedError, ValueError) as exc:
        raise WorkbookRefused(CORRUPT) from exc
    finally:
        source.seek(0)


def _check_directory(archive: zipfile.ZipFile) -> None:
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise WorkbookRefused(f"파일 안의 항목이 너무 많습니다 ({len(entries)}개, 최대 {MAX_ENTRIES}개).")
    total = 0
    names = set()
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise WorkbookRefused(ENCRYPTED_OR_XLS)
        total += entry.file_size
        if total > MAX_UNCOMPRESSED:
            raise WorkbookRefused(TOO_BIG_INSIDE)
        if entry.file_size > RATIO_FLOOR and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise WorkbookRefused(BOMB.format(name=entry.filename))
        names.add(entry.filename)
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise WorkbookRefused(MACRO)
    if "[Content_Types].xml" in names:
        with archive.open("[Content_Types].xml") as handle:
            content_types = handle.read(PROLOG_BYTES * 4)
        if b"macroEnabled" in content_types or b"vbaProject" in content_types:
            raise WorkbookRefused(MACRO)
    if "xl/workbook.xml" not in names:
        raise WorkbookRefused("엑셀 통합 문서가 아닙니다 (xl/workbook.xml이 없습니다). " + NOT_XLSX)


def _check_prologs(archive: zipfile.ZipFile) -> None:
    """No part of an xlsx has a DTD; refuse any that declares one (entity expansion attacks)."""
    for entry in archive.infolist():
        if not entry.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        with archive.open(entry) as handle:
            head = handle.read(PROLOG_BYTES)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            head = head.decode("utf-16", errors="ignore").encode()
        upper = head.upper()
        if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
            raise WorkbookRefused(UNSAFE_XML)


def open_workbook(source: IO[bytes]):
    """openpyxl in read-only, cached-values mode, after `check_xlsx`."""
    try:
        return load_workbook(source, read_only=True, data_only=True, keep_links=False)
    except WorkbookRefused:
        raise
    except zipfile.BadZipFile as exc:
        raise WorkbookRefused(CORRUPT) from exc
    except Exception as exc:  # any parser failure means the file is unusable
        raise _parse_failure(exc) from exc


def _parse_failure(exc: Exception) -> WorkbookRefused:
    cause: BaseException | None = exc
    while cause is not None:  # openpyxl wraps parser errors in a ValueError
        if type(cause).__module__.startswith("defusedxml"):
            return WorkbookRefused(UNSAFE_XML)
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, zipfile.BadZipFile):
        return WorkbookRefused(CORRUPT)
    return WorkbookRefused(f"엑셀 파일을 열 수 없습니다 ({type(exc).__name__}). 엑셀에서 다시 저장해 올리세요.")


# --- the actuals workbook -------------------------------------------------------------------

RawCell = Cell  # one cell as read: value, percent format, typed formula, error value


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """How a cell's value is quoted back to the user in a message."""
    if value.__class__ is str:
        return value.strip()
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != time(0) else value.strftime("%Y-%m-%d")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def iter_sheet_values(source: IO[bytes], title: str, *, max_col: int) -> Iterator[tuple[int, tuple]]:
    """(row number, values) of a sheet of a checked upload; stops after a run of empty rows."""
    wb = open_workbook(source)
    try:
        if title not in wb.sheetnames:
            raise WorkbookRefused(f"'{title}' 시트가 없습니다. 시트 이름을 바꾸지 마세요.")
        ws = wb[title]
        ws.reset_dimensions()
        empty_run = 0
        rows = ws.iter_rows(max_col=max_col, values_only=True)
        for number in range(1, L.MAX_DATA_ROWS + 2):
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # a part that fails to parse while streaming rows
                raise _parse_failure(exc) from exc
            if all(is_blank(value) for value in values):
                empty_run += 1
                if empty_run >= L.EMPTY_ROW_LIMIT:
                    return
                continue
            empty_run = 0
            yield number, values
        raise WorkbookRefused(f"'{title}' 시트의 행이 너무 많습니다 (최대 {L.MAX_DATA_ROWS:,}행).")
    finally:
        wb.close()


# --- cells and problems shared by the workbook imports ---------------------------------------

@dataclass
class Problem:
    row: int | None
    column: int | None
    message: str
    sheet: str = L.DATA_SHEET
    cell: str = ""

    def as_dict(self) -> dict[str, Any]:
        cell = self.cell or (L.cell_ref(self.column, self.row) if self.row and self.column else "")
        address = f"{self.sheet}!{cell}" if cell else self.sheet
        return {
            "sheet": self.sheet, "cell": cell, "row": self.row, "column": self.column, "address": address,
            "message": self.message, "text": f"{address}: {self.message}",
        }


def file_sha256(upload: IO[bytes]) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def as_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, float) and value.is_integer() and value > 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


# The error values a formula's stored result can be (a cell read by openpyxl gives them as text).
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!"})


def parse_text(cell: RawCell | None, label: str) -> tuple[str, str]:
    """(text, error) of an editable text cell such as a note or a method: a formula the user typed gives the
    text Excel stored with it, as `parse_number` does for figures; an error value, or a formula stored
    without its result (which would read as empty and erase what the server holds), is refused."""
    if cell is None or (cell.value is None and not cell.formula):
        return "", ""
    text = cell_text(cell.value) if cell.value is not None else ""
    if cell.error or (cell.formula and text in EXCEL_ERRORS):
        return text, f"{label} 칸이 오류 값({text})입니다. 수식이 아니라 글자로 입력하세요."
    if cell.formula and is_blank(cell.value):
        return "", (f"{label} 칸의 수식 '{cell.formula}'에 저장된 계산 결과가 없습니다. "
                    "수식이 아니라 글자로 입력하거나 엑셀에서 계산해 저장하세요.")
    return text, ""


def parse_number(cell: RawCell | None) -> tuple[Decimal | None, str, str]:
    """(value, error, note) of one editable cell; the column allows decimals ≥ 0."""
    if cell is None or (is_blank(cell.value) and not cell.formula):
        return None, "", ""
    if cell.value.__class__ is int and not (cell.percent or cell.formula or cell.error) and 0 <= cell.value < MAX_MAGNITUDE:
        return Decimal(cell.value), "", ""  # a whole number typed as such: the common case, nothing to report
    value, info = cell.value, ""
    if cell.error:
        where = f"수식 '{cell.formula}'의 결과가" if cell.formula else "이 칸은"
        return None, f"{where} 오류 값({cell_text(value)})입니다. 값을 직접 입력하세요.", ""
    if cell.formula:
        if is_blank(value):
            return None, f"수식 '{cell.formula}'에 저장된 계산 결과가 없습니다. 값을 직접 입력하거나 엑셀에서 계산해 저장하세요.", ""
        info = f"수식 '{cell.formula}'의 계산 결과 {cell_text(value)}을(를) 사용했습니다."
    if isinstance(value, (bool, datetime, date, time)):
        return None, f"'{cell_text(value)}'는 숫자가 아닙니다", ""
    if isinstance(value, (int, float, Decimal)):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None, f"'{cell_text(value)}'는 숫자가 아닙니다", ""
        if cell.percent:
            number = number * 100
            info = f"{plain_text(number)}%로 입력되어 {plain_text(number)}(으)로 읽었습니다."
        shown = cell_text(value)
    else:
        shown = str(value).strip()
        try:
            number = parse_decimal(shown)
        except NumberError:
            return None, f"'{shown}'는 숫자가 아닙니다", ""
        if number is None:
            return None, "", ""
        if shown.endswith(("%", "％")):
            info = f"'{shown}'를 {plain_text(number)}(으)로 읽었습니다."
    if not number.is_finite():
        return None, f"'{shown}'는 숫자가 아닙니다", ""
    if number < 0:
        return None, f"'{shown}'는 음수입니다. 0 이상의 값을 입력하세요.", ""
    if number >= MAX_MAGNITUDE:
        return None, f"'{shown}'는 너무 큰 숫자입니다 (16자리까지).", ""
    return plain_number(number), "", info

