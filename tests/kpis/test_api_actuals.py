"""Entering actuals through /api/v1/actuals/: the services decide, the API reports in JSON."""
from __future__ import annotations

from decimal import Decimal

import pytest

from kpis.models import Actual, ActualStatus, AuditEntry, ChangeSource, Department, Indicator
from kpis.services.actuals import actual_save
from kpis.services.workflow import actual_submit
from tests.conftest import client_for
from tests.factories import ActualFactory, IndicatorFactory, entry_year

API = "/api/v1/actuals"
YEAR = 2024  # the sample's 2024 actuals are placeholders, stored as not reported


def placeholder(indicator: Indicator) -> Actual:
    return Actual.objects.get(indicator=indicator, year=YEAR)


def volunteering_body(indicator: Indicator, version: int | None, people: str = "120,000") -> dict:
    return {"indicator": indicator.pk, "year": YEAR, "inputs": {"활동인원": people, "인구": "1,754,757"},
            "version": version}


def submitted(user, indicator: Indicator) -> Actual:
    """A draft saved and submitted by `user` through the services."""
    actual = actual_save(
        user=user, indicator_id=indicator.pk, year=YEAR, inputs={"개최횟수": "12"},
        expected_version=placeholder(indicator).version,
    )
    return actual_submit(user=user, actual_id=actual.pk, expected_version=actual.version)


# --- reading ---------------------------------------------------------------------------------

def test_a_department_user_reads_every_departments_actuals(dept_user):
    body = client_for(dept_user).get(API + "/", {"year": YEAR}).json()
    assert body["count"] == 9
    assert {row["department_name"] for row in body["results"]} == {"대외협력과", "외국인국제정책과", "소통기획과"}
    row = next(r for r in body["results"] if r["indicator_name"] == "자원봉사 활동률")
    assert row["status"] == "not_reported" and row["value"] is None and row["target"] == "6.0000"


def test_actuals_filter_by_department_indicator_year_and_status(dept_user, volunteering):
    client = client_for(dept_user)
    department = volunteering.department_id
    assert client.get(API + "/", {"department": department}).json()["count"] == 6
    assert client.get(API + "/", {"indicator": volunteering.pk}).json()["count"] == 2
    approved = client.get(API + "/", {"status": "approved", "year": 2023}).json()
    assert approved["count"] == Actual.objects.filter(status="approved", year=2023).count() > 0
    assert {row["status"] for row in approved["results"]} == {"approved"}


@pytest.mark.parametrize("params", [{"year": "1999"}, {"year": "abc"}, {"status": "done"}, {"department": "x"}])
def test_a_bad_filter_is_a_400(dept_user, params):
    response = client_for(dept_user).get(API + "/", params)
    assert response.status_code == 400
    assert set(params) <= set(response.json()["errors"])


def test_the_actual_list_takes_two_queries_whatever_the_rows(evaluator, django_assert_num_queries):
    client = client_for(evaluator)
    # 1 count, 2 actuals joined with indicator, department and users, target and rate as subqueries
    with django_assert_num_queries(2):
        client.get(API + "/")
    for _ in range(5):
        ActualFactory(indicator=IndicatorFactory(department=Department.objects.first()))
    with django_assert_num_queries(2):
        client.get(API + "/")


# --- saving ----------------------------------------------------------------------------------

def test_a_department_user_saves_a_formula_actual(dept_user, volunteering):
    before = placeholder(volunteering)
    response = client_for(dept_user).post(API + "/", volunteering_body(volunteering, before.version), format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["version"] == before.version + 1
    assert body["inputs"] == {"활동인원": "120000", "인구": "1754757"}
    assert Decimal(body["value"]) == pytest.approx(Decimal(120000) / Decimal(1754757) * 100, abs=Decimal("0.0001"))
    actual = placeholder(volunteering)
    assert actual.source == ChangeSource.API and actual.updated_by == dept_user


def test_a_year_without_a_row_is_created_with_201(dept_user, meetings):
    response = client_for(dept_user).post(
        API + "/", {"indicator": meetings.pk, "year": 2025, "inputs": {"개최횟수": "3"}}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["version"] == 1 and response.json()["value"] == "3.0000"


@pytest.mark.parametrize(
    ("typed", "expected"), [("1,960,000", Decimal(1960000)), ("12.5", Decimal("12.5")), ("５", Decimal(5))]
)
def test_it_accepts_numbers_as_people_write_them(other_dept_user, survey, typed, expected):
    response = client_for(other_dept_user).post(
        API + "/", {"indicator": survey.pk, "year": YEAR, "value": typed, "version": placeholder(survey).version},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert placeholder(survey).value == expected


def test_it_rejects_a_number_with_a_unit_and_saves_nothing(dept_user, meetings):
    before = placeholder(meetings)
    audit_before = AuditEntry.objects.count()
    response = client_for(dept_user).post(
        API + "/", {"indicator": meetings.pk, "year": YEAR, "inputs": {"개최횟수": "12회"}, "version": before.version},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "12회" in body["errors"]["개최횟수"][0]
    after = placeholder(meetings)
    assert (after.value, after.version, after.status) == (before.value, before.version, before.status)
    assert AuditEntry.objects.count() == audit_before


def test_a_missing_input_is_named_in_the_errors(dept_user, volunteering):
    body = volunteering_body(volunteering, placeholder(volunteering).version)
    del body["inputs"]["인구"]
    response = client_for(dept_user).post(API + "/", body, format="json")
    assert response.status_code == 400 and "인구" in response.json()["errors"]


@pytest.mark.parametrize(
    "body",
    [
        {"indicator": "abc", "year": YEAR},
        {"indicator": 1, "year": 1850},
        {"indicator": 1, "year": "2024년"},
        {"indicator": 99999999999999999999999, "year": YEAR},
        {"indicator": 1, "year": YEAR, "inputs": ["not", "a", "dict"]},
        {"indicator": 1, "year": YEAR, "version": -1},
    ],
)
def test_malformed_bodies_are_400_with_field_errors(dept_user, body):
    response = client_for(dept_user).post(API + "/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]
    detail = response.json()["detail"]
    assert not any(key in detail for key in ("indicator", "year", "inputs", "version")), detail


def test_a_body_that_is_not_json_is_a_400(dept_user):
    response = client_for(dept_user).generic("POST", API + "/", "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"


def test_an_unknown_indicator_is_a_404(dept_user):
    response = client_for(dept_user).post(API + "/", {"indicator": 999999, "year": YEAR, "value": "1"}, format="json")
    assert response.status_code == 404


def test_patch_changes_the_rows_inputs_and_note(dept_user, volunteering):
    actual = placeholder(volunteering)
    client = client_for(dept_user)
    response = client.patch(
        f"{API}/{actual.pk}/", {"inputs": {"활동인원": "100,000", "인구": "1,000,000"}, "version": actual.version},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["value"] == "10.0000"
    # Without inputs, PATCH keeps the stored ones and changes only the note.
    response = client.patch(f"{API}/{actual.pk}/", {"note": "1365 기준", "version": actual.version + 1}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["note"] == "1365 기준" and response.json()["value"] == "10.0000"


def test_client_sent_status_department_and_version_never_take_effect(dept_user, other_dept_user, volunteering):
    actual = placeholder(volunteering)
    other_department = other_dept_user.department
    response = client_for(dept_user).post(
        API + "/",
        {
            **volunteering_body(volunteering, actual.version), "status": "approved", "department": other_department.pk,
            "submitted_by": other_dept_user.pk, "reviewed_by": other_dept_user.pk, "target": "1", "rate": "120",
            "id": 99999,
        },
        format="json",
    )
    assert response.status_code == 200
    saved = placeholder(volunteering)
    assert saved.pk == actual.pk and saved.status == ActualStatus.DRAFT
    assert saved.indicator.department_id == volunteering.department_id
    assert saved.submitted_by is None and saved.reviewed_by is None
    # The version the client sends is the one it saw; the server moves it on by itself.
    response = client_for(dept_user).patch(
        f"{API}/{actual.pk}/", {"version": saved.version, "status": "approved", "note": "x"}, format="json"
    )
    assert response.status_code == 200
    again = placeholder(volunteering)
    assert again.status == ActualStatus.DRAFT and again.version == saved.version + 1


# --- other departments -------------------------------------------------------------------------

def test_another_departments_user_cannot_write_and_nothing_changes(other_dept_user, volunteering, meetings):
    client = client_for(other_dept_user)
    actual = placeholder(volunteering)
    audit_before = AuditEntry.objects.count()

    create = client.post(API + "/", volunteering_body(volunteering, actual.version), format="json")
    new_year = client.post(API + "/", {"indicator": meetings.pk, "year": 2026, "inputs": {"개최횟수": "1"}},
                           format="json")
    patch = client.patch(f"{API}/{actual.pk}/", {"inputs": {"활동인원": "1", "인구": "2"}, "version": actual.version},
                         format="json")
    put = client.put(f"{API}/{actual.pk}/", {"value": "1", "version": actual.version}, format="json")
    submit = client.post(f"{API}/{actual.pk}/submit/", {"version": actual.version}, format="json")

    for response in (create, new_year, patch, put, submit):
        assert response.status_code in (403, 404)
        assert response.json()["code"] in ("permission_denied", "not_found")
    after = placeholder(volunteering)
    assert (after.value, after.version, after.status) == (actual.value, actual.version, actual.status)
    assert not Actual.objects.filter(indicator=meetings, year=2026).exists()
    assert AuditEntry.objects.count() == audit_before


def test_a_guessed_id_of_another_departments_draft_is_refused(dept_user, other_dept_user, meetings):
    draft = actual_save(user=dept_user, indicator_id=meetings.pk, year=YEAR, inputs={"개최횟수": "12"},
                        expected_version=placeholder(meetings).version)
    client = client_for(other_dept_user)
    assert client.patch(f"{API}/{draft.pk}/", {"note": "x", "version": draft.version}, format="json").status_code == 403
    assert client.post(f"{API}/{draft.pk}/submit/", {"version": draft.version}, format="json").status_code == 403
    assert placeholder(meetings).status == ActualStatus.DRAFT


@pytest.mark.parametrize("pk", ["999999", "abc", "99999999999999999999999"])
def test_a_write_to_an_unknown_id_is_a_404(dept_user, pk):
    client = client_for(dept_user)
    assert client.patch(f"{API}/{pk}/", {"version": 1}, format="json").status_code == 404
    assert client.post(f"{API}/{pk}/submit/", {"version": 1}, format="json").status_code == 404


# --- review ----------------------------------------------------------------------------------

def test_the_department_submits_and_the_evaluator_approves(dept_user, evaluator, meetings):
    draft = actual_save(user=dept_user, indicator_id=meetings.pk, year=YEAR, inputs={"개최횟수": "12"},
                        expected_version=placeholder(meetings).version)
    response = client_for(dept_user).post(f"{API}/{draft.pk}/submit/", {"version": draft.version}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert response.json()["submitted_by"] == dept_user.username

    response = client_for(evaluator).post(
        f"{API}/{draft.pk}/approve/", {"version": response.json()["version"], "comment": "확인"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "approved" and response.json()["reviewed_by"] == evaluator.username


def test_a_department_user_cannot_approve_or_return(dept_user, other_dept_user, meetings):
    actual = submitted(dept_user, meetings)
    for user in (dept_user, other_dept_user):
        client = client_for(user)
        approve = client.post(f"{API}/{actual.pk}/approve/", {"version": actual.version}, format="json")
        refuse = client.post(f"{API}/{actual.pk}/return/", {"version": actual.version, "comment": "다시"}, format="json")
        assert approve.status_code == 403 and refuse.status_code == 403
    assert placeholder(meetings).status == ActualStatus.SUBMITTED


def test_the_submitter_cannot_approve_even_as_an_admin(admin_user, meetings):
    actual = submitted(admin_user, meetings)
    response = client_for(admin_user).post(f"{API}/{actual.pk}/approve/", {"version": actual.version}, format="json")
    assert response.status_code == 409
    assert "자신이 입력하거나 제출한" in response.json()["detail"]
    assert placeholder(meetings).status == ActualStatus.SUBMITTED


def test_a_return_needs_a_reason(dept_user, evaluator, meetings):
    actual = submitted(dept_user, meetings)
    client = client_for(evaluator)
    blank = client.post(f"{API}/{actual.pk}/return/", {"version": actual.version, "comment": " "}, format="json")
    assert blank.status_code == 400 and "comment" in blank.json()["errors"]  # the machine key for clients
    assert blank.json()["detail"] == "검토 의견: 반려 사유를 입력하세요."  # the field named in Korean for people
    response = client.post(f"{API}/{actual.pk}/return/", {"version": actual.version, "comment": "증빙 부족"},
                           format="json")
    assert response.status_code == 200 and response.json()["status"] == "returned"
    assert response.json()["review_comment"] == "증빙 부족"


def test_an_approved_value_cannot_be_changed(dept_user, evaluator, meetings):
    actual = submitted(dept_user, meetings)
    approved = client_for(evaluator).post(f"{API}/{actual.pk}/approve/", {"version": actual.version}, format="json")
    version = approved.json()["version"]
    client = client_for(dept_user)
    patch = client.patch(f"{API}/{actual.pk}/", {"inputs": {"개최횟수": "99"}, "version": version}, format="json")
    post = client.post(API + "/", {"indicator": meetings.pk, "year": YEAR, "inputs": {"개최횟수": "99"},
                                   "version": version}, format="json")
    for response in (patch, post):
        assert response.status_code == 409
        assert response.json()["code"] == "invalid_state" and "승인" in response.json()["detail"]
    assert placeholder(meetings).value == Decimal(12)


def test_a_closed_year_rejects_every_change_with_its_reason(dept_user, evaluator, meetings, volunteering):
    to_review = submitted(dept_user, meetings)
    entry_year(year=YEAR, is_closed=True, closed_reason="2024년 성과평가 확정")
    draft = placeholder(volunteering)
    department_client, evaluator_client = client_for(dept_user), client_for(evaluator)
    responses = [
        department_client.post(API + "/", volunteering_body(volunteering, draft.version), format="json"),
        department_client.patch(f"{API}/{draft.pk}/", {"value": "1", "version": draft.version}, format="json"),
        department_client.post(f"{API}/{to_review.pk}/submit/", {"version": to_review.version}, format="json"),
        evaluator_client.post(f"{API}/{to_review.pk}/approve/", {"version": to_review.version}, format="json"),
        evaluator_client.post(f"{API}/{to_review.pk}/return/", {"version": to_review.version, "comment": "x"},
                              format="json"),
    ]
    for response in responses:
        assert response.status_code == 409
        assert response.json()["code"] == "year_closed"
        assert "2024년 성과평가 확정" in response.json()["detail"]
    assert placeholder(meetings).status == ActualStatus.SUBMITTED
    assert placeholder(volunteering).version == draft.version


# --- concurrent edits ------------------------------------------------------------------------

def test_the_second_of_two_clients_with_the_same_version_gets_the_firsts_value(dept_user, admin_user, volunteering):
    seen = placeholder(volunteering).version
    first = client_for(dept_user).post(
        API + "/", volunteering_body(volunteering, seen, people="100,000"), format="json"
    )
    assert first.status_code == 200
    second = client_for(admin_user).post(
        API + "/", volunteering_body(volunteering, seen, people="200,000"), format="json"
    )
    assert second.status_code == 409
    body = second.json()
    assert body["code"] == "version_conflict"
    assert body["current"]["value"] == first.json()["value"]
    assert body["current"]["inputs"] == {"활동인원": "100000", "인구": "1754757"}
    assert body["current"]["version"] == seen + 1
    assert body["current"]["updated_by"] == dept_user.username and body["current"]["updated_at"]
    assert dept_user.username in body["detail"]
    assert placeholder(volunteering).inputs["활동인원"] == "100000"


def test_a_stale_version_on_submit_is_a_conflict(dept_user, meetings):
    draft = actual_save(user=dept_user, indicator_id=meetings.pk, year=YEAR, inputs={"개최횟수": "12"},
                        expected_version=placeholder(meetings).version)
    response = client_for(dept_user).post(f"{API}/{draft.pk}/submit/", {"version": draft.version - 1}, format="json")
    assert response.status_code == 409 and response.json()["current"]["version"] == draft.version
    assert placeholder(meetings).status == ActualStatus.DRAFT


def test_an_action_without_a_version_is_a_400(dept_user, meetings):
    actual = placeholder(meetings)
    response = client_for(dept_user).post(f"{API}/{actual.pk}/submit/", {}, format="json")
    assert response.status_code == 400 and "version" in response.json()["errors"]


@pytest.mark.parametrize("typed", ["12345678901234567", "9" * 60])
def test_a_value_too_large_to_store_is_a_400_not_a_crash(other_dept_user, survey, typed):
    before = placeholder(survey)
    response = client_for(other_dept_user).post(
        API + "/", {"indicator": survey.pk, "year": YEAR, "value": typed, "version": before.version}, format="json"
    )
    assert response.status_code == 400 and "value" in response.json()["errors"]
    assert placeholder(survey).version == before.version


# --- retries and saves that change nothing ---------------------------------------------------

def test_posting_the_same_values_twice_answers_200_with_the_current_version_and_no_new_audit_row(
    dept_user, volunteering,
):
    client = client_for(dept_user)
    seen = placeholder(volunteering).version
    first = client.post(API + "/", volunteering_body(volunteering, seen), format="json")
    audit_rows = AuditEntry.objects.filter(indicator=volunteering, year=YEAR).count()

    retried = client.post(API + "/", volunteering_body(volunteering, seen), format="json")  # the lost answer's retry

    assert retried.status_code == 200, retried.json()
    assert retried.json()["version"] == first.json()["version"] == seen + 1
    assert retried.json()["value"] == first.json()["value"]
    assert AuditEntry.objects.filter(indicator=volunteering, year=YEAR).count() == audit_rows


def test_a_new_actual_posted_twice_is_201_then_200(dept_user, meetings):
    client = client_for(dept_user)
    body = {"indicator": meetings.pk, "year": 2025, "inputs": {"개최횟수": "4"}}

    first, second = (client.post(API + "/", body, format="json") for _ in range(2))

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["version"] == first.json()["version"] == 1


def test_a_stale_patch_after_the_callers_own_save_says_it_is_already_saved(dept_user, meetings):
    client = client_for(dept_user)
    actual = placeholder(meetings)
    client.patch(f"{API}/{actual.pk}/", {"inputs": {"개최횟수": "12"}, "version": actual.version}, format="json")

    response = client.patch(f"{API}/{actual.pk}/", {"inputs": {"개최횟수": "13"}, "version": actual.version},
                            format="json")

    assert response.status_code == 409
    assert response.json()["detail"].startswith("이미 저장된 변경입니다") and "다른 사용자" not in response.json()["detail"]


def test_a_save_is_answered_from_inside_its_transaction(dept_user, volunteering):
    """Nothing reads the database once the save commits, so a database lost right then cannot turn a
    committed write into an error. In a test the commit is the release of the view's outermost savepoint."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client_for(dept_user).post(
            API + "/", volunteering_body(volunteering, placeholder(volunteering).version), format="json"
        )

    assert response.status_code == 200
    statements = [query["sql"] for query in queries.captured_queries]
    last_release = max(i for i, sql in enumerate(statements) if sql.startswith("RELEASE SAVEPOINT"))
    assert statements[last_release + 1:] == []


def test_a_bound_is_quoted_in_korean_units(dept_user):
    response = client_for(dept_user).post(
        API + "/", {"indicator": 2**63, "year": YEAR, "version": 2**31}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "성과지표: id는 922경 3,372조 368억 5,477만 5,807 이하여야 합니다.; 버전은 21억 4,748만 3,647 이하여야 합니다."
    )
