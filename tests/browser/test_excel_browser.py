"""A department user downloads the actuals workbook from the Excel page, fills it offline, uploads it,
gets the error workbook for a bad cell, fixes it, uploads again and confirms."""
from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from imports.services import plan_import
from kpis.models import Actual, ActualStatus, AuditEntry, Department
from tests.browser.conftest import login
from tests.conftest import PASSWORD, SAMPLE_PLAN, _make_user

pytestmark = pytest.mark.browser
YEAR = 2024


def _actuals() -> dict[int, tuple]:
    return {pk: (version, value) for pk, version, value in Actual.objects.filter(year=YEAR).values_list("pk", "version", "value")}


def _download(page, click) -> bytes:
    with page.expect_download() as download:
        click()
    return Path(download.value.path()).read_bytes()


def _upload(page, live_server, department_id: int, data: bytes, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    page.goto(f"{live_server.url}/imports/actuals/?department={department_id}&year={YEAR}")
    page.set_input_files("input[type=file]", str(path))
    page.click("text=올리고 미리보기")
    page.wait_for_load_state("networkidle")


def test_a_workbook_filled_offline_goes_through_preview_error_workbook_and_confirm(
    chromium_page, live_server, tmp_path, screenshots
):
    plan_import(path=SAMPLE_PLAN)
    _make_user("dept_excel", "department", "대외협력과")
    department = Department.objects.get(name="대외협력과")
    page = chromium_page
    login(page, live_server, "dept_excel", PASSWORD)
    before = _actuals()

    page.goto(f"{live_server.url}/imports/actuals/?department={department.pk}&year={YEAR}")
    page.fill("input[name=year]", str(YEAR))
    exported = _download(page, lambda: page.click("text=실적 엑셀 내려받기"))
    workbook = load_workbook(io.BytesIO(exported))
    sheet = workbook["실적입력"]
    sheet["L6"], sheet["L7"], sheet["L8"], sheet["N8"] = 12, "12회", "3,000", 50000
    filled = io.BytesIO()
    workbook.save(filled)

    _upload(page, live_server, department.pk, filled.getvalue(), tmp_path, "filled.xlsx")

    text = page.inner_text("main")
    assert "오류 1건" in text and "실적입력!L7: '12회'는 숫자가 아닙니다" in text
    assert page.locator("button:has-text('확인하고 반영')").count() == 0 and _actuals() == before
    page.screenshot(path=str(screenshots / "excel-preview-errors.png"), full_page=True)
    marked = load_workbook(io.BytesIO(_download(page, lambda: page.click("text=오류 표시 파일 내려받기"))))["실적입력"]
    assert "숫자가 아닙니다" in marked["L7"].comment.text and marked["L7"].fill.fgColor.rgb.endswith("C7CE")
    assert marked["L6"].comment is None

    marked["L7"] = 33  # fixed in the marked workbook itself, as a user would
    fixed = io.BytesIO()
    marked.parent.save(fixed)
    _upload(page, live_server, department.pk, fixed.getvalue(), tmp_path, "fixed.xlsx")

    assert "고친 뒤 다시 올리세요" not in page.inner_text("main")
    rows = {int(row.locator("td").nth(0).inner_text()): row.locator("td").nth(5).inner_text()
            for row in page.locator("form table.data tbody tr").all()}
    assert rows == {6: "12", 7: "33", 8: "6"}
    page.click("button:has-text('확인하고 반영')")
    page.wait_for_load_state("networkidle")

    assert "반영 완료" in page.inner_text("main")
    changed = {key: value for key, value in _actuals().items() if before.get(key) != value}
    assert sorted(value for _, value in changed.values()) == [Decimal(6), Decimal(12), Decimal(33)]
    run_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    assert AuditEntry.objects.filter(import_run_id=run_id, entity="actual", field="value").count() == 3


def test_a_department_user_confirms_and_submits_a_workbook_in_one_step(chromium_page, live_server, tmp_path, screenshots):
    plan_import(path=SAMPLE_PLAN)
    _make_user("dept_submit", "department", "대외협력과")
    department = Department.objects.get(name="대외협력과")
    page = chromium_page
    login(page, live_server, "dept_submit", PASSWORD)

    page.goto(f"{live_server.url}/imports/actuals/?department={department.pk}&year={YEAR}")
    page.fill("input[name=year]", str(YEAR))
    workbook = load_workbook(io.BytesIO(_download(page, lambda: page.click("text=실적 엑셀 내려받기"))))
    sheet = workbook["실적입력"]
    sheet["L6"], sheet["L7"], sheet["L8"], sheet["N8"] = 12, 33, 3000, 50000
    filled = io.BytesIO()
    workbook.save(filled)
    _upload(page, live_server, department.pk, filled.getvalue(), tmp_path, "filled.xlsx")

    assert "'확인하고 반영'은 값을 '작성 중'으로 저장하며" in page.inner_text("main")
    page.click("button:has-text('반영 후 제출')")
    page.wait_for_load_state("networkidle")

    text = page.inner_text("main")
    assert "3개 행을 반영하고 3개 실적을 제출했습니다" in text and "반영한 값 3건을 제출했습니다" in text
    assert "상태: 반영 완료" in text
    submitted = Actual.objects.filter(year=YEAR, indicator__department=department, status=ActualStatus.SUBMITTED)
    assert sorted(submitted.values_list("value", flat=True)) == [Decimal(6), Decimal(12), Decimal(33)]
    page.screenshot(path=str(screenshots / "excel-confirmed.png"), full_page=True)

    page.click("text=가져오기 기록")
    page.wait_for_load_state("networkidle")
    assert "반영 완료 · 제출" in page.inner_text("main table")


def test_a_department_user_opening_an_evaluator_page_sees_the_korean_403_page(chromium_page, live_server, screenshots):
    plan_import(path=SAMPLE_PLAN)
    _make_user("dept_lost", "department", "대외협력과")
    page = chromium_page
    login(page, live_server, "dept_lost", PASSWORD)

    response = page.goto(f"{live_server.url}/imports/plan/")

    assert response.status == 403
    assert page.inner_text("h1") == "권한이 없습니다"
    assert page.locator("nav.site-nav").is_visible()
    assert page.get_by_role("link", name="관리", exact=True).count() == 0
    page.screenshot(path=str(screenshots / "error-page.png"), full_page=True)
    page.click("text=첫 화면으로")
    page.wait_for_load_state("networkidle")
    assert page.url.rstrip("/") == live_server.url.rstrip("/")


def test_an_admin_picks_the_department_from_the_list_and_filters_the_history(chromium_page, live_server, tmp_path):
    plan_import(path=SAMPLE_PLAN)
    _make_user("admin_excel", "admin")
    comms = Department.objects.get(name="소통기획과")
    page = chromium_page
    login(page, live_server, "admin_excel", PASSWORD)

    page.get_by_role("link", name="엑셀", exact=True).click()
    page.click("text=실적 엑셀 올리기")
    page.fill("input[name=year]", str(YEAR))
    page.get_by_label("부서").select_option(label="소통기획과 (대외국제소통국)")
    exported = _download(page, lambda: page.click("text=실적 엑셀 내려받기"))
    _upload(page, live_server, comms.pk, exported, tmp_path, "comms.xlsx")

    page.goto(f"{live_server.url}/imports/history/")
    page.get_by_label("부서").select_option(label="소통기획과 (대외국제소통국)")
    page.get_by_label("연도").fill(str(YEAR))
    page.click("button:has-text('거르기')")
    page.wait_for_load_state("networkidle")

    rows = page.locator("table.data tbody tr")
    assert rows.count() == 1 and "comms.xlsx" in rows.inner_text() and "소통기획과" in rows.inner_text()
    assert page.locator("nav.site-nav").get_by_role("link", name="계획 엑셀", exact=True).count() == 1
    page.screenshot(path=str(tmp_path / "history.png"), full_page=True)
