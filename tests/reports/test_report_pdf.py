"""The 성과보고서 as a PDF: the sample bureau's 2023 report, rendered once for the module and read back."""
from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace

import pytest
from django.db import transaction

from imports.services import plan_import
from kpis.models import Organization
from kpis.services.scores import scores_recompute
from reports.report.builder import performance_report
from reports.report.data import PerformanceReport
from reports.report.pdf import report_pdf
from tests.conftest import SAMPLE_ORGANIZATION, SAMPLE_PLAN, skip_or_fail

pytestmark = pytest.mark.django_db


def lengthened(report: PerformanceReport, times: int) -> PerformanceReport:
    """The report with its first department's first policy goal holding its indicators `times` over, so that
    their table runs across pages."""
    bureau = report.bureaus[0]
    department = bureau.departments[0]
    strategic = department.strategic_goals[0]
    goal = strategic.policy_goals[0]
    goal = replace(goal, indicators=goal.indicators * times)
    strategic = replace(strategic, policy_goals=(goal, *strategic.policy_goals[1:]))
    department = replace(department, strategic_goals=(strategic, *department.strategic_goals[1:]))
    return replace(report, bureaus=(replace(bureau, departments=(department,)),))


@pytest.fixture(scope="module")
def sample_pdfs(django_db_setup, django_db_blocker) -> tuple[bytes, bytes]:
    """The sample bureau's 2023 report as a PDF, and one whose indicator table runs over several pages; the plan
    is imported and scored in a transaction rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        organization, _ = Organization.objects.get_or_create(name=SAMPLE_ORGANIZATION)
        bureau = plan_import(path=SAMPLE_PLAN, organization=organization).bureau
        scores_recompute(2023)
        report = performance_report(year=2023, organization_ids=None, bureau_id=bureau.pk)
        pdfs = report_pdf(report), report_pdf(lengthened(report, 8))
        transaction.set_rollback(True)
    return pdfs


def pdftotext(content: bytes, directory) -> str:
    if shutil.which("pdftotext") is None:
        skip_or_fail("pdftotext (poppler-utils) is not installed")
    path = directory / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def pdf_text(sample_pdfs, tmp_path_factory) -> str:
    return pdftotext(sample_pdfs[0], tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def long_pdf_pages(sample_pdfs, tmp_path_factory) -> list[str]:
    return pdftotext(sample_pdfs[1], tmp_path_factory.mktemp("long")).split("\f")


def squeezed(text: str) -> str:
    return " ".join(text.split())


def test_the_pdf_holds_the_sample_scores_and_the_working_of_a_rate(pdf_text):
    text = squeezed(pdf_text)
    assert "2023년 전북특별자치도 대외국제소통국 성과보고서" in text
    assert "2023년 점수 102.73 · 등급 S" in text  # 대외협력과
    assert "2023년 점수 101.23 · 등급 S" in text  # 소통기획과
    assert "실적 12 / 목표 11 × 100 = 109.09%" in text
    assert "109.09%" in text


def test_the_pdf_says_what_its_figures_are_and_numbers_its_pages(pdf_text):
    text = squeezed(pdf_text)
    assert "2023년 저장된 점수 기준(미확정) · 평가 기준 v1 · 점수 계산 시각" in text
    pages = pdf_text.count("\f")
    assert pages >= 3
    numbers = re.findall(r"^(\d+) ?/ ?(\d+)$", pdf_text, flags=re.MULTILINE)
    assert numbers == [(str(page), str(pages)) for page in range(1, pages + 1)]


def test_the_pdf_follows_the_plan_order(pdf_text):
    text = squeezed(pdf_text)
    order = [
        "대외국제소통국 개요", "1. 대외협력과", "전략목표: 함께 성공을 위한 대내외 소통·협치",
        "정책사업목표: 정치권·도의회 및 민간단체 등 대내외 협력을 통한 도정 발전 견인", "정무활동 및 당정협력 강화",
        "미달성 사유와 개선계획", "2023년 예산과 집행", "2. 외국인국제정책과", "3. 소통기획과",
    ]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)


def test_the_table_header_repeats_and_no_indicator_is_cut_across_pages(long_pdf_pages):
    pages = [page for page in long_pdf_pages if "\n산정 내역\n" in page]
    assert len(pages) >= 2  # the lengthened table runs across pages
    for page in pages:
        # The table's header row starts every page it runs on.
        assert page.index("성과지표\n\n구분") < page.index("\n목표\n")
        # An indicator's rows stay together: each page holds whole indicators (목표 … 산정 내역).
        assert page.count("\n목표\n") == page.count("\n산정 내역\n")


def test_the_pdf_embeds_the_locally_installed_noto_cjk_font(sample_pdfs, tmp_path):
    if shutil.which("pdffonts") is None:
        skip_or_fail("pdffonts (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(sample_pdfs[0])
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout.splitlines()[2:]
    assert fonts and all("Noto-Sans-CJK-KR" in line and " yes " in line for line in fonts)
