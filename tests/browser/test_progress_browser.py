"""Issue 16's whole year in one browser: a department fills two quarters, sees its progress and the early warning,
writes its report entries (the 미달성 사유 the shortfall asks for) and submits; an evaluator finds the indicator in
the early warning, approves the entry and downloads the 성과보고서 PDF, which holds what the department wrote."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from imports.services import plan_import
from kpis.models import Actual, ActualStatus, Indicator, PeriodSetting
from reports.models import ReportEntry, ReportEntryStatus
from tests.browser.conftest import login
from tests.conftest import PASSWORD, SAMPLE_PLAN, _make_user, skip_or_fail

pytestmark = pytest.mark.browser

YEAR = 2025


def _submit_quarter(page, live_server, indicator: Indicator, period: int, figure: str) -> None:
    page.goto(f"{live_server.url}/entry/{indicator.department_id}/{YEAR}/")
    row = page.locator(f"#ind-{indicator.pk}-p{period}")
    row.locator("input[name=in_0]").fill(figure)
    row.locator("button[value=submit]").click()
    page.wait_for_load_state("networkidle")
    unusual = page.locator(f"#unusual-{indicator.pk}-p{period} button.confirm-unusual")
    if unusual.count():  # a figure far below the year's target asks to be confirmed
        unusual.click()
        page.wait_for_load_state("networkidle")


def test_quarters_progress_early_warning_report_entries_approval_and_the_report_pdf(
    chromium_page, live_server, screenshots, tmp_path
):
    bureau = plan_import(path=SAMPLE_PLAN).bureau
    PeriodSetting.objects.create(organization=bureau.organization, year=YEAR, frequency="quarter")
    _make_user("dept_progress", "department", "대외협력과")
    _make_user("eval_progress", "evaluator")
    meetings = Indicator.objects.get(short_name="정무활동 및 당정협력 강화")
    page = chromium_page
    page.on("dialog", lambda dialog: dialog.accept())  # "제출할까요?"

    login(page, live_server, "dept_progress", PASSWORD)
    _submit_quarter(page, live_server, meetings, 1, "1")
    _submit_quarter(page, live_server, meetings, 2, "2")  # 3 of 11 × 2/4 = 5.5 by now: 54.55 %, behind
    statuses = set(Actual.all_periods.filter(indicator=meetings, year=YEAR, period__gt=0).values_list("status", flat=True))
    assert statuses == {ActualStatus.SUBMITTED}

    page.goto(f"{live_server.url}/scores/{YEAR}/departments/{meetings.department_id}/")
    progress = page.locator(f"#progress-{meetings.pk}")
    assert "54.55%" in progress.inner_text() and "부진" in progress.inner_text()
    assert "기간 목표 = 연간 목표 11 × 2/4 = 5.5" in page.locator("#progress").inner_text()
    page.locator("#progress").screenshot(path=str(screenshots / "progress-drilldown.png"))

    # The early warning names it to the department too.
    page.goto(f"{live_server.url}/progress/{YEAR}/?status=behind")
    assert "정무활동 및 당정협력 강화" in page.locator("table.progress-table").inner_text()

    # The report entries: 3 meetings of 11 fall short, so the 미달성 사유 is asked for before the submission.
    page.click("nav.site-nav >> text=보고서 작성")
    page.wait_for_load_state("networkidle")
    if f"/{YEAR}/" not in page.url:  # the menu opens the report year it defaults to: go to the quarters' year
        page.goto(f"{live_server.url}/reports/entries/{meetings.department_id}/{YEAR}/")
    section = page.locator(f"#ind-{meetings.pk}")
    assert "필수" in section.inner_text()
    section.get_by_label("미달성 사유").fill("상반기 국회 일정으로 협의회 연기")
    section.get_by_label("향후 개선계획").fill("하반기 정무협의회 2회 추가 개최")
    with page.expect_navigation():
        section.get_by_role("button", name="저장 후 제출").click()
    entry = ReportEntry.objects.get(indicator=meetings, year=YEAR)
    assert entry.status == ReportEntryStatus.SUBMITTED

    page.click("button:has-text('로그아웃')")
    page.wait_for_load_state("networkidle")
    login(page, live_server, "eval_progress", PASSWORD)
    page.click("nav.site-nav >> text=조기경보")
    page.wait_for_load_state("networkidle")
    if f"/progress/{YEAR}/" not in page.url:  # the menu opens the entry year: go to the quarters' year
        page.goto(f"{live_server.url}/progress/{YEAR}/")
    page.select_option("#filter-status", "behind")
    page.click("form[aria-label='조기경보 목록 거르기'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    listed = page.locator("table.progress-table").inner_text()
    assert "정무활동 및 당정협력 강화" in listed and "54.55%" in listed
    assert "민간단체" not in listed  # nothing reported there: not judged, not listed as behind
    page.screenshot(path=str(screenshots / "progress-early-warning.png"), full_page=True)

    # The evaluator approves the entry and downloads the bureau's report as a PDF.
    page.click("nav.site-nav >> text=보고서 검토")
    page.wait_for_load_state("networkidle")
    row = page.locator(f"#entry-{entry.pk}")
    assert "상반기 국회 일정으로 협의회 연기" in row.inner_text()
    with page.expect_navigation():
        row.get_by_role("button", name="승인").click()
    assert ReportEntry.objects.get(pk=entry.pk).status == ReportEntryStatus.APPROVED

    page.goto(f"{live_server.url}/reports/performance/{YEAR}/bureaus/{bureau.pk}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF 내려받기").click()
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        skip_or_fail("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "상반기 국회 일정으로 협의회 연기" in text and "하반기 정무협의회 2회 추가 개최" in text
