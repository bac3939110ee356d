"""The report entry page, the evaluators' review list and the execution page, through the site."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from budgets.models import AmountKind, BudgetProgramAmount
from kpis.models import Actual, AuditEntry
from kpis.services.actuals import actual_save
from reports.models import ReportEntry, ReportEntryStatus

REPORTED = 2023


def entries_url(indicator, year=REPORTED):
    return reverse("reports:entries", args=[indicator.department_id, year])


def save_url(indicator, year=REPORTED):
    return reverse("reports:entry_save", args=[indicator.department_id, year, indicator.pk])


def test_a_department_writes_and_submits_on_its_page(client, dept_user, meetings):
    client.force_login(dept_user)
    page = client.get(entries_url(meetings))
    assert page.status_code == 200
    text = page.content.decode()
    assert "정무활동 및 당정협력 강화" in text and "미달성 사유" in text and "109.09%" in text

    response = client.post(save_url(meetings), {"analysis": "12회 개최", "version": "0", "action": "submit"})

    assert response.status_code == 302
    entry = ReportEntry.objects.get(indicator=meetings, year=REPORTED)
    assert (entry.status, entry.analysis) == (ReportEntryStatus.SUBMITTED, "12회 개최")
    after = client.get(entries_url(meetings)).content.decode()
    assert "평가자가 검토하는 중이라 수정할 수 없습니다" in after


def test_a_missing_shortfall_reason_is_shown_beside_the_row_with_what_was_typed(client, dept_user, meetings):
    placeholder = Actual.objects.get(indicator=meetings, year=2024)
    actual_save(user=dept_user, indicator_id=meetings.pk, year=2024, inputs={"개최횟수": "1"},
                expected_version=placeholder.version)
    client.force_login(dept_user)

    response = client.post(save_url(meetings, 2024), {"improvement_plan": "하반기 집중", "action": "submit"})

    assert response.status_code == 400
    text = response.content.decode()
    assert "미달성 사유를 입력해야 제출할 수 있습니다" in text and "하반기 집중" in text
    assert ReportEntry.objects.get(indicator=meetings, year=2024).status == ReportEntryStatus.DRAFT


def test_another_departments_user_reads_but_cannot_write(client, other_dept_user, meetings):
    client.force_login(other_dept_user)
    assert "조회만 할 수 있습니다" in client.get(entries_url(meetings)).content.decode()

    response = client.post(save_url(meetings), {"analysis": "남의 부서", "action": "save"})

    assert response.status_code == 403
    assert not ReportEntry.objects.exists() and not AuditEntry.objects.filter(entity="report_entry").exists()


def test_an_evaluator_returns_from_the_review_list(client, dept_user, evaluator, meetings):
    client.force_login(dept_user)
    client.post(save_url(meetings), {"analysis": "초안", "action": "submit"})
    entry = ReportEntry.objects.get()
    client.force_login(evaluator)
    listing = client.get(reverse("reports:review")).content.decode()
    assert "정무활동 및 당정협력 강화" in listing and "초안" in listing

    decide = reverse("reports:decide", args=[entry.pk])
    client.post(decide, {"decision": "return", "version": entry.version, "comment": ""})
    assert ReportEntry.objects.get().status == ReportEntryStatus.SUBMITTED  # a return needs its reason
    client.post(decide, {"decision": "return", "version": entry.version, "comment": "근거 보완"})

    entry.refresh_from_db()
    assert (entry.status, entry.review_comment) == (ReportEntryStatus.RETURNED, "근거 보완")


def test_a_department_user_cannot_open_the_review_list(client, dept_user):
    client.force_login(dept_user)
    assert client.get(reverse("reports:review")).status_code == 403


@pytest.mark.parametrize("path", ["/reports/entries/999999/2023/", "/reports/entries/1/1/", "/reports/execution/999999/2024/"])
def test_unknown_departments_and_years_are_not_found(client, evaluator, path):
    client.force_login(evaluator)
    assert client.get(path).status_code == 404


def test_a_planner_enters_settled_amounts_on_the_execution_page(client, admin_user, volunteering):
    url = reverse("reports:execution", args=[volunteering.department_id, 2024])
    client.force_login(admin_user)
    page = client.get(url).content.decode()
    program = BudgetProgramAmount.objects.get(
        budget_program__name="자원봉사 코디네이터 지원·육성(시군)", year=2024, kind=AmountKind.BUDGET
    ).budget_program

    refused = client.post(url + "save/", {f"settled_{program.pk}": "-3"})
    assert refused.status_code == 400 and "0 이상" in refused.content.decode()
    response = client.post(url + "save/", {f"settled_{program.pk}": "640"})

    assert response.status_code == 302
    assert BudgetProgramAmount.objects.get(budget_program=program, year=2024, kind=AmountKind.SETTLED).amount == Decimal(640)
    page = client.get(url).content.decode()
    assert "98.46%" in page and "결산액이 입력되지 않은 세부사업이" in page


def test_an_evaluator_reads_execution_without_inputs(client, evaluator, volunteering):
    client.force_login(evaluator)
    url = reverse("reports:execution", args=[volunteering.department_id, 2024])
    assert 'name="settled_' not in client.get(url).content.decode()
    assert client.post(url + "save/", {}).status_code == 403


def test_the_drilldown_shows_execution_beside_performance(client, evaluator, volunteering):
    client.force_login(evaluator)
    page = client.get(reverse("scores:department", args=[2024, volunteering.department_id])).content.decode()
    assert "2024년 예산 집행 (결산/예산)" in page and "결산액이 입력되지 않았습니다" in page
