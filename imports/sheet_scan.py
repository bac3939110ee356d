"""A raw scan of a sheet's XML for what openpyxl's reading loses: formulas typed over cached values, and
merged ranges (the plan workbook's upload)."""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from typing import IO
from xml.sax.saxutils import unescape

import defusedxml.ElementTree as SafeET

from imports.uploads import CORRUPT, WorkbookRefused

SCAN_CHUNK = 1024 * 1024

# A formula element: `<f>`, `<f t="shared" .../>`; with a namespace prefix (`<x:f>`) in rare producers.
_FORMULA_TAG = re.compile(rb"<f[\s>/]")
_PREFIXED_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_REF = re.compile(rb"""\br\s*=\s*["']([A-Z]{1,3})(\d+)["']""")
_MERGE = re.compile(rb"""<(?:\w+:)?mergeCell\b[^>]*?\bref\s*=\s*["']([A-Z0-9:]+)["']""")
# Places where a chunk may be cut: after a closed cell, row or empty element.
_CUT_TOKENS = (b"</c>", b"</row>", b"/>", b":c>", b":row>")


@dataclass
class SheetScan:
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column) -> "=text"
    merged: list[str] = field(default_factory=list)


def sheet_part(archive: zipfile.ZipFile, title: str) -> str | None:
    """The zip path of the sheet named `title`, from workbook.xml and its relationships."""
    workbook = SafeET.fromstring(archive.read("xl/workbook.xml"))
    rel_id = None
    for element in workbook.iter():
        if element.tag.endswith("}sheet") and element.get("name") == title:
            rel_id = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
            break
    if rel_id is None:
        return None
    rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for element in rels.iter():
        if element.tag.endswith("}Relationship") and element.get("Id") == rel_id:
            target = element.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None


def scan_sheet(source: IO[bytes], title: str) -> SheetScan:
    """Stream the sheet's XML once (bounded memory), noting formula cells and merged ranges."""
    scan = SheetScan()
    source.seek(0)
    try:
        with zipfile.ZipFile(source) as archive:
            part = sheet_part(archive, title)
            if part is None:
                return scan
            with archive.open(part) as handle:
                carry = b""
                while True:
                    chunk = handle.read(SCAN_CHUNK)
                    buffer = carry + chunk
                    if not chunk:
                        _scan(buffer, scan)
                        break
                    cut = _last_cut(buffer)
                    if cut == 0 and len(buffer) > 8 * SCAN_CHUNK:
                        raise WorkbookRefused(CORRUPT)
                    _scan(buffer[:cut], scan)
                    carry = buffer[cut:]
    except zipfile.BadZipFile as exc:
        raise WorkbookRefused(CORRUPT) from exc
    finally:
        source.seek(0)
    return scan


def _last_cut(buffer: bytes) -> int:
    cut = 0
    for token in _CUT_TOKENS:
        position = buffer.rfind(token)
        if position >= 0:
            cut = max(cut, position + len(token))
    return cut


def _scan(data: bytes, scan: SheetScan) -> None:
    """Formula cells and merged ranges of one chunk; a literal search, then a look at each hit."""
    hits = _FORMULA_TAG.finditer(data) if b":f" not in data else _PREFIXED_FORMULA_TAG.finditer(data)
    for hit in hits:
        window = max(0, hit.start() - 4096)  # a cell's start tag is close before its formula
        start = max(data.rfind(b"<c ", window, hit.start()), data.rfind(b":c ", window, hit.start()))
        if start < 0:
            continue
        ref = _REF.search(data, start, hit.start())
        if ref is None:
            continue
        closing = data.find(b">", hit.start())
        text = b""
        if closing > 0 and data[closing - 1 : closing] != b"/":
            end = data.find(b"</", closing)
            text = data[closing + 1 : end] if end > 0 else b""
        formula = unescape(text.decode("utf-8", errors="replace"))
        scan.formulas[(int(ref.group(2)), _column_number(ref.group(1).decode()))] = (
            "=" + formula if formula else "=(공유 수식)"
        )
    if b"mergeCell" in data:
        for match in _MERGE.finditer(data):
            scan.merged.append(match.group(1).decode())


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (ord(letter) - 64)
    return number
