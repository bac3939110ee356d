"""Writing actuals: permission → validation → conditional UPDATE on version → audit → dirty mark."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from core.errors import (
    ConflictInfo,
    InvalidInput,
    InvalidState,
    NotFound,
    VersionConflict,
)
from core.numbers import NumberError, parse_decimal
from kpis.formulas import FormulaError, MethodKind, classify_method
from kpis.models import Actual, ActualStatus, ChangeSource, Indicator
from kpis.services.audit import audit_record, audit_write
from kpis.services.dirty import dirty_mark
from kpis.services.permissions import (
    log_refusal,
    require_actual_writer,
    require_admin,
    require_reviewer,
    require_year_open,
)

EDITABLE = {ActualStatus.NOT_REPORTED, ActualStatus.DRAFT, ActualStatus.RETURNED}
VALUE_FIELD = "value"


@dataclass(frozen=True)
class ComputedValue:
    value: Decimal
    inputs: dict[str, str]


def indicator_inputs(indicator: Indicator) -> tuple[str, ...]:
    """The names a user types for this indicator: formula variables, or () for a direct value."""
    try:
        method = classify_method(indicator.formula or indicator.method_text)
    except FormulaError:
        return ()
    return method.inputs if method.kind != MethodKind.DIRECT else ()


def actual_compute(indicator: Indicator, *, inputs: Mapping[str, str] | None, value: str | None) -> ComputedValue:
    """Parse what the user typed and compute the actual; field-level errors, nothing saved."""
    names = indicator_inputs(indicator)
    if not names:
        if value is None or str(value).strip() == "":
            raise InvalidInput({VALUE_FIELD: ["실적 값을 입력하세요."]})
        try:
            parsed = parse_decimal(str(value))
        except NumberError as exc:
            raise InvalidInput({VALUE_FIELD: [str(exc)]}) from exc
        if parsed is None:
            raise InvalidInput({VALUE_FIELD: ["실적 값을 입력하세요."]})
        return actual_compute_numbers(indicator, names, value=parsed)
    provided = dict(inputs or {})
    errors: dict[str, list[str]] = {}
    parsed_inputs: dict[str, Decimal] = {}
    for name in names:
        raw = provided.get(name)
        if raw is None or str(raw).strip() == "":
            errors.setdefault(name, []).append(f"'{name}' 값을 입력하세요.")
            continue
        try:
            number = parse_decimal(str(raw))
        except NumberError as exc:
            errors.setdefault(name, []).append(str(exc))
            continue
        if number is None:
            errors.setdefault(name, []).append(f"'{name}' 값을 입력하세요.")
            continue
        parsed_inputs[name] = number
    _unknown_inputs(names, provided, errors)
    if errors:
        raise InvalidInput(errors)
    return actual_compute_numbers(indicator, names, inputs=parsed_inputs)


def actual_compute_numbers(
    indicator: Indicator, names: tuple[str, ...], *, inputs: Mapping[str, Decimal] | None = None,
    value: Decimal | None = None,
) -> ComputedValue:
    """`actual_compute` for figures already read as numbers (a workbook's cells): `names` is
    `indicator_inputs(indicator)`; a direct value in `value`, else every input in `inputs`."""
    if not names:
        if value is None:
            raise InvalidInput({VALUE_FIELD: ["실적 값을 입력하세요."]})
        return ComputedValue(value=_fits_value_field(value), inputs={})
    inputs = inputs or {}
    errors: dict[str, list[str]] = {}
    for name in names:
        if inputs.get(name) is None:
            errors.setdefault(name, []).append(f"'{name}' 값을 입력하세요.")
    _unknown_inputs(names, inputs, errors)
    if errors:
        raise InvalidInput(errors)
    evaluation = classify_method(indicator.formula or indicator.method_text).formula.evaluate(inputs)
    if evaluation.value is None:
        raise InvalidInput({VALUE_FIELD: [evaluation.reason]})
    return ComputedValue(
        value=_fits_value_field(evaluation.value), inputs={name: format(inputs[name], "f") for name in names}
    )


def _unknown_inputs(names: tuple[str, ...], provided: Mapping[str, object], errors: dict[str, list[str]]) -> None:
    if len(provided) > len(names) or any(name not in names for name in provided):
        for name in sorted(set(provided) - set(names)):
            errors.setdefault(name, []).append(f"이 지표의 산식에 없는 항목입니다. 입력 항목: {', '.join(names)}")


# Actual.value is DECIMAL(20, 4): a larger number would fail in the database (a 500), not here.
_VALUE_FIELD = Actual._meta.get_field("value")
VALUE_LIMIT = Decimal(10) ** (_VALUE_FIELD.max_digits - _VALUE_FIELD.decimal_places)
# Half a unit of the last stored place below the limit: that is where rounding on save reaches it.
_VALUE_ROUNDS_TO_LIMIT = VALUE_LIMIT - Decimal(5).scaleb(-_VALUE_FIELD.decimal_places - 1)


def _fits_value_field(value: Decimal) -> Decimal:
    if abs(value) >= _VALUE_ROUNDS_TO_LIMIT:
        raise InvalidInput({VALUE_FIELD: [f"실적 값이 너무 큽니다 (절댓값 {VALUE_LIMIT:,f} 미만이어야 합니다)."]})
    return value


def _indicator(indicator_id: int) -> Indicator:
    indicator = Indicator.objects.select_related("department").filter(pk=indicator_id).first()
    if indicator is None:
        raise NotFound("성과지표를 찾을 수 없습니다.")
    return indicator


def version_conflict(actual_id: int) -> VersionConflict:
    """The refusal of a write made against an older version, with what the actual holds now."""
    current = Actual.objects.select_related("updated_by").get(pk=actual_id)
    return VersionConflict(
        ConflictInfo(
            value=current.value, inputs=dict(current.inputs), version=current.version,
            updated_at=current.updated_at,
            updated_by=current.updated_by.username if current.updated_by else "",
        )
    )


@transaction.atomic
def actual_save(
    *, user: User, indicator_id: int, year: int, inputs: Mapping[str, str] | None = None, value: str | None = None,
    note: str | None = None, expected_version: int | None = None, source: str = ChangeSource.WEB,
    import_run_id: int | None = None,
) -> Actual:
    """Save a draft actual. `expected_version` is the version the user saw (None: they saw none)."""
    indicator = _indicator(indicator_id)
    require_actual_writer(user, indicator.department_id)
    require_year_open(indicator.department, year)
    computed = actual_compute(indicator, inputs=inputs, value=value)
    existing = Actual.objects.filter(indicator_id=indicator_id, year=year).first()
    now = timezone.now()
    if existing is None:
        if expected_version not in (None, 0):
            raise NotFound("저장하려는 실적이 더 이상 없습니다. 페이지를 새로 고치세요.")
        try:
            with transaction.atomic():
                actual = Actual.objects.create(
                    indicator_id=indicator_id, year=year, value=computed.value, inputs=computed.inputs,
                    note=note or "", status=ActualStatus.DRAFT, source=source, updated_by=user, version=1,
                )
        except IntegrityError:
            existing = Actual.objects.get(indicator_id=indicator_id, year=year)
            raise version_conflict(existing.pk) from None
        old_value, old_inputs, old_note, old_status = None, {}, "", ActualStatus.NOT_REPORTED
    else:
        if existing.status not in EDITABLE:
            log_refusal(user, "actual_write", f"actual={existing.pk} status={existing.status}")
            raise InvalidState(
                f"'{existing.get_status_display()}' 상태의 실적은 수정할 수 없습니다."
                + (" 승인된 값은 잠겨 있습니다." if existing.status == ActualStatus.APPROVED else "")
            )
        if expected_version is None or expected_version != existing.version:
            raise version_conflict(existing.pk)
        new_note = existing.note if note is None else note
        updated = Actual.objects.filter(pk=existing.pk, version=expected_version, status__in=EDITABLE).update(
            value=computed.value, inputs=computed.inputs, note=new_note, status=ActualStatus.DRAFT,
            supplementary_value=None, raw_text="", placeholder_reason="", source=source, updated_by=user,
            updated_at=now, version=F("version") + 1,
        )
        if updated != 1:
            raise version_conflict(existing.pk)
        actual = Actual.objects.get(pk=existing.pk)
        old_value, old_inputs, old_note, old_status = existing.value, existing.inputs, existing.note, existing.status
    common = {
        "user": user, "source": source, "entity": "actual", "department_id": indicator.department_id,
        "indicator_id": indicator_id, "year": year, "import_run_id": import_run_id,
    }
    entries = []
    if old_value != actual.value:
        entries.append(audit_record(action="update", field="value", old=old_value, new=actual.value, **common))
    if dict(old_inputs) != dict(actual.inputs):
        entries.append(audit_record(action="update", field="inputs", old=old_inputs, new=actual.inputs, **common))
    if (old_note or "") != (actual.note or ""):
        entries.append(audit_record(action="update", field="note", old=old_note, new=actual.note, **common))
    if old_status != actual.status:
        entries.append(audit_record(action="status", field="status", old=old_status, new=actual.status, **common))
    audit_write(entries)
    if old_value != actual.value:
        dirty_mark([(indicator.department_id, year)])
    return actual


def _transition(
    *, user: User, actual_id: int, expected_version: int | None, allowed_from: set[str], to: str, action: str,
    source: str, comment: str = "", extra: dict | None = None,
) -> Actual:
    actual = Actual.objects.select_related("indicator__department").filter(pk=actual_id).first()
    if actual is None:
        raise NotFound("실적을 찾을 수 없습니다.")
    if actual.status not in allowed_from:
        raise InvalidState(
            f"'{actual.get_status_display()}' 상태에서는 {ACTION_LABELS[action]}할 수 없습니다."
        )
    version = actual.version if expected_version is None else expected_version
    updated = Actual.objects.filter(pk=actual.pk, version=version, status__in=allowed_from).update(
        status=to, version=F("version") + 1, **(extra or {})
    )
    if updated != 1:
        raise version_conflict(actual.pk)
    audit_write(
        [
            audit_record(
                user=user, source=source, entity="actual", action=action, field="status", old=actual.status,
                new=to, department_id=actual.indicator.department_id, indicator_id=actual.indicator_id,
                year=actual.year, comment=comment,
            )
        ]
    )
    dirty_mark([(actual.indicator.department_id, actual.year)])
    return Actual.objects.get(pk=actual.pk)


ACTION_LABELS = {"submit": "제출", "approve": "승인", "return": "반려", "reopen": "승인 취소"}


@transaction.atomic
def actual_submit(
    *, user: User, actual_id: int, expected_version: int | None = None, source: str = ChangeSource.WEB
) -> Actual:
    actual = Actual.objects.select_related("indicator__department").filter(pk=actual_id).first()
    if actual is None:
        raise NotFound("실적을 찾을 수 없습니다.")
    require_actual_writer(user, actual.indicator.department_id)
    require_year_open(actual.indicator.department, actual.year)
    if actual.value is None:
        raise InvalidInput({VALUE_FIELD: ["값이 없는 실적은 제출할 수 없습니다."]})
    now = timezone.now()
    return _transition(
        user=user, actual_id=actual_id, expected_version=expected_version,
        allowed_from={ActualStatus.DRAFT, ActualStatus.RETURNED}, to=ActualStatus.SUBMITTED, action="submit",
        source=source, extra={"submitted_by": user, "submitted_at": now, "updated_at": now},
    )


@transaction.atomic
def actual_approve(
    *, user: User, actual_id: int, expected_version: int | None = None, source: str = ChangeSource.WEB,
    comment: str = "",
) -> Actual:
    require_reviewer(user)
    actual = Actual.objects.select_related("indicator__department").filter(pk=actual_id).first()
    if actual is None:
        raise NotFound("실적을 찾을 수 없습니다.")
    require_year_open(actual.indicator.department, actual.year)
    if actual.submitted_by_id == user.pk or actual.updated_by_id == user.pk:
        log_refusal(user, "approve_own", f"actual={actual_id}")
        raise InvalidState("자신이 입력하거나 제출한 실적은 승인할 수 없습니다.")
    now = timezone.now()
    return _transition(
        user=user, actual_id=actual_id, expected_version=expected_version, allowed_from={ActualStatus.SUBMITTED},
        to=ActualStatus.APPROVED, action="approve", source=source, comment=comment,
        extra={"reviewed_by": user, "reviewed_at": now, "review_comment": comment, "updated_at": now},
    )


def _send_back(
    *, user: User, actual_id: int, comment: str, expected_version: int | None, source: str,
    allowed_from: set[str], action: str, missing_comment: str,
) -> Actual:
    """Return a value to its department with a reason (a submitted one, or an approved one reopened)."""
    if not comment or not comment.strip():
        raise InvalidInput({"comment": [missing_comment]})
    actual = Actual.objects.select_related("indicator__department").filter(pk=actual_id).first()
    if actual is None:
        raise NotFound("실적을 찾을 수 없습니다.")
    require_year_open(actual.indicator.department, actual.year)
    now = timezone.now()
    return _transition(
        user=user, actual_id=actual_id, expected_version=expected_version, allowed_from=allowed_from,
        to=ActualStatus.RETURNED, action=action, source=source, comment=comment.strip(),
        extra={"reviewed_by": user, "reviewed_at": now, "review_comment": comment.strip(), "updated_at": now},
    )


@transaction.atomic
def actual_return(
    *, user: User, actual_id: int, comment: str, expected_version: int | None = None,
    source: str = ChangeSource.WEB,
) -> Actual:
    require_reviewer(user)
    return _send_back(
        user=user, actual_id=actual_id, comment=comment, expected_version=expected_version, source=source,
        allowed_from={ActualStatus.SUBMITTED}, action="return", missing_comment="반려 사유를 입력하세요.",
    )


@transaction.atomic
def actual_reopen(
    *, user: User, actual_id: int, comment: str, expected_version: int | None = None,
    source: str = ChangeSource.WEB,
) -> Actual:
    """Admins only: unlock an approved value for correction (back to returned, with the reason)."""
    require_admin(user)
    return _send_back(
        user=user, actual_id=actual_id, comment=comment, expected_version=expected_version, source=source,
        allowed_from={ActualStatus.APPROVED}, action="reopen", missing_comment="승인을 취소하는 사유를 입력하세요.",
    )
