"""An evaluator reviews and approves with the keyboard alone (Tab, Space, Enter); the department reads the comment."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.services import plan_import
from kpis.models import Actual, ActualStatus, Indicator
from kpis.services.actuals import actual_save
from kpis.services.evidence import evidence_add
from kpis.services.workflow import actual_submit
from tests.browser.a11y import assert_accessible
from tests.browser.conftest import keyboard_login, login, tab_to
from tests.conftest import PASSWORD, SAMPLE_PLAN, _make_user

pytestmark = pytest.mark.browser

YEAR = 2024
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def submitted(user, indicator: Indicator, note: str = "", evidence: str = "", **inputs: str) -> Actual:
    seen = Actual.objects.get(indicator=indicator, year=YEAR)
    draft = actual_save(
        user=user, indicator_id=indicator.pk, year=YEAR, inputs=inputs, note=note, expected_version=seen.version
    )
    if evidence:
        evidence_add(user=user, actual_id=draft.pk, upload=SimpleUploadedFile(evidence, PDF))
    return actual_submit(user=user, actual_id=draft.pk, expected_version=draft.version)


def test_an_evaluator_approves_with_the_keyboard_and_the_department_reads_the_comment(
    chromium_page, live_server, screenshots
):
    plan_import(path=SAMPLE_PLAN)
    department = _make_user("dept_review", "department", "대외협력과")
    _make_user("eval_review", "evaluator")
    meetings = Indicator.objects.get(short_name="정무활동 및 당정협력 강화")
    exchanges = Indicator.objects.get(short_name="민간단체 및 출향도민 협력 강화")
    volunteering = Indicator.objects.get(short_name="자원봉사 활동률")
    first = submitted(department, meetings, 개최횟수="12")
    second = submitted(department, exchanges, 교류횟수="34")
    third = submitted(
        department, volunteering, note="1365 자원봉사포털 12월 말 집계", evidence="활동인원-집계표.pdf",
        활동인원="120,000", 인구="2,000,000",
    )
    page = chromium_page

    keyboard_login(page, live_server, "eval_review", PASSWORD)
    page.goto(f"{live_server.url}/review/")
    assert "달성률" in page.content() and "활동인원/인구*100" in page.content()
    assert "1365 자원봉사포털 12월 말 집계" in page.content() and "활동인원-집계표.pdf" in page.content()
    page.screenshot(path=str(screenshots / "review-queue.png"), full_page=True)
    assert_accessible(page, "review queue")

    # two rows checked and approved together with one comment
    tab_to(page, f"#pick-{first.pk}")
    page.keyboard.press("Space")
    tab_to(page, f"#pick-{second.pk}")
    page.keyboard.press("Space")
    tab_to(page, "#bulk-comment")
    page.keyboard.type("개최 실적 확인 완료")
    tab_to(page, "#bulk-approve button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "선택한 실적 2건을 승인했습니다" in page.content()

    # one row approved on its own, with its own comment
    tab_to(page, f"#comment-{third.pk}")
    page.keyboard.type("1365 집계와 일치합니다")
    tab_to(page, f"#actual-{third.pk} button[value=approve]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "실적을 승인했습니다" in page.content()

    for actual, comment in ((first, "개최 실적 확인 완료"), (second, "개최 실적 확인 완료"), (third, "1365 집계와 일치합니다")):
        stored = Actual.objects.get(pk=actual.pk)
        assert stored.status == ActualStatus.APPROVED and stored.review_comment == comment

    page.keyboard.press("Tab")  # the focus ring is visible on whatever the keyboard reaches
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"

    page.click("button:has-text('로그아웃')")
    page.wait_for_load_state("networkidle")
    login(page, live_server, "dept_review", PASSWORD)
    page.goto(f"{live_server.url}/indicators/{volunteering.pk}/history/")
    history = page.locator("table.history").inner_text()
    assert "승인" in history and "1365 집계와 일치합니다" in history and "eval_review" in history
    assert "상태: 제출 → 승인" in history and "입력값: 활동인원" in history
    assert "approve" not in history and "actual.status" not in history
    page.screenshot(path=str(screenshots / "history.png"), full_page=True)
    assert_accessible(page, "history")
