"""The hidden `_meta` sheet of an exported workbook: its key/value header, the per-row table (indicator id,
row key, plan fingerprint, actual version) and whether its signature holds."""
from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from imports import workbook_layout as L
from imports.readers import WorkbookRefused, is_blank


class MetaRows(Mapping[int, tuple[int, int, int]]):
    """indicator id → (row key, plan fingerprint, actual version), in four arrays sorted by id.

    32 bytes a row instead of a dict of tuples (about 200): a 100,000-row workbook's meta table
    stays a few megabytes. `seen` records, per meta row, the sheet row that used it.
    """

    def __init__(self, rows: list[tuple[int, int, int, int]] | None = None) -> None:
        self._ids = array("q")
        self._values = array("q")
        self.seen = array("l")
        for row in sorted(rows or ()):
            self.append(row)

    @classmethod
    def build(cls, ids: array, values: array) -> MetaRows:
        order = sorted(range(len(ids)), key=ids.__getitem__)
        rows = cls()
        rows._ids = array("q", (ids[i] for i in order))
        rows._values = array("q", (values[3 * i + k] for i in order for k in range(3)))
        rows.seen = array("l", bytes(rows.seen.itemsize * len(order)))
        return rows

    def append(self, row: tuple[int, int, int, int]) -> None:
        self._ids.append(row[0])
        self._values.extend(row[1:])
        self.seen.append(0)

    def index(self, indicator_id: int) -> int:
        position = bisect_left(self._ids, indicator_id)
        if position < len(self._ids) and self._ids[position] == indicator_id:
            return position
        return -1

    def at(self, position: int) -> tuple[int, int, int]:
        return self._values[3 * position], self._values[3 * position + 1], self._values[3 * position + 2]

    def __getitem__(self, indicator_id: int) -> tuple[int, int, int]:
        position = self.index(indicator_id)
        if position < 0:
            raise KeyError(indicator_id)
        return self.at(position)

    def __contains__(self, indicator_id: object) -> bool:
        return isinstance(indicator_id, int) and self.index(indicator_id) >= 0

    def __iter__(self) -> Iterator[int]:
        return iter(self._ids)

    @property
    def ids(self) -> array:
        """The indicator ids, sorted (the array itself: do not change it)."""
        return self._ids

    def __len__(self) -> int:
        return len(self._ids)


@dataclass
class MetaSheet:
    meta: dict[str, str]  # the key/value header
    rows: MetaRows  # indicator id → (row key, plan fingerprint, actual version)
    signed: bool  # the HMAC over everything read matches the recorded signature


def read_meta(wb) -> MetaSheet:
    """The `_meta` sheet of a workbook opened with openpyxl (the plan workbook)."""
    if L.META_SHEET not in wb.sheetnames:
        raise WorkbookRefused(NO_META)
    ws = wb[L.META_SHEET]
    ws.reset_dimensions()
    return meta_from_rows(enumerate(ws.iter_rows(max_col=len(L.META_COLUMNS), values_only=True), start=1))


NO_META = (
    f"이 시스템에서 내려받은 실적 파일이 아닙니다 ('{L.META_SHEET}' 시트가 없습니다). 실적 파일을 새로 내려받아 입력하세요."
)


def meta_from_rows(rows: Iterable[tuple[int, tuple]]) -> MetaSheet:
    """Header, rows as integers, and whether the signature holds, from (row number, values) in order.

    Rows missing from the sheet count as empty rows: reading stops after a run of them.
    """
    meta: dict[str, str] = {}
    ids, values = array("q"), array("q")
    signer = None
    pending: list[str] = []  # signed lines not yet fed to the signer (fed a thousand at a time, in order)
    malformed = False
    empty_run = 0
    last = L.META_TABLE_HEADER_ROW
    for number, row in rows:
        if number <= len(L.META_KEYS):
            key = L.canonical(row[0])
            if key:
                meta[key] = L.canonical(row[1]) if len(row) > 1 else ""
            continue
        if number <= L.META_TABLE_HEADER_ROW:
            continue
        if signer is None:
            signer = L.MetaSigner({key: meta.get(key, "") for key in L.META_KEYS})
        empty_run += max(0, number - last - 1)
        last = number
        if empty_run >= L.EMPTY_ROW_LIMIT:
            break
        if len(row) == 4:
            indicator_id, row_key, plan, version = row
            if (indicator_id.__class__ is int and row_key.__class__ is int and plan.__class__ is int
                    and version.__class__ is int and min(row) >= 0):
                empty_run = 0
                pending.append(f"{indicator_id}|{row_key}|{plan}|{version}\n")  # what canonical() gives for whole numbers
                if len(pending) == 1000:
                    signer.add_lines(pending)
                    pending.clear()
                ids.append(indicator_id)
                values.append(row_key)
                values.append(plan)
                values.append(version)
                if len(ids) > L.MAX_DATA_ROWS:
                    raise WorkbookRefused(f"'{L.META_SHEET}' 시트의 행이 너무 많습니다.")
                continue
        if all(is_blank(value) for value in row):
            empty_run += 1
            if empty_run >= L.EMPTY_ROW_LIMIT:
                break
            continue
        empty_run = 0
        signer.add_lines(pending)
        pending.clear()
        texts = tuple(map(L.canonical, row))
        signer.add_texts(texts)
        try:
            indicator_id, row_key, plan, version = (int(text) if text.isdigit() else -1 for text in texts)
        except ValueError:  # not four values
            indicator_id = row_key = plan = version = -1
        if min(indicator_id, row_key, plan, version) < 0:
            malformed = True
        else:
            ids.append(indicator_id)
            values.extend((row_key, plan, version))
        if len(ids) > L.MAX_DATA_ROWS:
            raise WorkbookRefused(f"'{L.META_SHEET}' 시트의 행이 너무 많습니다.")
    if signer is None:
        signer = L.MetaSigner({key: meta.get(key, "") for key in L.META_KEYS})
    signer.add_lines(pending)
    return MetaSheet(
        meta=meta, rows=MetaRows.build(ids, values),
        signed=not malformed and signer.hexdigest() == meta.get("signature"),
    )
