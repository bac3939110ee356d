"""Every uploaded workbook passes here first: size, zip magic, entry count, declared uncompressed sizes
and ratios, encryption, macros and DTDs are checked on the raw bytes and the zip directory before
openpyxl opens the file in read-only mode. Python's zipfile never inflates an entry past its
declared size (it fails the CRC instead), so the declared sizes are a real bound. defusedxml must
be importable: openpyxl only blocks entity expansion when it is, so this module refuses to load
without it. Problems found in a workbook are reported as `Problem`s naming sheet and cell.
"""
from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from typing import IO, Any

import defusedxml  # noqa: F401 - openpyxl switches to defusedxml parsers only when this imports
import openpyxl
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from openpyxl import load_workbook

from imports import workbook_layout as L

if not openpyxl.DEFUSEDXML:  # pragma: no cover - guarded at start-up
    raise ImproperlyConfigured("defusedxml must be installed (and OPENPYXL_DEFUSEDXML not False) to read uploads")

MAX_ENTRIES = 200
MAX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_RATIO = 100
RATIO_FLOOR = 64 * 1024  # entries smaller than this cannot hurt whatever their ratio
CFB_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
ZIP_MAGIC = b"PK\x03\x04"
PROLOG_BYTES = 64 * 1024

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
        raise parse_failure(exc) from exc


def parse_failure(exc: Exception) -> WorkbookRefused:
    cause: BaseException | None = exc
    while cause is not None:  # openpyxl wraps parser errors in a ValueError
        if type(cause).__module__.startswith("defusedxml"):
            return WorkbookRefused(UNSAFE_XML)
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, zipfile.BadZipFile):
        return WorkbookRefused(CORRUPT)
    return WorkbookRefused(f"엑셀 파일을 열 수 없습니다 ({type(exc).__name__}). 엑셀에서 다시 저장해 올리세요.")


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
