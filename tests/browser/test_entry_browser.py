"""A department user types the parts of 활동인원/인구*100, submits; an evaluator approves."""
from __future__ import annotations

import pytest

from imports.services import plan_import
from kpis.models import Actual, ActualStatus, Indicator
from tests.browser.conftest import login
from tests.conftest import PASSWORD, SAMPLE_PLAN, _make_user

pytestmark = pytest.mark.browser


def test_department_user_enters_and_submits_then_evaluator_approves(chromium_page, live_server, screenshots):
    plan_import(path=SAMPLE_PLAN)
    _make_user("dept_browser", "department", "대외협력과")
    _make_user("eval_browser", "evaluator")
    volunteering = Indicator.objects.get(short_name="자원봉사 활동률")
    page = chromium_page

    login(page, live_server, "dept_browser", PASSWORD)
    page.goto(f"{live_server.url}/entry/{volunteering.department_id}/2024/")
    row = page.locator(f"#ind-{volunteering.pk}")
    row.locator("input[name=in_0]").fill("120,000")
    row.locator("input[name=in_1]").fill("2,000,000")
    preview = row.locator(f"#preview-{volunteering.pk}")
    preview.locator("text=계산값").wait_for(timeout=10000)
    assert "6" in preview.inner_text() and "100.00%" in preview.inner_text()
    page.screenshot(path=str(screenshots / "entry-2024.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button[value=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "제출했습니다" in page.content()
    assert Actual.objects.get(indicator=volunteering, year=2024).status == ActualStatus.SUBMITTED

    page.click("button:has-text('로그아웃')")
    page.wait_for_load_state("networkidle")
    login(page, live_server, "eval_browser", PASSWORD)
    page.goto(f"{live_server.url}/review/")
    page.locator("tr", has_text="자원봉사 활동률").locator("button[value=approve]").click()
    page.wait_for_load_state("networkidle")
    assert "승인했습니다" in page.content()
    assert Actual.objects.get(indicator=volunteering, year=2024).status == ActualStatus.APPROVED

    page.goto(f"{live_server.url}/indicators/{volunteering.pk}/history/")
    history = page.content()
    assert "제출" in history and "승인" in history
    assert "dept_browser" in history and "eval_browser" in history
