"""/api/v1/organizations/: list and detail within the user's scope, with plan years and bureaus."""
from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import Role
from imports.services import plan_import
from kpis.models import Organization, OrganizationKind
from tests.conftest import SAMPLE_PLAN, _make_user

pytestmark = pytest.mark.django_db
API = "/api/v1/organizations/"


@pytest.fixture
def jeonbuk(sample_plan) -> Organization:
    return sample_plan.organization


@pytest.fixture
def jeonju(jeonbuk) -> Organization:
    organization = Organization.objects.create(name="전주시", kind=OrganizationKind.LOCAL, parent=jeonbuk, code="4511000")
    plan_import(path=SAMPLE_PLAN, organization=organization)
    return organization


@pytest.fixture
def busan(db) -> Organization:
    return Organization.objects.create(name="부산광역시")


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def test_an_evaluator_lists_its_own_organization_with_its_plan_years_and_bureaus(evaluator, jeonju, busan):
    response = api_for(evaluator).get(API)
    assert names(response) == ["전북특별자치도"]
    row = response.json()["results"][0]
    assert row["kind"] == "provincial" and row["kind_label"] == "광역" and row["parent"] is None
    assert [(year["plan_year"], [b["name"] for b in year["bureaus"]]) for year in row["plan_years"]] == [
        (2025, ["대외국제소통국"])
    ]


def test_a_province_evaluator_given_its_cities_sees_them_and_the_viewer_sees_all(evaluator, jeonju, busan):
    evaluator.sees_child_organizations = True
    evaluator.save(update_fields=["sees_child_organizations"])
    assert names(api_for(evaluator).get(API)) == ["전북특별자치도", "전주시"]
    viewer = _make_user("national_viewer", "evaluator")
    viewer.role, viewer.organization = Role.VIEWER, None
    viewer.save(update_fields=["role", "organization"])
    assert names(api_for(viewer).get(API)) == ["부산광역시", "전북특별자치도", "전주시"]


def test_detail_of_an_organization_out_of_scope_is_404_with_no_data(evaluator, jeonju, busan):
    client = api_for(evaluator)
    for organization in (jeonju, busan):
        response = client.get(f"{API}{organization.pk}/")
        assert response.status_code == 404
        assert organization.name not in response.content.decode()
    own = client.get(f"{API}{evaluator.organization_id}/")
    assert own.status_code == 200 and own.json()["name"] == "전북특별자치도"
    assert client.get(f"{API}abc/").status_code == 404


def test_a_city_detail_names_its_parent_and_code(evaluator, jeonju):
    evaluator.sees_child_organizations = True
    evaluator.save(update_fields=["sees_child_organizations"])
    body = api_for(evaluator).get(f"{API}{jeonju.pk}/").json()
    assert (body["parent"], body["code"], body["kind_label"]) == (jeonju.parent_id, "4511000", "기초")


def test_a_user_of_no_organization_sees_none(db):
    from accounts.models import User

    user = User.objects.create_user(username="nobody", password="x-correct-horse-1", role=Role.EVALUATOR)
    assert names(api_for(user).get(API)) == []


def test_anonymous_is_refused(jeonju):
    assert APIClient().get(API).status_code in (401, 403)


def test_the_list_runs_a_constant_number_of_queries(evaluator, jeonju):
    viewer = _make_user("national_viewer", "evaluator")
    viewer.role, viewer.organization = Role.VIEWER, None
    viewer.save(update_fields=["role", "organization"])
    client = api_for(viewer)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(API).status_code == 200
        return len(captured)

    before = count()
    for number in range(15):
        organization = Organization.objects.create(name=f"기관{number:02d}")
        organization.bureaus.create(name="기획조정실", plan_year=2025)
        organization.bureaus.create(name="기획조정실", plan_year=2026)
    assert count() == before
    assert before <= 4


def test_the_schema_documents_organizations(evaluator):
    client = APIClient()
    client.force_login(evaluator)
    schema = json.loads(client.get("/api/v1/schema/", {"format": "json"}).content)
    assert {"/api/v1/organizations/", "/api/v1/organizations/{id}/"} <= set(schema["paths"])
    organization = schema["components"]["schemas"]["Organization"]["properties"]
    assert {"id", "name", "kind", "code", "parent", "plan_years"} <= set(organization)
