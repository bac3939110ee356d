"""The actuals workbook as exported: rows, input cells, live formula, protection, validation, meta."""
from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from imports import workbook_layout as L
from imports.actuals_export import actuals_export_stream
from kpis.domain import ValueDomain
from kpis.models import Actual, ActualStatus, Indicator
from kpis.services.plan import indicator_update
from tests.fixtures.workbooks import DATA_PART, department, export_workbook

pytestmark = pytest.mark.django_db
D = Decimal
YEAR = 2025


@pytest.fixture
def workbook(editor, sample_plan):
    return load_workbook(io.BytesIO(export_workbook(editor, department_id=department().pk)))


def test_it_has_one_row_per_indicator_under_korean_headers(workbook):
    ws = workbook[L.DATA_SHEET]

    assert [c.value for c in ws[L.HEADER_ROW]] == [
        "지표ID", "부서", "성과지표", "단위", "유형", "가중치", "측정산식 또는 측정방법", "목표(2025)",
        "전년도 실적(2024)", "상태", "입력항목1", "값1", "입력항목2", "값2", "실적(계산값, 2025)", "비고",
    ]
    names = [ws.cell(row, L.COL_NAME).value for row in range(L.FIRST_DATA_ROW, ws.max_row + 1)]
    assert names == ["정무활동 및 당정협력 강화", "민간단체 및 출향도민 협력 강화", "자원봉사 활동률"]
    assert [c.value for c in ws[8]][:10] == [
        Indicator.objects.get(short_name="자원봉사 활동률").pk, "대외협력과", "자원봉사 활동률", "%", "핵심", 40,
        "활동인원/인구*100", 6, None, "미보고",
    ]


def test_locked_figures_show_with_the_indicators_decimals_as_the_pages_do(editor, sample_plan, admin_user):
    rate = Indicator.objects.get(short_name="자원봉사 활동률")
    indicator_update(user=admin_user, indicator_id=rate.pk, display_places=1)
    ws = load_workbook(io.BytesIO(export_workbook(editor, department_id=department().pk)))[L.DATA_SHEET]

    # 자원봉사 활동률 (row 8) is set to one decimal: its target 6 reads "6.0", its live result too.
    assert ws["H8"].value == 6 and ws["H8"].number_format == '#,##0.0;"△"#,##0.0'
    assert ws["O8"].number_format == '#,##0.0;"△"#,##0.0'
    # Without a setting, a whole target shows without decimals; the live result keeps two.
    assert ws["H6"].value == 11 and ws["H6"].number_format == '#,##0;"△"#,##0'
    assert ws["O6"].number_format == "#,##0.00"
    # The cells people type in keep showing what they typed.
    assert ws["L8"].number_format == "#,##0.####"


def test_each_formula_variable_gets_an_input_column_and_the_result_is_a_live_excel_formula(workbook):
    ws = workbook[L.DATA_SHEET]

    assert (ws["K8"].value, ws["M8"].value) == ("활동인원", "인구")
    assert ws["O8"].value == '=IF(COUNT(L8,N8)=2,IFERROR(L8/N8*100,""),"")'
    assert (ws["K6"].value, ws["O6"].value) == ("개최횟수", '=IF(COUNT(L6)=1,IFERROR(L6,""),"")')


def test_an_indicator_without_a_formula_gets_one_value_column(client, evaluator):
    client.force_login(evaluator)
    ws = load_workbook(io.BytesIO(export_workbook(client, department_id=None)))[L.DATA_SHEET]

    survey = next(row for row in ws.iter_rows(min_row=L.FIRST_DATA_ROW) if row[L.COL_NAME - 1].value == "도정 핵심사업 인지도")
    number = survey[0].row
    assert (survey[10].value, survey[11].protection.locked) == ("실적", True)  # K label; L locked: evaluators write nothing
    assert survey[12].value is None and survey[13].value is None  # M, N: not an input for this row
    assert survey[14].value == f'=IF(COUNT(L{number})=1,IFERROR(L{number},""),"")'


def test_only_the_input_and_note_cells_are_unlocked_on_a_protected_sheet_without_password(workbook):
    ws = workbook[L.DATA_SHEET]

    assert ws.protection.sheet and not ws.protection.password
    unlocked = {c.coordinate for row in ws.iter_rows() for c in row if not c.protection.locked}
    assert unlocked == {"L6", "L7", "L8", "N8", "P6", "P7", "P8"}


def rules_of(workbook) -> dict[str, tuple]:
    """sqref → (type, operator, formula1, formula2, prompt) of the data sheet's validations."""
    return {
        str(rule.sqref): (rule.type, rule.operator, rule.formula1, rule.formula2, rule.prompt)
        for rule in workbook[L.DATA_SHEET].data_validations.dataValidation
    }


def test_each_value_cell_takes_its_indicators_domain_and_the_note_its_length(workbook):
    # 정무활동 and 민간단체 (회) take whole counts in L; 자원봉사 활동률 (%) takes decimals ≥ 0 in L and N.
    assert rules_of(workbook) == {
        "L6:L7": ("whole", "greaterThanOrEqual", "0", None, "0 이상의 정수"),
        "L8 N8": ("decimal", "greaterThanOrEqual", "0", None, "0 이상 (소수 넷째 자리까지)"),
        "P6:P8": ("textLength", "lessThanOrEqual", "2000", None, None),
    }
    count = next(r for r in workbook[L.DATA_SHEET].data_validations.dataValidation if str(r.sqref) == "L6:L7")
    assert count.showErrorMessage and count.error.startswith("이 칸에는 0 이상의 정수를 입력하세요.")


def test_a_widened_domain_gets_its_own_rule_and_equal_domains_share_one(editor, admin_user, meetings):
    indicator_update(user=admin_user, indicator_id=meetings.pk, value_domain=ValueDomain(D(-100), D(100), 1),
                     input_domain=ValueDomain(D(-100), D(100), 1))
    other = Indicator.objects.get(short_name="민간단체 및 출향도민 협력 강화")
    indicator_update(user=admin_user, indicator_id=other.pk, input_domain=ValueDomain(None, None, 2))

    workbook = load_workbook(io.BytesIO(export_workbook(editor, department_id=department().pk)))

    assert rules_of(workbook) == {
        "L6": ("decimal", "between", "-100", "100", "△100 이상 100 이하 (소수 첫째 자리까지)"),
        "L7": ("decimal", "between", "-9999999999999999", "9999999999999999", "숫자 (소수 둘째 자리까지)"),
        "L8 N8": ("decimal", "greaterThanOrEqual", "0", None, "0 이상 (소수 넷째 자리까지)"),
        "P6:P8": ("textLength", "lessThanOrEqual", "2000", None, None),
    }
    guide = "\n".join(str(row[0].value or "") for row in workbook[L.HELP_SHEET].iter_rows())
    assert "음수는 -5 또는 △5처럼 씁니다." in guide


def test_rows_of_one_domain_far_apart_share_one_rule(client, evaluator):
    client.force_login(evaluator)

    workbook = load_workbook(io.BytesIO(export_workbook(client, department_id=None)))

    counts = [rule for rule in workbook[L.DATA_SHEET].data_validations.dataValidation if rule.type == "whole"]
    assert len(counts) == 1 and len(counts[0].sqref.ranges) > 1


def test_headers_are_frozen_styled_and_columns_have_widths(workbook):
    ws = workbook[L.DATA_SHEET]

    assert ws.freeze_panes == "D6"
    assert ws["A5"].font.b and ws["A5"].fill.fgColor.rgb.endswith("1F3B5C")
    assert ws.column_dimensions["C"].width == 36 and ws.column_dimensions["P"].width == 30


def test_a_hidden_meta_sheet_carries_version_department_year_and_a_fingerprint_per_row(workbook):
    meta = workbook[L.META_SHEET]
    values = {meta.cell(row, 1).value: meta.cell(row, 2).value for row in range(1, len(L.META_KEYS) + 1)}
    rows = [[int(n) for n in row[0].value.split(L.META_SEPARATOR)]
            for row in meta.iter_rows(min_row=L.META_TABLE_HEADER_ROW + 1) if row[0].value]

    assert meta.sheet_state == "hidden"
    assert values["template_version"] == L.TEMPLATE_VERSION and values["kind"] == "actuals"
    assert (values["department_name"], values["year"]) == ("대외협력과", YEAR)
    assert values["exported_at"] and len(values["signature"]) == 64
    rate = Indicator.objects.get(short_name="자원봉사 활동률")
    assert rows[2] == [
        rate.pk, L.row_key(rate.pk, "자원봉사 활동률"),
        L.plan_fingerprint(target=D("6"), weight=D("40"), method_text="활동인원/인구*100"), 0,
    ]


def test_the_instructions_sheet_explains_the_rules_in_korean(workbook):
    text = "\n".join(str(row[0].value or "") for row in workbook[L.HELP_SHEET].iter_rows())

    assert "노란 칸" in text and "미리보기" in text and "지표ID를 고치면" in text


def test_the_instructions_state_the_value_rules_as_the_domains_give_them(workbook):
    lines = [str(row[0].value or "") for row in workbook[L.HELP_SHEET].iter_rows()]

    assert "   · 0 이상의 정수: 지표 2개 (단위: 회)" in lines
    assert "   · 0 이상 (소수 넷째 자리까지): 지표 1개 (단위: %)" in lines
    assert "   비고는 2,000자까지 입력할 수 있습니다. 웹 화면과 API도 같은 규칙으로 받습니다." in lines
    assert not any("0 이상의 숫자만" in line or "음수는" in line for line in lines)


def test_text_that_starts_like_a_formula_is_written_as_text(editor, sample_plan):
    indicator = Indicator.objects.get(short_name="정무활동 및 당정협력 강화")
    indicator.short_name = '=HYPERLINK("http://evil","클릭")'
    indicator.save()
    Actual.objects.create(indicator=indicator, year=YEAR, value=D("3"), inputs={"개최횟수": "3"}, note="+1 추가",
                          status=ActualStatus.DRAFT)
    data = export_workbook(editor, department_id=department().pk)

    ws = load_workbook(io.BytesIO(data))[L.DATA_SHEET]
    assert ws["C6"].value == '=HYPERLINK("http://evil","클릭")' and ws["C6"].data_type == "s"
    assert ws["C6"].quotePrefix and ws["P6"].value == "+1 추가" and ws["P6"].data_type == "s"
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read(DATA_PART)
    assert b"<f>HYPERLINK" not in sheet_xml


def test_it_prefills_current_values_and_notes_and_locks_approved_rows(editor, sample_plan):
    rate = Indicator.objects.get(short_name="자원봉사 활동률")
    count = Indicator.objects.get(short_name="정무활동 및 당정협력 강화")
    Actual.objects.create(indicator=rate, year=YEAR, value=D("6"), inputs={"활동인원": "3000", "인구": "50000"},
                          note="1365 기준", status=ActualStatus.DRAFT, version=4)
    Actual.objects.create(indicator=count, year=YEAR, value=D("11"), inputs={"개최횟수": "11"},
                          status=ActualStatus.APPROVED)

    wb = load_workbook(io.BytesIO(export_workbook(editor, department_id=department().pk)))
    ws = wb[L.DATA_SHEET]

    assert (ws["L8"].value, ws["N8"].value, ws["P8"].value, ws["J8"].value) == (3000, 50000, "1365 기준", "작성 중")
    assert ws["L6"].value == 11 and ws["L6"].protection.locked and ws["J6"].value == "승인"
    versions = [int(row[0].value.split(L.META_SEPARATOR)[L.META_VERSION])
                for row in wb[L.META_SHEET].iter_rows(min_row=L.META_TABLE_HEADER_ROW + 1) if row[0].value]
    assert versions == [1, 0, 4]


def test_a_department_user_cannot_export_another_department(editor, sample_plan):
    response = editor.get("/api/v1/exports/actuals.xlsx", {"year": YEAR, "department": department("소통기획과").pk})

    assert response.status_code == 403
    assert response.json()["detail"] == "다른 부서의 실적 파일은 내려받을 수 없습니다."


def test_an_evaluator_exports_every_department_in_one_workbook(client, evaluator):
    client.force_login(evaluator)

    wb = load_workbook(io.BytesIO(export_workbook(client, department_id=None)))

    ws = wb[L.DATA_SHEET]
    departments = {ws.cell(row, L.COL_DEPARTMENT).value for row in range(L.FIRST_DATA_ROW, ws.max_row + 1)}
    assert departments == {"대외협력과", "외국인국제정책과", "소통기획과"}
    assert ws.max_row - L.HEADER_ROW == Indicator.objects.count()
    assert wb[L.META_SHEET]["B3"].value in ("", None)  # no single department


def test_the_year_is_required_and_bounded(editor, sample_plan):
    assert editor.get("/api/v1/exports/actuals.xlsx").status_code == 400
    assert editor.get("/api/v1/exports/actuals.xlsx", {"year": 1999}).status_code == 400


def test_the_page_link_downloads_the_same_workbook(editor, sample_plan):
    response = editor.get("/imports/actuals/export/", {"year": YEAR, "department": department().pk})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.content))[L.DATA_SHEET]["C6"].value == "정무활동 및 당정협력 강화"


def test_the_upload_page_links_to_the_export(editor, sample_plan):
    response = editor.get("/imports/actuals/", {"year": YEAR})

    assert response.status_code == 200
    page = response.content.decode()
    assert "실적 엑셀 내려받기" in page and 'name="file"' in page


def test_the_management_command_writes_the_workbook(sample_plan, tmp_path):
    path = tmp_path / "out.xlsx"
    out = StringIO()

    call_command("export_actuals", "--department", "대외협력과", "--year", "2025", "-o", str(path), stdout=out)

    assert "지표 3개" in out.getvalue()
    assert load_workbook(path)[L.DATA_SHEET]["C8"].value == "자원봉사 활동률"
    with pytest.raises(CommandError, match="찾을 수 없습니다"):
        call_command("export_actuals", "--department", "없는과", "--year", "2025", "-o", str(path))


def test_loading_the_export_takes_a_constant_number_of_queries(sample_plan, django_assert_num_queries):
    cooperation = department()
    # the most formula inputs, the departments in order, their organizations and those organizations' period
    # setting of the year (kpis.periods), the count, and the rows of the departments: each indicator joined to
    # its department, target of the year and actuals of the year and the year before
    with django_assert_num_queries(6):
        export = actuals_export_stream(year=YEAR, department=cooperation)
        export.rows = list(export.rows)
    assert len(export.rows) == 3
