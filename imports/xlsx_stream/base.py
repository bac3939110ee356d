"""What both ways of reading a sheet share: the package's parts, the cell values, the errors."""
from __future__ import annotations

import html
import posixpath
import pyexpat
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
        from imports.xlsx_stream.fast import (
            sheet_rows,  # the fast path falls back on the expat one; both use this module
        )

        return sheet_rows(self, part, title, max_col, blank_run, unread_formulas)


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
