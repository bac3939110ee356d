"""Previewed rows of a run (ImportRow): written a chunk at a time, read a chunk or a page at a time."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from core.bulk import bulk_insert
from imports.models import ImportRow, ImportRun

CHUNK = 2000
PAGE_SIZE = 500  # rows per page of the preview page and the API
UNCHANGED = "unchanged"
RowWriter = Callable[[list[dict[str, Any]]], None]


def row_writer(run: ImportRun) -> RowWriter:
    """Writes previewed rows to ImportRow (`core.bulk.bulk_insert`), numbered in reading order."""
    position = 0

    def write(entries: list[dict[str, Any]]) -> None:
        nonlocal position
        bulk_insert(ImportRow, [
            ImportRow(run=run, position=position + offset, row=entry["row"], status=entry["status"], data=entry)
            for offset, entry in enumerate(entries)
        ])
        position += len(entries)

    return write


def memory_writer(rows: list[dict[str, Any]]) -> RowWriter:
    """`row_writer` for a dry run: the rows are kept in `rows`."""
    return rows.extend


def run_rows(run: ImportRun, *, statuses: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
    """Every previewed row of a run in reading order, fetched CHUNK rows per query (keyset on position).

    A dry run that was never stored yields the rows it kept in memory.
    """
    wanted = set(statuses) if statuses is not None else None
    if run.pk is None:
        yield from (row for row in getattr(run, "unsaved_rows", []) if wanted is None or row["status"] in wanted)
        return
    rows = ImportRow.objects.filter(run_id=run.pk)
    if wanted is not None:
        rows = rows.filter(status__in=sorted(wanted))
    last = -1
    while True:
        chunk = list(rows.filter(position__gt=last).order_by("position").values_list("position", "data")[:CHUNK])
        for position, data in chunk:
            last = position
            yield data
        if len(chunk) < CHUNK:
            return


def run_rows_page(run: ImportRun, *, page: int = 1, size: int = PAGE_SIZE, include_unchanged: bool = True,
                  status: str | None = None) -> dict[str, Any]:
    """One page of a run's rows (for the preview page and the API), with what a pager needs."""
    rows = run.row_set.all()
    if status:
        rows = rows.filter(status=status)
    elif not include_unchanged:
        rows = rows.exclude(status=UNCHANGED)
    count = rows.count()
    pages = max(1, -(-count // size))
    page = min(max(1, page), pages)
    start = (page - 1) * size
    return {
        "rows": list(rows.order_by("position").values_list("data", flat=True)[start : start + size]),
        "page": page, "pages": pages, "count": count, "page_size": size,
    }
