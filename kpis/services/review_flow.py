"""The review workflow's rules, one copy for every record a department writes and an evaluator reviews (an
actual, a report entry): which status allows which step, who may not approve, what a return needs, and the step
itself — a conditional UPDATE on the version the user saw, so that of two concurrent steps one wins."""
from __future__ import annotations

from datetime import datetime

from django.db.models import F, Model, QuerySet

from accounts.models import User
from core.errors import InvalidInput, InvalidState
from core.korean import with_josa
from core.security import log_refusal

ACTION_LABELS = {"submit": "제출", "approve": "승인", "return": "반려", "reopen": "승인 취소"}
# The statuses a department may still change and submit (ActualStatus and ReportEntryStatus share these values).
EDITABLE = frozenset({"draft", "returned"})
SUBMITTED = frozenset({"submitted"})


def refuse_unless_status(record: Model, allowed_from: set[str] | frozenset[str], action: str) -> None:
    """The step `action` starts only from `allowed_from`."""
    if record.status not in allowed_from:
        raise InvalidState(f"'{record.get_status_display()}' 상태에서는 {ACTION_LABELS[action]}할 수 없습니다.")


def refuse_own_approval(user: User, record: Model, what: str, reference: str) -> None:
    """Nobody approves what they wrote or submitted themselves (`what`: the record's Korean name)."""
    if user.pk in (record.submitted_by_id, record.updated_by_id):
        log_refusal(user, "approve_own", reference)
        raise InvalidState(f"자신이 입력하거나 제출한 {with_josa(what, '은/는')} 승인할 수 없습니다.")


def required_reason(comment: str | None, message: str = "반려 사유를 입력하세요.") -> str:
    """A return (or a reopening) says why: the reason, trimmed, or the refusal naming the comment field."""
    reason = (comment or "").strip()
    if not reason:
        raise InvalidInput({"comment": [message]})
    return reason


def submitted_fields(user: User, now: datetime) -> dict:
    return {"submitted_by": user, "submitted_at": now, "updated_at": now}


def reviewed_fields(user: User, comment: str, now: datetime) -> dict:
    return {"reviewed_by": user, "reviewed_at": now, "review_comment": comment, "updated_at": now}


def step(
    rows: QuerySet, record: Model, *, expected_version: int | None, allowed_from: set[str] | frozenset[str], to: str,
    extra: dict | None = None,
) -> bool:
    """Move `record` to `to` if it still has the version the user saw and a status the step starts from;
    False when another write came first (the caller answers with its own conflict)."""
    version = record.version if expected_version is None else expected_version
    updated = rows.filter(pk=record.pk, version=version, status__in=allowed_from).update(
        status=to, version=F("version") + 1, **(extra or {})
    )
    return updated == 1
