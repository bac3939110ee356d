"""xlsx exports of the scoreboard and the drill-down: formatted, and text never runs as a formula."""
from __future__ import annotations

import zipfile
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from kpis.models import Department, Indicator
from kpis.score_exports import put
from kpis.services.scores import scores_recompute

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HOSTILE = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+2", "-1+2", "@SUM(A1)", "\t=1"]


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return load_workbook(BytesIO(response.content))


def no_formulas(response) -> None:
    with zipfile.ZipFile(BytesIO(response.content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name), name


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_looks_like_a_formula_is_stored_as_quoted_text(text):
    ws = Workbook().active
    cell = put(ws, 1, 1, text)
    assert cell.data_type == "s"
    assert cell.quotePrefix is True
    assert cell.value == text


def test_ordinary_text_and_numbers_are_left_alone():
    ws = Workbook().active
    assert put(ws, 1, 1, "대외협력과").quotePrefix is False
    assert put(ws, 1, 2, Decimal(11)).number_format == "#,##0"
    assert put(ws, 1, 3, Decimal("88.5")).number_format == "#,##0.0###"
    assert put(ws, 1, 4, Decimal("102.73"), "#,##0.00").number_format == "#,##0.00"
    with pytest.raises(TypeError):
        put(ws, 1, 5, 1.5)


def test_the_scoreboard_exports_ranked_rows_with_bold_frozen_headers(client, evaluator):
    scores_recompute(2023)
    client.force_login(evaluator)
    response = client.get("/scores/2023/export.xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="scores-2023.xlsx"'
    wb = workbook(response)
    assert wb.sheetnames == ["점수표", "실국 요약"]
    ws = wb["점수표"]
    assert ws["A1"].value == "2023년 부서별 성과 점수"
    assert [c.value for c in ws[4]][:7] == ["순위", "실국", "부서", "점수", "잠정", "등급", "완결성(%)"]
    assert all(c.font.b for c in ws[4])
    assert ws.freeze_panes == "D5"
    assert ws.column_dimensions["C"].width == 20
    assert [ws.cell(row=r, column=3).value for r in (5, 6, 7)] == ["대외협력과", "소통기획과", "외국인국제정책과"]
    assert ws["D5"].value == pytest.approx(102.73) and ws["D5"].number_format == "#,##0.00"
    assert ws["D6"].value == pytest.approx(101.23)
    assert ws["E5"].value is None  # not provisional: an empty cell
    assert ws["O5"].value == "최신"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    summary = wb["실국 요약"]
    assert [summary.cell(row=r, column=1).value for r in (5, 6)] == ["전체", "대외국제소통국"]
    assert summary["D6"].value == pytest.approx(101.98)
    no_formulas(response)


def test_the_export_keeps_the_filters_and_all_pages(client, evaluator):
    scores_recompute(2023)
    client.force_login(evaluator)
    ws = workbook(client.get("/scores/2023/export.xlsx", {"grade": "none"}))["점수표"]
    assert ws["C5"].value == "외국인국제정책과" and ws["C6"].value is None
    assert "등급 없음" in ws["A2"].value


def test_hostile_names_are_escaped_in_both_exports(client, evaluator):
    department = Department.objects.get(name="대외협력과")
    Department.objects.filter(pk=department.pk).update(name=HOSTILE[0])
    Indicator.objects.filter(short_name="정무활동 및 당정협력 강화").update(short_name="=1+1")
    scores_recompute(2023)
    client.force_login(evaluator)
    board = client.get("/scores/2023/export.xlsx")
    ws = workbook(board)["점수표"]
    assert ws["C5"].value == HOSTILE[0] and ws["C5"].data_type == "s" and ws["C5"].quotePrefix
    no_formulas(board)
    drill = client.get(f"/scores/2023/departments/{department.pk}/export.xlsx")
    sheet = workbook(drill)["지표별 점수"]
    assert sheet["A6"].value == "=1+1" and sheet["A6"].quotePrefix
    no_formulas(drill)


def test_the_drilldown_exports_indicators_series_and_budget(client, evaluator):
    scores_recompute(2023)
    department = Department.objects.get(name="대외협력과")
    client.force_login(evaluator)
    wb = workbook(client.get(f"/scores/2023/departments/{department.pk}/export.xlsx"))
    assert wb.sheetnames == ["지표별 점수", "연도별 추이", "예산과 성과"]
    ws = wb["지표별 점수"]
    assert ws["A1"].value == "2023년 대외협력과 성과 점수"
    assert ws["B3"].value == pytest.approx(102.73)
    assert [c.value for c in ws[5]][:6] == ["성과지표", "유형", "단위", "가중치", "목표", "실적"]
    assert all(c.font.b for c in ws[5]) and ws.freeze_panes == "B6"
    first = [c.value for c in ws[6]]
    assert first[0] == "정무활동 및 당정협력 강화"
    assert first[3:6] == [30, 11, 12]
    assert first[8] == pytest.approx(109.09) and ws["I6"].number_format == "#,##0.00"
    assert "실적 12 / 목표 11" in first[13]
    assert "2024년 목표 11" in first[14]
    assert ws["A9"].value == "합계" and ws["L9"].value == pytest.approx(102.73)
    trend = wb["연도별 추이"]
    assert [c.value for c in trend[4]] == ["성과지표", "구분", "2023", "2024", "2025", "2026", "2027"]
    assert [c.value for c in trend[5]] == ["정무활동 및 당정협력 강화", "목표", 11, 11, 11, 11, 11]
    assert [c.value for c in trend[6]][:4] == ["정무활동 및 당정협력 강화", "실적", 12, None]
    budget = wb["예산과 성과"]
    header = [c.value for c in budget[4]]
    row = dict(zip(header, [c.value for c in budget[5]]))
    assert row["2023 결산"] == 3801 and row["2025 예산"] == 4206 and row["계획서 예산액(2025)"] == 4430
