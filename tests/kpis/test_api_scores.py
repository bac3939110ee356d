"""/api/v1/scores/: stored results with rank and stale flag; recompute queued for evaluators."""
from __future__ import annotations

import pytest

from kpis.models import Actual, Department, DepartmentScore, Indicator
from kpis.services.actuals import actual_save
from kpis.services.scores import scores_recompute
from tests.conftest import client_for
from tests.factories import DepartmentFactory

API = "/api/v1/scores"


def by_name(body: dict) -> dict[str, dict]:
    return {row["department_name"]: row for row in body["results"]}


def test_after_a_recompute_the_list_ranks_the_sample_departments(evaluator):
    scores_recompute(2023)
    response = client_for(evaluator).get(API + "/", {"year": 2023})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    rows = by_name(body)
    assert (rows["대외협력과"]["score"], rows["대외협력과"]["rank"]) == ("102.73", 1)
    assert (rows["소통기획과"]["score"], rows["소통기획과"]["rank"]) == ("101.23", 2)
    foreign = rows["외국인국제정책과"]
    assert foreign["score"] is None and foreign["rank"] is None and foreign["reason"]
    assert {row["stale"] for row in body["results"]} == {False}
    assert [row["department_name"] for row in body["results"]] == ["대외협력과", "소통기획과", "외국인국제정책과"]
    assert rows["대외협력과"]["policy_version"] == 1 and rows["대외협력과"]["computed_at"]


def test_a_department_user_reads_the_scores_too(dept_user):
    scores_recompute(2023)
    assert client_for(dept_user).get(API + "/", {"year": 2023}).status_code == 200


def test_before_any_recompute_every_department_is_stale_without_a_score(evaluator):
    body = client_for(evaluator).get(API + "/", {"year": 2024}).json()
    assert body["count"] == 3
    for row in body["results"]:
        assert row["stale"] is True and row["score"] is None and row["rank"] is None and row["computed_at"] is None


def test_a_changed_actual_makes_its_department_stale_until_recomputed(dept_user, evaluator,
                                                                        django_capture_on_commit_callbacks):
    scores_recompute(2024)
    meetings = Indicator.objects.get(department__name="대외협력과", short_name="정무활동 및 당정협력 강화")
    with django_capture_on_commit_callbacks(execute=False):  # no worker runs: the dirty mark stays
        actual_save(user=dept_user, indicator_id=meetings.pk, year=2024, inputs={"개최횟수": "12"},
                    expected_version=Actual.objects.get(indicator=meetings, year=2024).version)
    rows = by_name(client_for(evaluator).get(API + "/", {"year": 2024}).json())
    assert rows["대외협력과"]["stale"] is True
    assert rows["소통기획과"]["stale"] is False and rows["외국인국제정책과"]["stale"] is False


def test_equal_scores_share_a_rank(evaluator):
    scores_recompute(2023)
    DepartmentScore.objects.filter(department__name="소통기획과", year=2023).update(score="102.73")
    rows = by_name(client_for(evaluator).get(API + "/", {"year": 2023}).json())
    assert rows["대외협력과"]["rank"] == rows["소통기획과"]["rank"] == 1


@pytest.mark.parametrize("params", [{}, {"year": ""}, {"year": "abc"}, {"year": "1999"}, {"year": "2101"},
                                    {"year": "99999999999999999999"}])
def test_the_year_is_required_and_bounded(evaluator, params):
    response = client_for(evaluator).get(API + "/", params)
    assert response.status_code == 400
    assert "year" in response.json()["errors"]


def test_the_detail_shows_each_indicators_working(evaluator):
    scores_recompute(2023)
    department = Department.objects.get(name="대외협력과")
    response = client_for(evaluator).get(f"{API}/{department.pk}/", {"year": 2023})
    assert response.status_code == 200
    body = response.json()
    assert body["score"] == "102.73" and body["rank"] == 1 and body["stale"] is False
    indicators = {row["indicator_name"]: row for row in body["indicators"]}
    assert len(indicators) == 3
    meetings = indicators["정무활동 및 당정협력 강화"]
    assert (meetings["target"], meetings["actual"], meetings["rate"]) == ("11.0000", "12.0000", "109.09")
    assert meetings["weight"] == "30.00" and meetings["actual_status"] == "approved"
    assert "12" in meetings["working"] and "11" in meetings["working"] and "109.09" in meetings["working"]


def test_the_detail_ranks_the_department_among_all(evaluator):
    scores_recompute(2023)
    department = Department.objects.get(name="소통기획과")
    assert client_for(evaluator).get(f"{API}/{department.pk}/", {"year": 2023}).json()["rank"] == 2


def test_the_detail_of_an_unevaluable_department_gives_the_reason(evaluator):
    scores_recompute(2023)
    department = Department.objects.get(name="외국인국제정책과")
    body = client_for(evaluator).get(f"{API}/{department.pk}/", {"year": 2023}).json()
    assert body["score"] is None and body["rank"] is None and body["reason"]
    assert all(row["rate"] is None and row["reason"] for row in body["indicators"])


@pytest.mark.parametrize("pk", ["999999", "abc", "99999999999999999999999"])
def test_the_detail_of_an_unknown_department_is_a_404(evaluator, pk):
    response = client_for(evaluator).get(f"{API}/{pk}/", {"year": 2023})
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_score_list_takes_three_queries_whatever_the_departments(evaluator, django_assert_num_queries):
    scores_recompute(2023)
    client = client_for(evaluator)
    # 1 count, 2 departments with bureau, stored score, policy version and dirty flag in one select,
    # 3 every scored department's score (the ranks)
    with django_assert_num_queries(3):
        client.get(API + "/", {"year": 2023})
    bureau = Department.objects.first().bureau
    for _ in range(5):
        DepartmentFactory(bureau=bureau)
    scores_recompute(2023)
    with django_assert_num_queries(3):
        body = client.get(API + "/", {"year": 2023}).json()
    assert body["count"] == 8


def test_the_score_detail_takes_three_queries(evaluator, django_assert_num_queries):
    scores_recompute(2023)
    department = Department.objects.get(name="대외협력과")
    # 1 the department row as in the list, 2 every scored department's score (its rank), 3 indicators with results
    with django_assert_num_queries(3):
        client_for(evaluator).get(f"{API}/{department.pk}/", {"year": 2023})


def test_a_department_user_cannot_queue_a_recompute(dept_user):
    response = client_for(dept_user).post(f"{API}/recompute/", {"year": 2023}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_an_evaluator_queues_a_recompute_that_runs_after_commit(evaluator, django_capture_on_commit_callbacks):
    assert not DepartmentScore.objects.filter(year=2023).exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(evaluator).post(f"{API}/recompute/", {"year": 2023}, format="json")
    assert response.status_code == 202
    assert response.json()["year"] == 2023 and response.json()["task_id"]
    assert len(callbacks) == 1
    # Tests run Celery eagerly, so the job has already stored the scores.
    assert DepartmentScore.objects.filter(year=2023).count() == 3


def test_nothing_is_queued_when_the_request_fails(admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(admin_user).post(f"{API}/recompute/", {"year": "next"}, format="json")
    assert response.status_code == 400 and "year" in response.json()["errors"]
    assert callbacks == []
