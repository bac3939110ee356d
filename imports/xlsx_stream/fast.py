"""The fast path: rows and cells in the shape Excel, LibreOffice and openpyxl write, read by regular
expressions while expat checks every byte; anything else goes to the expat path."""
from __future__ import annotations

import pyexpat
import re
from collections.abc import Callable, Iterator
from typing import Any

from imports.xlsx_stream.base import (
    _MERGE,
    FEED_BYTES,
    MAX_ROW,
    NOTHING_UNREAD,
    Cell,
    Package,
    SheetRows,
    Unread,
    XlsxError,
    _parser,
    _text,
    _Values,
    column_number,
)
from imports.xlsx_stream.expat import _expat_rows
from imports.xlsx_stream.patterns import (
    ANY_ATTR,
    CELL_RE,
    DEFAULT_NS,
    INLINE_T,
    INNER,
    KINDS,
    NUMBER_ROW_PARTS,
    NUMBER_ROWS,
    PHONETIC,
    PLAIN_CELLS,
    ROW_NUMBER,
    SHEET_DATA_END,
    WHOLE_NUMBER_CELL,
    WHOLE_NUMBERS_ROW,
)


def sheet_rows(package: Package, part: str, title: str, max_col: int, blank_run: int, unread_formulas: Unread) -> SheetRows:
    """The fast path when the sheet's XML has the usual shape, else expat from the start (see `_FastSheet`)."""
    merged: list[str] = []
    fast = _FastSheet(package, part, title, max_col, merged, blank_run, unread_formulas)
    return SheetRows(rows=fast.rows(), merged=merged, close=fast.close)


# --- the fast path: the shape Excel, LibreOffice and openpyxl write -----------------------------

# Whole rows (`_next_row`), then their cells: `<c r="L6" s="6" t="s">` … `</c>` or `<c …/>`.
_WORD_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def _next_row(data: bytes, position: int) -> tuple[int, int, bytes, bytes | None] | None:
    """The next `<row …/>` or `<row …>…</row>` from `position`: (start, end, attributes, body or None), or
    None when the data ends before the row does. What `<row\\b([^>]*?)(?:/>|>(.*?)</row>)` would match,
    found with bytes.find (a lazy expression tries `</row>` at every byte of the row)."""
    start = data.find(b"<row", position)
    if start < 0:
        return None
    if len(data) <= start + 4:
        return None
    if data[start + 4] in _WORD_BYTES:  # `<rows`, say: not a row; the fast path does not read it
        raise _Fallback
    close = data.find(b">", start + 4)
    if close < 0:
        return None
    if data[close - 1] == 0x2F:  # "/": an empty row
        return start, close + 1, data[start + 4 : close - 1], None
    end = data.find(b"</row>", close + 1)
    if end < 0:
        return None
    return start, end + 6, data[start + 4 : close], data[close + 1 : end]


def _plain_prolog(prolog: bytes) -> bool:
    """UTF-8, and the root's default namespace is SpreadsheetML's (no prefixes to resolve)."""
    if prolog.startswith((b"\xff\xfe", b"\xfe\xff")) or DEFAULT_NS not in prolog:
        return False
    declared = re.match(rb"""(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']+)["']""", prolog)
    return declared is None or declared.group(1).lower() in (b"utf-8", b"utf8")


class _ColumnNumbers(dict):
    """Column letters (bytes) → column number, computed on first sight: one dict lookup per cell after that."""

    def __missing__(self, letters: bytes) -> int:
        number = self[letters] = column_number(letters.decode())
        return number


class _Fallback(Exception):
    """The XML has a construct the fast path does not read (a prefix, a comment, CDATA…): use expat."""


class _FastSheet:
    """Rows by regular expressions over the XML, while expat (no element handlers) checks every byte.

    Every byte goes through a handler-less expat parser first, so malformed XML, a DTD or an entity
    declaration is refused exactly as on the expat path; the expressions then only meet well-formed
    XML. Anything they do not fully account for (a namespace prefix, a comment or CDATA among the
    cells, a cell without an address, an element other than row/c/f/v/is) makes the whole sheet go
    through the expat path instead, skipping the rows already handed out. After `</sheetData>` the
    validating parser reports merged ranges.
    """

    def __init__(
        self, package: Package, part: str, title: str, max_col: int, merged: list[str], blank_run: int,
        unread_formulas: Unread = NOTHING_UNREAD,
    ) -> None:
        self.package, self.part, self.title, self.max_col, self.merged = package, part, title, max_col, merged
        self.unread_columns, self.unread_after = unread_formulas
        self.blank_run = blank_run
        self.last_content = 0  # the last row with a non-blank cell
        self.values = _Values(package, title)
        self.columns = _ColumnNumbers()
        # Styles (as their attribute text) whose numbers read as plain numbers: no date, no percent format.
        self.plain_styles = frozenset(
            str(index).encode() for index in range(package.styles.count)
            if index not in package.styles.percent and index not in package.styles.dates
        )
        self.last_row = 0  # the last row handed out (a fallback skips up to it)
        self.handle = package.archive.open(part)
        self.validator = _parser(None, None, None)
        self.slow_finish: Callable[[], None] | None = None
        self.finished = False
        self.after_data = False  # past </sheetData>: the validator reports merged ranges
        self.fed_all = False
        self.buffer = b""

    # The caller's two entry points.

    def rows(self) -> Iterator[tuple[int, dict[int, Cell]]]:
        try:
            yield from self._fast()
        except _Fallback:
            self.handle.close()
            rows, self.slow_finish = _expat_rows(
                self.package, self.part, self.title, self.max_col, self.merged, self.blank_run
            )
            self.merged.clear()
            for number, cells in rows:
                if number > self.last_row:
                    yield number, cells

    def close(self) -> None:
        if self.slow_finish is not None:
            self.slow_finish()
            return
        if self.finished:
            return
        self.finished = True
        try:
            while not self.fed_all:
                chunk = self.handle.read(FEED_BYTES)
                self._validate(chunk, final=not chunk)
        finally:
            self.handle.close()

    # Reading.

    def _validate(self, chunk: bytes, *, final: bool = False) -> None:
        """Feed expat; once past </sheetData>, let it report merged ranges (a few elements)."""
        parser = self.validator
        try:
            if not self.after_data:
                end = (self.buffer[-len(SHEET_DATA_END):] + chunk).find(SHEET_DATA_END)
                if end >= 0:
                    cut = end + len(SHEET_DATA_END) - min(len(self.buffer), len(SHEET_DATA_END))
                    parser.Parse(chunk[:cut], False)
                    chunk = chunk[cut:]
                    self.after_data = True
                    parser.StartElementHandler = self._merge
                self.buffer = (self.buffer + chunk)[-len(SHEET_DATA_END):] if not self.after_data else b""
            parser.Parse(chunk, final)
        except pyexpat.ExpatError as exc:
            raise XlsxError(f"{self.part}: {exc}") from exc
        self.fed_all = final

    def _merge(self, name: str, attrs: dict[str, str]) -> None:
        if name == _MERGE:
            self.merged.append(attrs.get("ref", ""))

    def _fast(self) -> Iterator[tuple[int, dict[int, Cell]]]:
        carry = b""
        head = True
        while True:
            chunk = self.handle.read(FEED_BYTES)
            self._validate(chunk, final=not chunk)
            data = carry + chunk
            if head:
                start = data.find(b"<sheetData")
                if start < 0:
                    if not chunk or len(data) > 4 * FEED_BYTES:
                        raise _Fallback  # no unprefixed sheetData: let expat decide what the sheet holds
                    carry = data
                    continue
                if not _plain_prolog(data[:start]):
                    raise _Fallback
                close = data.find(b">", start)
                if close < 0:
                    carry = data
                    continue
                if data[close - 1 : close] == b"/":  # <sheetData/>: no rows
                    self.close()
                    return
                data = data[close + 1 :]
                head = False
            position = 0
            while True:
                block = NUMBER_ROWS.match(data, position)
                if block is not None:  # a run of rows of bare whole numbers (the meta table): read in one pass
                    rows = self._number_rows(data, position, block.end())
                    position = block.end()
                else:
                    found = _next_row(data, position)
                    if found is None:
                        break
                    start, end, attributes, body = found
                    if data[position:start].strip():
                        raise _Fallback
                    position = end
                    rows = (self._row(attributes, body),)
                for row in rows:
                    if row is not None:
                        self.last_content = row[0]
                        yield row
                    elif self.blank_run and self.last_row - self.last_content >= self.blank_run:
                        self.close()  # no row is handed out any more: check the rest and find merged ranges
                        return
            rest = data[position:]
            stripped = rest.lstrip()
            if stripped.startswith(SHEET_DATA_END):
                self.close()
                return
            if stripped and not (stripped.startswith(b"<row") or b"<row".startswith(stripped)
                                 or SHEET_DATA_END.startswith(stripped)):
                raise _Fallback
            if not chunk:
                raise _Fallback  # the XML ended inside sheetData: expat has refused it already
            if len(rest) > 16 * FEED_BYTES:
                raise _Fallback  # one row bigger than this is not a row we expect
            carry = rest

    def _row(self, attributes: bytes, body: bytes | None) -> tuple[int, dict[int, Any]] | None:
        number_match = ROW_NUMBER.search(attributes)
        if number_match is None:
            raise _Fallback
        number = int(number_match.group(1))
        if number <= self.last_row or number > MAX_ROW:
            raise XlsxError(f"행 번호 {number}가 순서에 맞지 않습니다", cell=f"{self.title}!A{number}")
        if not body:
            self.last_row = number
            return None
        row = self._row_cells(number, body)  # a fallback here re-reads this row too: it was not handed out
        self.last_row = number
        return row

    def _row_cells(self, number: int, body: bytes) -> tuple[int, dict[int, Any]] | None:
        if b"=" not in body.replace(b' r="', b"") and WHOLE_NUMBERS_ROW.fullmatch(body):
            return self._whole_numbers(number, body)
        plain = self._plain_row(number, body)
        if plain is not None:
            return (number, plain) if plain else None
        cells: dict[int, Any] = {}
        columns, max_col, values = self.columns, self.max_col, self.values
        plain_styles = self.plain_styles
        unread = self.unread_columns if number > self.unread_after else ()
        position = 0
        for cell in CELL_RE.finditer(body):
            if cell.start() != position:
                raise _Fallback
            position = cell.end()
            letters, style_text, kind_text, simple, inner, generic, generic_inner = cell.groups()
            if letters is not None:
                if simple is None and not inner:
                    continue  # styled but empty (an inline string without <is> reads as empty too)
                column = columns[letters]
                if column > max_col:
                    continue
                if simple:
                    # The two shapes of nearly every cell, read here without a call: a number in a style that
                    # is neither a date nor a percentage, and a shared string. Such a cell is stored as its
                    # bare value (see `Cell`).
                    if kind_text is None:
                        if style_text is None or style_text in plain_styles:
                            if simple.isdigit():
                                cells[column] = int(simple)
                                continue
                            try:
                                cells[column] = (
                                    float(simple) if (b"." in simple or b"E" in simple or b"e" in simple) else int(simple)
                                )
                                continue
                            except ValueError:
                                pass
                    elif kind_text == b"s":
                        try:
                            text = values.shared()[int(simple)]
                        except (ValueError, IndexError):
                            text = None
                        if text is not None:
                            if text.strip():
                                cells[column] = text
                            continue
                style = int(style_text) if style_text else 0
                kind = KINDS.get(kind_text) or _text(kind_text)
            else:
                letters, kind, style = self._attributes(generic)
                inner, simple = generic_inner, None
                column = columns[letters]
                if column > max_col:
                    continue
            if simple is not None:
                parsed = values.cell(kind, simple, style, None, None, self._where(letters, number))
            elif inner:
                if column in unread:
                    continue
                parsed = self._complex(kind, inner, style, self._where(letters, number))
            else:
                continue
            if parsed is not None:
                cells[column] = parsed
        if body[position:].strip():
            raise _Fallback
        return (number, cells) if cells else None

    def _plain_row(self, number: int, body: bytes) -> dict[int, Any] | None:
        """The cells of a row of `PLAIN_CELLS` only, as `_row` reads them; None when the row has anything
        else, or a cell needs `_row`'s loop (a date or percentage style, a type other than a shared string,
        a formula in a column that is read).

        The row holds nothing but the cells found when its `<` are exactly theirs (the XML is well formed:
        every `<` starts a tag); text between cells is ignored, as expat would."""
        cells: dict[int, Any] = {}
        columns, max_col, plain_styles = self.columns, self.max_col, self.plain_styles
        unread = self.unread_columns if number > self.unread_after else ()
        found = PLAIN_CELLS.findall(body)
        tags = len(found)  # the `<` of the cells found: <c …/>, or <c …> <v> </v> </c>, or <c …> <f> </f> [<v> </v>] </c>
        for letters, style_text, kind_text, simple, formula, formula_value in found:
            if not (simple or formula):
                continue  # styled but empty
            tags += 5 if formula_value else 3
            column = columns[letters]
            if column > max_col:
                continue
            if formula:
                if column in unread:
                    continue
                return None
            if not kind_text:
                if style_text and style_text not in plain_styles:
                    return None
                if simple.isdigit():
                    cells[column] = int(simple)
                    continue
                try:
                    cells[column] = float(simple) if (b"." in simple or b"E" in simple or b"e" in simple) else int(simple)
                except ValueError:
                    return None
            elif kind_text == b"s":
                try:
                    text = self.values.shared()[int(simple)]
                except (ValueError, IndexError):
                    return None
                if text.strip():
                    cells[column] = text
            else:
                return None
        return cells if body.count(b"<") == tags else None

    def _number_rows(self, data: bytes, start: int, end: int) -> list[tuple[int, dict[int, Any]] | None]:
        """The rows of a `NUMBER_ROWS` run, as `_row` reads each of them (None for a row with no cell kept)."""
        rows: list[tuple[int, dict[int, Any]] | None] = []
        columns, max_col = self.columns, self.max_col
        cells: dict[int, Any] = {}
        number = 0
        for row_text, letters, digits in NUMBER_ROW_PARTS.findall(data, start, end):
            if row_text:
                if number:
                    rows.append((number, cells) if cells else None)
                number = int(row_text)
                if number <= self.last_row or number > MAX_ROW:
                    raise XlsxError(f"행 번호 {number}가 순서에 맞지 않습니다", cell=f"{self.title}!A{number}")
                self.last_row = number
                cells = {}
                continue
            column = columns[letters]
            if column <= max_col:
                cells[column] = int(digits)
        if number:
            rows.append((number, cells) if cells else None)
        return rows

    def _whole_numbers(self, number: int, body: bytes) -> tuple[int, dict[int, Any]] | None:
        """A row of unstyled whole numbers (the meta table): one expression for the row, no loop per match."""
        columns, max_col = self.columns, self.max_col
        cells: dict[int, Any] = {}
        for letters, digits in WHOLE_NUMBER_CELL.findall(body):
            column = columns[letters]
            if column <= max_col:
                cells[column] = int(digits)
        return (number, cells) if cells else None

    def _where(self, letters: bytes, number: int) -> Callable[[], str]:
        return lambda: f"{self.title}!{letters.decode()}{number}"

    def _attributes(self, text: bytes) -> tuple[bytes, str, int]:
        found: dict[bytes, bytes] = {}
        position = 0
        for attribute in ANY_ATTR.finditer(text):
            if attribute.start() != position:
                raise _Fallback
            position = attribute.end()
            found[attribute.group(1)] = attribute.group(2) if attribute.group(2) is not None else attribute.group(3)
        if position != len(text) or any(b":" in name for name in found) or b"r" not in found:
            raise _Fallback
        ref = _text(found[b"r"]).encode()
        letters = ref.rstrip(b"0123456789")
        if not letters or not letters.isalpha() or not letters.isupper():
            raise XlsxError(f"셀 주소 '{ref.decode()}'가 올바르지 않습니다", cell=f"{self.title}!{ref.decode()}")
        kind = _text(found[b"t"]) if b"t" in found else "n"
        style_text = _text(found.get(b"s", b"")).strip()
        return letters, kind, int(style_text) if style_text else 0

    def _complex(self, kind: str, inner: bytes, style: int, ref) -> Cell | None:
        parts = INNER.fullmatch(inner)
        if parts is None:
            raise _Fallback
        formula = _text(parts["formula"] or b"") if parts["f"] is not None else None
        inline = None
        if parts["is"] is not None:
            content = PHONETIC.sub(b"", parts["inline"] or b"")
            inline = "".join(_text(t) for t in INLINE_T.findall(content))
        return self.values.cell(kind, parts["v"], style, inline, formula, ref)
