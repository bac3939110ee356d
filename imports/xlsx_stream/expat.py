"""The expat path: any well-formed sheet, element by element."""
from __future__ import annotations

import pyexpat
from collections.abc import Iterator

from imports.xlsx_stream.base import (
    _C,
    _F,
    _IS,
    _MERGE,
    _ROW,
    _RPH,
    _T,
    _V,
    FEED_BYTES,
    MAX_ROW,
    Cell,
    Package,
    XlsxError,
    _feed_all,
    _parser,
    _Values,
    column_number,
)

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
