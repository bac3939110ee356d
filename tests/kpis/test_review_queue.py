"""The evaluator's review queue on the real sample plan: what a row shows, filters, one-comment bulk approval."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.errors import InvalidState, PermissionRefused
from kpis import review_views
from kpis.models import Actual, ActualStatus, AuditEntry, Indicator
from kpis.services.actuals import actual_save
from kpis.services.evidence import evidence_add
from kpis.services.workflow import Pick, actual_submit, actuals_approve_many

YEAR = 2024
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def submitted(user, indicator: Indicator, note: str = "", **figures: str) -> Actual:
    """The sample's 2024 placeholder saved with `figures` (inputs by name) and submitted by `user`."""
    seen = Actual.objects.get(indicator=indicator, year=YEAR)
    draft = actual_save(
        user=user, indicator_id=indicator.pk, year=YEAR, inputs=figures, note=note, expected_version=seen.version
    )
    return actual_submit(user=user, actual_id=draft.pk, expected_version=draft.version)


def queue(client, **params) -> str:
    response = client.get(reverse("entry:review"), params)
    assert response.status_code == 200
    return response.content.decode()


def row_of(body: str, actual: Actual) -> str:
    start = body.index(f'id="actual-{actual.pk}"')
    return body[start:body.index("</tr>", start)]


@pytest.fixture
def survey_submitted(other_dept_user, survey) -> Actual:
    """소통기획과's 도정 핵심사업 인지도 for 2024, a value typed directly (설문조사 결과), submitted."""
    seen = Actual.objects.get(indicator=survey, year=YEAR)
    draft = actual_save(user=other_dept_user, indicator_id=survey.pk, year=YEAR, value="87.5", expected_version=seen.version)
    return actual_submit(user=other_dept_user, actual_id=draft.pk, expected_version=draft.version)


def test_a_row_shows_what_the_evaluator_decides_on(client, dept_user, evaluator, volunteering):
    actual = submitted(dept_user, volunteering, note="1365 시스템 12월 집계", 활동인원="120,000", 인구="2,000,000")
    evidence = evidence_add(user=dept_user, actual_id=actual.pk, upload=SimpleUploadedFile("집계표.pdf", PDF))
    client.force_login(evaluator)

    row = row_of(queue(client), actual)

    assert "자원봉사 활동률" in row and "(%)" in row and "활동인원/인구*100" in row
    assert "활동인원 <span class=\"num\">120,000</span>" in row and "인구 <span class=\"num\">2,000,000</span>" in row
    # 120,000 / 2,000,000 × 100 = 6 against the sample's 2024 target of 6, and its approved 2023 actual of 6
    assert "계산값 <strong class=\"num\">6</strong>" in row and "목표 <span class=\"num\">6</span>" in row
    assert "달성률 <strong>100.00%</strong>" in row and "목표 6" in row
    assert '<td class="num">6</td>' in row
    assert "1365 시스템 12월 집계" in row
    assert f'href="{reverse("entry:evidence", args=[evidence.pk])}"' in row and "집계표.pdf" in row
    assert "<details" in row and f'href="{reverse("entry:history", args=[volunteering.pk])}"' in row
    assert "제출" in row and "dept_cooperation" in row


def test_the_rate_follows_the_years_policy_and_last_year_is_the_approved_value(
    client, dept_user, evaluator, meetings
):
    actual = submitted(dept_user, meetings, 개최횟수="15")
    client.force_login(evaluator)

    row = row_of(queue(client), actual)

    # 15 / 11 × 100 = 136.36, capped at the default policy's 120; the sample's 2023 actual is 12
    assert "(회)" in row and "개최횟수" in row
    assert "달성률 <strong>120.00%</strong>" in row and "136.36" in row
    assert '<td class="num">12</td>' in row


def test_filters_by_department_indicator_bureau_and_status(
    client, dept_user, evaluator, meetings, volunteering, survey_submitted
):
    ours = submitted(dept_user, meetings, 개최횟수="12")
    client.force_login(evaluator)

    everyone = queue(client)
    assert f'id="actual-{ours.pk}"' in everyone and f'id="actual-{survey_submitted.pk}"' in everyone

    by_department = queue(client, department=meetings.department_id)
    assert f'id="actual-{ours.pk}"' in by_department and f'id="actual-{survey_submitted.pk}"' not in by_department

    by_indicator = queue(client, indicator=survey_submitted.indicator_id)
    assert f'id="actual-{survey_submitted.pk}"' in by_indicator and f'id="actual-{ours.pk}"' not in by_indicator

    by_bureau = queue(client, bureau=meetings.department.bureau_id)
    assert f'id="actual-{ours.pk}"' in by_bureau and f'id="actual-{survey_submitted.pk}"' in by_bureau

    approved = queue(client, status="approved", department=meetings.department_id)
    # the sample's approved 2023 actuals of 대외협력과, not the submitted 2024 one
    assert f'id="actual-{ours.pk}"' not in approved
    assert approved.count('class="badge status-approved"') == 3

    assert "조건에 맞는 실적이 없습니다" in queue(client, bureau="999999")


def test_a_chosen_department_narrows_the_indicator_list(client, evaluator, meetings, survey):
    client.force_login(evaluator)

    narrowed = queue(client, department=meetings.department_id)
    assert f'<option value="{meetings.pk}">' in narrowed and f'<option value="{survey.pk}">' not in narrowed

    mismatched = queue(client, department=meetings.department_id, indicator=survey.pk)
    assert "조건에 맞는 실적이 없습니다" in mismatched and 'class="field-errors"' in mismatched


def test_the_queue_is_paginated_keeping_its_filters(client, evaluator, sample_plan, monkeypatch):
    monkeypatch.setattr(review_views, "QUEUE_PAGE_SIZE", 2)
    client.force_login(evaluator)
    approved = Actual.objects.filter(status=ActualStatus.APPROVED).count()
    assert approved > 2

    first = queue(client, status="approved")
    second = queue(client, status="approved", page=2)

    assert first.count('class="badge status-approved"') == 2 and second.count('class="badge status-approved"') == 2
    assert "?status=approved&amp;page=2" in first and "다음 쪽" in first and "이전 쪽" in second


def test_several_rows_are_approved_with_one_comment(client, dept_user, evaluator, meetings, volunteering, survey_submitted):
    first = submitted(dept_user, meetings, 개최횟수="12")
    second = submitted(dept_user, volunteering, 활동인원="120,000", 인구="2,000,000")
    client.force_login(evaluator)

    response = client.post(reverse("entry:approve_many"), {
        "pick": [f"{a.pk}:{a.version}" for a in (first, second, survey_submitted)], "comment": "증빙 확인 완료",
    }, follow=True)

    assert "선택한 실적 3건을 승인했습니다" in response.content.decode()
    for actual in (first, second, survey_submitted):
        stored = Actual.objects.get(pk=actual.pk)
        assert stored.status == ActualStatus.APPROVED and stored.review_comment == "증빙 확인 완료"
        assert stored.reviewed_by == evaluator
        assert AuditEntry.objects.get(indicator_id=actual.indicator_id, year=YEAR, action="approve").comment == "증빙 확인 완료"


def test_one_stale_row_approves_nothing_and_names_the_row(client, dept_user, evaluator, meetings, volunteering):
    fresh = submitted(dept_user, volunteering, 활동인원="120,000", 인구="2,000,000")
    stale = submitted(dept_user, meetings, 개최횟수="12")
    seen = stale.version
    client.force_login(evaluator)
    # someone returns and the department resubmits meanwhile: the version the evaluator saw is gone
    client.post(reverse("entry:decide", args=[stale.pk]), {"version": seen, "decision": "return", "comment": "확인 필요"})
    submitted(dept_user, meetings, 개최횟수="13")

    response = client.post(reverse("entry:approve_many"), {
        "pick": [f"{fresh.pk}:{fresh.version}", f"{stale.pk}:{seen}"], "comment": "일괄 승인",
    }, follow=True)

    body = response.content.decode()
    assert "정무활동 및 당정협력 강화" in body and "2024년" in body and "하나도 승인하지 않았습니다" in body
    assert "먼저 저장했습니다" in body or "버전" in body
    assert Actual.objects.get(pk=fresh.pk).status == ActualStatus.SUBMITTED
    assert Actual.objects.get(pk=stale.pk).status == ActualStatus.SUBMITTED
    assert not AuditEntry.objects.filter(action="approve", year=YEAR).exists()


def test_approving_nothing_selected_says_so(client, evaluator, sample_plan):
    client.force_login(evaluator)
    body = client.post(reverse("entry:approve_many"), {"comment": "x"}, follow=True).content.decode()
    assert "승인할 실적을 선택하세요" in body and "picks" not in body


def test_a_return_without_a_reason_is_refused_in_korean(client, dept_user, evaluator, meetings):
    actual = submitted(dept_user, meetings, 개최횟수="12")
    client.force_login(evaluator)

    response = client.post(reverse("entry:decide", args=[actual.pk]), {
        "version": actual.version, "decision": "return", "comment": "   ",
    }, follow=True)

    body = response.content.decode()
    assert "반려 사유를 입력하세요" in body and "comment:" not in body
    assert Actual.objects.get(pk=actual.pk).status == ActualStatus.SUBMITTED


def test_a_return_with_a_reason_reaches_the_department(client, dept_user, evaluator, meetings):
    actual = submitted(dept_user, meetings, 개최횟수="12")
    client.force_login(evaluator)

    client.post(reverse("entry:decide", args=[actual.pk]), {
        "version": actual.version, "decision": "return", "comment": "개최 일지를 첨부하세요",
    })

    stored = Actual.objects.get(pk=actual.pk)
    assert stored.status == ActualStatus.RETURNED and stored.review_comment == "개최 일지를 첨부하세요"


def test_a_single_approval_keeps_its_comment(client, dept_user, evaluator, meetings):
    actual = submitted(dept_user, meetings, 개최횟수="12")
    client.force_login(evaluator)

    response = client.post(reverse("entry:decide", args=[actual.pk]), {
        "version": actual.version, "decision": "approve", "comment": " 확인했습니다 ",
    }, follow=True)

    assert "실적을 승인했습니다" in response.content.decode()
    stored = Actual.objects.get(pk=actual.pk)
    assert stored.status == ActualStatus.APPROVED and stored.review_comment == "확인했습니다"


def test_a_department_user_is_refused_every_review_page(client, dept_user, meetings):
    actual = submitted(dept_user, meetings, 개최횟수="12")
    client.force_login(dept_user)

    assert client.get(reverse("entry:review")).status_code == 403
    assert client.post(reverse("entry:decide", args=[actual.pk]), {
        "version": actual.version, "decision": "approve",
    }).status_code == 403
    assert client.post(reverse("entry:approve_many"), {"pick": [f"{actual.pk}:{actual.version}"]}).status_code == 403
    assert Actual.objects.get(pk=actual.pk).status == ActualStatus.SUBMITTED


def test_the_queue_needs_a_login(client, sample_plan):
    response = client.get(reverse("entry:review"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_queue_query_count_does_not_grow_with_its_rows(
    client, dept_user, other_dept_user, evaluator, meetings, volunteering, django_assert_max_num_queries
):
    submitted(dept_user, meetings, 개최횟수="12")
    client.force_login(evaluator)
    client.get(reverse("entry:review"))
    # session, user, count, page of actuals, targets, last year's actuals, policies, evidence, recent
    # history, and the filter form's bureaus, departments and indicators
    with django_assert_max_num_queries(12) as small:
        queue(client)
    second = submitted(dept_user, volunteering, note="비고", 활동인원="1", 인구="100")
    evidence_add(user=dept_user, actual_id=second.pk, upload=SimpleUploadedFile("a.pdf", PDF))
    for indicator in Indicator.objects.filter(department__name="소통기획과"):
        seen = Actual.objects.get(indicator=indicator, year=YEAR)
        names = indicator.input_names
        draft = actual_save(
            user=other_dept_user, indicator_id=indicator.pk, year=YEAR, expected_version=seen.version,
            inputs={name: "10" for name in names} if names else None, value=None if names else "10",
        )
        actual_submit(user=other_dept_user, actual_id=draft.pk, expected_version=draft.version)
    assert Actual.objects.filter(status=ActualStatus.SUBMITTED).count() == 5

    with django_assert_max_num_queries(len(small.captured_queries)):
        body = queue(client)
    assert body.count('name="pick"') == 5


def test_a_bulk_approval_keeps_the_single_approval_rules(admin_user, dept_user, meetings, volunteering):
    """An admin may not approve what they entered themselves: the whole batch is refused, naming that row."""
    theirs = submitted(dept_user, meetings, 개최횟수="12")
    own = submitted(admin_user, volunteering, 활동인원="120,000", 인구="2,000,000")

    with pytest.raises(InvalidState) as refused:
        actuals_approve_many(user=admin_user, picks=[Pick(theirs.pk, theirs.version), Pick(own.pk, own.version)])

    assert "대외협력과 '자원봉사 활동률' 2024년" in refused.value.message
    assert "자신이 입력하거나 제출한 실적은 승인할 수 없습니다" in refused.value.message
    assert Actual.objects.get(pk=theirs.pk).status == ActualStatus.SUBMITTED


def test_a_department_user_cannot_approve_in_bulk(dept_user, other_dept_user, meetings):
    actual = submitted(dept_user, meetings, 개최횟수="12")
    with pytest.raises(PermissionRefused):
        actuals_approve_many(user=other_dept_user, picks=[Pick(actual.pk, actual.version)])


def test_a_decision_other_than_approve_or_return_changes_nothing(client, dept_user, evaluator, meetings):
    actual = submitted(dept_user, meetings, 개최횟수="12")
    client.force_login(evaluator)

    response = client.post(reverse("entry:decide", args=[actual.pk]), {
        "version": actual.version, "decision": "delete", "comment": "x",
    }, follow=True)

    assert "승인 또는 반려 버튼을 눌러 주세요" in response.content.decode()
    assert Actual.objects.get(pk=actual.pk).status == ActualStatus.SUBMITTED
