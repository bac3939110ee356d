"""An evaluator opens 연도별 계획 from the menu and reads the 2025 → 2026 plan diff; both pages pass axe."""
from __future__ import annotations

import pytest

from imports.services import plan_import, renames_read
from kpis.models import Organization, OrganizationKind
from tests.browser.a11y import assert_accessible
from tests.browser.conftest import login
from tests.conftest import PASSWORD, SAMPLE_ORGANIZATION, SAMPLE_PLAN, _make_user
from tests.imports.test_sample_variants import MAPPING, NEXT_YEAR

pytestmark = pytest.mark.browser


def test_an_evaluator_reaches_the_diff_from_the_menu_and_it_is_accessible(chromium_page, live_server, screenshots):
    organization = Organization.objects.create(name=SAMPLE_ORGANIZATION, kind=OrganizationKind.PROVINCIAL)
    plan_import(path=SAMPLE_PLAN, organization=organization)
    plan_import(path=NEXT_YEAR, organization=organization, renames=renames_read(MAPPING))
    _make_user("eval_plans", "evaluator")
    page = chromium_page

    login(page, live_server, "eval_plans", PASSWORD)
    page.get_by_role("link", name="연도별 계획").click()
    page.wait_for_load_state("networkidle")
    assert_accessible(page, "연도별 성과계획")
    page.get_by_role("link", name="2025년 → 2026년 비교 (대외국제소통국)").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="이름이 바뀐 성과지표 1개").is_visible()
    assert "2026년 목표 1,950,000이 2024년 실적 1,965,000 이하입니다" in page.inner_text("main")
    page.screenshot(path=str(screenshots / "plan-diff-2026.png"), full_page=True)
    assert_accessible(page, "계획 비교")
