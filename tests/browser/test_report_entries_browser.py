"""A department writes its report entries (the 미달성 사유 asked for where it fell short) and submits after the
confirmation; an evaluator returns one with a reason and the department reads it."""
from __future__ import annotations

import pytest

from imports.services import plan_import
from kpis.models import Actual, Indicator
from kpis.services.actuals import actual_save
from reports.models import ReportEntry, ReportEntryStatus
from tests.browser.conftest import login
from tests.conftest import PASSWORD, SAMPLE_PLAN, _make_user

pytestmark = pytest.mark.browser

YEAR = 2024


def test_a_department_submits_its_report_entry_and_reads_the_evaluators_return(chromium_page, live_server):
    plan_import(path=SAMPLE_PLAN)
    department = _make_user("dept_report", "department", "대외협력과")
    _make_user("eval_report", "evaluator")
    meetings = Indicator.objects.get(short_name="정무활동 및 당정협력 강화")
    seen = Actual.objects.get(indicator=meetings, year=YEAR)
    actual_save(user=department, indicator_id=meetings.pk, year=YEAR, inputs={"개최횟수": "1"}, expected_version=seen.version)
    page = chromium_page
    page.on("dialog", lambda dialog: dialog.accept())

    login(page, live_server, "dept_report", PASSWORD)
    page.get_by_role("link", name="보고서 작성").click()
    section = page.locator(f"#ind-{meetings.pk}")
    assert "필수" in section.inner_text()

    section.get_by_label("향후 개선계획").fill("하반기 정무협의회 추가 개최")
    with page.expect_navigation():
        section.get_by_role("button", name="저장 후 제출").click()
    section = page.locator(f"#ind-{meetings.pk}")
    assert "미달성 사유를 입력해야 제출할 수 있습니다" in section.inner_text()
    assert section.get_by_label("향후 개선계획").input_value() == "하반기 정무협의회 추가 개최"

    section.get_by_label("미달성 사유").fill("국회 일정 변경으로 협의회 연기")
    with page.expect_navigation():
        section.get_by_role("button", name="저장 후 제출").click()
    assert "평가자가 검토하는 중이라 수정할 수 없습니다" in page.locator(f"#ind-{meetings.pk}").inner_text()

    entry = ReportEntry.objects.get(indicator=meetings, year=YEAR)
    page.context.clear_cookies()
    login(page, live_server, "eval_report", PASSWORD)
    page.get_by_role("link", name="보고서 검토").click()
    row = page.locator(f"#entry-{entry.pk}")
    assert "국회 일정 변경으로 협의회 연기" in row.inner_text()
    row.get_by_label("검토 의견 (반려 시 필수)").fill("연기된 일정을 구체적으로 쓰세요")
    with page.expect_navigation():
        row.get_by_role("button", name="반려").click()
    assert "반려했습니다" in page.content()

    page.context.clear_cookies()
    login(page, live_server, "dept_report", PASSWORD)
    page.goto(f"{live_server.url}/reports/entries/{meetings.department_id}/{YEAR}/")
    assert "반려 사유: 연기된 일정을 구체적으로 쓰세요" in page.locator(f"#ind-{meetings.pk}").inner_text()
    assert ReportEntry.objects.get(pk=entry.pk).status == ReportEntryStatus.RETURNED
