"""The evaluators' scoreboard in a real Chromium: ranking, drill-down chart, screenshots.

Transactional database: the live server runs in another thread and must see committed rows.
All database work happens before Playwright starts, because its sync API runs an event loop
in this thread and Django refuses ORM calls from there.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PASSWORD, SAMPLE_ORGANIZATION, SAMPLE_PLAN, skip_or_fail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed")
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing")
    return sync_playwright


def _sample_scored():
    from accounts.services import user_create_or_update
    from imports.services import plan_import
    from kpis.models import Department
    from kpis.services.scores import scores_recompute

    plan_import(path=SAMPLE_PLAN)
    user_create_or_update(
        username="evaluator", role="evaluator", password=PASSWORD, validate=False, organization_name=SAMPLE_ORGANIZATION
    )
    scores_recompute(2023)
    return Department.objects.get(name="대외협력과").pk


def test_an_evaluator_sees_the_2023_ranking_and_a_drilldown_chart(live_server, screenshots):
    sync_playwright = _playwright()
    cooperation_id = _sample_scored()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="ko-KR")
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=username]", "evaluator")
            page.fill("input[name=password]", PASSWORD)
            page.click("form.form button[type=submit]")
            page.wait_for_load_state("networkidle")

            page.goto(f"{live_server.url}/scores/2023/")
            rows = page.locator("table.scoreboard tbody tr")
            names = rows.locator("th.dept a").all_inner_texts()
            assert names.index("대외협력과") < names.index("소통기획과")
            cooperation = rows.filter(has_text="대외협력과")
            comms = rows.filter(has_text="소통기획과")
            assert "102.73" in cooperation.locator("td.score").inner_text()
            assert "101.23" in comms.locator("td.score").inner_text()
            assert page.locator("button", has_text="재계산").count() == 1
            page.screenshot(path=str(screenshots / "scoreboard-2023.png"), full_page=True)

            page.click("table.scoreboard a:text-is('대외협력과')")
            page.wait_for_url(f"**/scores/2023/departments/{cooperation_id}/")
            assert page.locator("svg.chart--series").count() == 3
            assert page.locator("svg.chart--bars").count() == 1
            assert "정무활동 및 당정협력 강화" in page.locator("svg.chart--series").first.get_attribute("aria-label")
            assert page.locator(".weak-flag").first.is_visible()
            page.screenshot(path=str(screenshots / "drilldown-2023.png"), full_page=True)
        finally:
            browser.close()
