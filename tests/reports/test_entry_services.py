"""Report entries (미달성 사유, 향후 개선계획, 성과 분석) through the service layer: the required reason, the review
workflow, audit rows and scope."""
from __future__ import annotations

import pytest

from accounts.services import user_create_or_update
from core.errors import InvalidInput, InvalidState, NotFound, PermissionRefused
from kpis.audit_labels import event_label
from kpis.models import Actual, AuditEntry, Organization
from kpis.services.actuals import actual_save
from reports.models import ReportEntryStatus
from reports.services import report_entry_approve, report_entry_return, report_entry_save, report_entry_submit
from tests.conftest import PASSWORD

REPORTED = 2023  # the sample's actuals: 12/11, 32/32, 6/6 for 대외협력과, all at or above 100 %
SHORT = 2024  # placeholders in the sample: the tests report a value below the target


def fall_short(user, indicator):
    """대외협력과's 정무활동 counts meetings: report one, far below the 2024 target."""
    placeholder = Actual.objects.get(indicator=indicator, year=SHORT)
    actual_save(user=user, indicator_id=indicator.pk, year=SHORT, inputs={"개최횟수": "1"}, expected_version=placeholder.version)


def entry_audit(entry):
    return list(AuditEntry.objects.filter(entity="report_entry", indicator_id=entry.indicator_id).order_by("id"))


def test_a_shortfall_cannot_be_submitted_without_its_reason(dept_user, meetings):
    fall_short(dept_user, meetings)
    entry = report_entry_save(user=dept_user, indicator_id=meetings.pk, year=SHORT, improvement_plan="하반기 집중 개최")

    with pytest.raises(InvalidInput) as refused:
        report_entry_submit(user=dept_user, entry_id=entry.pk)

    assert "미달성 사유" in refused.value.message and "100% 미만" in refused.value.message
    entry.refresh_from_db()
    assert entry.status == ReportEntryStatus.DRAFT
    assert [a.action for a in entry_audit(entry)] == ["create"]


def test_a_shortfall_with_its_reason_is_submitted(dept_user, meetings):
    fall_short(dept_user, meetings)
    entry = report_entry_save(user=dept_user, indicator_id=meetings.pk, year=SHORT, shortfall_reason="일정 연기")

    entry = report_entry_submit(user=dept_user, entry_id=entry.pk, expected_version=entry.version)

    assert entry.status == ReportEntryStatus.SUBMITTED and entry.submitted_by == dept_user


def test_no_reason_is_asked_at_or_above_100_percent(dept_user, meetings):
    # 2023: 12 meetings against 11 → 109.09 %
    entry = report_entry_save(user=dept_user, indicator_id=meetings.pk, year=REPORTED, analysis="목표 초과 달성")

    assert report_entry_submit(user=dept_user, entry_id=entry.pk).status == ReportEntryStatus.SUBMITTED


def test_an_evaluator_returns_with_a_reason_and_the_department_resubmits(dept_user, evaluator, meetings):
    entry = report_entry_save(user=dept_user, indicator_id=meetings.pk, year=REPORTED, analysis="초안")
    entry = report_entry_submit(user=dept_user, entry_id=entry.pk)

    with pytest.raises(InvalidInput) as no_reason:
        report_entry_return(user=evaluator, entry_id=entry.pk, comment="  ")
    assert "반려 사유" in no_reason.value.message

    entry = report_entry_return(user=evaluator, entry_id=entry.pk, comment="분석을 구체적으로 써 주세요")
    assert entry.status == ReportEntryStatus.RETURNED and entry.review_comment == "분석을 구체적으로 써 주세요"

    entry = report_entry_save(
        user=dept_user, indicator_id=meetings.pk, year=REPORTED, analysis="12회 개최로 목표 초과",
        expected_version=entry.version,
    )
    entry = report_entry_submit(user=dept_user, entry_id=entry.pk)
    entry = report_entry_approve(user=evaluator, entry_id=entry.pk, comment="확인")

    assert entry.status == ReportEntryStatus.APPROVED and entry.reviewed_by == evaluator
    rows = entry_audit(entry)
    assert [(a.action, a.user_id) for a in rows] == [
        ("create", dept_user.pk), ("submit", dept_user.pk), ("return", evaluator.pk), ("update", dept_user.pk),
        ("submit", dept_user.pk), ("approve", evaluator.pk),
    ]
    assert rows[2].comment == "분석을 구체적으로 써 주세요"
    assert rows[3].changes == {"analysis": ["초안", "12회 개최로 목표 초과"]}
    assert event_label("report_entry", "return") == "성과보고서 반려"


def test_a_submitted_or_approved_entry_is_read_only(dept_user, evaluator, meetings):
    entry = report_entry_save(user=dept_user, indicator_id=meetings.pk, year=REPORTED, analysis="초안")
    report_entry_submit(user=dept_user, entry_id=entry.pk)

    with pytest.raises(InvalidState):
        report_entry_save(user=dept_user, indicator_id=meetings.pk, year=REPORTED, analysis="바꿈")
    report_entry_approve(user=evaluator, entry_id=entry.pk)
    with pytest.raises(InvalidState):
        report_entry_save(user=dept_user, indicator_id=meetings.pk, year=REPORTED, analysis="바꿈")


def test_a_stale_version_is_refused(dept_user, meetings):
    entry = report_entry_save(user=dept_user, indicator_id=meetings.pk, year=REPORTED, analysis="초안")
    report_entry_save(user=dept_user, indicator_id=meetings.pk, year=REPORTED, analysis="둘째", expected_version=1)

    with pytest.raises(InvalidState) as stale:
        report_entry_save(user=dept_user, indicator_id=meetings.pk, year=REPORTED, analysis="셋째", expected_version=1)
    assert "버전 2" in stale.value.message
    entry.refresh_from_db()
    assert entry.analysis == "둘째"


def test_a_department_cannot_write_or_submit_another_departments_entry(dept_user, other_dept_user, meetings):
    with pytest.raises(PermissionRefused):
        report_entry_save(user=other_dept_user, indicator_id=meetings.pk, year=REPORTED, analysis="남의 부서")
    entry = report_entry_save(user=dept_user, indicator_id=meetings.pk, year=REPORTED, analysis="초안")
    with pytest.raises(PermissionRefused):
        report_entry_submit(user=other_dept_user, entry_id=entry.pk)
    assert [a.action for a in entry_audit(entry)] == ["create"]


def test_an_evaluator_of_another_organization_sees_no_entry(dept_user, meetings):
    Organization.objects.create(name="전라남도")
    outsider, _ = user_create_or_update(
        username="evaluator_b", role="evaluator", password=PASSWORD, validate=False, organization_name="전라남도"
    )
    entry = report_entry_save(user=dept_user, indicator_id=meetings.pk, year=REPORTED, analysis="초안")
    report_entry_submit(user=dept_user, entry_id=entry.pk)

    with pytest.raises(NotFound):
        report_entry_approve(user=outsider, entry_id=entry.pk)
    with pytest.raises(NotFound):
        report_entry_return(user=outsider, entry_id=entry.pk, comment="반려")
    with pytest.raises(NotFound):
        report_entry_save(user=outsider, indicator_id=meetings.pk, year=REPORTED, analysis="x")
    entry.refresh_from_db()
    assert entry.status == ReportEntryStatus.SUBMITTED
    assert [a.action for a in entry_audit(entry)] == ["create", "submit"]


def test_a_department_user_cannot_approve(dept_user, other_dept_user, meetings):
    entry = report_entry_save(user=dept_user, indicator_id=meetings.pk, year=REPORTED, analysis="초안")
    report_entry_submit(user=dept_user, entry_id=entry.pk)
    with pytest.raises(PermissionRefused):
        report_entry_approve(user=other_dept_user, entry_id=entry.pk)


def test_too_long_a_text_names_its_field(dept_user, meetings):
    with pytest.raises(InvalidInput) as refused:
        report_entry_save(user=dept_user, indicator_id=meetings.pk, year=REPORTED, improvement_plan="가" * 4001)
    assert refused.value.message.startswith("향후 개선계획:")
    assert not AuditEntry.objects.filter(entity="report_entry").exists()


def test_an_admin_cannot_approve_an_entry_they_wrote(admin_user, meetings):
    entry = report_entry_save(user=admin_user, indicator_id=meetings.pk, year=REPORTED, analysis="기획 담당이 대신 작성")
    report_entry_submit(user=admin_user, entry_id=entry.pk)

    with pytest.raises(InvalidState) as refused:
        report_entry_approve(user=admin_user, entry_id=entry.pk)

    assert "자신이 작성하거나 제출한 내용은 승인할 수 없습니다" in refused.value.message
