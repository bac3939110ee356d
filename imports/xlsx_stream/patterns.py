"""The regular expressions of the fast path (`fast.py`): rows, cells and their parts as the usual writers
write them."""
from __future__ import annotations

import re

from imports.xlsx_stream.base import MAIN

ROW_NUMBER = re.compile(rb"""(?:^|\s)r\s*=\s*["'](\d+)["']""")
# A cell as Excel, LibreOffice and openpyxl write it (address, style, type in that order; a lone <v> or other
# content), else any cell, whose attributes are then read one by one.
CELL_RE = re.compile(
    rb'\s*<c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="([A-Za-z]+)")?\s*(?:/>|><v>([^<&]*)</v></c>|>(.*?)</c>)'
    rb"|\s*<c\b([^>]*?)(?:/>|>(.*?)</c>)",
    re.DOTALL,
)
# The cells Excel, LibreOffice and openpyxl write for plain values: styled but empty (`<c r="M8" s="8"/>`),
# a lone value (`<c r="L8" s="6"><v>88.5</v></c>`, `t="s"` for a shared string), or a formula without
# attributes, with or without its result. `_plain_row` reads a row of only such cells with one findall
# instead of a match object per cell; any other row goes through `_row`'s loop.
PLAIN_CELLS = re.compile(
    rb'<c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="([A-Za-z]+)")?(?:/>|>(?:<v>([^<&]+)</v>|(<f>)[^<]*</f>'
    rb"(<v>[^<&]*</v>)?)</c>)"
)
# A row whose cells are all `<c r="A16"><v>2</v></c>`: no style, no type, no formula.
WHOLE_NUMBER_CELL = re.compile(rb'<c r="([A-Z]{1,3})\d+"><v>(\d+)</v></c>')
WHOLE_NUMBERS_ROW = re.compile(rb'(?:\s*<c r="[A-Z]{1,3}\d+"><v>\d+</v></c>)+\s*')
# A run of such rows, each cell addressed in its own row (the meta table as exported, or saved by Excel), and
# its parts: a row's number, or a cell's column letters and digits.
NUMBER_ROWS = re.compile(
    rb'(?:\s*<row r="(\d+)"[^>]*(?<!/)>(?:<c r="[A-Z]{1,3}\1"><v>\d+</v></c>)+</row>)+'
)
NUMBER_ROW_PARTS = re.compile(rb'<row r="(\d+)"|<c r="([A-Z]{1,3})\d+"><v>(\d+)</v></c>')
ANY_ATTR = re.compile(rb"""\s*([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')\s*""")
INNER = re.compile(
    rb"\s*(?P<f><f\b[^>]*?(?:/>|>(?P<formula>[^<]*)</f>))?\s*(?:<v\b[^>]*?(?:/>|>(?P<v>[^<]*)</v>))?"
    rb"\s*(?P<is><is\b[^>]*?(?:/>|>(?P<inline>.*?)</is>))?\s*",
    re.DOTALL,
)
PHONETIC = re.compile(rb"<rPh\b.*?</rPh>", re.DOTALL)
INLINE_T = re.compile(rb"<t\b[^>]*?(?:/>|>([^<]*)</t>)")
KINDS = {None: "n", b"n": "n", b"s": "s", b"str": "str", b"b": "b", b"e": "e", b"inlineStr": "inlineStr", b"d": "d"}
SHEET_DATA_END = b"</sheetData>"
DEFAULT_NS = b'xmlns="' + MAIN.encode() + b'"'
