"""The error workbook written from an upload: listing sheet, marked cells, copied values and styles."""
from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from imports.error_workbook import ERROR_SHEET, MAX_LISTED, error_workbook_write


def upload() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "실적입력"
    ws["A1"] = "지표ID"
    ws["B2"] = 0.125
    ws["B2"].number_format = "0.0%"
    ws["C2"] = "=1+2"
    ws["C2"].data_type = "s"  # text the user typed, not a formula
    ws["D2"] = 42
    meta = wb.create_sheet("_meta")
    meta["A1"] = "kind"
    meta.sheet_state = "hidden"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def problem(cell: str, message: str, sheet: str = "실적입력") -> dict:
    return {"sheet": sheet, "cell": cell, "address": f"{sheet}!{cell}", "message": message}


def written(errors: list[dict]) -> tuple:
    out = io.BytesIO()
    marked = error_workbook_write(io.BytesIO(upload()), errors, out)
    return marked, load_workbook(io.BytesIO(out.getvalue()))


def test_it_lists_every_problem_first_and_marks_the_cells_with_a_fill_and_a_comment():
    marked, wb = written([problem("D2", "'42'는 너무 큽니다"), problem("D2", "두 번째 문제")])

    assert wb.sheetnames == [ERROR_SHEET, "실적입력", "_meta"]
    listing = [tuple(row) for row in wb[ERROR_SHEET].iter_rows(values_only=True)]
    assert listing == [("위치", "오류"), ("실적입력!D2", "'42'는 너무 큽니다"), ("실적입력!D2", "두 번째 문제")]
    cell = wb["실적입력"]["D2"]
    assert marked == 1
    assert cell.value == 42 and cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert cell.comment.text == "'42'는 너무 큽니다\n두 번째 문제"
    assert wb["실적입력"]["B2"].comment is None


def test_it_copies_values_with_their_number_format_and_keeps_formula_like_text_as_text():
    _, wb = written([problem("D2", "문제")])
    ws = wb["실적입력"]

    assert ws["B2"].value == 0.125 and ws["B2"].number_format == "0.0%"
    assert ws["C2"].value == "=1+2" and ws["C2"].data_type == "s"
    assert wb["_meta"].sheet_state == "hidden" and wb["_meta"]["A1"].value == "kind"


def test_it_marks_a_cell_below_the_last_row_the_upload_holds():
    marked, wb = written([problem("E9", "값이 없습니다")])

    assert marked == 1
    assert wb["실적입력"]["E9"].comment.text == "값이 없습니다"


def test_it_lists_at_most_a_thousand_problems_and_says_how_many_more_there_are():
    errors = [problem(f"D{row}", f"문제 {row}") for row in range(2, MAX_LISTED + 7)]

    marked, wb = written(errors)

    listing = list(wb[ERROR_SHEET].iter_rows(values_only=True))
    assert len(listing) == 1 + MAX_LISTED + 1
    assert listing[-1][1].startswith("외 5건의 오류가 더 있습니다")
    assert marked == MAX_LISTED
    assert wb["실적입력"][f"D{MAX_LISTED + 2}"].comment is None


def test_a_problem_without_a_cell_is_listed_and_marks_nothing():
    marked, wb = written([{"sheet": "파일", "cell": "", "address": "파일", "message": "=HYPERLINK(\"x\")"}])

    assert marked == 0
    assert wb[ERROR_SHEET]["B2"].value == "=HYPERLINK(\"x\")" and wb[ERROR_SHEET]["B2"].data_type == "s"


def test_a_run_whose_stored_upload_is_gone_answers_404_with_a_reason(client, dept_user, sample_plan):
    from django.core.files.storage import default_storage

    from imports.models import ImportRun
    from tests.fixtures.workbooks import department, edit, export_workbook, upload

    client.force_login(dept_user)
    exported = export_workbook(client, department_id=department().pk)
    run = ImportRun.objects.get(pk=upload(client, edit(exported, {"L6": "12회"})).json()["id"])
    default_storage.delete(run.file.name)

    response = client.get(f"/api/v1/imports/{run.pk}/errors.xlsx")

    assert response.status_code == 404
    assert "올린 파일이 보관되어 있지 않아" in response.json()["detail"]


def test_an_upload_refused_for_rows_below_the_limit_keeps_no_file_to_build_an_error_workbook_from(
    client, dept_user, sample_plan,
):
    from imports.models import ImportRun
    from tests.fixtures.workbooks import DATA_PART, department, edit, export_workbook, rewrite_part, upload

    client.force_login(dept_user)
    exported = export_workbook(client, department_id=department().pk)
    too_long = rewrite_part(edit(exported, {"L6": 12}), DATA_PART, lambda xml: xml.replace(
        b"</sheetData>", b'<row r="1048576"><c r="P1048576" s="1"/></row></sheetData>'))
    body = upload(client, too_long).json()

    assert body["status"] == "failed" and body["errors_workbook"] is False
    assert not ImportRun.objects.get(pk=body["id"]).file
    assert client.get(f"/api/v1/imports/{body['id']}/errors.xlsx").status_code == 404


def test_the_admin_links_a_run_to_its_page_and_never_to_the_stored_file(client, admin_user, dept_user, sample_plan):
    from imports.models import ImportRun
    from tests.fixtures.workbooks import department, edit, export_workbook, upload

    client.force_login(dept_user)
    exported = export_workbook(client, department_id=department().pk)
    run = ImportRun.objects.get(pk=upload(client, edit(exported, {"L6": "12회"})).json()["id"])
    assert run.file  # the upload is stored

    client.force_login(admin_user)
    page = client.get(f"/admin/imports/importrun/{run.pk}/change/").content.decode()

    assert f'href="/imports/{run.pk}/"' in page
    assert "/media/" not in page and run.file.name not in page
