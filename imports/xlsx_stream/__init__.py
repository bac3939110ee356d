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

from imports.xlsx_stream.base import (
    FEED_BYTES,
    MAIN,
    MAX_COLUMN,
    MAX_ROW,
    NOTHING_UNREAD,
    Cell,
    Package,
    SheetRows,
    Styles,
    Unread,
    XlsxError,
    cell_of,
    column_number,
    value_of,
)

__all__ = [
    "FEED_BYTES", "MAIN", "MAX_COLUMN", "MAX_ROW", "NOTHING_UNREAD", "Cell", "Package", "SheetRows", "Styles", "Unread",
    "XlsxError", "cell_of", "column_number", "value_of",
]
