"""Which organizations a user sees is read once per request, and an account given none is told whom to ask."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role, User
from kpis.models import Organization, OrganizationKind
from kpis.scope import visible_organization_ids
from kpis.services.scores import scores_recompute
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NO_ORGANIZATION = "관리자에게 소속 기관 지정을 요청하세요"


@pytest.fixture
def province_evaluator(evaluator, sample_plan) -> User:
    """The province's evaluator, given its cities and counties: seeing them takes a query of the organizations."""
    Organization.objects.create(name="전주시", kind=OrganizationKind.LOCAL, parent=sample_plan.organization)
    evaluator.sees_child_organizations = True
    evaluator.save()
    return evaluator


def children_queries(context: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in context.captured_queries
            if 'FROM "kpis_organization"' in query["sql"] and '"parent_id" =' in query["sql"]]


@pytest.mark.parametrize("url", ["/", "/scores/2023/", "/review/"])
def test_a_page_reads_the_visible_organizations_once(client, province_evaluator, url):
    scores_recompute(2023)
    client.force_login(province_evaluator)
    client.get(url)  # the session's organization is remembered on the first visit
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    assert len(children_queries(context)) == 1


def test_a_changed_user_is_read_afresh(province_evaluator, sample_plan):
    assert len(visible_organization_ids(province_evaluator)) == 2
    province_evaluator.sees_child_organizations = False
    assert visible_organization_ids(province_evaluator) == {sample_plan.organization_id}


def test_an_evaluator_without_an_organization_is_told_whom_to_ask(client, sample_plan):
    lost = User.objects.create_user(username="lost", password=PASSWORD, role=Role.EVALUATOR)
    client.force_login(lost)
    page = client.get("/").content.decode()
    assert NO_ORGANIZATION in page
    assert sample_plan.name not in page


def test_an_evaluator_of_an_organization_is_not_told_so(client, evaluator):
    client.force_login(evaluator)
    assert NO_ORGANIZATION not in client.get("/").content.decode()
