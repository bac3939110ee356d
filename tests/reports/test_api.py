"""/api/v1/report-entries/ and /api/v1/execution/: the same services as the pages, bad input answered in Korean."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budgets.models import AmountKind, BudgetProgram, BudgetProgramAmount
from kpis.models import AuditEntry, ChangeSource, Department
from reports.models import ReportEntry, ReportEntryStatus
from tests.conftest import client_for

ENTRIES = "/api/v1/report-entries/"


def test_a_department_saves_and_submits_then_an_evaluator_returns_and_approves(dept_user, evaluator, meetings):
    department = client_for(dept_user)
    saved = department.post(ENTRIES, {"indicator": meetings.pk, "year": 2023, "analysis": "12회 개최"}, format="json")
    assert saved.status_code == 200
    body = saved.json()
    assert (body["status"], body["version"], body["analysis"]) == ("draft", 1, "12회 개최")

    submitted = department.post(f"{ENTRIES}{body['id']}/submit/", {"version": 1}, format="json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"

    reviewer = client_for(evaluator)
    refused = reviewer.post(f"{ENTRIES}{body['id']}/return/", {"version": 2, "comment": ""}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"] == {"comment": ["반려 사유를 입력하세요."]}
    returned = reviewer.post(f"{ENTRIES}{body['id']}/return/", {"version": 2, "comment": "보완"}, format="json")
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    assert set(AuditEntry.objects.filter(entity="report_entry").values_list("source", flat=True)) == {ChangeSource.API}


def test_another_departments_user_is_refused_and_nothing_is_written(other_dept_user, meetings):
    response = client_for(other_dept_user).post(
        ENTRIES, {"indicator": meetings.pk, "year": 2023, "analysis": "x"}, format="json"
    )
    assert response.status_code == 403
    assert not ReportEntry.objects.exists() and not AuditEntry.objects.filter(entity="report_entry").exists()


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"indicator": "abc", "year": 2023},
        {"indicator": 2**70, "year": 2023},
        {"indicator": 1, "year": 99999},
        {"indicator": 1, "year": 2023, "analysis": "가" * 4001},
        {"indicator": 1, "year": 2023, "version": -1},
        {"indicator": 1, "year": 2023, "analysis": ["not", "text"]},
    ],
)
def test_bad_input_is_a_400_in_korean(dept_user, payload):
    response = client_for(dept_user).post(ENTRIES, payload, format="json")
    assert response.status_code == 400
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", f"{ENTRIES}abc/submit/"), ("get", f"{ENTRIES}99999999999999999999999/"), ("post", f"{ENTRIES}999/approve/")],
)
def test_unknown_entries_are_404(evaluator, method, path):
    response = getattr(client_for(evaluator), method)(path, {"version": 1}, format="json")
    assert response.status_code == 404


def test_the_list_reads_in_constant_queries(dept_user, meetings, volunteering):
    client = client_for(dept_user)
    for indicator in (meetings, volunteering):
        client.post(ENTRIES, {"indicator": indicator.pk, "year": 2023, "analysis": "분석"}, format="json")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(ENTRIES, {"year": 2023, "status": ReportEntryStatus.DRAFT})
    # count, then the page of entries with their indicators (the user's organization is already loaded on the
    # authenticated user object by the posts above)
    assert response.status_code == 200 and response.json()["count"] == 2
    assert len(queries) == 2


def test_a_planner_posts_settled_amounts_and_reads_the_execution(admin_user):
    program = BudgetProgram.objects.get(name="자원봉사 코디네이터 지원·육성(시군)")
    client = client_for(admin_user)

    bad = client.post("/api/v1/execution/settled/", {"amounts": [{"budget_program": program.pk, "year": 2024, "amount": "육백"}]}, format="json")
    assert bad.status_code == 400 and "amounts.0.amount" in bad.json()["errors"]
    saved = client.post("/api/v1/execution/settled/", {"amounts": [{"budget_program": program.pk, "year": 2024, "amount": "640"}]}, format="json")
    assert saved.status_code == 200 and saved.json() == {"changed": 1}
    assert BudgetProgramAmount.objects.get(budget_program=program, year=2024, kind=AmountKind.SETTLED).amount == Decimal(640)

    read = client.get(f"/api/v1/execution/{program.unit_program.department_id}/", {"year": 2024})
    assert read.status_code == 200
    unit = next(u for g in read.json() for u in g["units"] if u["unit_program_id"] == program.unit_program_id)
    row = next(p for p in unit["programs"] if p["budget_program_id"] == program.pk)
    assert row["rate"] == {"value": "98.46", "reason": ""}


def test_a_department_user_cannot_post_settled_amounts(dept_user, sample_plan):
    program = BudgetProgram.objects.first()
    response = client_for(dept_user).post(
        "/api/v1/execution/settled/", {"amounts": [{"budget_program": program.pk, "year": 2024, "amount": "1"}]},
        format="json",
    )
    assert response.status_code == 403


def test_the_execution_query_is_validated(evaluator):
    client = client_for(evaluator)
    assert client.get("/api/v1/execution/x/", {"year": 2024}).status_code == 404
    assert client.get(f"/api/v1/execution/{Department.objects.first().pk}/", {"year": "x"}).status_code == 400
