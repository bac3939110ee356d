"""The entry page of a year reported by quarter: a row per quarter, the year value derived and never a form."""
from __future__ import annotations

import pytest
from django.urls import reverse

from kpis.models import Actual, ActualStatus, Indicator, Organization
from kpis.services.periods import period_setting_save

YEAR = 2025


@pytest.fixture
def quarters(admin_user):
    period_setting_save(user=admin_user, organization_id=Organization.objects.get().pk, year=YEAR, frequency="quarter")


def page_url(indicator: Indicator) -> str:
    return reverse("entry:page", args=[indicator.department_id, YEAR])


def save(client, indicator: Indicator, period: int, count: str, action: str = "save", version: str = ""):
    return client.post(
        reverse("entry:save", args=[indicator.department_id, YEAR, indicator.pk]),
        {"period": period, "in_0": count, "version": version, "note": "", "action": action}, follow=True,
    )


def test_a_quarter_year_shows_a_row_per_quarter_and_no_year_form(client, quarters, dept_user, meetings):
    client.force_login(dept_user)
    body = client.get(page_url(meetings)).content.decode()
    assert all(f'id="ind-{meetings.pk}-p{period}"' in body for period in (1, 2, 3, 4))
    assert "1분기" in body and "4분기" in body
    assert "2025년 실적은 분기별로 입력합니다" in body and "합계(누계형)" in body
    assert body.count('name="period" value="') == 4 * meetings.department.indicators.count()


def test_quarters_typed_on_the_page_add_up_to_the_year(client, quarters, dept_user, meetings):
    client.force_login(dept_user)
    assert "임시 저장했습니다" in save(client, meetings, 1, "3").content.decode()
    response = save(client, meetings, 2, "4", action="submit")
    assert "제출했습니다" in response.content.decode()

    year = Actual.objects.get(indicator=meetings, year=YEAR)
    assert year.value == 7 and year.status == ActualStatus.DRAFT
    second = Actual.all_periods.get(indicator=meetings, year=YEAR, period=2)
    assert second.status == ActualStatus.SUBMITTED
    body = response.content.decode()
    assert "평가자가 검토하는 중이라" in body  # the submitted quarter is shown locked


def test_a_refused_quarter_shows_its_error_beside_that_quarter(client, quarters, dept_user, meetings):
    client.force_login(dept_user)
    response = save(client, meetings, 3, "2.5")
    body = response.content.decode()
    assert "저장하지 않았습니다" in body
    assert f'id="err-{meetings.pk}-p3-in_0"' in body
    assert not Actual.all_periods.filter(indicator=meetings, year=YEAR).exists()


def test_the_year_value_posted_to_a_quarter_year_is_refused(client, quarters, dept_user, meetings):
    client.force_login(dept_user)
    body = save(client, meetings, 0, "12").content.decode()
    assert "분기 실적에서 계산되므로 직접 입력할 수 없습니다" in body
    assert not Actual.all_periods.filter(indicator=meetings, year=YEAR).exists()


def test_the_preview_of_a_quarter_shows_its_value_and_no_rate_against_the_years_target(
    client, quarters, dept_user, meetings,
):
    client.force_login(dept_user)
    url = reverse("entry:preview", args=[meetings.department_id, YEAR, meetings.pk])
    body = client.post(url, {"period": 1, "in_0": "3"}).content.decode()
    assert "계산값 <strong>3</strong>" in body and "달성률" not in body and "평가할 수 없습니다" not in body


def test_evidence_is_attached_to_the_quarter_it_was_saved_with(client, quarters, dept_user, meetings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(dept_user)
    upload = SimpleUploadedFile("q2.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = client.post(
        reverse("entry:save", args=[meetings.department_id, YEAR, meetings.pk]),
        {"period": 2, "in_0": "4", "version": "", "note": "", "action": "save", "evidence": upload}, follow=True,
    )
    assert "임시 저장했습니다" in response.content.decode()
    second = Actual.all_periods.get(indicator=meetings, year=YEAR, period=2)
    assert [item.original_name for item in second.evidence.all()] == ["q2.pdf"]
    assert f'id="ind-{meetings.pk}-p2"' in response.content.decode() and "q2.pdf" in response.content.decode()
