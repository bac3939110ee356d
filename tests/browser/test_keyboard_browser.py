"""With the keyboard alone: a department user logs in, types the parts of 활동인원/인구*100 and submits;
an evaluator logs in and approves it. No click anywhere, only Tab, typing and Enter."""
from __future__ import annotations

import pytest

from imports.services import plan_import
from kpis.models import Actual, ActualStatus, Indicator
from tests.browser.conftest import keyboard_login, tab_to
from tests.conftest import PASSWORD, SAMPLE_PLAN, _make_user

pytestmark = pytest.mark.browser
YEAR = 2024


def _press_enter_and_wait(page) -> None:
    """Enter on a submit button: wait for the page the form leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")


def test_a_department_user_submits_and_an_evaluator_approves_with_the_keyboard_alone(chromium_page, live_server):
    plan_import(path=SAMPLE_PLAN)
    _make_user("dept_keys", "department", "대외협력과")
    _make_user("eval_keys", "evaluator")
    volunteering = Indicator.objects.get(short_name="자원봉사 활동률")
    row = f"#ind-{volunteering.pk}"
    page = chromium_page
    page.on("dialog", lambda dialog: dialog.accept())  # the native "제출할까요?" confirm, answered with Enter

    keyboard_login(page, live_server, "dept_keys", PASSWORD)
    page.goto(f"{live_server.url}/entry/{volunteering.department_id}/{YEAR}/")
    tab_to(page, f"{row} input[name=in_0]")
    page.keyboard.type("120,000")
    tab_to(page, f"{row} input[name=in_1]")
    page.keyboard.type("2,000,000")
    tab_to(page, f"{row} button[value=submit]")
    _press_enter_and_wait(page)
    assert Actual.objects.get(indicator=volunteering, year=YEAR).status == ActualStatus.SUBMITTED

    tab_to(page, "button:has-text('로그아웃')")
    _press_enter_and_wait(page)
    keyboard_login(page, live_server, "eval_keys", PASSWORD)
    page.goto(f"{live_server.url}/review/")
    tab_to(page, "tr:has-text('자원봉사 활동률') button[value=approve]")
    _press_enter_and_wait(page)
    assert Actual.objects.get(indicator=volunteering, year=YEAR).status == ActualStatus.APPROVED
