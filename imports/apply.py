"""Applying confirmed workbook rows: per row through `actual_save`, or set-based with the same rules.

The set-based path does what `actual_save` does for each row — permission, open year, the same
computation, the editable-status and version checks, a conditional UPDATE on the version, audit
rows with the import's id, dirty marks — but 2,000 rows at a time: one lock query, one UPDATE and
bulk inserts per chunk, so that 10,000 rows commit in well under two seconds and memory does not
grow with the number of rows. Both paths leave the database
in the same state (tests/imports/test_actuals_import.py compares them).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import islice
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import User
from core.errors import (
    InvalidState,
    NotFound,
    ServiceError,
)
from imports.bulk import bulk_insert, ids_in
from kpis.models import (
    Actual,
    ActualStatus,
    AuditEntry,
    ChangeSource,
    Department,
    EntryYear,
    Indicator,
)
from kpis.services.actuals import EDITABLE, ComputedValue, actual_compute, actual_save, version_conflict
from kpis.services.audit import audit_text
from kpis.services.dirty import dirty_mark
from kpis.services.permissions import (
    log_refusal,
    require_actual_writer,
    require_year_open,
)

CHUNK = 2000  # rows read, locked, checked and written at a time
SOURCE = ChangeSource.EXCEL


@dataclass(frozen=True)
class ApplyRow:
    indicator_id: int
    inputs: dict[str, str] | None
    value: str | None
    note: str
    expected_version: int
    row: int = 0  # sheet row, for messages
    # The value the preview computed and the formula text it used: reused while the formula is unchanged
    # (actual_compute is a pure function of the formula and the inputs), recomputed otherwise.
    computed_value: str | None = None
    computed_formula: str | None = None


class ImportRefused(ServiceError):
    """Confirm refused: nothing was written."""

    code = "import_refused"
    http_status = 409


class RowRefused(ServiceError):
    """A row refused by a service; the message names the sheet row."""

    code = "row_refused"
    http_status = 409

    def __init__(self, row: ApplyRow, cause: ServiceError) -> None:
        self.cause = cause
        super().__init__(f"{row.row}행(지표ID {row.indicator_id}): {cause.message}")


def actuals_apply_each(*, user: User, year: int, rows: Iterable[ApplyRow], import_run_id: int) -> int:
    """The reference path: `actual_save` per row, inside the caller's transaction."""
    applied = 0
    with transaction.atomic():
        for row in rows:
            applied += 1
            try:
                actual_save(
                    user=user, indicator_id=row.indicator_id, year=year, inputs=row.inputs, value=row.value,
                    note=row.note, expected_version=row.expected_version, source=SOURCE,
                    import_run_id=import_run_id,
                )
            except ServiceError as exc:
                raise RowRefused(row, exc) from exc
    return applied


def chunked(items: Iterable[ApplyRow]) -> Iterator[list[ApplyRow]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


@dataclass
class _Apply:
    """What stays the same over the chunks of one confirm (a few sets, not the rows)."""

    user: User
    year: int
    import_run_id: int
    now: datetime
    year_closed: bool
    departments: set[int] = field(default_factory=set)  # checked: writer and open year
    methods: dict[tuple[str, str], Indicator] = field(default_factory=dict)  # one unsaved Indicator per formula
    dirty: set[tuple[int, int]] = field(default_factory=set)


@transaction.atomic
def actuals_apply(*, user: User, year: int, rows: Iterable[ApplyRow], import_run_id: int) -> int:
    """Set-based `actual_save` for many rows; raises RowRefused and writes nothing on any refusal.

    `rows` may be a generator: it is consumed CHUNK rows at a time, each chunk locked, checked and written
    before the next is read, so memory does not grow with the number of rows (the caller's transaction
    still covers them all).
    """
    state = _Apply(
        user=user, year=year, import_run_id=import_run_id, now=timezone.now(),
        year_closed=EntryYear.objects.filter(year=year, is_closed=True).exists(),
    )
    applied = 0
    for chunk in chunked(rows):
        _apply_chunk(chunk, state)
        applied += len(chunk)
    dirty_mark(state.dirty)
    return applied


def _apply_chunk(rows: list[ApplyRow], state: _Apply) -> None:
    user, year = state.user, state.year
    ids = [row.indicator_id for row in rows]
    # (department, formula, method text) per indicator: all actual_compute reads, without a model per row.
    indicators: dict[int, tuple[int, str, str]] = {
        pk: (department_id, formula, method_text)
        for pk, department_id, formula, method_text in Indicator.objects.filter(ids_in(Indicator, "id", ids)).order_by().values_list(
            "id", "department_id", "formula", "method_text"
        )
    }
    existing = {
        actual.indicator_id: actual
        for actual in Actual.objects.select_for_update().filter(ids_in(Actual, "indicator_id", ids), year=year).order_by()
    }
    for row in rows:
        indicator = indicators.get(row.indicator_id)
        if indicator is None:
            raise RowRefused(row, NotFound("성과지표를 찾을 수 없습니다."))
        department_id = indicator[0]
        if department_id not in state.departments:
            try:
                require_actual_writer(user, department_id)
                if state.year_closed:  # else require_year_open passes without a query per department
                    require_year_open(Department.objects.get(pk=department_id), year)
            except ServiceError as exc:
                raise RowRefused(row, exc) from exc
            state.departments.add(department_id)

    creates: list[tuple[ApplyRow, dict[str, Any]]] = []  # the new actuals as COPY rows, not model instances
    updates: list[tuple[ApplyRow, Actual, Decimal, dict[str, str], str]] = []
    methods = state.methods
    for row in rows:
        _, formula, method_text = indicators[row.indicator_id]
        if row.computed_value is not None and row.computed_formula == (formula or method_text):
            computed = ComputedValue(value=Decimal(row.computed_value), inputs=dict(row.inputs or {}))
        else:
            if (formula, method_text) not in methods:
                methods[(formula, method_text)] = Indicator(formula=formula, method_text=method_text)
            try:
                computed = actual_compute(methods[(formula, method_text)], inputs=row.inputs, value=row.value)
            except ServiceError as exc:
                raise RowRefused(row, exc) from exc
        current = existing.get(row.indicator_id)
        if current is None:
            if row.expected_version not in (None, 0):
                raise RowRefused(row, NotFound("저장하려는 실적이 더 이상 없습니다. 페이지를 새로 고치세요."))
            creates.append((row, {
                "indicator_id": row.indicator_id, "year": year, "value": computed.value, "inputs": computed.inputs,
                "note": row.note or "", "status": ActualStatus.DRAFT, "source": SOURCE, "updated_by_id": user.pk,
                "version": 1, "updated_at": state.now,
            }))
            continue
        if current.status not in EDITABLE:
            log_refusal(user, "actual_write", f"actual={current.pk} status={current.status}")
            raise RowRefused(row, InvalidState(
                f"'{current.get_status_display()}' 상태의 실적은 수정할 수 없습니다."
                + (" 승인된 값은 잠겨 있습니다." if current.status == ActualStatus.APPROVED else "")
            ))
        if row.expected_version is None or row.expected_version != current.version:
            raise RowRefused(row, version_conflict(current.pk))
        note = current.note if row.note is None else row.note
        updates.append((row, current, computed.value, computed.inputs, note))

    now = state.now
    if creates:
        try:
            with transaction.atomic():
                bulk_insert(Actual, [actual for _, actual in creates])
        except IntegrityError:
            taken = set(
                Actual.objects.filter(indicator_id__in=[a["indicator_id"] for _, a in creates], year=year)
                .values_list("indicator_id", flat=True)
            )
            row = next(r for r, a in creates if a["indicator_id"] in taken)
            actual_id = Actual.objects.get(indicator_id=row.indicator_id, year=year).pk
            raise RowRefused(row, version_conflict(actual_id)) from None
    _update(updates, user=user, now=now)
    stored = _stored({current.pk for _, current, *_ in updates})

    common = {"user_id": user.pk, "import_run_id": state.import_run_id, "year": year, "created_at": now}
    bulk_insert(AuditEntry, _audit_rows(creates, updates, stored, indicators, common))
    state.dirty.update((indicators[row.indicator_id][0], year) for row, _ in creates)
    state.dirty.update(
        (indicators[row.indicator_id][0], year) for row, current, *_ in updates if current.value != stored[current.pk][0]
    )


def _audit_rows(creates, updates, stored, indicators, common) -> Iterator[dict[str, Any]]:
    """Audit rows for every change, generated while they are written (not held as a list)."""
    for row, actual in creates:
        yield from _audit(common, indicators[row.indicator_id][0], row.indicator_id,
                          old=(None, {}, "", ActualStatus.NOT_REPORTED),
                          new=(actual["value"], actual["inputs"], actual["note"], actual["status"]))
    for row, current, *_ in updates:
        yield from _audit(common, indicators[row.indicator_id][0], row.indicator_id,
                          old=(current.value, current.inputs, current.note, current.status), new=stored[current.pk])


def _audit(common: dict[str, Any], department_id: int, indicator_id: int, *, old, new) -> list[dict[str, Any]]:
    """The rows `actual_save` writes through `audit_record` for one change, in the same order."""
    base = {**common, "source": SOURCE, "entity": "actual", "department_id": department_id,
            "indicator_id": indicator_id, "comment": ""}
    old_value, old_inputs, old_note, old_status = old
    new_value, new_inputs, new_note, new_status = new
    entries = []
    if old_value != new_value:
        entries.append({**base, "action": "update", "field": "value", "old_value": audit_text(old_value),
                        "new_value": audit_text(new_value)})
    if dict(old_inputs) != dict(new_inputs):
        entries.append({**base, "action": "update", "field": "inputs", "old_value": audit_text(old_inputs),
                        "new_value": audit_text(new_inputs)})
    if (old_note or "") != (new_note or ""):
        entries.append({**base, "action": "update", "field": "note", "old_value": audit_text(old_note),
                        "new_value": audit_text(new_note)})
    if old_status != new_status:
        entries.append({**base, "action": "status", "field": "status", "old_value": audit_text(old_status),
                        "new_value": audit_text(new_status)})
    return entries


def _update(updates, *, user: User, now) -> None:
    """Conditional UPDATE … WHERE version = expected, set-based: one statement per chunk."""
    if not updates:
        return
    meta = Actual._meta
    table = connection.ops.quote_name(meta.db_table)
    q = connection.ops.quote_name
    value_field, inputs_field = meta.get_field("value"), meta.get_field("inputs")
    postgres = connection.vendor == "postgresql"
    placeholder = "(%s::bigint, %s::integer, %s::numeric, %s::jsonb, %s::text)" if postgres else "(%s, %s, %s, %s, %s)"
    editable = sorted(EDITABLE)
    rows_per_statement = min(CHUNK, max(1, (connection.features.max_query_params or 65535) // 5 - 10))
    updated_at = meta.get_field("updated_at").get_db_prep_save(now, connection)
    with connection.cursor() as cursor:
        for start in range(0, len(updates), rows_per_statement):
            chunk = updates[start : start + rows_per_statement]
            params: list = []
            for row, current, value, inputs, note in chunk:
                params += [
                    current.pk, row.expected_version, value_field.get_db_prep_save(value, connection),
                    inputs_field.get_db_prep_save(inputs, connection), note,
                ]
            tail = [ActualStatus.DRAFT, SOURCE, user.pk, updated_at]
            rows_sql = ", ".join([placeholder] * len(chunk))
            # The statement starts with UPDATE (not WITH) so that sqlite3 reports its rowcount.
            source = (
                f"(VALUES {rows_sql}) AS v (id, expected, value, inputs, note)" if postgres else
                f"(SELECT column1 AS id, column2 AS expected, column3 AS value, column4 AS inputs, "
                f"column5 AS note FROM (VALUES {rows_sql})) AS v"
            )
            cursor.execute(
                f"UPDATE {table} AS a SET {q('value')} = v.value, {q('inputs')} = v.inputs, {q('note')} = v.note, "
                f"{q('status')} = %s, {q('supplementary_value')} = NULL, {q('raw_text')} = '', "
                f"{q('placeholder_reason')} = '', {q('source')} = %s, {q('updated_by_id')} = %s, "
                f"{q('updated_at')} = %s, {q('version')} = a.{q('version')} + 1 "
                f"FROM {source} WHERE a.{q('id')} = v.id AND a.{q('version')} = v.expected "
                f"AND a.{q('status')} IN ({', '.join(['%s'] * len(editable))})",
                [*tail, *params, *editable],
            )
            if cursor.rowcount != len(chunk):
                _raise_first_conflict(chunk)


def _raise_first_conflict(chunk) -> None:
    versions = dict(Actual.objects.filter(pk__in=[c.pk for _, c, *_ in chunk]).values_list("pk", "version"))
    for row, current, *_ in chunk:
        if versions.get(current.pk) != row.expected_version + 1:
            raise RowRefused(row, version_conflict(current.pk))
    raise InvalidState("다른 사용자가 동시에 실적을 저장했습니다. 다시 시도하세요.")  # pragma: no cover


def _stored(ids: set[int]) -> dict[int, tuple]:
    """What the database holds after the UPDATE (rounded by the column), as `actual_save` re-reads it."""
    stored: dict[int, tuple] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        for pk, value, inputs, note, status in Actual.objects.filter(pk__in=ordered[start : start + CHUNK]).values_list(
            "pk", "value", "inputs", "note", "status"
        ):
            stored[pk] = (value, inputs, note, status)
    return stored
