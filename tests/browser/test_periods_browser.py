"""A department user fills two quarters of a year reported by quarter and sees the year value they add up to."""
from __future__ import annotations

import pytest

from imports.services import plan_import
from kpis.models import Actual, ActualStatus, Indicator, Organization
from kpis.services.periods import period_setting_save
from tests.browser.a11y import assert_accessible
from tests.browser.conftest import login
from tests.conftest import PASSWORD, SAMPLE_PLAN, _make_user

pytestmark = pytest.mark.browser


def test_a_department_user_fills_two_quarters_and_sees_the_year_value(chromium_page, live_server, screenshots):
    plan_import(path=SAMPLE_PLAN)
    admin = _make_user("admin_periods", "admin")
    _make_user("dept_periods", "department", "대외협력과")
    period_setting_save(user=admin, organization_id=Organization.objects.get().pk, year=2025, frequency="quarter")
    meetings = Indicator.objects.get(short_name="정무활동 및 당정협력 강화")
    page = chromium_page

    login(page, live_server, "dept_periods", PASSWORD)
    page.goto(f"{live_server.url}/entry/{meetings.department_id}/2025/")
    for period, count in ((1, "3"), (2, "4")):
        quarter = page.locator(f"#ind-{meetings.pk}-p{period}")
        quarter.locator("input[name=in_0]").fill(count)
        quarter.locator(f"#preview-{meetings.pk}-p{period}").locator("text=계산값").wait_for(timeout=10000)
        with page.expect_navigation():
            quarter.locator("button[value=save]").click()
        page.wait_for_load_state("networkidle")
        assert "임시 저장했습니다" in page.locator(".messages").inner_text()

    row = page.locator(f"#ind-{meetings.pk}")
    assert row.locator(".year-value").inner_text() == "7"
    assert "분기 실적에서 계산되며" in row.locator(".derived-year").inner_text()
    assert Actual.objects.get(indicator=meetings, year=2025).status == ActualStatus.DRAFT
    assert_accessible(page, "entry page by quarter")
    row.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "entry-quarters-2025.png"), full_page=True)
