"""Previewed rows of a run (ImportRow): written a chunk at a time, read a chunk or a page at a time."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from imports.actuals_rows import ENTRY_DEFAULTS
from imports.bulk import bulk_insert
from imports.models import ImportKind, ImportRow, ImportRun

CHUNK = 2000
PAGE_SIZE = 500  # rows per page of the preview page and the API
UNCHANGED = "unchanged"
# Per kind of run, the fields its rows leave out when they hold these values: every reader here gives the
# rows back with all of them.
_DEFAULTS_BY_KIND = {ImportKind.ACTUALS_WORKBOOK: ENTRY_DEFAULTS}


def _completer(run: ImportRun) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """What puts a stored row's left-out fields back (fresh lists and dicts for each row)."""
    defaults = _DEFAULTS_BY_KIND.get(run.kind)
    if defaults is None:
        return lambda row: row
    immutable = {key: value for key, value in defaults.items() if not isinstance(value, (list, dict))}
    mutable = [key for key, value in defaults.items() if isinstance(value, (list, dict))]

    def complete(row: dict[str, Any]) -> dict[str, Any]:
        full = {**immutable, **row}
        for key in mutable:
            if key not in full:
                full[key] = type(defaults[key])()
        return full

    return complete


T = TypeVar("T")


def row_writer(run: ImportRun) -> Callable[..., Any]:
    """Writes previewed rows to ImportRow, a chunk at a time, numbered in reading order.

    `write(entries, meanwhile)` returns what `meanwhile()` returns; it runs while the database takes
    the rows and must not query (see `bulk.bulk_insert`).
    """
    position = 0

    def write(entries: list[dict[str, Any]], meanwhile: Callable[[], T] | None = None) -> T | None:
        nonlocal position
        start, position = position, position + len(entries)
        return bulk_insert(ImportRow, (
            {"run_id": run.pk, "position": start + offset, "row": entry["row"], "status": entry["status"], "data": entry}
            for offset, entry in enumerate(entries)
        ), meanwhile)

    return write


def memory_writer(rows: list[dict[str, Any]]) -> Callable[..., Any]:
    """`row_writer` for a dry run: the rows are kept in `rows`."""

    def write(entries: list[dict[str, Any]], meanwhile: Callable[[], T] | None = None) -> T | None:
        rows.extend(entries)
        return meanwhile() if meanwhile is not None else None

    return write


def run_rows(run: ImportRun, *, statuses: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
    """Every previewed row of a run in reading order, fetched CHUNK rows per query (keyset on position).

    A dry run that was never stored yields the rows it kept in memory.
    """
    wanted = set(statuses) if statuses is not None else None
    complete = _completer(run)
    if run.pk is None:
        yield from (complete(row) for row in getattr(run, "unsaved_rows", []) if wanted is None or row["status"] in wanted)
        return
    rows = ImportRow.objects.filter(run_id=run.pk)
    if wanted is not None:
        rows = rows.filter(status__in=sorted(wanted))
    last = -1
    while True:
        chunk = list(rows.filter(position__gt=last).order_by("position").values_list("position", "data")[:CHUNK])
        for position, data in chunk:
            last = position
            yield complete(data)
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
        "rows": list(map(_completer(run), rows.order_by("position").values_list("data", flat=True)[start : start + size])),
        "page": page, "pages": pages, "count": count, "page_size": size,
    }
