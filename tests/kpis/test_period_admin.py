"""Admins set a year's periods and an indicator's rule in the admin, through the period services (audited)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from kpis.models import Actual, AuditEntry, Organization, PeriodSetting
from kpis.services.actuals import actual_save
from kpis.services.periods import period_setting_save
from tests.kpis.test_indicator_admin import change_url, form_data

pytestmark = pytest.mark.django_db
YEAR = 2025


def test_an_admin_sets_a_year_by_quarter_in_the_admin(client, admin_user, sample_plan):
    client.force_login(admin_user)
    organization = Organization.objects.get()
    response = client.post(
        "/admin/kpis/periodsetting/add/", {"organization": organization.pk, "year": YEAR, "frequency": "quarter"}
    )
    assert response.status_code == 302
    setting = PeriodSetting.objects.get()
    assert (setting.year, setting.count, setting.updated_by) == (YEAR, 4, admin_user)
    assert AuditEntry.objects.get(entity="period_setting").new_value == "quarter"


def test_periods_with_values_cannot_be_changed_in_the_admin(client, admin_user, dept_user, meetings):
    organization = Organization.objects.get()
    setting = period_setting_save(user=admin_user, organization_id=organization.pk, year=YEAR, frequency="quarter")
    actual_save(user=dept_user, indicator_id=meetings.pk, year=YEAR, period=1, inputs={"개최횟수": "3"})
    client.force_login(admin_user)
    response = client.post(
        f"/admin/kpis/periodsetting/{setting.pk}/change/",
        {"organization": organization.pk, "year": YEAR, "frequency": "half"},
    )
    assert response.status_code == 200
    assert "기간별 실적이 이미 입력되어 있어 기간 구분을 바꿀 수 없습니다" in response.content.decode()
    assert PeriodSetting.objects.get().frequency == "quarter"


def test_a_rule_changed_in_the_admin_re_derives_the_year_and_is_audited(client, admin_user, dept_user, meetings):
    period_setting_save(user=admin_user, organization_id=Organization.objects.get().pk, year=YEAR, frequency="quarter")
    for period, count in ((1, "3"), (2, "4")):
        actual_save(user=dept_user, indicator_id=meetings.pk, year=YEAR, period=period, inputs={"개최횟수": count})
    assert Actual.objects.get(indicator=meetings, year=YEAR).value == 7
    client.force_login(admin_user)

    response = client.post(change_url(meetings), form_data(meetings, period_rule="last"))

    assert response.status_code == 302
    assert Actual.objects.get(indicator=meetings, year=YEAR).value == Decimal(4)
    entry = AuditEntry.objects.get(indicator=meetings, field="period_rule")
    assert (entry.old_value, entry.new_value, entry.user) == ("", "last", admin_user)


def test_a_rule_change_that_would_move_a_closed_years_value_is_refused(client, admin_user, dept_user, meetings):
    from kpis.models import EntryYear

    period_setting_save(user=admin_user, organization_id=Organization.objects.get().pk, year=YEAR, frequency="quarter")
    actual_save(user=dept_user, indicator_id=meetings.pk, year=YEAR, period=1, inputs={"개최횟수": "3"})
    EntryYear.objects.create(organization=Organization.objects.get(), year=YEAR, is_closed=True, closed_reason="평가 기간")
    client.force_login(admin_user)

    response = client.post(change_url(meetings), form_data(meetings, period_rule="average"))

    assert response.status_code == 200
    assert "2025년 실적 입력이 마감되었습니다" in response.content.decode()
    meetings.refresh_from_db()
    assert meetings.period_rule == "" and not AuditEntry.objects.filter(field="period_rule").exists()
