"""The review workflow of an actual: submit, approve, return, reopen; each a conditional UPDATE on the
version the user saw, audited and marking the department's score for recomputation."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from core.errors import InvalidInput, InvalidState, NotFound, ServiceError
from core.security import log_refusal
from kpis.domain import VALUE_FIELD
from kpis.models import Actual, ActualStatus, ChangeSource
from kpis.period_rules import frequency_label
from kpis.periods import department_period_counts
from kpis.scope import scoped
from kpis.services.actuals import version_conflict
from kpis.services.audit import audit_record, audit_write
from kpis.services.dirty import dirty_mark
from kpis.services.periods import year_rows_derive
from kpis.services.permissions import (
    require_actual_writer,
    require_admin,
    require_department_in_scope,
    require_reviewer,
    require_year_open,
)


def _transition(
    *, user: User, actual_id: int, expected_version: int | None, allowed_from: set[str], to: str, action: str,
    source: str, comment: str = "", extra: dict | None = None,
) -> Actual:
    actual = Actual.all_periods.select_related("indicator__department").filter(pk=actual_id).first()
    if actual is None:
        raise NotFound("실적을 찾을 수 없습니다.")
    department_id = actual.indicator.department_id
    count = department_period_counts(department_ids=[department_id], year=actual.year).get(department_id, 0)
    if actual.period == 0 and count:
        unit = frequency_label(count)
        raise InvalidState(
            f"{actual.year}년 연간 실적은 {unit} 실적에서 정해집니다. {unit} 실적을 하나씩 {ACTION_LABELS[action]}하세요."
        )
    if actual.status not in allowed_from:
        raise InvalidState(
            f"'{actual.get_status_display()}' 상태에서는 {ACTION_LABELS[action]}할 수 없습니다."
        )
    version = actual.version if expected_version is None else expected_version
    updated = Actual.all_periods.filter(pk=actual.pk, version=version, status__in=allowed_from).update(
        status=to, version=F("version") + 1, **(extra or {})
    )
    if updated != 1:
        raise version_conflict(actual.pk, user=user)
    audit_write(
        [
            audit_record(
                user=user, source=source, entity="actual", action=action, field="status", old=actual.status,
                new=to, department_id=department_id, indicator_id=actual.indicator_id,
                year=actual.year, period=actual.period, comment=comment,
            )
        ]
    )
    if actual.period:  # the year row follows its periods
        dirty_mark(year_rows_derive(
            user=user, year=actual.year, indicator_ids=[actual.indicator_id], source=source, now=timezone.now()
        ))
    else:
        dirty_mark([(department_id, actual.year)])
    return Actual.all_periods.get(pk=actual.pk)


ACTION_LABELS = {"submit": "제출", "approve": "승인", "return": "반려", "reopen": "승인 취소"}


@transaction.atomic
def actual_submit(
    *, user: User, actual_id: int, expected_version: int | None = None, source: str = ChangeSource.WEB
) -> Actual:
    actual = Actual.all_periods.select_related("indicator__department").filter(pk=actual_id).first()
    if actual is None:
        raise NotFound("실적을 찾을 수 없습니다.")
    require_actual_writer(user, actual.indicator.department_id)
    require_year_open(actual.indicator.department_id, actual.year)
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
    actual = Actual.all_periods.select_related("indicator__department").filter(pk=actual_id).first()
    if actual is None:
        raise NotFound("실적을 찾을 수 없습니다.")
    require_department_in_scope(user, actual.indicator.department_id, "실적")
    require_year_open(actual.indicator.department_id, actual.year)
    if actual.submitted_by_id == user.pk or actual.updated_by_id == user.pk:
        log_refusal(user, "approve_own", f"actual={actual_id}")
        raise InvalidState("자신이 입력하거나 제출한 실적은 승인할 수 없습니다.")
    now = timezone.now()
    comment = (comment or "").strip()
    return _transition(
        user=user, actual_id=actual_id, expected_version=expected_version, allowed_from={ActualStatus.SUBMITTED},
        to=ActualStatus.APPROVED, action="approve", source=source, comment=comment,
        extra={"reviewed_by": user, "reviewed_at": now, "review_comment": comment, "updated_at": now},
    )


@dataclass(frozen=True)
class Pick:
    """One actual chosen on the review queue, with the version the reviewer saw."""

    actual_id: int
    expected_version: int


@transaction.atomic
def actuals_approve_many(
    *, user: User, picks: Sequence[Pick], comment: str = "", source: str = ChangeSource.WEB
) -> list[Actual]:
    """Approve several actuals with one comment, each under `actual_approve`'s rules: all or none.

    The first refusal rolls every approval back and is raised as InvalidState naming the row and the reason.
    """
    require_reviewer(user)
    if not picks:
        raise InvalidInput({"picks": ["승인할 실적을 선택하세요."]})
    named = {
        actual.pk: f"{actual.indicator.department.name} '{actual.indicator.short_name}' {actual.year}년"
        + (f" 기간 {actual.period}" if actual.period else "")
        for actual in scoped(
            Actual.all_periods.select_related("indicator__department"), user,
            "indicator__department__bureau__organization_id",
        ).filter(pk__in=[pick.actual_id for pick in picks])
    }
    if any(pick.actual_id not in named for pick in picks):  # unknown, or of an organization the user does not see
        raise NotFound("선택한 실적을 찾을 수 없습니다.")
    approved = []
    for pick in picks:
        try:
            approved.append(
                actual_approve(
                    user=user, actual_id=pick.actual_id, expected_version=pick.expected_version, source=source,
                    comment=comment,
                )
            )
        except ServiceError as exc:
            row = named.get(pick.actual_id, f"실적 #{pick.actual_id}")
            raise InvalidState(
                f"{row}: {exc.message} 선택한 실적을 하나도 승인하지 않았습니다."
            ) from exc
    return approved


def _send_back(
    *, user: User, actual_id: int, comment: str, expected_version: int | None, source: str,
    allowed_from: set[str], action: str, missing_comment: str,
) -> Actual:
    """Return a value to its department with a reason (a submitted one, or an approved one reopened)."""
    if not comment or not comment.strip():
        raise InvalidInput({"comment": [missing_comment]})
    actual = Actual.all_periods.select_related("indicator__department").filter(pk=actual_id).first()
    if actual is None:
        raise NotFound("실적을 찾을 수 없습니다.")
    require_department_in_scope(user, actual.indicator.department_id, "실적")
    require_year_open(actual.indicator.department_id, actual.year)
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
