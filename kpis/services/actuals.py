"""Saving actuals: one writer for the web form, the API and the workbook confirm.

`actuals_save` takes any number of rows and applies the same rules to each, in this order:
permission and open year (per department), the value read against the indicator's domain and
computed by its formula, the note's length, the workflow (only unreported, draft and returned
values change), and the version the user saw. A row equal to the stored draft (value, inputs, note) is not
written whatever version it names: no new version, no audit row (a client retrying a save whose answer was
lost gets the current state, not a conflict). Rows are locked, checked and written a chunk at
a time with Django's bulk calls (`bulk_create` for new actuals, by COPY on PostgreSQL: `core.bulk`;
`bulk_update` for locked ones),
with their audit rows and the departments' dirty marks, in the caller's transaction. One refusal
raises `RowRefused` naming the row and nothing is written. `actual_save` is the same for one row.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from accounts.models import User
from core.bulk import bulk_insert
from core.errors import ConflictInfo, InvalidInput, InvalidState, NotFound, ServiceError, VersionConflict, YearClosed
from core.security import log_refusal
from kpis.domain import ValueRefused, note_check
from kpis.formulas import Method
from kpis.models import Actual, ActualStatus, ChangeSource, Indicator
from kpis.periods import department_period_counts
from kpis.services.actual_values import ComputedValue, actual_compute, indicator_method
from kpis.services.audit import audit_record, audit_write
from kpis.services.dirty import dirty_mark
from kpis.services.periods import period_refusal, year_rows_derive
from kpis.services.permissions import require_actual_writer, require_year_open, require_years_open

EDITABLE = frozenset({ActualStatus.NOT_REPORTED, ActualStatus.DRAFT, ActualStatus.RETURNED})
CHUNK = 2000  # rows locked, checked and written at a time
# What the rules read of an indicator (its department, formula and domains): the rest is not loaded.
COMPUTE_FIELDS = (
    "department_id", "formula", "method_text", "formula_variables", "value_min", "value_max", "value_places",
    "input_min", "input_max", "input_places",
)
SAVED_FIELDS = [
    "value", "inputs", "note", "status", "supplementary_value", "raw_text", "placeholder_reason", "source",
    "updated_by", "updated_at", "version",
]


@dataclass(frozen=True)
class ActualInput:
    """What a user asks to store as an indicator's draft actual of a year (`period` 0) or of one of its periods.

    `inputs` (formula indicators) or `value` (direct ones) hold what was typed: text from a form, the API
    or a text cell, or a number from a numeric cell. `note` None keeps the stored note. `expected_version`
    is the version the user saw (None or 0: they saw none).
    """

    indicator_id: int
    inputs: Mapping[str, object] | None = None
    value: object = None
    note: str | None = None
    expected_version: int | None = None
    period: int = 0


class RowRefused(ServiceError):
    """One of several rows refused by a rule; `index` is its position among the rows given."""

    def __init__(self, index: int, cause: ServiceError) -> None:
        super().__init__(cause.message)
        self.index = index
        self.cause = cause
        self.code = cause.code
        self.http_status = cause.http_status


def editable_refusal(status: str) -> InvalidState | None:
    """Why a value in `status` cannot be changed by its department, or None when it can."""
    if status in EDITABLE:
        return None
    label = ActualStatus(status).label
    locked = " 승인된 값은 잠겨 있습니다." if status == ActualStatus.APPROVED else ""
    return InvalidState(f"'{label}' 상태의 실적은 수정할 수 없습니다.{locked}")


def version_conflict(actual_id: int, *, user: User | None = None) -> VersionConflict:
    """The refusal of a write made against an older version, with what the actual holds now; `user` (the
    caller) is told apart from another user."""
    current = Actual.all_periods.select_related("updated_by").get(pk=actual_id)
    return VersionConflict(
        ConflictInfo(
            value=current.value, inputs=dict(current.inputs), version=current.version,
            updated_at=current.updated_at,
            updated_by=current.updated_by.username if current.updated_by else "",
            by_caller=user is not None and current.updated_by_id == user.pk,
        )
    )


class SaveOutcome(models.TextChoices):
    CREATED = "created", "새로 저장"
    UPDATED = "updated", "수정"
    UNCHANGED = "unchanged", "변경 없음"


@dataclass(frozen=True)
class SavedActual:
    """An actual as its save left it, read inside the save's transaction, and what the save did."""

    actual: Actual
    outcome: SaveOutcome


@dataclass
class _Run:
    """What stays the same over the chunks of one call."""

    user: User
    year: int
    source: str
    import_run_id: int | None
    now: Any
    allowed: set[int] = field(default_factory=set)  # departments checked: writer and open year
    periods: dict[int, int] = field(default_factory=dict)  # department → its period count in the year (0: none)
    derive: set[int] = field(default_factory=set)  # indicators whose period rows changed: their year row follows
    methods: dict[str, Method | None] = field(default_factory=dict)  # formula text → parsed once per call
    dirty: set[tuple[int, int]] = field(default_factory=set)
    created: int = 0
    updated: int = 0

    @property
    def saved(self) -> int:
        return self.created + self.updated


def actuals_save(
    *, user: User, year: int, rows: Iterable[ActualInput], source: str = ChangeSource.WEB,
    import_run_id: int | None = None,
) -> int:
    """Save many draft actuals of `year` in one transaction; returns the number of rows changed.

    `rows` may be a generator: it is read CHUNK rows at a time, each chunk locked, checked and written
    before the next is read. Raises RowRefused (with the row's index) and writes nothing on any refusal.
    A row equal to the stored draft (value, inputs, note) is not written: no new version, no audit row.
    """
    return _apply(user=user, year=year, rows=rows, source=source, import_run_id=import_run_id).saved


def _apply(
    *, user: User, year: int, rows: Iterable[ActualInput], source: str, import_run_id: int | None = None,
) -> _Run:
    run = _Run(user=user, year=year, source=source, import_run_id=import_run_id, now=timezone.now())
    with transaction.atomic():
        offset = 0
        iterator = iter(rows)
        while chunk := list(islice(iterator, CHUNK)):
            _save_chunk(run, chunk, offset)
            offset += len(chunk)
        run.dirty |= year_rows_derive(
            user=user, year=year, indicator_ids=run.derive, source=source, now=run.now, import_run_id=import_run_id
        )
        dirty_mark(run.dirty)
    return run


def actual_save(
    *, user: User, indicator_id: int, year: int, inputs: Mapping[str, object] | None = None, value: object = None,
    note: str | None = None, expected_version: int | None = None, source: str = ChangeSource.WEB, period: int = 0,
) -> Actual:
    """Save one draft actual (`actuals_save` for one row); raises the rule's own error."""
    return actual_save_outcome(
        user=user, indicator_id=indicator_id, year=year, inputs=inputs, value=value, note=note,
        expected_version=expected_version, source=source, period=period,
    ).actual


def actual_save_outcome(
    *, user: User, indicator_id: int, year: int, inputs: Mapping[str, object] | None = None, value: object = None,
    note: str | None = None, expected_version: int | None = None, source: str = ChangeSource.WEB, period: int = 0,
) -> SavedActual:
    """`actual_save`, telling a new actual, a changed one and an unchanged one apart (for a 201 or a 200)."""
    row = ActualInput(
        indicator_id=indicator_id, inputs=inputs, value=value, note=note, expected_version=expected_version,
        period=period,
    )
    with transaction.atomic():
        try:
            run = _apply(user=user, year=year, rows=[row], source=source)
        except RowRefused as exc:
            raise exc.cause from None
        # Read before the commit: once the write is committed, nothing left can fail its answer.
        actual = Actual.all_periods.select_related("updated_by").get(indicator_id=indicator_id, year=year, period=period)
    outcome = SaveOutcome.CREATED if run.created else SaveOutcome.UPDATED if run.updated else SaveOutcome.UNCHANGED
    return SavedActual(actual=actual, outcome=outcome)


def _save_chunk(run: _Run, rows: list[ActualInput], offset: int) -> None:
    indicators = Indicator.objects.only(*COMPUTE_FIELDS).in_bulk([row.indicator_id for row in rows])
    first_row: dict[int, int] = {}  # department → index of its first row here, for a department not yet checked
    for index, row in enumerate(rows, start=offset):
        indicator = indicators.get(row.indicator_id)
        if indicator is None:
            raise RowRefused(index, NotFound("성과지표를 찾을 수 없습니다."))
        department_id = indicator.department_id
        if department_id not in run.allowed and department_id not in first_row:
            try:
                require_actual_writer(run.user, department_id)
            except ServiceError as exc:
                raise RowRefused(index, exc) from exc
            first_row[department_id] = index
    try:
        require_years_open(first_row, run.year)
    except YearClosed:
        for department_id, index in sorted(first_row.items(), key=lambda item: item[1]):
            try:
                require_year_open(department_id, run.year)
            except YearClosed as exc:
                raise RowRefused(index, exc) from exc
    run.allowed.update(first_row)
    run.periods.update(department_period_counts(department_ids=first_row, year=run.year))
    changes: list[tuple[int, ActualInput, Indicator, ComputedValue]] = []
    for index, row in enumerate(rows, start=offset):
        indicator = indicators[row.indicator_id]
        formula = indicator.formula or indicator.method_text
        if formula not in run.methods:
            run.methods[formula] = indicator_method(indicator)
        errors = period_refusal(row.period, run.periods[indicator.department_id], run.year)
        if errors:
            raise RowRefused(index, InvalidInput(errors))
        try:
            computed = actual_compute(indicator, inputs=row.inputs, value=row.value, method=run.methods[formula])
        except InvalidInput as exc:
            errors.update(exc.errors)
        try:
            if row.note is not None:
                row = replace(row, note=note_check(row.note))
        except ValueRefused as exc:
            errors["note"] = [exc.message]
        if errors:  # the value's and the note's refusals together, each beside its field
            raise RowRefused(index, InvalidInput(errors))
        changes.append((index, row, indicator, computed))

    locked = {
        (actual.indicator_id, actual.period): actual
        for actual in Actual.all_periods.select_for_update().filter(
            indicator_id__in=[row.indicator_id for row in rows], year=run.year, period__in={row.period for row in rows}
        )
    }
    creates: list[tuple[int, Actual]] = []
    updates: list[Actual] = []
    entries: dict[int, Any] = {}  # row index → its audit row
    for index, row, indicator, computed in changes:
        current = locked.get((row.indicator_id, row.period))
        if current is None:
            if row.expected_version not in (None, 0):
                raise RowRefused(index, NotFound("저장하려는 실적이 더 이상 없습니다. 페이지를 새로 고치세요."))
            old = (None, {}, "", ActualStatus.NOT_REPORTED)
            actual = Actual(
                indicator_id=row.indicator_id, year=run.year, period=row.period, value=computed.value, inputs=computed.inputs,
                note=row.note or "", status=ActualStatus.DRAFT, source=run.source, updated_by=run.user,
                updated_at=run.now, version=1,
            )
            creates.append((index, actual))
        else:
            refusal = editable_refusal(current.status)
            if refusal is not None:
                log_refusal(run.user, "actual_write", f"actual={current.pk} status={current.status}")
                raise RowRefused(index, refusal)
            old = _state(current)
            note = current.note if row.note is None else row.note
            if old == (computed.value, computed.inputs, note, ActualStatus.DRAFT):
                # Nothing to change: no new version, no audit row, whatever version the user saw (a retry
                # of a save whose answer was lost asks for what is already stored).
                continue
            if row.expected_version != current.version:
                raise RowRefused(index, version_conflict(current.pk, user=run.user))
            actual = current
            actual.value, actual.inputs, actual.note, actual.status = computed.value, computed.inputs, note, ActualStatus.DRAFT
            actual.supplementary_value, actual.raw_text, actual.placeholder_reason = None, "", ""
            actual.source, actual.updated_by, actual.updated_at = run.source, run.user, run.now
            actual.version = current.version + 1
            updates.append(actual)
        for entry in _audit_entries(run, indicator, old, actual):
            entries[index] = entry
        if row.period:
            run.derive.add(indicator.pk)
        elif old[0] != actual.value:
            run.dirty.add((indicator.department_id, run.year))
    already = _insert(run, creates)
    if updates:
        Actual.all_periods.bulk_update(updates, SAVED_FIELDS, batch_size=CHUNK)
    audit_write([entry for index, entry in entries.items() if index not in already])
    run.created += len(creates) - len(already)
    run.updated += len(updates)


def _state(actual: Actual) -> tuple:
    """What a save compares: value, inputs, note and status."""
    return actual.value, dict(actual.inputs), actual.note, actual.status


def _insert(run: _Run, creates: list[tuple[int, Actual]]) -> set[int]:
    """Insert new actuals; returns the indexes of those someone created meanwhile with the same content.

    A row created meanwhile (the unique key refuses ours) is a conflict when it differs from ours, and
    already stored when it equals it: a duplicate of the same request (a double click, a retry) is not
    a conflict.
    """
    stored: set[int] = set()
    pending = creates
    while pending:
        try:
            with transaction.atomic():
                bulk_insert(Actual, [actual for _, actual in pending])
            return stored
        except IntegrityError:
            taken = {
                (actual.indicator_id, actual.period): actual
                for actual in Actual.all_periods.filter(
                    year=run.year, indicator_id__in=[a.indicator_id for _, a in pending]
                )
            }
            if not taken:
                raise
            for index, actual in pending:
                other = taken.get((actual.indicator_id, actual.period))
                if other is not None and _state(other) != _state(actual):
                    raise RowRefused(index, version_conflict(other.pk, user=run.user)) from None
                if other is not None:
                    stored.add(index)
            pending = [(index, actual) for index, actual in pending if (actual.indicator_id, actual.period) not in taken]
    return stored


def _audit_entries(run: _Run, indicator: Indicator, old: tuple, actual: Actual) -> Iterator:
    """One audit row per saved actual: the value as its main field, every field it changed in `changes`."""
    old_value, old_inputs, old_note, old_status = old
    changes = {
        name: (before, after)
        for name, before, after in (
            ("value", old_value, actual.value), ("inputs", dict(old_inputs), dict(actual.inputs)),
            ("note", old_note or "", actual.note or ""), ("status", old_status, actual.status),
        )
        if before != after
    }
    if not changes:
        return
    main = next(iter(changes))
    yield audit_record(
        user=run.user, source=run.source, entity="actual", action="create" if old_status == ActualStatus.NOT_REPORTED
        and old_value is None else "update", field=main, old=changes[main][0], new=changes[main][1],
        department_id=indicator.department_id, indicator_id=indicator.pk, year=run.year, period=actual.period,
        import_run_id=run.import_run_id, changes=changes,
    )
