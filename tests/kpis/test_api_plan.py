"""Read-only plan endpoints under /api/v1/: sample data, filters, bounded input, constant queries."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from budgets.models import BudgetProgram, UnitProgram
from kpis.models import Department, Indicator, PolicyGoal, StrategicGoal
from tests.factories import (
    BudgetProgramAmountFactory,
    BudgetProgramFactory,
    IndicatorFactory,
    PolicyGoalFactory,
    TargetFactory,
    TeamFactory,
    UnitProgramAmountFactory,
)

API = "/api/v1"
LIST_ENDPOINTS = [
    "departments", "strategic-goals", "policy-goals", "indicators", "unit-programs", "budget-programs", "actuals",
]


@pytest.fixture
def api(evaluator) -> APIClient:
    client = APIClient()
    client.force_authenticate(evaluator)
    return client


def queries_for(client: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured)


def test_anonymous_requests_are_refused_on_every_endpoint(sample_plan):
    client = APIClient()
    department = Department.objects.first()
    urls = [f"{API}/{name}/" for name in LIST_ENDPOINTS] + [
        f"{API}/departments/{department.pk}/", f"{API}/indicators/{Indicator.objects.first().pk}/",
        f"{API}/actuals/1/", f"{API}/scores/?year=2023", f"{API}/scores/{department.pk}/?year=2023",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (401, 403), url
        assert response.json()["code"] == "not_authenticated", url
    assert client.get(f"{API}/schema/").status_code in (401, 403)
    for url, body in [
        (f"{API}/actuals/", {"indicator": 1, "year": 2024, "value": "1"}),
        (f"{API}/actuals/1/submit/", {"version": 1}),
        (f"{API}/actuals/1/approve/", {"version": 1}),
        (f"{API}/actuals/1/return/", {"version": 1, "comment": "x"}),
        (f"{API}/scores/recompute/", {"year": 2023}),
    ]:
        assert client.post(url, body, format="json").status_code in (401, 403), url
    assert client.patch(f"{API}/actuals/1/", {"version": 1}, format="json").status_code in (401, 403)


def test_the_docs_page_sends_an_anonymous_browser_to_the_login_page(sample_plan):
    response = APIClient().get(f"{API}/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_lists_the_three_departments_of_the_sample(api):
    body = api.get(f"{API}/departments/").json()
    assert body["count"] == 3
    assert {row["name"] for row in body["results"]} == {"대외협력과", "외국인국제정책과", "소통기획과"}
    assert {row["bureau_name"] for row in body["results"]} == {"대외국제소통국"}


def test_it_shows_one_department_with_its_teams(api):
    department = Department.objects.get(name="대외협력과")
    body = api.get(f"{API}/departments/{department.pk}/").json()
    assert body["name"] == "대외협력과"
    assert body["teams"] == list(department.teams.values_list("name", flat=True))


def test_it_lists_nine_indicators_with_targets_for_2023_to_2027(api):
    body = api.get(f"{API}/indicators/").json()
    assert body["count"] == 9
    for row in body["results"]:
        assert [t["year"] for t in row["targets"]] == [2023, 2024, 2025, 2026, 2027], row["name"]


def test_an_indicator_shows_the_inputs_a_user_types_and_decimals_as_strings(api):
    volunteering = Indicator.objects.get(short_name="자원봉사 활동률")
    body = api.get(f"{API}/indicators/{volunteering.pk}/").json()
    assert body["inputs"] == ["활동인원", "인구"]
    assert body["weight"] == "40.00"
    assert body["targets"][0] == {
        "year": 2023, "value": "6.0000", "value_display": "6", "revised_at": None, "revisions": [],
    }
    survey = Indicator.objects.get(short_name="도정 핵심사업 인지도")
    assert api.get(f"{API}/indicators/{survey.pk}/").json()["inputs"] == []


def test_indicators_filter_by_department_kind_and_policy_goal(api):
    cooperation = Department.objects.get(name="대외협력과")
    body = api.get(f"{API}/indicators/", {"department": cooperation.pk}).json()
    assert {row["department_name"] for row in body["results"]} == {"대외협력과"}
    assert body["count"] == 3
    core = api.get(f"{API}/indicators/", {"kind": "core"}).json()["results"]
    assert core and {row["kind"] for row in core} == {"core"}
    goal = Indicator.objects.exclude(policy_goal=None).first().policy_goal
    by_goal = api.get(f"{API}/indicators/", {"policy_goal": goal.pk}).json()["results"]
    assert {row["policy_goal"] for row in by_goal} == {goal.pk}


def test_goals_filter_by_department_and_strategic_goal(api):
    cooperation = Department.objects.get(name="대외협력과")
    strategic = api.get(f"{API}/strategic-goals/", {"department": cooperation.pk}).json()["results"]
    assert strategic and {row["department"] for row in strategic} == {cooperation.pk}
    goal = StrategicGoal.objects.first()
    policy = api.get(f"{API}/policy-goals/", {"strategic_goal": goal.pk}).json()["results"]
    assert {row["strategic_goal"] for row in policy} == {goal.pk}
    assert len(policy) == PolicyGoal.objects.filter(strategic_goal=goal).count()


def test_unit_programs_show_their_yearly_amounts(api):
    cooperation = Department.objects.get(name="대외협력과")
    body = api.get(f"{API}/unit-programs/", {"department": cooperation.pk}).json()
    assert body["count"] == UnitProgram.objects.filter(department=cooperation).count() > 0
    volunteering = next(row for row in body["results"] if row["name"] == "자원봉사활동 진흥")
    # The sample's row: 자원봉사활동 진흥  일반회계  2,615  2,799  2,927
    assert [(a["year"], a["kind"], a["amount"]) for a in volunteering["amounts"]] == [
        (2023, "settled", "2615.000"), (2024, "budget", "2799.000"), (2025, "budget", "2927.000"),
    ]


def test_budget_programs_show_amounts_and_funding_shares(api):
    cooperation = Department.objects.get(name="대외협력과")
    body = api.get(f"{API}/budget-programs/", {"department": cooperation.pk}).json()
    assert body["count"] == BudgetProgram.objects.filter(unit_program__department=cooperation).count() > 0
    assert {row["department"] for row in body["results"]} == {cooperation.pk}
    row = next(r for r in body["results"] if r["name"] == "자원봉사 확산 프로그램 운영")
    assert [a["amount"] for a in row["amounts"]] == ["1415.000", "1681.000", "1772.000"]
    assert {"national_share", "provincial_share", "municipal_share", "funding_text"} <= set(row)
    unit = UnitProgram.objects.get(name="자원봉사활동 진흥")
    in_unit = api.get(f"{API}/budget-programs/", {"unit_program": unit.pk}).json()
    assert in_unit["count"] == 6


@pytest.mark.parametrize("value", ["abc", "0", "-3", "1.5", "99999999999999999999999"])
def test_a_malformed_id_filter_is_a_400_naming_the_parameter(api, value):
    response = api.get(f"{API}/indicators/", {"department": value})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "department" in body["errors"]


def test_an_unknown_kind_is_a_400(api):
    response = api.get(f"{API}/indicators/", {"kind": "secret"})
    assert response.status_code == 400 and "kind" in response.json()["errors"]


@pytest.mark.parametrize("pk", ["999999", "abc", "99999999999999999999999", "0", "-1"])
def test_an_unknown_or_malformed_id_is_a_json_404(api, pk):
    response = api.get(f"{API}/indicators/{pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("page", ["0", "abc", "-1", "99999999999999999999"])
def test_a_malformed_page_number_is_a_400(api, page):
    response = api.get(f"{API}/departments/", {"page": page})
    assert response.status_code == 400 and "page" in response.json()["errors"]


def test_a_page_past_the_end_is_a_404(api):
    assert api.get(f"{API}/departments/", {"page": "2"}).status_code == 404
    assert api.get(f"{API}/departments/", {"page": "last"}).status_code == 200


def test_an_unknown_api_path_answers_in_json(api):
    response = api.get(f"{API}/no-such-thing/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_writes_to_plan_endpoints_are_not_allowed(api):
    department = Department.objects.first()
    assert api.post(f"{API}/departments/", {"name": "x"}, format="json").status_code == 405
    assert api.patch(f"{API}/departments/{department.pk}/", {"name": "x"}, format="json").status_code == 405
    assert api.delete(f"{API}/indicators/{Indicator.objects.first().pk}/").status_code == 405
    department.refresh_from_db()
    assert department.name != "x"


# --- query counts ------------------------------------------------------------------------------

def test_the_department_list_takes_three_queries(api, django_assert_num_queries):
    # 1 count, 2 departments joined with their bureau, 3 teams of the page
    with django_assert_num_queries(3):
        api.get(f"{API}/departments/")


def test_the_goal_lists_take_two_queries_each(api, django_assert_num_queries):
    # 1 count, 2 goals joined with their department
    with django_assert_num_queries(2):
        api.get(f"{API}/strategic-goals/")
    with django_assert_num_queries(2):
        api.get(f"{API}/policy-goals/")


def test_the_indicator_list_takes_four_queries(api, django_assert_num_queries):
    # 1 count, 2 indicators joined with their department, 3 targets of the page, 4 their revisions with the user
    with django_assert_num_queries(4):
        api.get(f"{API}/indicators/")


def test_the_program_lists_take_three_queries_each(api, django_assert_num_queries):
    # 1 count, 2 programs joined with their department / unit program, 3 amounts of the page
    with django_assert_num_queries(3):
        api.get(f"{API}/unit-programs/")
    with django_assert_num_queries(3):
        api.get(f"{API}/budget-programs/")


def test_list_query_counts_do_not_grow_with_rows(api):
    before = {name: queries_for(api, f"{API}/{name}/") for name in LIST_ENDPOINTS}
    department = Department.objects.get(name="대외협력과")
    for _ in range(3):
        TeamFactory(department=department)
        goal = PolicyGoalFactory(strategic_goal__department=department, strategic_goal__bureau=department.bureau)
        indicator = IndicatorFactory(department=department, policy_goal=goal)
        for year in (2023, 2024, 2025):
            TargetFactory(indicator=indicator, year=year, value=Decimal(5))
        program = BudgetProgramFactory(unit_program__policy_goal=goal, unit_program__department=department)
        UnitProgramAmountFactory(unit_program=program.unit_program)
        BudgetProgramAmountFactory(budget_program=program)
    after = {name: queries_for(api, f"{API}/{name}/") for name in LIST_ENDPOINTS}
    assert after == before


def test_an_indicator_shows_the_domain_of_its_value_and_of_its_inputs(api, meetings, survey):
    count = api.get(f"{API}/indicators/{meetings.pk}/").json()
    rate = api.get(f"{API}/indicators/{survey.pk}/").json()

    assert count["value_domain"] == {"minimum": "0.0000", "maximum": None, "places": 0, "rule": "0 이상의 정수"}
    assert count["input_domain"] == count["value_domain"]
    assert rate["value_domain"] == {
        "minimum": "0.0000", "maximum": None, "places": 4, "rule": "0 이상 (소수 넷째 자리까지)",
    }
