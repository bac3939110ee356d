"""Uploading the actuals workbook: preview, confirm, and every kind of bad row refused by cell."""
from __future__ import annotations

import io
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from openpyxl import load_workbook

from core.errors import VersionConflict
from core.korean import with_josa
from imports import workbook_layout as L
from imports.models import ImportKind, ImportRun, ImportStatus
from kpis.models import (
    Actual,
    ActualStatus,
    AuditEntry,
    ChangeSource,
    DirtyScore,
    Indicator,
)
from kpis.services.actuals import ActualInput, RowRefused, actual_save, actuals_save
from kpis.services.plan import indicator_update, target_set
from tests.fixtures.workbooks import (
    DATA_PART,
    confirm,
    db_state,
    department,
    edit,
    export_workbook,
    messages,
    rewrite_part,
    set_cached_formula,
    upload,
)

pytestmark = pytest.mark.django_db
D = Decimal
YEAR = 2025
# 대외협력과's rows in its 2025 workbook: 개최횟수 (L6), 교류횟수 (L7), 활동인원/인구*100 (L8, N8).
COUNT, EXCHANGE, RATE = 6, 7, 8


def indicator(name: str) -> Indicator:
    return Indicator.objects.get(short_name=name)


def preview(client, data: bytes, **params) -> dict:
    response = upload(client, data, **params)
    assert response.status_code in (200, 201, 400), response.content[:300]
    return response.json()


def row_of(body: dict, number: int) -> dict:
    return next(row for row in body["rows"] if row["row"] == number)


# --- the round trip ---------------------------------------------------------------------------


def test_it_round_trips_values_into_actuals_with_audit_rows_carrying_the_import(editor, exported, dept_user):
    data = edit(exported, {"L6": 12, "L7": 33, "L8": 3000, "N8": 50000, "P6": "정책협의회 12회"})

    body = preview(editor, data)
    assert body["status"] == "previewed"
    assert body["summary"]["changed"] == 3 and body["summary"]["can_confirm"]
    assert Actual.objects.filter(year=YEAR).count() == 0  # nothing written before confirm
    rate = row_of(body, RATE)
    assert rate["inputs"] == {"활동인원": "3000", "인구": "50000"} and rate["new_value"] == "6"

    response = confirm(editor, body["id"])
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "applied"
    count = Actual.objects.get(indicator=indicator("정무활동 및 당정협력 강화"), year=YEAR)
    assert (count.value, count.note, count.status, count.source) == (D("12"), "정책협의회 12회", "draft", "excel")
    assert Actual.objects.get(indicator=indicator("자원봉사 활동률"), year=YEAR).value == D("6")
    audit = AuditEntry.objects.filter(import_run_id=body["id"])
    assert audit.count() == 3  # one per saved actual, with every field it changed
    assert audit.get(indicator=count.indicator).changes["note"] == ["", "정책협의회 12회"]
    assert set(audit.values_list("source", flat=True)) == {ChangeSource.EXCEL}
    assert set(audit.values_list("user_id", flat=True)) == {dept_user.pk}
    assert DirtyScore.objects.filter(department=department(), year=YEAR).exists()


def test_the_same_file_uploaded_twice_changes_nothing_the_second_time(editor, exported):
    data = edit(exported, {"L6": 12, "L7": 33})
    confirm(editor, preview(editor, data)["id"])
    before = db_state()

    body = preview(editor, data)

    assert body["summary"]["changed"] == 0 and body["summary"]["unchanged"] == 2
    assert not body["summary"]["can_confirm"]
    assert confirm(editor, body["id"]).json()["summary"]["applied"] == 0
    assert db_state() == before


def test_a_row_saved_with_the_same_value_since_the_preview_is_counted_unchanged_at_confirm(editor, exported, dept_user):
    body = preview(editor, edit(exported, {"L6": 12, "L7": 33}))
    count = indicator("정무활동 및 당정협력 강화")
    saved = actual_save(user=dept_user, indicator_id=count.pk, year=YEAR, inputs={"개최횟수": "12"})  # by the form

    summary = confirm(editor, body["id"]).json()["summary"]

    assert (summary["applied"], summary["unchanged"]) == (1, 1)
    assert Actual.objects.get(indicator=count, year=YEAR).version == saved.version
    assert not AuditEntry.objects.filter(import_run_id=body["id"], indicator=count).exists()


def test_a_fresh_export_prefills_the_stored_values_and_reimports_as_unchanged(editor, exported, cooperation):
    confirm(editor, preview(editor, edit(exported, {"L8": 3000, "N8": 50000}))["id"])
    again = export_workbook(editor, department_id=cooperation.pk)
    ws = load_workbook(io.BytesIO(again))[L.DATA_SHEET]
    assert (ws["L8"].value, ws["N8"].value) == (3000, 50000)

    body = preview(editor, again)

    assert row_of(body, RATE)["status"] == "unchanged"


def test_the_management_command_previews_on_dry_run_and_applies_otherwise(exported, dept_user, tmp_path):
    path = tmp_path / "실적.xlsx"
    path.write_bytes(edit(exported, {"L6": 12}))
    out = StringIO()

    call_command("import_actuals", str(path), "--user", dept_user.username, "--dry-run", stdout=out)
    assert "--dry-run" in out.getvalue() and Actual.objects.filter(year=YEAR).count() == 0
    assert not ImportRun.objects.filter(kind=ImportKind.ACTUALS_WORKBOOK).exists()

    call_command("import_actuals", str(path), "--user", dept_user.username, stdout=out)
    assert Actual.objects.get(indicator=indicator("정무활동 및 당정협력 강화"), year=YEAR).value == D("12")


def test_the_management_command_fails_and_saves_nothing_on_a_bad_cell(exported, dept_user, tmp_path):
    path = tmp_path / "실적.xlsx"
    path.write_bytes(edit(exported, {"L6": "12회"}))
    before = db_state()

    with pytest.raises(CommandError, match="오류 1건"):
        call_command("import_actuals", str(path), "--user", dept_user.username, stdout=StringIO(), stderr=StringIO())
    assert db_state() == before


# --- who and which workbook -------------------------------------------------------------------


def test_another_departments_user_cannot_import_into_it(client, exported, other_dept_user):
    client.force_login(other_dept_user)
    before = db_state()

    body = preview(client, edit(exported, {"L6": 12}))

    assert body["status"] == "failed"
    assert "대외협력과의 실적을 올릴 권한이 없습니다" in body["detail"]
    assert db_state() == before


def test_a_workbook_of_another_year_is_refused(editor, exported, cooperation):
    before = db_state()

    body = preview(editor, edit(exported, {"L6": 12}), year=2026, department=cooperation.pk)

    assert body["status"] == "failed" and "2025년 실적 파일입니다. 2026년" in body["detail"]
    assert db_state() == before


def test_a_workbook_of_another_department_is_refused_where_that_department_is_expected(client, admin_user, exported):
    client.force_login(admin_user)
    before = db_state()

    body = preview(client, edit(exported, {"L6": 12}), department=department("소통기획과").pk)

    assert body["status"] == "failed" and "대외협력과의 실적 파일입니다. 소통기획과에는" in body["detail"]
    assert db_state() == before


def test_a_workbook_of_an_older_template_version_is_refused(editor, exported):
    def older(wb):
        wb[L.META_SHEET]["B1"] = L.TEMPLATE_VERSION - 1

    before = db_state()
    body = preview(editor, edit(exported, {"L6": 12}, func=older))

    assert body["status"] == "failed"
    assert body["errors"][0]["address"] == "_meta!B1"
    assert f"이전 양식(버전 {L.TEMPLATE_VERSION - 1})" in body["detail"]
    assert db_state() == before


def test_an_edited_meta_sheet_is_refused(editor, exported):
    def cheat(wb):
        cell = wb[L.META_SHEET].cell(L.META_TABLE_HEADER_ROW + 1, 1)
        numbers = cell.value.split(L.META_SEPARATOR)
        numbers[L.META_VERSION] = "99"  # the recorded version
        cell.value = L.META_SEPARATOR.join(numbers)

    before = db_state()
    body = preview(editor, edit(exported, {"L6": 12}, func=cheat))

    assert body["status"] == "failed" and "'_meta' 시트의 내용이 내려받은 뒤 바뀌었습니다" in body["detail"]
    assert db_state() == before


def test_only_the_uploader_confirms(client, editor, exported, evaluator):
    run_id = preview(editor, edit(exported, {"L6": 12}))["id"]
    client.force_login(evaluator)

    response = confirm(client, run_id)

    assert response.status_code == 403
    assert Actual.objects.filter(year=YEAR).count() == 0


# --- stale rows and conflicts -----------------------------------------------------------------


def test_a_row_whose_target_changed_since_export_is_refused_unless_accepted(editor, exported, admin_user):
    target_set(user=admin_user, indicator_id=indicator("정무활동 및 당정협력 강화").pk, year=YEAR, value=D("20"), reason="추경 반영")
    before = db_state()

    body = preview(editor, edit(exported, {"L6": 12, "L7": 33}))
    stale = row_of(body, COUNT)
    assert stale["status"] == "stale" and stale["stale_reasons"] == ["목표: 11 → 20"]
    assert body["summary"]["stale_rows"] == [COUNT]

    refused = confirm(editor, body["id"])
    assert refused.status_code == 409 and "6행" in refused.json()["detail"]
    assert db_state() == before

    accepted = confirm(editor, body["id"], accept_stale=[COUNT])
    assert accepted.status_code == 200
    assert Actual.objects.get(indicator=indicator("정무활동 및 당정협력 강화"), year=YEAR).value == D("12")


def test_a_stale_row_whose_target_cell_was_overwritten_with_nan_text_is_reported_not_crashed(editor, exported, admin_user):
    target_set(user=admin_user, indicator_id=indicator("정무활동 및 당정협력 강화").pk, year=YEAR, value=D("20"), reason="추경 반영")

    body = preview(editor, edit(exported, {"L6": 12, "H6": "sNaN"}))

    assert row_of(body, COUNT)["stale_reasons"] == ["목표: sNaN → 20"]


def test_a_row_whose_weight_or_formula_changed_is_stale_with_the_reason(editor, exported, admin_user):
    count = indicator("정무활동 및 당정협력 강화")
    indicator_update(user=admin_user, indicator_id=count.pk, weight=D("35"), method_text="개최횟수*1")

    row = row_of(preview(editor, edit(exported, {"L6": 12})), COUNT)

    assert row["status"] == "stale"
    assert row["stale_reasons"] == ["가중치: 30 → 35", "측정산식: '개최횟수' → '개최횟수*1'"]


def test_a_row_whose_formula_now_has_other_inputs_is_refused(editor, exported, admin_user):
    count = indicator("정무활동 및 당정협력 강화")
    indicator_update(user=admin_user, indicator_id=count.pk, method_text="개최횟수+간담회횟수")
    before = db_state()

    body = preview(editor, edit(exported, {"L6": 12}))

    assert messages(body) == [
        ("실적입력!L6: 내려받은 뒤 측정산식이 '개최횟수'에서 '개최횟수+간담회횟수'로 바뀌어 입력 항목이 맞지 않습니다. "
        "실적 파일을 새로 내려받아 다시 입력하세요.")
    ]
    assert db_state() == before


def test_an_actual_changed_on_the_server_since_export_is_a_conflict_shown_side_by_side(editor, exported, admin_user):
    count = indicator("정무활동 및 당정협력 강화")
    actual_save(user=admin_user, indicator_id=count.pk, year=YEAR, inputs={"개최횟수": "9"})
    before = db_state()

    body = preview(editor, edit(exported, {"L6": 12}))

    row = row_of(body, COUNT)
    assert row["status"] == "conflict"
    assert row["server"]["value"] == "9" and row["server"]["updated_by"] == "planner_admin"
    assert row["new_value"] == "12"
    assert messages(body)[0].startswith("실적입력!L6: 내려받은 뒤 planner_admin님이")
    assert confirm(editor, body["id"]).status_code == 409
    assert db_state() == before


def test_an_approved_actual_is_locked(editor, cooperation, admin_user):
    count = indicator("정무활동 및 당정협력 강화")
    Actual.objects.create(indicator=count, year=YEAR, value=D("10"), status=ActualStatus.APPROVED, version=3)
    exported = export_workbook(editor, department_id=cooperation.pk)
    before = db_state()

    body = preview(editor, edit(exported, {"L6": 12}))

    assert messages(body) == ["실적입력!L6: '승인' 상태의 실적은 수정할 수 없습니다. 승인된 값은 잠겨 있습니다."]
    assert db_state() == before


def test_a_refusal_at_confirm_rolls_every_row_back(editor, exported, admin_user):
    body = preview(editor, edit(exported, {"L6": 12, "L7": 33, "L8": 3000, "N8": 50000}))
    rate = indicator("자원봉사 활동률")
    Actual.objects.create(indicator=rate, year=YEAR, value=D("5"), status=ActualStatus.SUBMITTED)
    before = db_state()

    response = confirm(editor, body["id"])

    assert response.status_code == 409
    assert "8행" in response.json()["detail"] and "아무것도 저장하지 않았습니다" in response.json()["detail"]
    assert db_state() == before
    assert ImportRun.objects.get(pk=body["id"]).status == ImportStatus.FAILED


# --- rows: deleted, duplicated, reordered, id edited --------------------------------------------


def test_deleted_rows_are_simply_not_applied(editor, exported):
    def delete(wb):
        wb[L.DATA_SHEET].delete_rows(EXCHANGE)

    body = preview(editor, edit(exported, {"L6": 12}, func=delete))

    assert body["summary"]["deleted"] == [indicator("민간단체 및 출향도민 협력 강화").pk]
    assert body["summary"]["can_confirm"]
    assert confirm(editor, body["id"]).status_code == 200
    assert not Actual.objects.filter(indicator=indicator("민간단체 및 출향도민 협력 강화"), year=YEAR).exists()


def test_a_duplicated_row_is_refused(editor, exported):
    def duplicate(wb):
        ws = wb[L.DATA_SHEET]
        for column in range(1, 17):
            ws.cell(9, column).value = ws.cell(COUNT, column).value

    before = db_state()
    body = preview(editor, edit(exported, {"L6": 12}, func=duplicate))

    count = indicator("정무활동 및 당정협력 강화").pk
    assert messages(body) == [f"실적입력!A9: 지표ID {with_josa(str(count), '이/가')} 6행에도 있습니다. 같은 지표를 두 번 넣을 수 없습니다."]
    assert confirm(editor, body["id"]).status_code == 409
    assert db_state() == before


def test_reordered_rows_are_fine(editor, exported):
    def swap(wb):
        ws = wb[L.DATA_SHEET]
        for column in range(1, 17):
            a, b = ws.cell(COUNT, column), ws.cell(RATE, column)
            a.value, b.value = b.value, a.value

    body = preview(editor, edit(exported, {"L8": 12, "L6": 3000, "N6": 50000}, func=swap))

    assert body["errors"] == []
    assert confirm(editor, body["id"]).status_code == 200
    assert Actual.objects.get(indicator=indicator("정무활동 및 당정협력 강화"), year=YEAR).value == D("12")
    assert Actual.objects.get(indicator=indicator("자원봉사 활동률"), year=YEAR).value == D("6")


def test_an_id_edited_to_another_exported_indicator_is_refused(editor, exported):
    other = indicator("민간단체 및 출향도민 협력 강화").pk
    before = db_state()

    body = preview(editor, edit(exported, {"A6": other, "L6": 12}))

    assert messages(body)[0].startswith(f"실적입력!A6: 지표ID {other}가 이 행의 지표명('정무활동 및 당정협력 강화')과 맞지 않습니다")
    assert db_state() == before


def test_an_id_edited_to_one_not_in_the_workbook_is_refused(editor, exported):
    foreign = indicator("도정 핵심사업 인지도").pk
    before = db_state()

    body = preview(editor, edit(exported, {"A6": foreign, "L6": 12}))

    assert messages(body)[0] == f"실적입력!A6: 지표ID {with_josa(str(foreign), '은/는')} 이 파일에서 내려받은 지표가 아닙니다. 지표ID 열은 고치지 마세요."
    assert db_state() == before


# --- cells ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12회", "실적입력!L6: '12회'는 숫자가 아닙니다"),
        ("△5", "실적입력!L6: '△5'는 0 이상이어야 합니다"),
        (-5, "실적입력!L6: '-5'는 0 이상이어야 합니다"),
        (2.5, "실적입력!L6: '2.5'는 정수가 아닙니다. 소수점 없이 입력하세요"),
        ("12,34", "실적입력!L6: '12,34'는 숫자가 아닙니다"),
    ],
)
def test_a_bad_number_is_refused_naming_the_cell(editor, exported, typed, message):
    before = db_state()

    body = preview(editor, edit(exported, {"L6": typed}))

    assert messages(body) == [message]
    assert body["summary"]["can_confirm"] is False
    assert db_state() == before


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("1,234", "1234"), ("１２", "12"), ("12%", "12"), (" 7 ", "7"), ("3.00", "3")],
)
def test_numbers_typed_as_text_are_read(editor, exported, typed, stored):
    row = row_of(preview(editor, edit(exported, {"L6": typed})), COUNT)

    assert row["status"] == "changed" and row["inputs"] == {"개최횟수": stored}


def test_a_number_formatted_as_a_percentage_reads_as_typed(editor, exported):
    def percent(wb):
        wb[L.DATA_SHEET]["L6"].number_format = "0%"

    row = row_of(preview(editor, edit(exported, {"L6": 0.12}, func=percent)), COUNT)

    assert row["inputs"] == {"개최횟수": "12"}
    assert row["messages"] == ["L6: 12%로 입력되어 12로 읽었습니다."]


def test_a_formula_typed_by_the_user_uses_the_value_excel_cached(editor, exported):
    data = set_cached_formula(edit(exported), "L6", "10+2", "12")

    row = row_of(preview(editor, data), COUNT)

    assert row["status"] == "changed" and row["inputs"] == {"개최횟수": "12"}
    assert "수식 '=10+2'의 계산 결과 12" in row["messages"][0]


def test_a_formula_without_a_cached_value_is_refused(editor, exported):
    before = db_state()

    body = preview(editor, edit(exported, {"L6": "=10+2"}))  # openpyxl saves no cached value

    assert messages(body) == [
        "실적입력!L6: 수식 '=10+2'에 저장된 계산 결과가 없습니다. 값을 직접 입력하거나 엑셀에서 계산해 저장하세요."
    ]
    assert db_state() == before


def test_a_formula_whose_cached_result_is_an_error_is_refused(editor, exported):
    data = set_cached_formula(edit(exported), "L6", "1/0", "#DIV/0!", error=True)

    body = preview(editor, data)

    assert messages(body) == ["실적입력!L6: 수식 '=1/0'의 결과가 오류 값(#DIV/0!)입니다. 값을 직접 입력하세요."]


def test_a_formula_in_the_note_uses_the_text_excel_cached(editor, exported):
    data = set_cached_formula(edit(exported, {"L6": 12}), "P6", '"협의회 "&12&"회"', "협의회 12회", text=True)

    row = row_of(preview(editor, data), COUNT)

    assert row["status"] == "changed" and row["note"] == "협의회 12회"


def test_a_formula_in_the_note_without_a_cached_value_is_refused(editor, exported):
    before = db_state()

    body = preview(editor, edit(exported, {"L6": 12, "P6": "=cmd|' /C calc'!A0"}))  # openpyxl saves no result

    assert messages(body) == [
        ("실적입력!P6: 비고 칸의 수식 '=cmd|' /C calc'!A0'에 저장된 계산 결과가 없습니다. "
        "수식이 아니라 글자로 입력하거나 엑셀에서 계산해 저장하세요.")
    ]
    assert body["summary"]["can_confirm"] is False
    assert db_state() == before


def test_an_error_value_in_the_note_is_refused(editor, exported):
    before = db_state()
    data = set_cached_formula(edit(exported, {"L6": 12}), "P6", "VLOOKUP(1,A1:A2,2)", "#N/A", error=True)

    body = preview(editor, data)

    assert messages(body) == ["실적입력!P6: 비고 칸이 오류 값(#N/A)입니다. 수식이 아니라 글자로 입력하세요."]
    assert db_state() == before


def test_a_formula_with_a_missing_input_is_refused_at_the_empty_cell(editor, exported):
    body = preview(editor, edit(exported, {"L8": 3000}))

    assert messages(body) == ["실적입력!N8: '인구' 값을 입력하세요"]


def test_division_by_zero_is_reported_on_the_computed_cell(editor, exported):
    body = preview(editor, edit(exported, {"L8": 3000, "N8": 0}))

    assert messages(body)[0].startswith("실적입력!O8: 0으로 나눌 수 없습니다")


def test_empty_rows_are_skipped_and_not_reported(editor, exported):
    body = preview(editor, edit(exported, {"L6": 12}))

    assert row_of(body, EXCHANGE)["status"] == "empty"
    assert body["errors"] == []


def test_merged_cells_are_refused_with_their_range(editor, exported):
    def merge(wb):
        wb[L.DATA_SHEET].merge_cells("L7:N7")

    before = db_state()
    body = preview(editor, edit(exported, {"L6": 12}, func=merge))

    assert messages(body) == ["실적입력!L7:N7: 병합된 셀이 있습니다. 병합을 해제하고 다시 올리세요."]
    assert db_state() == before


def test_a_row_after_150_blank_rows_is_read(editor, exported):
    def move_down(wb):
        sheet = wb[L.DATA_SHEET]
        sheet.move_range("A8:P8", rows=150)

    body = preview(editor, edit(exported, {"L158": 3001, "N158": 47000}, func=move_down))

    assert messages(body) == []
    assert row_of(body, 158)["status"] == "changed"
    assert row_of(body, 158)["inputs"] == {"활동인원": "3001", "인구": "47000"}
    assert body["summary"]["deleted"] == []


def test_a_sheet_reaching_below_the_row_limit_is_refused_with_the_limit(editor, exported):
    def styled_to_the_end(xml: bytes) -> bytes:
        rows = b'<row r="1048576"><c r="P1048576" s="1"/></row>'
        return xml.replace(b"</sheetData>", rows + b"</sheetData>")

    before = db_state()
    body = preview(editor, rewrite_part(edit(exported, {"L6": 12}), DATA_PART, styled_to_the_end))

    assert messages(body) == [(
        f"실적입력!A{L.DATA_ROW_LIMIT + 1}: '실적입력' 시트는 {L.DATA_ROW_LIMIT:,}행까지만 읽습니다. "
        f"{L.DATA_ROW_LIMIT:,}행 아래에 있는 값과 서식을 지우고 다시 올리세요."
    )]
    assert db_state() == before


def test_a_wrong_header_is_refused(editor, exported):
    body = preview(editor, edit(exported, {"L5": "실적", "L6": 12}))

    assert messages(body) == ["실적입력!L5: 머리글이 '값1'이어야 하는데 '실적'입니다. 열을 넣거나 지우지 마세요."]


# --- the error workbook -----------------------------------------------------------------------


def test_the_error_workbook_marks_each_bad_cell_with_a_fill_and_a_comment(editor, exported):
    body = preview(editor, edit(exported, {"L6": "12회", "L7": "△5"}))

    response = editor.get(f"/api/v1/imports/{body['id']}/errors.xlsx")

    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb[L.DATA_SHEET]
    assert ws["L6"].fill.fgColor.rgb.endswith("FFC7CE")
    assert ws["L6"].comment.text == "'12회'는 숫자가 아닙니다"
    assert ws["L7"].comment.text == "'△5'는 0 이상이어야 합니다"
    assert ws["L8"].comment is None
    assert wb.sheetnames[0] == "오류목록"


def test_the_fixed_error_workbook_can_be_uploaded_again(editor, exported):
    body = preview(editor, edit(exported, {"L6": "12회"}))
    marked = editor.get(f"/api/v1/imports/{body['id']}/errors.xlsx").content

    again = preview(editor, edit(marked, {"L6": 12}))

    assert again["errors"] == [] and again["summary"]["changed"] == 1


# --- one writer: a confirm stores what the same saves through the form's service store ------------


def _inputs() -> list[ActualInput]:
    count, exchange, rate = (indicator(n) for n in ("정무활동 및 당정협력 강화", "민간단체 및 출향도민 협력 강화", "자원봉사 활동률"))
    return [
        ActualInput(indicator_id=count.pk, inputs={"개최횟수": "12"}, note="메모", expected_version=2),
        ActualInput(indicator_id=exchange.pk, inputs={"교류횟수": "33"}, note="", expected_version=0),
        ActualInput(indicator_id=rate.pk, inputs={"활동인원": "3001", "인구": "47000"}, note="", expected_version=0),
    ]


def _outcome() -> tuple:
    actuals = sorted(Actual.objects.filter(year=YEAR).values_list(
        "indicator_id", "value", "inputs", "note", "status", "source", "version", "updated_by_id", "raw_text",
        "supplementary_value", "placeholder_reason",
    ), key=str)
    audit = sorted((row[:-1], sorted(row[-1].items())) for row in AuditEntry.objects.filter(year=YEAR, entity="actual").values_list(
        "indicator_id", "entity", "action", "field", "old_value", "new_value", "source", "user_id", "department_id", "year",
        "changes",
    ))
    dirty = sorted(DirtyScore.objects.values_list("department_id", "year"))
    return actuals, audit, dirty


@pytest.fixture
def returned_count(sample_plan):
    return Actual.objects.create(
        indicator=indicator("정무활동 및 당정협력 강화"), year=YEAR, value=D("9"), inputs={"개최횟수": "9"},
        status=ActualStatus.RETURNED, version=2, raw_text="9", placeholder_reason="x",
    )


def test_many_rows_saved_at_once_leave_the_state_one_save_per_row_leaves(dept_user, cooperation, returned_count):
    outcomes = []
    with transaction.atomic():
        for row in _inputs():
            actual_save(user=dept_user, indicator_id=row.indicator_id, year=YEAR, inputs=row.inputs, note=row.note,
                        expected_version=row.expected_version, source=ChangeSource.EXCEL)
        outcomes.append(_outcome())
        transaction.set_rollback(True)
    with transaction.atomic():
        assert actuals_save(user=dept_user, year=YEAR, rows=_inputs(), source=ChangeSource.EXCEL) == 3
        outcomes.append(_outcome())
        transaction.set_rollback(True)

    assert outcomes[0] == outcomes[1]
    actuals, audit, dirty = outcomes[1]
    assert [a[1:7] for a in actuals] == [
        (D("12"), {"개최횟수": "12"}, "메모", "draft", "excel", 3),
        (D("33"), {"교류횟수": "33"}, "", "draft", "excel", 1),
        (D("6.3851"), {"활동인원": "3001", "인구": "47000"}, "", "draft", "excel", 1),
    ]
    assert next(a[8:] for a in actuals) == ("", None, "")  # the document's placeholder fields are cleared
    assert len(audit) == 3 and (cooperation.pk, YEAR) in dirty


def test_a_stale_version_among_many_rows_is_refused_by_its_index_and_nothing_is_written(dept_user, returned_count):
    rows = _inputs()
    rows[0] = ActualInput(indicator_id=rows[0].indicator_id, inputs=rows[0].inputs, note="", expected_version=1)
    rows.append(rows.pop(0))
    before = db_state()

    with pytest.raises(RowRefused) as refused:
        actuals_save(user=dept_user, year=YEAR, rows=rows, source=ChangeSource.EXCEL)

    assert isinstance(refused.value.cause, VersionConflict) and refused.value.index == 2
    assert db_state() == before


def test_another_departments_user_is_refused_for_every_row(other_dept_user, returned_count):
    before = db_state()

    with pytest.raises(RowRefused, match="이 부서의 실적을 수정할 권한이 없습니다"):
        actuals_save(user=other_dept_user, year=YEAR, rows=_inputs(), source=ChangeSource.EXCEL)

    assert db_state() == before


def test_a_refusal_at_confirm_names_the_sheet_row(editor, exported, admin_user):
    body = preview(editor, edit(exported, {"L6": 12, "L7": 33}))
    actual_save(user=admin_user, indicator_id=indicator("민간단체 및 출향도민 협력 강화").pk, year=YEAR,
                inputs={"교류횟수": "30"})

    response = confirm(editor, body["id"])

    assert response.status_code == 409
    assert "7행: 다른 사용자(planner_admin)가" in response.json()["detail"]


# --- pages and visibility -----------------------------------------------------------------------


def _post_page(client, data: bytes, **fields):
    handle = io.BytesIO(data)
    handle.name = "실적.xlsx"
    return client.post("/imports/actuals/", {"file": handle, **fields})


def test_the_upload_page_previews_then_confirms_and_the_history_lists_it(editor, exported, cooperation):
    response = _post_page(editor, edit(exported, {"L6": 12}), department=cooperation.pk, year=YEAR)

    assert response.status_code == 302
    page = editor.get(response["Location"]).content.decode()
    assert "정무활동 및 당정협력 강화" in page and "확인하고 반영" in page
    assert Actual.objects.filter(year=YEAR).count() == 0
    run_id = ImportRun.objects.filter(kind=ImportKind.ACTUALS_WORKBOOK).latest("id").pk

    confirmed = editor.post(f"/imports/{run_id}/confirm/")

    assert confirmed.status_code == 302
    assert Actual.objects.get(indicator=indicator("정무활동 및 당정협력 강화"), year=YEAR).value == D("12")
    history = editor.get("/imports/history/").content.decode()
    assert "반영 완료" in history and "실적.xlsx" in history


def test_the_preview_page_lists_errors_and_links_the_marked_workbook(editor, exported):
    response = _post_page(editor, edit(exported, {"L6": "12회"}))

    page = editor.get(response["Location"]).content.decode()

    assert "실적입력!L6" in page and "&#x27;12회&#x27;는 숫자가 아닙니다" in page
    assert "오류 표시 파일 내려받기" in page and "확인하고 반영" not in page


def test_another_departments_user_cannot_see_an_import(client, editor, exported, other_dept_user):
    run_id = preview(editor, edit(exported, {"L6": 12}))["id"]
    client.force_login(other_dept_user)

    assert client.get(f"/api/v1/imports/{run_id}/").status_code == 404
    assert client.get(f"/imports/{run_id}/").status_code == 404
    assert confirm(client, run_id).status_code == 404
    assert Actual.objects.filter(year=YEAR).count() == 0
