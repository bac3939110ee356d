"""The hidden `_meta` sheet of an exported workbook: its key/value header, the per-row table (indicator id,
row key, plan fingerprint, actual version) and whether its signature holds."""
from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from core.numbers import whole_number
from imports import workbook_layout as L
from imports.uploads import WorkbookRefused
from imports.workbook_cells import sheet_rows

NO_META = (
    f"이 시스템에서 내려받은 실적 파일이 아닙니다 ('{L.META_SHEET}' 시트가 없습니다). 실적 파일을 새로 내려받아 입력하세요."
)
META_ROW_LIMIT = L.META_TABLE_HEADER_ROW + L.MAX_DATA_ROWS


class MetaRows(Mapping[int, tuple[int, int, int]]):
    """indicator id → (row key, plan fingerprint, actual version), in two arrays sorted by id.

    32 bytes a row instead of a dict of tuples (about 200), so that a 100,000-row workbook's table stays a
    few megabytes. `seen` records, per row of the table, the sheet row that used it (0: none yet). A workbook
    by period records one version per period (`versions`); `at` gives the first.
    """

    def __init__(self, ids: array, values: array, *, stride: int = 3) -> None:
        """`ids[i]` and `values[stride*i:stride*(i+1)]` in the sheet's order; kept sorted by id."""
        order = sorted(range(len(ids)), key=ids.__getitem__)
        self.stride = stride
        self._ids = array("q", (ids[i] for i in order))
        self._values = array("q", (values[stride * i + k] for i in order for k in range(stride)))
        self.seen = array("l", bytes(array("l").itemsize * len(order)))

    def index(self, indicator_id: int) -> int:
        position = bisect_left(self._ids, indicator_id)
        if position < len(self._ids) and self._ids[position] == indicator_id:
            return position
        return -1

    def at(self, position: int) -> tuple[int, int, int]:
        start = self.stride * position
        return self._values[start], self._values[start + 1], self._values[start + 2]

    def versions(self, position: int) -> tuple[int, ...]:
        """The actual versions of the row: one, or one per period."""
        start = self.stride * position
        return tuple(self._values[start + 2 : start + self.stride])

    def __getitem__(self, indicator_id: int) -> tuple[int, int, int]:
        position = self.index(indicator_id)
        if position < 0:
            raise KeyError(indicator_id)
        return self.at(position)

    def __contains__(self, indicator_id: object) -> bool:
        return isinstance(indicator_id, int) and self.index(indicator_id) >= 0

    def __iter__(self) -> Iterator[int]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


@dataclass
class MetaSheet:
    meta: dict[str, str]  # the key/value header
    rows: MetaRows  # indicator id → (row key, plan fingerprint, actual version)
    signed: bool  # the HMAC over everything read matches the recorded signature


def read_meta(wb) -> MetaSheet:
    """The `_meta` sheet of a workbook opened with `imports.uploads.open_workbook`."""
    if L.META_SHEET not in wb.sheetnames:
        raise WorkbookRefused(NO_META)
    rows = sheet_rows(wb[L.META_SHEET], max_col=2, row_limit=META_ROW_LIMIT)
    return meta_from_rows((number, tuple(cell.value for cell in cells)) for number, cells in rows)


def meta_from_rows(rows: Iterable[tuple[int, tuple]]) -> MetaSheet:
    """Header, table and whether the signature holds, from the sheet's non-blank (row number, values)."""
    meta: dict[str, str] = {}
    ids, others = array("q"), array("q")  # the table as read, a few bytes a row
    signer = None
    malformed = False
    width = len(L.META_COLUMNS)  # id, key, fingerprint, then one version (or one per period)
    for number, values in rows:
        if number <= len(L.META_KEYS):
            key = L.canonical(values[0])
            if key:
                meta[key] = L.canonical(values[1]) if len(values) > 1 else ""
            continue
        if number <= L.META_TABLE_HEADER_ROW:
            continue
        if signer is None:
            signer = L.MetaSigner({key: meta.get(key, "") for key in L.META_KEYS})
            width = len(L.META_COLUMNS) - 1 + max(1, whole_number(meta.get("period_count"), high=4) or 0)
        texts = tuple(L.canonical(values[0]).split(L.META_SEPARATOR)) if values else ()
        if len(values) > 1 and L.canonical(values[1]):
            malformed = True  # the table has one column
        signer.add_texts(texts)
        numbers = tuple(whole_number(text) for text in texts)
        if len(numbers) != width or None in numbers:
            malformed = True
        else:
            ids.append(numbers[0])
            others.extend(numbers[1:])
    if signer is None:
        signer = L.MetaSigner({key: meta.get(key, "") for key in L.META_KEYS})
    return MetaSheet(meta=meta, rows=MetaRows(ids, others, stride=width - 1), signed=not malformed and signer.hexdigest() == meta.get("signature"))
