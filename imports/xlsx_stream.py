"""Streaming the cells of a sheet of a checked xlsx with expat: one pass, bounded memory.

Why not openpyxl's read-only mode: it is about six times slower on a 10,000-row sheet (it builds an
element per cell), it drops rows outside the sheet's declared dimension, and formulas need a second
pass over the XML. Why not python-calamine: it materialises every sheet as a dense rectangle, so
one value in XFD1048576 asks for seventeen billion cells, and it reports neither formulas nor number
formats. Here the sheet's XML is fed to expat a chunk at a time and rows are handed out as they
close; the rows' numbers come from the XML, never from the declared dimension.

Values follow openpyxl's read-only, cached-value rules (numbers as int or float, shared and inline
strings, booleans, error values, date formats as datetime) so that messages quote cells the same
way. Only the transitional SpreadsheetML namespace is read, as openpyxl does. A DTD, an entity
declaration or an external entity anywhere refuses the file (the prolog check in `readers` only
looks at the first 64 KB).
"""
from __future__ import annotations

import html
import posixpath
import pyexpat
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import defusedxml.ElementTree as SafeET
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
from openpyxl.styles.stylesheet import Stylesheet
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
FEED_BYTES = 256 * 1024
MAX_COLUMN = 16_384  # XFD
MAX_ROW = 1_048_576

_ROW, _C, _V, _F, _IS, _T, _RPH, _MERGE = (f"{MAIN}}}{tag}" for tag in ("row", "c", "v", "f", "is", "t", "rPh", "mergeCell"))
_LETTERS = {chr(65 + n): n + 1 for n in range(26)}


Unread = tuple[frozenset[int], int]  # formula cells of these columns below this row need not be read
NOTHING_UNREAD: Unread = (frozenset(), MAX_ROW)


class XlsxError(Exception):
    """The package cannot be read; `unsafe` when it declares a DTD or entities."""

    def __init__(self, message: str, *, unsafe: bool = False, cell: str = "") -> None:
        super().__init__(message)
        self.unsafe = unsafe
        self.cell = cell


@dataclass(slots=True)
class Cell:
    """A cell that needs more than its value. A plain number or text is stored as the bare value instead
    (a row holds a dozen of them: one object fewer each); `cell_of` gives either as a Cell."""

    value: Any
    percent: bool = False  # a number shown with a % format: the user typed "12%"
    formula: str = ""  # the formula the user typed, when the cell holds one
    error: bool = False  # an error value such as #DIV/0! or #NAME?


def cell_of(stored: Any) -> Cell | None:
    return stored if stored is None or stored.__class__ is Cell else Cell(stored)


def value_of(stored: Any) -> Any:
    return stored.value if stored.__class__ is Cell else stored


@dataclass
class Styles:
    count: int = 0
    percent: frozenset[int] = frozenset()
    dates: frozenset[int] = frozenset()
    timedeltas: frozenset[int] = frozenset()


@dataclass
class SheetRows:
    """Rows of one sheet as (row number, {column: Cell}) for rows holding a non-blank cell.

    `merged` is complete once the rows are exhausted, or after `close()` when the caller stops early
    (merged ranges follow the cells in the XML, so the rest is read for them alone).
    """

    rows: Iterator[tuple[int, dict[int, Cell]]]
    merged: list[str] = field(default_factory=list)
    close: Callable[[], None] = lambda: None
    abort: Callable[[], None] = lambda: None  # stop without reading the rest (a reader in another process)

    def __iter__(self) -> Iterator[tuple[int, dict[int, Cell]]]:
        return self.rows


def _forbid_dtd(parser) -> None:
    def refuse(*_args) -> None:
        raise XlsxError("DTD", unsafe=True)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)


def _parse_small(archive: zipfile.ZipFile, part: str):
    try:
        return SafeET.fromstring(archive.read(part))
    except KeyError as exc:
        raise XlsxError(f"{part} 항목이 없습니다") from exc
    except SafeET.ParseError as exc:
        raise XlsxError(f"{part}: {exc}") from exc
    except Exception as exc:  # defusedxml's DTDForbidden / EntitiesForbidden / ExternalReferenceForbidden
        if type(exc).__module__.startswith("defusedxml"):
            raise XlsxError("DTD", unsafe=True) from exc
        raise


class Package:
    """The parts of an opened xlsx that reading cells needs: sheet paths, shared strings, styles, epoch."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        workbook = _parse_small(archive, "xl/workbook.xml")
        targets: dict[str, tuple[str, str]] = {}
        if "xl/_rels/workbook.xml.rels" in archive.NameToInfo:
            for element in _parse_small(archive, "xl/_rels/workbook.xml.rels").iter(f"{{{PACKAGE_RELS}}}Relationship"):
                targets[element.get("Id", "")] = (element.get("Type", ""), _part_path(element.get("Target", "")))
        self.sheets: dict[str, str] = {}
        for sheet in workbook.iter(f"{{{MAIN}}}sheet"):
            kind_target = targets.get(sheet.get(f"{{{REL_NS}}}id", ""))
            if kind_target is not None:
                self.sheets[sheet.get("name", "")] = kind_target[1]
        properties = workbook.find(f"{{{MAIN}}}workbookPr")
        date1904 = properties is not None and properties.get("date1904", "").lower() in ("1", "true")
        self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        by_kind = {kind.rsplit("/", 1)[-1]: target for kind, target in targets.values()}
        self._strings_part = by_kind.get("sharedStrings", "xl/sharedStrings.xml")
        self._styles_part = by_kind.get("styles", "xl/styles.xml")
        self._strings: list[str] | None = None
        self._styles: Styles | None = None

    @property
    def sheet_names(self) -> list[str]:
        return list(self.sheets)

    @property
    def strings(self) -> list[str]:
        """The shared-string table (one str per distinct text of the workbook), read on first use."""
        if self._strings is None:
            self._strings = _read_strings(self.archive, self._strings_part)
        return self._strings

    @property
    def styles(self) -> Styles:
        if self._styles is None:
            self._styles = _read_styles(self.archive, self._styles_part)
        return self._styles

    def rows(self, title: str, *, max_col: int, blank_run: int = 0, unread_formulas: Unread = NOTHING_UNREAD) -> SheetRows:
        """Rows of a sheet; with `blank_run`, rows stop after that many blank rows in a row (styled-but-empty
        rows down to row 1,048,576 are then never handed out one by one). `unread_formulas` is (columns,
        row): formula cells of those columns below that row may be left out (the fast path does not parse
        them; the expat path reads them), for a caller that has no use for them."""
        part = self.sheets.get(title)
        if part is None or part not in self.archive.NameToInfo:
            raise XlsxError(f"'{title}' 시트를 찾을 수 없습니다")
        return _sheet_rows(self, part, title, max_col, blank_run, unread_formulas)


def _part_path(target: str) -> str:
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


def _read_strings(archive: zipfile.ZipFile, part: str) -> list[str]:
    """Texts of <si> items: their <t> and rich-text runs' <t>, not phonetic runs (<rPh>), as openpyxl reads them."""
    if part not in archive.NameToInfo:
        return []
    strings: list[str] = []
    text: list[str] = []
    depth_rph = 0
    collecting = False

    def start(name: str, _attrs) -> None:
        nonlocal collecting, depth_rph
        if name == _T:
            collecting = depth_rph == 0
        elif name == _RPH:
            depth_rph += 1
        elif name == _SI:
            text.clear()

    def end(name: str) -> None:
        nonlocal collecting, depth_rph
        if name == _T:
            collecting = False
        elif name == _RPH:
            depth_rph -= 1
        elif name == _SI:
            strings.append("".join(text).replace("x005F_", ""))

    def characters(data: str) -> None:
        if collecting:
            text.append(data)

    parser = _parser(start, end, characters)
    with archive.open(part) as handle:
        _feed_all(parser, handle)
    return strings


_SI = f"{MAIN}}}si"


def _read_styles(archive: zipfile.ZipFile, part: str) -> Styles:
    if part not in archive.NameToInfo:
        return Styles()
    stylesheet = Stylesheet.from_tree(_parse_small(archive, part))  # normalises custom format ids, as openpyxl does
    custom = list(stylesheet.number_formats)
    percent = set()
    for index, style in enumerate(stylesheet.cell_styles):
        number = style.numFmtId
        code = (BUILTIN_FORMATS.get(number, "General") if number < BUILTIN_FORMATS_MAX_SIZE
                else custom[number - BUILTIN_FORMATS_MAX_SIZE] if number - BUILTIN_FORMATS_MAX_SIZE < len(custom) else "")
        if "%" in (code or ""):
            percent.add(index)
    return Styles(count=len(stylesheet.cell_styles), percent=frozenset(percent), dates=frozenset(stylesheet.date_formats),
                  timedeltas=frozenset(stylesheet.timedelta_formats))


def _parser(start, end, characters):
    parser = pyexpat.ParserCreate(namespace_separator="}")
    _forbid_dtd(parser)
    parser.buffer_text = True
    parser.buffer_size = FEED_BYTES
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    return parser


def _feed_all(parser, handle) -> None:
    try:
        while chunk := handle.read(FEED_BYTES):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except pyexpat.ExpatError as exc:
        raise XlsxError(str(exc)) from exc


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        digit = _LETTERS.get(letter)
        if digit is None:
            raise ValueError(letters)
        number = number * 26 + digit
    return number


class _Values:
    """A cell's value from its type (`t`), style and raw text, as openpyxl reads it with cached values."""

    __slots__ = ("dates", "epoch", "package", "percent", "strings", "timedeltas", "title")

    def __init__(self, package: Package, title: str) -> None:
        styles = package.styles
        self.package, self.title = package, title
        self.percent, self.dates, self.timedeltas = styles.percent, styles.dates, styles.timedeltas
        self.epoch = package.epoch
        self.strings: list[str] | None = None

    def shared(self) -> list[str]:
        if self.strings is None:
            self.strings = self.package.strings  # read on the first shared string only
        return self.strings

    def cell(self, kind: str, raw: str | bytes | None, style: int, inline: str | None, formula: str | None,
             ref: Callable[[], str]) -> Cell | None:
        """The Cell, or None for a blank cell without a formula."""
        error = False
        if kind == "inlineStr":
            value: Any = inline
        elif not raw:
            value, error = None, kind == "e"
        elif kind == "n":
            if raw.__class__ is bytes:
                raw = raw.decode("utf-8", "replace")  # type: ignore[union-attr]
            try:
                value = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
            except ValueError:
                raise XlsxError(f"숫자 칸의 값 '{_text(raw)[:20]}'를 읽을 수 없습니다", cell=ref()) from None
            if style in self.dates:
                try:
                    value = from_excel(value, self.epoch, timedelta=style in self.timedeltas)
                except (OverflowError, ValueError):
                    value, error = "#VALUE!", True
        elif kind == "s":
            try:
                value = self.shared()[int(raw)]
            except (ValueError, IndexError):
                raise XlsxError("공유 문자열 번호가 올바르지 않습니다", cell=ref()) from None
        elif kind == "b":
            value = _text(raw).strip() not in ("0", "false")
        elif kind == "e":
            value, error = _text(raw), True
        elif kind == "d":
            try:
                value = from_ISO8601(_text(raw))
            except ValueError:
                value = _text(raw)
        else:  # "str": the cached text of a formula
            value = _text(raw)
        if formula is None and (value is None or (value.__class__ is str and not value.strip())):
            return None
        return Cell(
            value=value, error=error,
            percent=style in self.percent and value.__class__ in (int, float),
            formula=("=" + formula if formula else "=(공유 수식)") if formula is not None else "",
        )


def _text(raw: str | bytes) -> str:
    """Text of the fast path's raw bytes (already text on the expat path): entities and line ends as XML reads them."""
    if isinstance(raw, str):
        return raw
    text = raw.decode("utf-8")
    if "&" in text:
        text = html.unescape(text)  # only XML's five and numeric references remain: expat checked the rest
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _sheet_rows(package: Package, part: str, title: str, max_col: int, blank_run: int, unread_formulas: Unread) -> SheetRows:
    """The fast path when the sheet's XML has the usual shape, else expat from the start (see `_FastSheet`)."""
    merged: list[str] = []
    fast = _FastSheet(package, part, title, max_col, merged, blank_run, unread_formulas)
    return SheetRows(rows=fast.rows(), merged=merged, close=fast.close)


# --- the expat path: any well-formed sheet ---------------------------------------------------


def _expat_rows(package: Package, part: str, title: str, max_col: int, merged: list[str], blank_run: int = 0):
    """(rows, finish): one pass of expat over the sheet, rows handed out between fed chunks."""
    values = _Values(package, title)
    ready: list[tuple[int, dict[int, Cell]]] = []
    columns: dict[str, int] = {}  # "AB" → 28, filled as columns are met
    cells: dict[int, Cell] = {}
    row_number = 0
    column = 0
    kind = "n"
    style = 0
    value_text: str | None = None
    formula: str | None = None
    inline: list[str] | None = None
    text: list[str] = []
    collecting = False  # inside <v>, <f> or an inline <t>
    in_rph = False
    last_content = 0
    stopped = False  # a run of blank rows as long as `blank_run`: the rest is read for merged ranges only

    def ref() -> str:
        letters = next((key for key, number in columns.items() if number == column), "")
        return f"{title}!{letters}{row_number}"

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row_number, column, kind, style, value_text, formula, inline, collecting, in_rph, cells
        if name == _C:
            cell_ref = attrs.get("r")
            if cell_ref:
                letters = cell_ref.rstrip("0123456789")
                number = columns.get(letters)
                if number is None:
                    try:
                        number = columns[letters] = column_number(letters)
                    except ValueError:
                        raise XlsxError(f"셀 주소 '{cell_ref}'가 올바르지 않습니다", cell=f"{title}!{cell_ref}") from None
                column = number
            else:
                column += 1
            kind = attrs.get("t", "n")
            style_text = attrs.get("s")
            style = int(style_text) if style_text else 0
            value_text = formula = inline = None
        elif name == _V:
            text.clear()
            collecting = True
        elif name == _F:
            text.clear()
            collecting = True
            formula = ""
        elif name == _ROW:
            r = attrs.get("r")
            number = int(r) if r else row_number + 1
            if number <= row_number or number > MAX_ROW:
                raise XlsxError(f"행 번호 {number}가 순서에 맞지 않습니다", cell=f"{title}!A{number}")
            row_number = number
            column = 0
            cells = {}
        elif name == _IS:
            inline = []
        elif name == _T:
            if inline is not None and not in_rph:
                text.clear()
                collecting = True
        elif name == _RPH:
            in_rph = True
        elif name == _MERGE:
            merged.append(attrs.get("ref", ""))

    def end(name: str) -> None:
        nonlocal value_text, formula, collecting, in_rph, last_content, stopped
        if name == _C:
            if column <= max_col:
                cell = values.cell(kind, value_text, style, "".join(inline) if inline is not None else None, formula, ref)
                if cell is not None:
                    cells[column] = cell
        elif name == _V:
            value_text = "".join(text)
            collecting = False
        elif name == _ROW:
            if cells:
                if not stopped:
                    ready.append((row_number, cells))
                    last_content = row_number
            elif blank_run and row_number - last_content >= blank_run:
                stopped = True
        elif name == _F:
            formula = "".join(text)
            collecting = False
        elif name == _T:
            if collecting and inline is not None:
                inline.append("".join(text))
            collecting = False
        elif name == _RPH:
            in_rph = False

    def characters(data: str) -> None:
        if collecting:
            text.append(data)

    parser = _parser(start, end, characters)
    handle = package.archive.open(part)
    done = False

    def finish() -> None:
        """Read the rest for merged ranges only, after the caller stopped taking rows."""
        nonlocal done
        if done:
            return
        done = True

        def merge_only(name: str, attrs: dict[str, str]) -> None:
            if name == _MERGE:
                merged.append(attrs.get("ref", ""))

        parser.StartElementHandler = merge_only
        parser.EndElementHandler = None
        parser.CharacterDataHandler = None
        try:
            _feed_all(parser, handle)
        finally:
            handle.close()

    def rows() -> Iterator[tuple[int, dict[int, Cell]]]:
        nonlocal done
        while True:
            chunk = handle.read(FEED_BYTES)
            try:
                parser.Parse(chunk, not chunk)
            except pyexpat.ExpatError as exc:
                raise XlsxError(f"{part}: {exc}") from exc
            if ready:
                yield from ready
                ready.clear()
            if not chunk:
                done = True
                handle.close()
                return
            if stopped:
                finish()
                return

    return rows(), finish


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
_ROW_NUMBER = re.compile(rb"""(?:^|\s)r\s*=\s*["'](\d+)["']""")
# A cell as Excel, LibreOffice and openpyxl write it (address, style, type in that order; a lone <v> or other
# content), else any cell, whose attributes are then read one by one.
_CELL_RE = re.compile(
    rb'\s*<c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="([A-Za-z]+)")?\s*(?:/>|><v>([^<&]*)</v></c>|>(.*?)</c>)'
    rb"|\s*<c\b([^>]*?)(?:/>|>(.*?)</c>)",
    re.DOTALL,
)
# The cells Excel, LibreOffice and openpyxl write for plain values: styled but empty (`<c r="M8" s="8"/>`),
# a lone value (`<c r="L8" s="6"><v>88.5</v></c>`, `t="s"` for a shared string), or a formula without
# attributes, with or without its result. `_plain_row` reads a row of only such cells with one findall
# instead of a match object per cell; any other row goes through `_row`'s loop.
_PLAIN_CELLS = re.compile(
    rb'<c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="([A-Za-z]+)")?(?:/>|>(?:<v>([^<&]+)</v>|(<f>)[^<]*</f>'
    rb"(<v>[^<&]*</v>)?)</c>)"
)
# A row whose cells are all `<c r="A16"><v>2</v></c>`: no style, no type, no formula.
_WHOLE_NUMBER_CELL = re.compile(rb'<c r="([A-Z]{1,3})\d+"><v>(\d+)</v></c>')
_WHOLE_NUMBERS_ROW = re.compile(rb'(?:\s*<c r="[A-Z]{1,3}\d+"><v>\d+</v></c>)+\s*')
# A run of such rows, each cell addressed in its own row (the meta table as exported, or saved by Excel), and
# its parts: a row's number, or a cell's column letters and digits.
_NUMBER_ROWS = re.compile(
    rb'(?:\s*<row r="(\d+)"[^>]*(?<!/)>(?:<c r="[A-Z]{1,3}\1"><v>\d+</v></c>)+</row>)+'
)
# The commonest such run, the meta table as exported: rows of four whole numbers in A-D, read a row per match.
_ABCD_CELLS = rb"".join(rb'<c r="%s\1"><v>(\d+)</v></c>' % letter for letter in (b"A", b"B", b"C", b"D"))
_ABCD_ROW = re.compile(rb'\s*<row r="(\d+)"[^>]*(?<!/)>' + _ABCD_CELLS + rb"</row>")
_ABCD_ROWS = re.compile(rb'(?:\s*<row r="(\d+)"[^>]*(?<!/)>' + _ABCD_CELLS.replace(b"(\\d+)", b"\\d+") + rb"</row>)+")
_NUMBER_ROW_PARTS = re.compile(rb'<row r="(\d+)"|<c r="([A-Z]{1,3})\d+"><v>(\d+)</v></c>')
_ANY_ATTR = re.compile(rb"""\s*([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')\s*""")
_INNER = re.compile(
    rb"\s*(?P<f><f\b[^>]*?(?:/>|>(?P<formula>[^<]*)</f>))?\s*(?:<v\b[^>]*?(?:/>|>(?P<v>[^<]*)</v>))?"
    rb"\s*(?P<is><is\b[^>]*?(?:/>|>(?P<inline>.*?)</is>))?\s*",
    re.DOTALL,
)
_PHONETIC = re.compile(rb"<rPh\b.*?</rPh>", re.DOTALL)
_INLINE_T = re.compile(rb"<t\b[^>]*?(?:/>|>([^<]*)</t>)")
_MERGE_RE = re.compile(rb"""<mergeCell\b[^>]*?\bref\s*=\s*["']([^"']+)["']""")
_KINDS = {None: "n", b"n": "n", b"s": "s", b"str": "str", b"b": "b", b"e": "e", b"inlineStr": "inlineStr", b"d": "d"}
_SHEET_DATA_END = b"</sheetData>"
_DEFAULT_NS = b'xmlns="' + MAIN.encode() + b'"'


def _plain_prolog(prolog: bytes) -> bool:
    """UTF-8, and the root's default namespace is SpreadsheetML's (no prefixes to resolve)."""
    if prolog.startswith((b"\xff\xfe", b"\xfe\xff")) or _DEFAULT_NS not in prolog:
        return False
    declared = re.match(rb"""(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']+)["']""", prolog)
    return declared is None or declared.group(1).lower() in (b"utf-8", b"utf8")


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
        self.columns: dict[bytes, int] = {}
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
                end = (self.buffer[-len(_SHEET_DATA_END):] + chunk).find(_SHEET_DATA_END)
                if end >= 0:
                    cut = end + len(_SHEET_DATA_END) - min(len(self.buffer), len(_SHEET_DATA_END))
                    parser.Parse(chunk[:cut], False)
                    chunk = chunk[cut:]
                    self.after_data = True
                    parser.StartElementHandler = self._merge
                self.buffer = (self.buffer + chunk)[-len(_SHEET_DATA_END):] if not self.after_data else b""
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
                block = _NUMBER_ROWS.match(data, position)
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
            if stripped.startswith(_SHEET_DATA_END):
                self.close()
                return
            if stripped and not (stripped.startswith(b"<row") or b"<row".startswith(stripped)
                                 or _SHEET_DATA_END.startswith(stripped)):
                raise _Fallback
            if not chunk:
                raise _Fallback  # the XML ended inside sheetData: expat has refused it already
            if len(rest) > 16 * FEED_BYTES:
                raise _Fallback  # one row bigger than this is not a row we expect
            carry = rest

    def _row(self, attributes: bytes, body: bytes | None) -> tuple[int, dict[int, Any]] | None:
        number_match = _ROW_NUMBER.search(attributes)
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
        if b"=" not in body.replace(b' r="', b"") and _WHOLE_NUMBERS_ROW.fullmatch(body):
            return self._whole_numbers(number, body)
        plain = self._plain_row(number, body)
        if plain is not None:
            return (number, plain) if plain else None
        cells: dict[int, Any] = {}
        columns, max_col, values = self.columns, self.max_col, self.values
        plain_styles = self.plain_styles
        unread = self.unread_columns if number > self.unread_after else ()
        position = 0
        for cell in _CELL_RE.finditer(body):
            if cell.start() != position:
                raise _Fallback
            position = cell.end()
            letters, style_text, kind_text, simple, inner, generic, generic_inner = cell.groups()
            if letters is not None:
                if simple is None and not inner:
                    continue  # styled but empty (an inline string without <is> reads as empty too)
                column = columns.get(letters)
                if column is None:
                    column = columns[letters] = column_number(letters.decode())
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
                kind = _KINDS.get(kind_text) or _text(kind_text)
            else:
                letters, kind, style = self._attributes(generic)
                inner, simple = generic_inner, None
                column = columns.get(letters)
                if column is None:
                    column = columns[letters] = column_number(letters.decode())
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
        """The cells of a row of `_PLAIN_CELLS` only, as `_row` reads them; None when the row has anything
        else, or a cell needs `_row`'s loop (a date or percentage style, a type other than a shared string,
        a formula in a column that is read).

        The row holds nothing but the cells found when its `<` are exactly theirs (the XML is well formed:
        every `<` starts a tag); text between cells is ignored, as expat would."""
        cells: dict[int, Any] = {}
        columns, max_col, plain_styles = self.columns, self.max_col, self.plain_styles
        unread = self.unread_columns if number > self.unread_after else ()
        found = _PLAIN_CELLS.findall(body)
        tags = len(found)  # the `<` of the cells found: <c …/>, or <c …> <v> </v> </c>, or <c …> <f> </f> [<v> </v>] </c>
        for letters, style_text, kind_text, simple, formula, formula_value in found:
            if not (simple or formula):
                continue  # styled but empty
            tags += 5 if formula_value else 3
            column = columns.get(letters)
            if column is None:
                column = columns[letters] = column_number(letters.decode())
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
        """The rows of a `_NUMBER_ROWS` run, as `_row` reads each of them (None for a row with no cell kept)."""
        rows: list[tuple[int, dict[int, Any]] | None] = []
        if self.max_col >= 4 and _ABCD_ROWS.fullmatch(data, start, end):
            last = self.last_row
            for row_text, a, b, c, d in _ABCD_ROW.findall(data, start, end):
                number = int(row_text)
                if number <= last or number > MAX_ROW:
                    raise XlsxError(f"행 번호 {number}가 순서에 맞지 않습니다", cell=f"{self.title}!A{number}")
                last = number
                rows.append((number, {1: int(a), 2: int(b), 3: int(c), 4: int(d)}))
            self.last_row = last
            return rows
        columns, max_col = self.columns, self.max_col
        cells: dict[int, Any] = {}
        number = 0
        for row_text, letters, digits in _NUMBER_ROW_PARTS.findall(data, start, end):
            if row_text:
                if number:
                    rows.append((number, cells) if cells else None)
                number = int(row_text)
                if number <= self.last_row or number > MAX_ROW:
                    raise XlsxError(f"행 번호 {number}가 순서에 맞지 않습니다", cell=f"{self.title}!A{number}")
                self.last_row = number
                cells = {}
                continue
            column = columns.get(letters)
            if column is None:
                column = columns[letters] = column_number(letters.decode())
            if column <= max_col:
                cells[column] = int(digits)
        if number:
            rows.append((number, cells) if cells else None)
        return rows

    def _whole_numbers(self, number: int, body: bytes) -> tuple[int, dict[int, Any]] | None:
        """A row of unstyled whole numbers (the meta table): one expression for the row, no loop per match."""
        columns, max_col = self.columns, self.max_col
        cells: dict[int, Any] = {}
        for letters, digits in _WHOLE_NUMBER_CELL.findall(body):
            column = columns.get(letters)
            if column is None:
                column = columns[letters] = column_number(letters.decode())
            if column <= max_col:
                cells[column] = int(digits)
        return (number, cells) if cells else None

    def _where(self, letters: bytes, number: int) -> Callable[[], str]:
        return lambda: f"{self.title}!{letters.decode()}{number}"

    def _attributes(self, text: bytes) -> tuple[bytes, str, int]:
        found: dict[bytes, bytes] = {}
        position = 0
        for attribute in _ANY_ATTR.finditer(text):
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
        parts = _INNER.fullmatch(inner)
        if parts is None:
            raise _Fallback
        formula = _text(parts["formula"] or b"") if parts["f"] is not None else None
        inline = None
        if parts["is"] is not None:
            content = _PHONETIC.sub(b"", parts["inline"] or b"")
            inline = "".join(_text(t) for t in _INLINE_T.findall(content))
        return self.values.cell(kind, parts["v"], style, inline, formula, ref)
