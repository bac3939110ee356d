"""Target revisions in a real Chromium: an admin reopens a finalised year from the scoreboard with the keyboard,
a revised target then shows on the drill-down and the indicator history, and those pages stay accessible.

All database work happens before the page is driven (Playwright's event loop runs in this thread)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.browser.a11y import assert_accessible
from tests.browser.conftest import login
from tests.conftest import PASSWORD, SAMPLE_ORGANIZATION, SAMPLE_PLAN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
YEAR = 2023


def _finalised_sample() -> tuple[int, int]:
    from accounts.services import user_create_or_update
    from imports.services import plan_import
    from kpis.models import Indicator
    from kpis.services.finalise import year_finalise

    plan_import(path=SAMPLE_PLAN)
    admin, _ = user_create_or_update(
        username="admin_revise", role="admin", password=PASSWORD, validate=False, organization_name=SAMPLE_ORGANIZATION
    )
    year_finalise(user=admin, organization_id=admin.organization_id, year=YEAR)
    meetings = Indicator.objects.get(department__name="대외협력과", short_name="정무활동 및 당정협력 강화")
    return meetings.pk, meetings.department_id


def _revise(indicator_id: int) -> None:
    from accounts.models import User
    from kpis.services.plan import target_set
    from kpis.services.scores import scores_recompute

    admin = User.objects.get(username="admin_revise")
    target_set(user=admin, indicator_id=indicator_id, year=YEAR, value=Decimal(12), reason="감사 결과 목표 정정")
    scores_recompute(YEAR)


def test_an_admin_reopens_the_year_and_the_revision_shows_on_the_drilldown_and_history(
    chromium_page, live_server, screenshots
):
    indicator_id, department_id = _finalised_sample()
    page = chromium_page
    login(page, live_server, "admin_revise", PASSWORD)

    page.goto(f"{live_server.url}/scores/{YEAR}/")
    reason = page.get_by_label("확정 해제 사유")
    reason.focus()
    page.keyboard.type("감사 결과 목표 정정")
    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "확정 해제"
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert "확정을 해제했습니다" in page.inner_text("main")
    assert page.get_by_role("button", name="결과 확정").count() == 1

    _revise(indicator_id)
    page.goto(f"{live_server.url}/scores/{YEAR}/departments/{department_id}/")
    revisions = page.locator("#target-revisions")
    assert "감사 결과 목표 정정" in revisions.inner_text() and "admin_revise" in revisions.inner_text()
    assert "목표 12(" in page.locator("#indicators").inner_text()
    assert_accessible(page, "drill-down with a target revision")
    revisions.screenshot(path=str(screenshots / "drilldown-target-revisions.png"))

    page.goto(f"{live_server.url}/indicators/{indicator_id}/history/")
    assert "감사 결과 목표 정정" in page.locator("table.target-revisions").inner_text()
    assert_accessible(page, "indicator history with a target revision")
