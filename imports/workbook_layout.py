"""Shape of the actuals workbook, shared by the exporter and the reader.

The visible sheet `실적입력` has a fixed block of locked columns (A–J), then one pair of columns per
formula variable ("입력항목 k" locked label, "값 k" editable value), then the computed value (a live
Excel formula) and an editable note. A year reported by period (`period_count` 4 or 2) has the labels
once, then per period its value columns and its computed value, then the year value (a live formula
applying the indicator's rule, `kpis.period_rules.year_formula`) and the note. The hidden `_meta` sheet is the only thing the reader trusts:
its cell values (not its hidden state, protection or validation, which other editors may drop).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.utils.crypto import salted_hmac
from openpyxl.utils import get_column_letter

from kpis.period_rules import period_label

# Raised whenever a column moves or the meaning of a meta field changes: older files are refused.
TEMPLATE_VERSION = 3
KIND_ACTUALS = "actuals"
KIND_PLAN = "plan"

DATA_SHEET = "실적입력"
HELP_SHEET = "안내"
META_SHEET = "_meta"

TITLE_ROW = 1
INFO_ROW = 2
HINT_ROW = 3
HEADER_ROW = 5
FIRST_DATA_ROW = HEADER_ROW + 1

# Fixed, locked columns (1-based).
COL_ID = 1  # A 지표ID
COL_DEPARTMENT = 2  # B 부서
COL_NAME = 3  # C 성과지표
COL_UNIT = 4  # D 단위
COL_KIND = 5  # E 유형
COL_WEIGHT = 6  # F 가중치
COL_FORMULA = 7  # G 측정산식
COL_TARGET = 8  # H 목표
COL_PREVIOUS = 9  # I 전년도 실적
COL_STATUS = 10  # J 상태
FIRST_SLOT_COL = 11  # K: label of input 1, L: value of input 1, …

FIXED_HEADERS = {
    COL_ID: "지표ID",
    COL_DEPARTMENT: "부서",
    COL_NAME: "성과지표",
    COL_UNIT: "단위",
    COL_KIND: "유형",
    COL_WEIGHT: "가중치",
    COL_FORMULA: "측정산식 또는 측정방법",
    COL_TARGET: "목표",  # the exporter appends the year: 목표(2025)
    COL_PREVIOUS: "전년도 실적",
    COL_STATUS: "상태",
}
FIXED_WIDTHS = {
    COL_ID: 8, COL_DEPARTMENT: 14, COL_NAME: 36, COL_UNIT: 7, COL_KIND: 6, COL_WEIGHT: 7,
    COL_FORMULA: 26, COL_TARGET: 12, COL_PREVIOUS: 12, COL_STATUS: 9,
}
SLOT_LABEL_WIDTH = 16
SLOT_VALUE_WIDTH = 13
COMPUTED_WIDTH = 13
NOTE_WIDTH = 30

DIRECT_LABEL = "실적"  # label of the single value column of an indicator without a formula

# A workbook can hold at most this many data rows (a synthetic province has 10,000 indicators); every row
# down to DATA_ROW_LIMIT is read, and anything below it refuses the file.
MAX_DATA_ROWS = 200_000
DATA_ROW_LIMIT = HEADER_ROW + MAX_DATA_ROWS

# _meta: key/value pairs in A/B from row 1, then a table of rows.
META_KEYS = (
    "template_version", "kind", "department_id", "department_name", "year", "exported_at",
    "exported_by", "slot_count", "row_count", "years", "signature", "period_count",
)
# Keys signed only when set: a file exported before they existed (a yearly workbook, any plan workbook) still
# verifies. period_count: the periods of the year (4, 2); absent or 0 for a year reported by year only.
OPTIONAL_META_KEYS = frozenset({"period_count"})
META_TABLE_HEADER_ROW = 14
# A row of the table is one text cell in column A: these four whole numbers joined by "|" (fingerprints are
# 48-bit integers). One cell instead of four is a quarter of what a reader parses for the table.
META_COLUMNS = ("indicator_id", "row_key", "plan_fingerprint", "actual_version")
META_SEPARATOR = "|"
META_ID, META_ROW_KEY, META_PLAN, META_VERSION = range(4)


def meta_text(values: tuple[int, int, int, int]) -> str:
    """The table cell of one row: '12|281474976710655|93824992236885|3'."""
    return META_SEPARATOR.join(str(value) for value in values)


@dataclass(frozen=True)
class SlotColumns:
    label: int
    value: int


@dataclass(frozen=True)
class Block:
    """The cells of one actual in a row: the year's (period 0), or one period's, with its computed value."""

    period: int
    slots: list[SlotColumns]
    computed: int


@dataclass(frozen=True)
class Layout:
    """Column positions of one workbook, derived from its number of input slots and of periods (0: by year)."""

    slot_count: int
    period_count: int = 0

    def slot(self, index: int) -> SlotColumns:
        if self.period_count:
            return self.blocks[0].slots[index]
        label = FIRST_SLOT_COL + 2 * index
        return SlotColumns(label=label, value=label + 1)

    @cached_property
    def slots(self) -> list[SlotColumns]:
        """The slots of the first block (of the year, or of the first period)."""
        return [self.slot(i) for i in range(self.slot_count)]

    @cached_property
    def blocks(self) -> list[Block]:
        if not self.period_count:
            return [Block(0, self.slots, self.computed_col)]
        blocks = []
        for period in range(1, self.period_count + 1):
            start = FIRST_SLOT_COL + self.slot_count + (period - 1) * (self.slot_count + 1)
            slots = [SlotColumns(label=FIRST_SLOT_COL + i, value=start + i) for i in range(self.slot_count)]
            blocks.append(Block(period, slots, start + self.slot_count))
        return blocks

    @property
    def computed_col(self) -> int:
        """The year value: computed from the inputs, or (by period) from the periods' computed values."""
        if self.period_count:
            return FIRST_SLOT_COL + self.slot_count + self.period_count * (self.slot_count + 1)
        return FIRST_SLOT_COL + 2 * self.slot_count

    @cached_property
    def formula_cols(self) -> frozenset[int]:
        """The columns holding our own live formulas (recomputed on the server, never read as typed)."""
        return frozenset({self.computed_col, *(block.computed for block in self.blocks)})

    @property
    def note_col(self) -> int:
        return self.computed_col + 1

    @property
    def last_col(self) -> int:
        return self.note_col

    def width(self, column: int) -> int:
        if column in FIXED_WIDTHS:
            return FIXED_WIDTHS[column]
        if column in self.formula_cols:
            return COMPUTED_WIDTH
        if column == self.note_col:
            return NOTE_WIDTH
        labels = {slot.label for slot in self.blocks[0].slots}
        return SLOT_LABEL_WIDTH if column in labels else SLOT_VALUE_WIDTH

    def headers(self, year: int) -> dict[int, str]:
        headers = dict(FIXED_HEADERS)
        headers[COL_TARGET] = f"목표({year})"
        headers[COL_PREVIOUS] = f"전년도 실적({year - 1})"
        for block in self.blocks:
            prefix = f"{period_label(block.period, self.period_count)} " if block.period else ""
            for number, slot in enumerate(block.slots, start=1):
                headers[slot.label] = f"입력항목{number}"
                headers[slot.value] = f"{prefix}값{number}"
            if block.period:
                headers[block.computed] = f"{prefix}실적"
        headers[self.computed_col] = f"실적(계산값, {year})"
        headers[self.note_col] = "비고"
        return headers


def address(column: int, row: int, sheet: str = DATA_SHEET) -> str:
    """'실적입력!F7'."""
    return f"{sheet}!{get_column_letter(column)}{row}"


def cell_ref(column: int, row: int) -> str:
    return f"{get_column_letter(column)}{row}"


def number_text(value) -> str:
    """A number as fingerprints and signatures see it: 6.0000 and 6 are the same figure."""
    if value is None or value == "":
        return ""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return format(number.normalize(), "f")


def short_hash(text: str) -> int:
    """48 bits of SHA-256 as an integer: below 2**53, so a spreadsheet keeps it exactly."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:6], "big")  # the first 12 hex digits


def row_key(indicator_id: int, name: str) -> int:
    """Ties a row's id to the name shown beside it: an edited id no longer matches its name."""
    return short_hash(f"{indicator_id}|{name}")


def plan_fingerprint(*, target, weight, method_text: str) -> int:
    """What the row showed of the plan; a change on the server since export makes the row stale."""
    return short_hash(f"{number_text(target)}|{number_text(weight)}|{method_text or ''}")


class MetaSigner:
    """HMAC over the meta values, fed row by row, so an edited version or id in `_meta` is detected."""

    def __init__(self, header: dict[str, object]) -> None:
        self.mac = salted_hmac("imports.workbook_layout.meta", "", algorithm="sha256")
        for key in META_KEYS:
            value = canonical(header.get(key))
            if key == "signature" or (key in OPTIONAL_META_KEYS and value in ("", "0")):
                continue
            self.mac.update(f"{key}={value}\n".encode())

    def add(self, row: tuple) -> None:
        self.mac.update(("|".join(canonical(value) for value in row) + "\n").encode())

    def add_texts(self, texts: tuple[str, ...]) -> None:
        """`add` for values already made canonical."""
        self.mac.update(("|".join(texts) + "\n").encode())

    def hexdigest(self) -> str:
        return self.mac.hexdigest()


def meta_signature(header: dict[str, object], rows: list[tuple]) -> str:
    signer = MetaSigner(header)
    for row in rows:
        signer.add(row)
    return signer.hexdigest()


def canonical(value) -> str:
    """Meta values as text, whatever type an editor gave them back (1 / 1.0 / '1' → '1')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
