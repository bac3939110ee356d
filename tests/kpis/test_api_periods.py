"""Period actuals through /api/v1/actuals/: a `period` field and filter, the same services and refusals."""
from __future__ import annotations

import pytest

from kpis.models import Actual, Organization
from kpis.services.periods import period_setting_save
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

API = "/api/v1/actuals"
YEAR = 2025


@pytest.fixture
def quarters(admin_user):
    period_setting_save(user=admin_user, organization_id=Organization.objects.get().pk, year=YEAR, frequency="quarter")


def post(user, body: dict):
    return client_for(user).post(API + "/", body, format="json")


def test_quarters_are_posted_and_the_year_value_is_their_sum(quarters, dept_user, meetings):
    first = post(dept_user, {"indicator": meetings.pk, "year": YEAR, "period": 1, "inputs": {"개최횟수": "3"}})
    assert first.status_code == 201, first.json()
    assert first.json()["period"] == 1 and first.json()["target"] is None
    assert post(dept_user, {"indicator": meetings.pk, "year": YEAR, "period": 2, "inputs": {"개최횟수": "4"}}).status_code == 201

    client = client_for(dept_user)
    year = client.get(API + "/", {"indicator": meetings.pk, "year": YEAR, "period": 0}).json()["results"]
    assert [(row["period"], row["value"], row["status"]) for row in year] == [(0, "7.0000", "draft")]
    assert year[0]["target"] is not None  # the year row carries the year's target
    periods = client.get(API + "/", {"indicator": meetings.pk, "year": YEAR}).json()["results"]
    assert [(row["period"], row["value"]) for row in periods] == [(0, "7.0000"), (1, "3.0000"), (2, "4.0000")]


def test_a_period_row_is_patched_and_submitted_by_id(quarters, dept_user, meetings):
    created = post(dept_user, {"indicator": meetings.pk, "year": YEAR, "period": 3, "inputs": {"개최횟수": "3"}}).json()
    client = client_for(dept_user)
    patched = client.patch(f"{API}/{created['id']}/", {"inputs": {"개최횟수": "5"}, "version": 1}, format="json")
    assert patched.status_code == 200 and patched.json()["value"] == "5.0000" and patched.json()["period"] == 3
    submitted = client.post(f"{API}/{created['id']}/submit/", {"version": 2}, format="json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert Actual.objects.get(indicator=meetings, year=YEAR).value == 5


def test_the_year_value_of_a_quarter_year_is_refused_with_its_reason(quarters, dept_user, meetings):
    response = post(dept_user, {"indicator": meetings.pk, "year": YEAR, "inputs": {"개최횟수": "12"}})
    assert response.status_code == 400
    assert "분기 실적에서 계산되므로 직접 입력할 수 없습니다" in response.json()["errors"]["value"][0]
    assert not Actual.all_periods.filter(indicator=meetings, year=YEAR).exists()


@pytest.mark.parametrize("period", [5, -1, "x"])
def test_a_bad_period_is_a_400(quarters, dept_user, meetings, period):
    response = post(dept_user, {"indicator": meetings.pk, "year": YEAR, "period": period, "inputs": {"개최횟수": "1"}})
    assert response.status_code == 400 and "period" in response.json()["errors"]
    assert client_for(dept_user).get(API + "/", {"period": period}).status_code == 400


def test_the_schema_names_the_period(dept_user):
    schema = client_for(dept_user).get("/api/v1/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    assert "period" in components["Actual"]["properties"]
    assert components["ActualCreateRequest"]["properties"]["period"]["maximum"] == 4
    parameters = schema["paths"]["/api/v1/actuals/"]["get"]["parameters"]
    assert any(parameter["name"] == "period" for parameter in parameters)


def test_the_derived_year_row_cannot_be_submitted_or_patched(quarters, dept_user, meetings):
    post(dept_user, {"indicator": meetings.pk, "year": YEAR, "period": 1, "inputs": {"개최횟수": "3"}})
    year = Actual.objects.get(indicator=meetings, year=YEAR)
    client = client_for(dept_user)
    submitted = client.post(f"{API}/{year.pk}/submit/", {"version": year.version}, format="json")
    assert submitted.status_code == 409 and "분기 실적을 하나씩 제출하세요" in submitted.json()["detail"]
    patched = client.patch(f"{API}/{year.pk}/", {"inputs": {"개최횟수": "9"}, "version": year.version}, format="json")
    assert patched.status_code == 400 and "직접 입력할 수 없습니다" in patched.json()["errors"]["value"][0]
    assert Actual.objects.get(pk=year.pk).value == 3
