"""`manage.py performance_report --year Y [--organization NAME] [--bureau NAME] -o FILE`."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from kpis.services.scores import scores_recompute

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(sample_plan):
    scores_recompute(2023)
    return sample_plan


def run(*args: str) -> str:
    out = StringIO()
    call_command("performance_report", *args, stdout=out)
    return out.getvalue()


def test_it_writes_the_bureaus_report_as_xlsx_and_as_pdf(scored, tmp_path):
    workbook = tmp_path / "report.xlsx"
    said = run("--year", "2023", "--organization", "전북특별자치도", "--bureau", "대외국제소통국", "-o", str(workbook))
    assert "2023년 전북특별자치도 대외국제소통국 성과보고서 · 실국 1개, 부서 3개" in said
    sheets = load_workbook(workbook)
    assert sheets.sheetnames == ["개요", "성과지표", "미달성 사유·개선계획", "예산·집행"]
    assert sheets["개요"]["E5"].value == 102.73
    pdf = tmp_path / "report.pdf"
    run("--year", "2023", "-o", str(pdf))  # one organization: --organization may be left out
    assert pdf.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(("args", "message"), [
    (("--year", "2023", "-o", "report.docx"), "'report.docx'는 .pdf 또는 .xlsx로 끝나야 합니다."),
    (("--year", "2023", "--organization", "전라남도", "-o", "r.pdf"), "기관 '전라남도'를 찾을 수 없습니다."),
    (("--year", "2023", "--bureau", "기획조정실", "-o", "r.pdf"), "실국 '기획조정실'을 찾을 수 없습니다."),
    (("--year", "1999", "-o", "r.pdf"), "연도는 2000~2100 사이여야 합니다."),
])
def test_it_refuses_bad_arguments_with_a_korean_message(scored, tmp_path, args, message):
    args = tuple(str(tmp_path / arg) if arg.startswith("r") else arg for arg in args)
    with pytest.raises(CommandError, match=message):
        call_command("performance_report", *args)
    assert not list(tmp_path.iterdir())  # nothing written
