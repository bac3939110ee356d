"""A department user types the parts of 활동인원/인구*100, submits; an evaluator approves."""
from __future__ import annotations

import pytest

from imports.services import plan_import
from kpis.models import Actual, ActualStatus, Indicator
from tests.browser.conftest import login, tab_to
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


def test_a_refused_save_keeps_what_was_typed_beside_the_error(chromium_page, live_server, screenshots):
    plan_import(path=SAMPLE_PLAN)
    _make_user("dept_refused", "department", "대외협력과")
    meetings = Indicator.objects.get(short_name="정무활동 및 당정협력 강화")
    page = chromium_page

    login(page, live_server, "dept_refused", PASSWORD)
    page.goto(f"{live_server.url}/entry/{meetings.department_id}/2024/")
    row = page.locator(f"#ind-{meetings.pk}")
    row.locator("input[name=in_0]").fill("-5")
    row.locator("textarea[name=note]").fill("다시 센 값")
    with page.expect_navigation():
        row.locator("button[value=save]").click()
    page.wait_for_load_state("networkidle")

    row = page.locator(f"#ind-{meetings.pk}")
    field = row.locator("input[name=in_0]")
    assert field.input_value() == "-5"
    assert field.get_attribute("aria-invalid") == "true"
    assert row.locator("ul.field-errors li[data-field=in_0]").is_visible()
    assert row.locator("textarea[name=note]").input_value() == "다시 센 값"
    assert "계산값" not in row.locator(f"#preview-{meetings.pk}").inner_text()
    assert "저장하지 않았습니다" in page.locator(".messages").inner_text()
    assert Actual.objects.get(indicator=meetings, year=2024).value is None
    row.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "entry-refused-save.png"), full_page=True)


def test_a_department_user_enters_and_submits_with_the_keyboard_alone(chromium_page, live_server, screenshots):
    plan_import(path=SAMPLE_PLAN)
    _make_user("dept_keyboard", "department", "대외협력과")
    meetings = Indicator.objects.get(short_name="정무활동 및 당정협력 강화")
    page = chromium_page
    login(page, live_server, "dept_keyboard", PASSWORD)
    page.goto(f"{live_server.url}/entry/")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/entry/{meetings.department_id}/2024/")
    row = f"#ind-{meetings.pk}"

    tab_to(page, f"{row} input[name=in_0]")
    page.keyboard.type("12")
    tab_to(page, f"{row} textarea[name=note]")
    page.keyboard.type("분기별 당정협의회")
    page.locator(f"#preview-{meetings.pk}").locator("text=계산값").wait_for(timeout=10000)
    tab_to(page, f"{row} button[value=submit]")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.keyboard.press("Space")
    page.wait_for_load_state("networkidle")

    assert "제출했습니다" in page.locator(".messages").inner_text()
    actual = Actual.objects.get(indicator=meetings, year=2024)
    assert actual.status == ActualStatus.SUBMITTED and actual.value == 12 and actual.note == "분기별 당정협의회"
    locked = page.locator(row)
    assert locked.locator("input").count() == 0 and "분기별 당정협의회" in locked.inner_text()
    page.screenshot(path=str(screenshots / "entry-submitted.png"))


def test_an_unusual_value_is_confirmed_with_the_keyboard_before_it_is_stored(chromium_page, live_server, screenshots):
    plan_import(path=SAMPLE_PLAN)
    _make_user("dept_unusual", "department", "대외협력과")
    meetings = Indicator.objects.get(short_name="정무활동 및 당정협력 강화")
    page = chromium_page
    login(page, live_server, "dept_unusual", PASSWORD)
    page.goto(f"{live_server.url}/entry/{meetings.department_id}/2024/")
    row = f"#ind-{meetings.pk}"

    tab_to(page, f"{row} input[name=in_0]")
    page.keyboard.type("40")  # target 11
    page.locator(f"#preview-{meetings.pk}").locator("text=확인 필요").wait_for(timeout=10000)
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Enter submits through the form's first button: 임시 저장
    page.wait_for_load_state("networkidle")
    assert Actual.objects.get(indicator=meetings, year=2024).value is None
    assert page.locator(f"{row} input[name=in_0]").input_value() == "40"
    assert "3배를 넘는 값(40)" in page.locator(f"{row} .unusual").inner_text()
    page.locator(f"{row} .unusual").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "entry-unusual-value.png"))

    tab_to(page, f"{row} button[name=confirm_unusual]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")

    assert "임시 저장했습니다" in page.locator(".messages").inner_text()
    assert Actual.objects.get(indicator=meetings, year=2024).value == 40
