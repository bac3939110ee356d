"""The entry page, live preview, review queue and history, driven through URLs as a browser would."""
from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kpis.models import Actual, ActualStatus, AuditEntry, Evidence, Indicator, IndicatorKind, Target

YEAR = 2024


def page_url(indicator: Indicator) -> str:
    return reverse("entry:page", args=[indicator.department_id, YEAR])


def save_url(indicator: Indicator) -> str:
    return reverse("entry:save", args=[indicator.department_id, YEAR, indicator.pk])


def version_of(indicator: Indicator) -> int:
    return Actual.objects.get(indicator=indicator, year=YEAR).version


def test_the_entry_page_shows_each_indicator_with_its_inputs_target_and_last_year(client, dept_user, volunteering):
    client.force_login(dept_user)
    response = client.get(page_url(volunteering))
    body = response.content.decode()
    assert response.status_code == 200
    assert "자원봉사 활동률" in body and "활동인원/인구*100" in body
    assert "활동인원" in body and "인구" in body
    assert "임시 저장" in body and "저장 후 제출" in body
    assert 'src="/static/js/htmx.min.js"' in body or "htmx.min" in body


def test_the_entry_page_needs_a_login(client, volunteering):
    response = client.get(page_url(volunteering))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_entry_page_query_count_does_not_grow_with_indicators(
    client, dept_user, volunteering, django_assert_max_num_queries
):
    client.force_login(dept_user)
    client.get(page_url(volunteering))
    # session, user, department, indicators, targets, actuals (+ evidence prefetch), entry year,
    # messages/session writes
    with django_assert_max_num_queries(12) as baseline:
        client.get(page_url(volunteering))
    for n in range(10):
        extra = Indicator.objects.create(
            department=volunteering.department, name=f"(대외협력과)추가 {n}(건)", short_name=f"추가 {n}", unit="건",
            kind=IndicatorKind.GENERAL, weight=Decimal(1), method_text="건수", formula="건수",
            formula_variables=["건수"],
        )
        Target.objects.create(indicator=extra, year=YEAR, value=Decimal(3))
        Actual.objects.create(indicator=extra, year=YEAR, value=Decimal(2), status=ActualStatus.DRAFT)
    with django_assert_max_num_queries(len(baseline.captured_queries)):
        client.get(page_url(volunteering))


def test_typed_numbers_are_saved_as_a_draft(client, dept_user, volunteering):
    client.force_login(dept_user)
    response = client.post(save_url(volunteering), {
        "version": version_of(volunteering), "in_0": "120,000", "in_1": "１,754,757", "note": "1365 집계", "action": "save",
    }, follow=True)
    assert "임시 저장했습니다" in response.content.decode()
    actual = Actual.objects.get(indicator=volunteering, year=YEAR)
    assert actual.status == ActualStatus.DRAFT
    assert actual.inputs == {"활동인원": "120000", "인구": "1754757"}
    assert actual.note == "1365 집계"


def test_text_in_a_number_field_is_shown_beside_it_and_nothing_is_saved(client, dept_user, volunteering):
    client.force_login(dept_user)
    response = client.post(save_url(volunteering), {
        "version": version_of(volunteering), "in_0": "12회", "in_1": "100", "action": "save",
    }, follow=True)
    body = response.content.decode()
    assert "12회" in body and 'data-field="in_0"' in body
    assert Actual.objects.get(indicator=volunteering, year=YEAR).value is None


def test_another_departments_user_is_refused_and_nothing_is_saved(client, other_dept_user, volunteering):
    client.force_login(other_dept_user)
    response = client.post(save_url(volunteering), {
        "version": version_of(volunteering), "in_0": "1", "in_1": "100", "action": "save",
    }, follow=True)
    assert "권한이 없습니다" in response.content.decode()
    assert Actual.objects.get(indicator=volunteering, year=YEAR).value is None
    assert not AuditEntry.objects.filter(indicator=volunteering, year=YEAR).exclude(source="plan").exists()


def test_a_stale_form_is_refused_with_the_other_persons_value(client, dept_user, admin_user, volunteering):
    seen = version_of(volunteering)
    client.force_login(admin_user)
    client.post(save_url(volunteering), {"version": seen, "in_0": "100", "in_1": "1000", "action": "save"})
    client.force_login(dept_user)
    response = client.post(save_url(volunteering), {
        "version": seen, "in_0": "999", "in_1": "1000", "action": "save",
    }, follow=True)
    body = response.content.decode()
    assert "planner_admin" in body and "먼저 저장했습니다" in body
    assert Actual.objects.get(indicator=volunteering, year=YEAR).value == Decimal(10)


def test_the_live_preview_shows_the_computed_value_and_rate(client, dept_user, volunteering):
    client.force_login(dept_user)
    url = reverse("entry:preview", args=[volunteering.department_id, YEAR, volunteering.pk])
    response = client.post(url, {"in_0": "120,000", "in_1": "2,000,000"})
    body = response.content.decode()
    # 120000 / 2000000 × 100 = 6; target 6 → 100%
    assert "계산값" in body and "6" in body and "100.00%" in body
    assert Actual.objects.get(indicator=volunteering, year=YEAR).value is None


def test_submit_then_evaluator_approves_from_the_queue_and_history_shows_both(
    client, dept_user, evaluator, volunteering
):
    client.force_login(dept_user)
    client.post(save_url(volunteering), {
        "version": version_of(volunteering), "in_0": "120,000", "in_1": "2,000,000", "action": "submit",
    })
    actual = Actual.objects.get(indicator=volunteering, year=YEAR)
    assert actual.status == ActualStatus.SUBMITTED
    assert client.get(reverse("entry:review")).status_code == 403

    client.force_login(evaluator)
    queue = client.get(reverse("entry:review")).content.decode()
    assert "자원봉사 활동률" in queue
    client.post(reverse("entry:decide", args=[actual.pk]), {"version": actual.version, "decision": "approve"})
    assert Actual.objects.get(pk=actual.pk).status == ActualStatus.APPROVED

    history = client.get(reverse("entry:history", args=[volunteering.pk])).content.decode()
    assert "제출" in history and "승인" in history and "dept_cooperation" in history and "evaluator" in history


def test_a_pdf_is_attached_and_a_renamed_text_file_is_refused(client, dept_user, volunteering):
    client.force_login(dept_user)
    pdf = SimpleUploadedFile("근거.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    client.post(save_url(volunteering), {
        "version": version_of(volunteering), "in_0": "1", "in_1": "100", "action": "save", "evidence": pdf,
    })
    assert Evidence.objects.filter(actual__indicator=volunteering, original_name="근거.pdf").count() == 1
    fake = SimpleUploadedFile("가짜.pdf", b"just text", content_type="application/pdf")
    response = client.post(save_url(volunteering), {
        "version": version_of(volunteering), "in_0": "2", "in_1": "100", "action": "save", "evidence": fake,
    }, follow=True)
    assert "맞지 않습니다" in response.content.decode()
    assert Evidence.objects.filter(actual__indicator=volunteering).count() == 1
    # the whole save was refused with the bad attachment
    assert Actual.objects.get(indicator=volunteering, year=YEAR).value == Decimal(1)


def test_a_refused_write_goes_to_the_security_log_with_user_and_address(client, other_dept_user, volunteering, caplog):
    import logging

    client.force_login(other_dept_user)
    with caplog.at_level(logging.WARNING, logger="security"):
        client.post(save_url(volunteering), {"version": version_of(volunteering), "in_0": "1", "in_1": "2"})
    assert "refused action=actual_write user=dept_comms ip=127.0.0.1" in caplog.text


def test_each_input_shows_its_rule_from_the_indicators_domain(client, dept_user, meetings, volunteering):
    client.force_login(dept_user)

    body = client.get(page_url(meetings)).content.decode()

    assert f'<small class="rule" id="rule-{meetings.pk}-in_0">0 이상의 정수</small>' in body
    assert f'<small class="rule" id="rule-{volunteering.pk}-in_1">0 이상 (소수 넷째 자리까지)</small>' in body
    assert f'<small class="rule" id="rule-{meetings.pk}-note">2,000자까지</small>' in body


def test_a_note_over_the_limit_is_refused_beside_the_note_and_nothing_is_saved(client, dept_user, meetings):
    client.force_login(dept_user)

    response = client.post(save_url(meetings), {
        "version": version_of(meetings), "in_0": "12", "note": "가" * 2001, "action": "save",
    }, follow=True)

    assert ('<li data-field="note">비고는 2,000자까지 입력할 수 있습니다 (입력한 글자 수: 2,001자)</li>'
            in response.content.decode())
    assert Actual.objects.get(indicator=meetings, year=YEAR).value is None


def test_a_value_and_a_note_refused_together_are_each_shown_beside_their_field(client, dept_user, meetings):
    client.force_login(dept_user)

    body = client.post(save_url(meetings), {
        "version": version_of(meetings), "in_0": "12회", "note": "가" * 2001, "action": "save",
    }, follow=True).content.decode()

    assert '<li data-field="in_0">&#x27;12회&#x27;는 숫자가 아닙니다</li>' in body
    assert '<li data-field="note">비고는 2,000자까지' in body


def test_a_notes_line_breaks_count_once_whatever_the_browser_sends(client, dept_user, meetings):
    client.force_login(dept_user)
    note = "가" * 999 + "\r\n" + "나" * 1000  # 2,000 characters once the line break is one

    client.post(save_url(meetings), {"version": version_of(meetings), "in_0": "12", "note": note, "action": "save"})

    assert Actual.objects.get(indicator=meetings, year=YEAR).note == "가" * 999 + "\n" + "나" * 1000


def test_saving_the_form_again_unchanged_keeps_the_version_and_says_so(client, dept_user, volunteering):
    client.force_login(dept_user)
    form = {"version": version_of(volunteering), "in_0": "120,000", "in_1": "1,754,757", "note": "", "action": "save"}
    client.post(save_url(volunteering), form)
    saved = version_of(volunteering)
    audit_rows = AuditEntry.objects.filter(indicator=volunteering, year=YEAR).count()

    response = client.post(save_url(volunteering), {**form, "version": saved}, follow=True)

    assert "바뀐 내용이 없어" in response.content.decode()
    assert version_of(volunteering) == saved
    assert AuditEntry.objects.filter(indicator=volunteering, year=YEAR).count() == audit_rows
