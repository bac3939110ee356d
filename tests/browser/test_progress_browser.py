"""A department fills two quarters and sees its progress; an evaluator finds the indicator in the early warning."""
from __future__ import annotations

import pytest

from imports.services import plan_import
from kpis.models import Actual, ActualStatus, Indicator, PeriodSetting
from tests.browser.conftest import login
from tests.conftest import PASSWORD, SAMPLE_PLAN, _make_user

pytestmark = pytest.mark.browser

YEAR = 2025


def _submit_quarter(page, live_server, indicator: Indicator, period: int, figure: str) -> None:
    page.goto(f"{live_server.url}/entry/{indicator.department_id}/{YEAR}/")
    row = page.locator(f"#ind-{indicator.pk}-p{period}")
    row.locator("input[name=in_0]").fill(figure)
    row.locator("button[value=submit]").click()
    page.wait_for_load_state("networkidle")
    unusual = page.locator(f"#unusual-{indicator.pk}-p{period} button.confirm-unusual")
    if unusual.count():  # a figure far below the year's target asks to be confirmed
        unusual.click()
        page.wait_for_load_state("networkidle")


def test_a_department_sees_its_quarters_behind_and_the_evaluator_finds_them_in_the_early_warning(
    chromium_page, live_server, screenshots
):
    bureau = plan_import(path=SAMPLE_PLAN).bureau
    PeriodSetting.objects.create(organization=bureau.organization, year=YEAR, frequency="quarter")
    _make_user("dept_progress", "department", "대외협력과")
    _make_user("eval_progress", "evaluator")
    meetings = Indicator.objects.get(short_name="정무활동 및 당정협력 강화")
    page = chromium_page
    page.on("dialog", lambda dialog: dialog.accept())  # "제출할까요?"

    login(page, live_server, "dept_progress", PASSWORD)
    _submit_quarter(page, live_server, meetings, 1, "1")
    _submit_quarter(page, live_server, meetings, 2, "2")  # 3 of 11 × 2/4 = 5.5 by now: 54.55 %, behind
    statuses = set(Actual.all_periods.filter(indicator=meetings, year=YEAR, period__gt=0).values_list("status", flat=True))
    assert statuses == {ActualStatus.SUBMITTED}

    page.goto(f"{live_server.url}/scores/{YEAR}/departments/{meetings.department_id}/")
    progress = page.locator(f"#progress-{meetings.pk}")
    assert "54.55%" in progress.inner_text() and "부진" in progress.inner_text()
    assert "기간 목표 = 연간 목표 11 × 2/4 = 5.5" in page.locator("#progress").inner_text()
    page.locator("#progress").screenshot(path=str(screenshots / "progress-drilldown.png"))

    page.click("button:has-text('로그아웃')")
    page.wait_for_load_state("networkidle")
    login(page, live_server, "eval_progress", PASSWORD)
    page.click("nav.site-nav >> text=조기경보")
    page.wait_for_load_state("networkidle")
    if f"/progress/{YEAR}/" not in page.url:  # the menu opens the entry year: go to the quarters' year
        page.goto(f"{live_server.url}/progress/{YEAR}/")
    page.select_option("#filter-status", "behind")
    page.click("form[aria-label='조기경보 목록 거르기'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    listed = page.locator("table.progress-table").inner_text()
    assert "정무활동 및 당정협력 강화" in listed and "54.55%" in listed
    assert "민간단체" not in listed  # nothing reported there: not judged, not listed as behind
    page.screenshot(path=str(screenshots / "progress-early-warning.png"), full_page=True)
