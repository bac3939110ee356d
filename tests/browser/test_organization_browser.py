"""A province evaluator given its cities switches organization in the header with the keyboard alone and sees
the scoreboard change, then opens the comparison across organizations (screenshot compare.png)."""
from __future__ import annotations

import pytest

from imports.services import plan_import
from kpis.models import Department, Organization, OrganizationKind
from kpis.services.scores import scores_recompute
from tests.browser.a11y import assert_accessible
from tests.browser.conftest import keyboard_login, tab_to
from tests.conftest import PASSWORD, SAMPLE_ORGANIZATION, SAMPLE_PLAN, _make_user

pytestmark = pytest.mark.browser
YEAR = 2023


def _two_organizations() -> None:
    province, _ = Organization.objects.get_or_create(name=SAMPLE_ORGANIZATION)
    plan_import(path=SAMPLE_PLAN, organization=province)
    city = Organization.objects.create(name="전주시", kind=OrganizationKind.LOCAL, parent=province)
    plan_import(path=SAMPLE_PLAN, organization=city)
    Department.objects.filter(bureau__organization=city, name="대외협력과").update(name="전주대외협력과")
    scores_recompute(YEAR)
    user = _make_user("province_keys", "evaluator")
    user.sees_child_organizations = True
    user.save(update_fields=["sees_child_organizations"])


def test_a_province_evaluator_switches_to_its_city_with_the_keyboard(chromium_page, live_server, screenshots):
    _two_organizations()
    page = chromium_page
    keyboard_login(page, live_server, "province_keys", PASSWORD)
    page.goto(f"{live_server.url}/scores/{YEAR}/")
    assert "전북특별자치도" in page.locator("h1").inner_text()
    names = page.locator("table.scoreboard tbody th.dept a").all_inner_texts()
    assert "대외협력과" in names and "전주대외협력과" not in names

    tab_to(page, "#org-switcher-select")
    page.keyboard.press("ArrowDown")  # 전북특별자치도 → 전주시 (by name)
    assert page.locator("#org-switcher-select option:checked").inner_text() == "전주시"
    tab_to(page, ".org-switcher button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/scores/{YEAR}/")
    assert "전주시" in page.locator("h1").inner_text()
    names = page.locator("table.scoreboard tbody th.dept a").all_inner_texts()
    assert "전주대외협력과" in names and "대외협력과" not in names

    tab_to(page, "a:text-is('기관 비교')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    rows = page.locator("table.compare tbody tr th").all_inner_texts()
    assert rows == ["전북특별자치도", "전주시"]
    assert_accessible(page, "기관 비교")
    page.screenshot(path=str(screenshots / "compare.png"), full_page=True)
