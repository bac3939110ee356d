"""Writing report entries: save, submit, approve, return. Each change is a conditional UPDATE on the version
the user saw, checked by kpis.services.permissions and audited (entity "report_entry") in one transaction."""
from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from core.errors import InvalidInput, InvalidState, NotFound
from core.security import log_refusal
from kpis.models import ChangeSource, Indicator
from kpis.scope import scoped
from kpis.services.audit import audit_record, audit_write
from kpis.services.permissions import require_report_writer, require_reviewer
from reports.achievement import falls_short, shortfall_text, year_rates
from reports.models import ReportEntry, ReportEntryStatus
from reports.selectors import TEXT_FIELDS

ENTITY = "report_entry"
TEXT_MAX_LENGTH = 4000
EDITABLE = {ReportEntryStatus.DRAFT, ReportEntryStatus.RETURNED}
ACTION_LABELS = {"submit": "제출", "approve": "승인", "return": "반려"}


def _indicator(user: User, indicator_id: int) -> Indicator:
    indicator = scoped(Indicator.objects.select_related("department"), user).filter(pk=indicator_id).first()
    if indicator is None:
        log_refusal(user, "out_of_scope", f"indicator={indicator_id}")
        raise NotFound("성과지표를 찾을 수 없습니다.")
    return indicator


def _entry(user: User, entry_id: int) -> ReportEntry:
    entry = (
        scoped(ReportEntry.objects.select_related("indicator__department"), user, "indicator__department__bureau__organization_id")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        log_refusal(user, "out_of_scope", f"report_entry={entry_id}")
        raise NotFound("성과보고서 작성 내용을 찾을 수 없습니다.")
    return entry


def _clean_texts(texts: dict[str, str | None]) -> dict[str, str]:
    cleaned, errors = {}, {}
    for name in TEXT_FIELDS:
        text = (texts.get(name) or "").strip()
        if len(text) > TEXT_MAX_LENGTH:
            errors[name] = [f"{TEXT_MAX_LENGTH:,}자까지 입력할 수 있습니다 (입력한 글자 수: {len(text):,}자)."]
        cleaned[name] = text
    if errors:
        raise InvalidInput(errors)
    return cleaned


def _stale(entry: ReportEntry) -> InvalidState:
    current = ReportEntry.objects.select_related("updated_by").get(pk=entry.pk)
    who = current.updated_by.username if current.updated_by else "알 수 없음"
    when = timezone.localtime(current.updated_at).strftime("%Y-%m-%d %H:%M")
    return InvalidState(
        f"{who} 사용자가 {when}에 먼저 저장했습니다 (버전 {current.version}). 최신 내용을 확인한 뒤 다시 저장하세요."
    )


def _audit(user: User, source: str, entry: ReportEntry, action: str, **kwargs) -> None:
    audit_write(
        [
            audit_record(
                user=user, source=source, entity=ENTITY, action=action, department_id=entry.indicator.department_id,
                indicator_id=entry.indicator_id, year=entry.year, **kwargs,
            )
        ]
    )


@transaction.atomic
def report_entry_save(
    *, user: User, indicator_id: int, year: int, shortfall_reason: str | None = "", improvement_plan: str | None = "",
    analysis: str | None = "", expected_version: int | None = None, source: str = ChangeSource.WEB,
) -> ReportEntry:
    """Create or change the draft of an indicator's entry for `year` (refused once submitted or approved)."""
    indicator = _indicator(user, indicator_id)
    require_report_writer(user, indicator.department_id)
    texts = _clean_texts(
        {"shortfall_reason": shortfall_reason, "improvement_plan": improvement_plan, "analysis": analysis}
    )
    entry = ReportEntry.objects.filter(indicator=indicator, year=year).first()
    if entry is None:
        entry = ReportEntry(indicator=indicator, year=year, source=source, updated_by=user, **texts)
        entry.full_clean()
        entry.save()
        _audit(user, source, entry, "create", changes={name: (None, value) for name, value in texts.items() if value})
        return entry
    if entry.status not in EDITABLE:
        raise InvalidState(f"'{entry.get_status_display()}' 상태의 작성 내용은 수정할 수 없습니다.")
    changes = {name: (getattr(entry, name), value) for name, value in texts.items() if getattr(entry, name) != value}
    if not changes:
        return entry
    version = entry.version if expected_version is None else expected_version
    updated = ReportEntry.objects.filter(pk=entry.pk, version=version, status__in=EDITABLE).update(
        version=F("version") + 1, source=source, updated_by=user, updated_at=timezone.now(), **texts
    )
    if updated != 1:
        raise _stale(entry)
    _audit(user, source, entry, "update", changes=changes)
    return ReportEntry.objects.select_related("indicator__department").get(pk=entry.pk)


def _transition(
    *, user: User, entry: ReportEntry, expected_version: int | None, allowed_from: set[str], to: str, action: str,
    source: str, comment: str = "", extra: dict | None = None,
) -> ReportEntry:
    if entry.status not in allowed_from:
        raise InvalidState(f"'{entry.get_status_display()}' 상태에서는 {ACTION_LABELS[action]}할 수 없습니다.")
    version = entry.version if expected_version is None else expected_version
    updated = ReportEntry.objects.filter(pk=entry.pk, version=version, status__in=allowed_from).update(
        status=to, version=F("version") + 1, updated_at=timezone.now(), **(extra or {})
    )
    if updated != 1:
        raise _stale(entry)
    _audit(user, source, entry, action, field="status", old=entry.status, new=to, comment=comment)
    return ReportEntry.objects.select_related("indicator__department").get(pk=entry.pk)


@transaction.atomic
def report_entry_submit(
    *, user: User, entry_id: int, expected_version: int | None = None, source: str = ChangeSource.WEB
) -> ReportEntry:
    """Submit for review; refused without a 미달성 사유 when the indicator fell short (reports.achievement)."""
    entry = _entry(user, entry_id)
    require_report_writer(user, entry.indicator.department_id)
    rate = year_rates([entry.indicator], entry.year)[entry.indicator_id]
    if falls_short(rate) and not entry.shortfall_reason.strip():
        raise InvalidInput({"shortfall_reason": [f"{shortfall_text(rate)} 미달성 사유를 입력해야 제출할 수 있습니다."]})
    return _transition(
        user=user, entry=entry, expected_version=expected_version, allowed_from=EDITABLE,
        to=ReportEntryStatus.SUBMITTED, action="submit", source=source,
        extra={"submitted_by": user, "submitted_at": timezone.now()},
    )


@transaction.atomic
def report_entry_approve(
    *, user: User, entry_id: int, expected_version: int | None = None, comment: str = "",
    source: str = ChangeSource.WEB,
) -> ReportEntry:
    require_reviewer(user)
    entry = _entry(user, entry_id)
    if entry.submitted_by_id == user.pk or entry.updated_by_id == user.pk:
        log_refusal(user, "approve_own", f"report_entry={entry_id}")
        raise InvalidState("자신이 작성하거나 제출한 내용은 승인할 수 없습니다.")
    comment = (comment or "").strip()
    return _transition(
        user=user, entry=entry, expected_version=expected_version, allowed_from={ReportEntryStatus.SUBMITTED},
        to=ReportEntryStatus.APPROVED, action="approve", source=source, comment=comment,
        extra={"reviewed_by": user, "reviewed_at": timezone.now(), "review_comment": comment},
    )


@transaction.atomic
def report_entry_return(
    *, user: User, entry_id: int, comment: str, expected_version: int | None = None, source: str = ChangeSource.WEB,
) -> ReportEntry:
    """Send a submitted entry back to its department with the reason (required)."""
    require_reviewer(user)
    comment = (comment or "").strip()
    if not comment:
        raise InvalidInput({"comment": ["반려 사유를 입력하세요."]})
    entry = _entry(user, entry_id)
    return _transition(
        user=user, entry=entry, expected_version=expected_version, allowed_from={ReportEntryStatus.SUBMITTED},
        to=ReportEntryStatus.RETURNED, action="return", source=source, comment=comment,
        extra={"reviewed_by": user, "reviewed_at": timezone.now(), "review_comment": comment},
    )
