"""The actuals workbook of a year reported by quarter: a column block per quarter, the year value as a live
formula of the indicator's rule, and the upload saving each quarter through the same services."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from imports import workbook_layout as L
from kpis.models import Actual, AuditEntry, Indicator, Organization
from kpis.period_rules import PeriodRule
from kpis.services.actuals import actual_save
from kpis.services.periods import period_setting_save
from tests.fixtures.workbooks import confirm, edit, export_workbook, upload
from tests.imports.test_libreoffice_roundtrip import resave_with_libreoffice

pytestmark = pytest.mark.django_db
D = Decimal
YEAR = 2025
# 대외협력과's rows: 개최횟수 (6), 교류횟수 (7), 활동인원/인구*100 (8). Two input slots, four quarters: labels in
# K:L, then per quarter its two values and its result (M:O, P:R, S:U, V:X), the year in Y, the note in Z.
LAYOUT = L.Layout(slot_count=2, period_count=4)
FILLED = {
    "M6": 3, "P6": 4, "Z6": "2분기 정책협의회",  # 개최횟수: summed
    "M7": 10, "P7": 20,  # 교류횟수, averaged in these tests
    "M8": 30000, "N8": 1754757, "P8": 61000, "Q8": 1754757,  # 활동률: the last cumulative rate
}


@pytest.fixture
def quarters(admin_user):
    period_setting_save(user=admin_user, organization_id=Organization.objects.get().pk, year=YEAR, frequency="quarter")
    Indicator.objects.filter(short_name="민간단체 및 출향도민 협력 강화").update(period_rule=PeriodRule.AVERAGE)


@pytest.fixture
def quarterly_export(quarters, editor, cooperation) -> bytes:
    return export_workbook(editor, department_id=cooperation.pk)


def year_value(name: str) -> Decimal | None:
    return Actual.objects.get(indicator__short_name=name, year=YEAR).value


def test_the_workbook_has_a_block_per_quarter_and_a_live_year_formula(quarterly_export):
    ws = load_workbook(io.BytesIO(quarterly_export))[L.DATA_SHEET]
    headers = [ws.cell(L.HEADER_ROW, column).value for column in range(11, 27)]
    assert headers == [
        "입력항목1", "입력항목2", "1분기 값1", "1분기 값2", "1분기 실적", "2분기 값1", "2분기 값2", "2분기 실적",
        "3분기 값1", "3분기 값2", "3분기 실적", "4분기 값1", "4분기 값2", "4분기 실적", f"실적(계산값, {YEAR})", "비고",
    ]
    assert ws["K8"].value == "활동인원" and ws["L8"].value == "인구"
    assert ws["Y6"].value == '=IF(COUNT(O6,R6,U6,X6)=0,"",SUM(O6,R6,U6,X6))'
    assert ws["Y7"].value == '=IF(COUNT(O7,R7,U7,X7)=0,"",ROUND(AVERAGE(O7,R7,U7,X7),0))'
    assert ws["Y8"].value.startswith("=IF(ISNUMBER(X8),X8,IF(ISNUMBER(U8),U8,")
    assert ws["O8"].value.startswith("=IF(COUNT(M8,N8)=2,")


def test_quarters_typed_in_the_workbook_are_saved_and_the_year_follows_each_rule(
    quarterly_export, editor, dept_user,
):
    body = upload(editor, edit(quarterly_export, FILLED)).json()
    assert body["summary"]["changed"] == 6 and body["summary"]["empty"] == 6 and body["summary"]["can_confirm"]
    response = confirm(editor, body["id"])
    assert response.status_code == 200, response.json()

    assert year_value("정무활동 및 당정협력 강화") == D(7)
    assert year_value("민간단체 및 출향도민 협력 강화") == D(15)
    second = Actual.all_periods.get(indicator__short_name="자원봉사 활동률", year=YEAR, period=2)
    assert year_value("자원봉사 활동률") == second.value and second.inputs == {"활동인원": "61000", "인구": "1754757"}
    meetings = {row.period: row for row in Actual.all_periods.filter(indicator__short_name="정무활동 및 당정협력 강화")
                .filter(year=YEAR)}
    assert meetings[2].note == "2분기 정책협의회" and meetings[1].note == ""  # the note goes to the latest quarter
    audit = AuditEntry.objects.filter(import_run_id=body["id"], entity="actual")
    assert sorted(audit.values_list("period", flat=True)) == [0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_a_quarter_changed_since_the_export_is_a_conflict_named_by_its_cell(quarterly_export, editor, dept_user):
    meetings = Indicator.objects.get(short_name="정무활동 및 당정협력 강화")
    actual_save(user=dept_user, indicator_id=meetings.pk, year=YEAR, period=2, inputs={"개최횟수": "9"})
    body = upload(editor, edit(quarterly_export, {"P6": 4})).json()
    assert body["summary"]["conflict"] == 1 and not body["summary"]["can_confirm"]
    assert any(error.get("cell") == "P6" for error in body["errors"])


def test_a_workbook_exported_by_year_is_refused_once_the_year_is_by_quarter(editor, cooperation, admin_user):
    yearly = export_workbook(editor, department_id=cooperation.pk)
    period_setting_save(user=admin_user, organization_id=Organization.objects.get().pk, year=YEAR, frequency="quarter")
    body = upload(editor, edit(yearly, {"L6": 12})).json()
    assert body["status"] == "failed"
    assert "기간 구분(연간·분기·반기)이 바뀌었습니다" in body["errors"][0]["message"]


def test_the_year_formula_computes_in_a_spreadsheet_and_the_file_round_trips(
    quarterly_export, editor, dept_user, tmp_path,
):
    resaved = resave_with_libreoffice(edit(quarterly_export, FILLED), tmp_path)
    ws = load_workbook(io.BytesIO(resaved), data_only=True)[L.DATA_SHEET]
    assert (ws["Y6"].value, ws["Y7"].value) == (7, 15)  # the live formulas, as a spreadsheet computes them
    body = upload(editor, resaved).json()
    assert confirm(editor, body["id"]).status_code == 200
    assert year_value("정무활동 및 당정협력 강화") == D(7)
    assert round(D(ws["Y8"].value), 4) == year_value("자원봉사 활동률")


def test_the_guide_sheet_explains_the_quarters(quarterly_export):
    guide = load_workbook(io.BytesIO(quarterly_export))[L.HELP_SHEET]
    text = " ".join(str(cell.value) for cell in guide["A"] if cell.value)
    assert "이 연도는 분기별로 입력합니다" in text and "연간 실적은 직접 입력하지 않습니다" in text
