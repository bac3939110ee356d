"""Previewed rows live in ImportRow: written while the workbook streams, read in chunks by confirm."""
from __future__ import annotations

from decimal import Decimal

import pytest

from imports import actuals_import, run_rows
from imports.models import ImportRow, ImportRun
from kpis.models import Actual, AuditEntry
from kpis.services import actuals as actual_services
from tests.fixtures.workbooks import confirm, department, edit, export_workbook, upload

pytestmark = pytest.mark.django_db
YEAR = 2025
FILLED = {"L6": 12, "L7": 33, "L8": 3000, "N8": 50000}  # 대외협력과's three rows, every one changed


@pytest.fixture
def editor(client, dept_user, sample_plan):
    client.force_login(dept_user)
    return client


@pytest.fixture
def filled(editor) -> bytes:
    return edit(export_workbook(editor, department_id=department().pk), FILLED)


def test_a_previews_rows_are_stored_in_the_import_row_table_in_reading_order(editor, filled):
    body = upload(editor, filled).json()

    stored = ImportRow.objects.filter(run_id=body["id"]).order_by("position")
    assert [(r.position, r.row, r.status) for r in stored] == [(0, 6, "changed"), (1, 7, "changed"), (2, 8, "changed")]
    assert stored[2].data["inputs"] == {"활동인원": "3000", "인구": "50000"}
    assert [row["row"] for row in body["rows"]] == [6, 7, 8]  # the API reads them back from the table


def test_the_preview_writes_its_rows_a_chunk_at_a_time(editor, filled, monkeypatch):
    monkeypatch.setattr(actuals_import, "PREVIEW_CHUNK", 2)
    writes = []
    writer = run_rows.row_writer

    def counting_writer(run):
        write = writer(run)

        def counting(entries):
            writes.append(len(entries))
            return write(entries)

        return counting

    monkeypatch.setattr(actuals_import, "row_writer", counting_writer)

    body = upload(editor, filled).json()

    assert writes == [2, 1]
    assert ImportRow.objects.filter(run_id=body["id"]).count() == body["summary"]["total"] == 3


def test_confirm_applies_every_row_when_they_span_several_chunks(editor, filled, monkeypatch):
    monkeypatch.setattr(actual_services, "CHUNK", 2)
    monkeypatch.setattr(run_rows, "CHUNK", 2)
    run_id = upload(editor, filled).json()["id"]

    response = confirm(editor, run_id)

    assert response.status_code == 200, response.json()
    assert response.json()["summary"]["applied"] == 3
    assert sorted(Actual.objects.filter(year=YEAR).values_list("value", flat=True)) == [Decimal(6), Decimal(12), Decimal(33)]
    assert AuditEntry.objects.filter(import_run_id=run_id, field="value").count() == 3


def test_a_refusal_in_a_later_chunk_rolls_back_the_earlier_chunks(editor, filled, monkeypatch):
    monkeypatch.setattr(actual_services, "CHUNK", 2)
    monkeypatch.setattr(run_rows, "CHUNK", 2)
    run_id = upload(editor, filled).json()["id"]
    last = ImportRow.objects.get(run_id=run_id, position=2)
    last.data = {**last.data, "expected_version": 7}  # the third row now expects a version the server never had
    last.save()

    response = confirm(editor, run_id)

    assert response.status_code == 409
    assert "8행" in response.json()["detail"]
    assert Actual.objects.filter(year=YEAR).count() == 0
    assert not AuditEntry.objects.filter(import_run_id=run_id).exists()


def test_the_api_pages_through_a_previews_rows(editor, filled):
    run_id = upload(editor, filled).json()["id"]

    body = editor.get(f"/api/v1/imports/{run_id}/", {"page": 2, "page_size": 2}).json()

    assert [row["row"] for row in body["rows"]] == [8]
    assert body["rows_page"] == {"page": 2, "pages": 2, "count": 3, "page_size": 2}


def test_the_preview_page_shows_one_page_of_rows_with_a_pager(editor, filled, monkeypatch):
    monkeypatch.setattr(run_rows, "run_rows_page", _page_of_two(run_rows.run_rows_page))
    run_id = upload(editor, filled).json()["id"]

    first = editor.get(f"/imports/{run_id}/").content.decode()
    second = editor.get(f"/imports/{run_id}/", {"page": 2}).content.decode()

    assert "1/2쪽" in first and "정무활동 및 당정협력 강화" in first and "자원봉사 활동률" not in first
    assert "2/2쪽" in second and "자원봉사 활동률" in second


def _page_of_two(page_function):
    return lambda run, **kwargs: page_function(run, **{**kwargs, "size": 2})


def test_deleting_a_run_deletes_its_rows(editor, filled):
    run_id = upload(editor, filled).json()["id"]

    ImportRun.objects.filter(pk=run_id).delete()

    assert not ImportRow.objects.filter(run_id=run_id).exists()


def test_a_refused_workbook_leaves_no_rows_behind(editor, filled, monkeypatch):
    def refuse_midway(*args, **kwargs):
        raise actuals_import.WorkbookRefused("중간에 읽을 수 없습니다.")

    writes = []
    monkeypatch.setattr(actuals_import, "row_writer",
                        lambda run: lambda entries: (writes.append(run.pk), refuse_midway()))

    body = upload(editor, filled).json()

    assert body["status"] == "failed" and "중간에 읽을 수 없습니다" in body["detail"]
    assert writes and not ImportRow.objects.exists()
    assert ImportRun.objects.get(pk=body["id"]).department is None


def test_a_refusal_in_a_later_chunk_of_a_preview_keeps_no_row_of_the_earlier_ones(editor, filled, monkeypatch):
    monkeypatch.setattr(actuals_import, "PREVIEW_CHUNK", 1)
    row_preview = actuals_import.row_preview

    def refuse_row_8(row, *args):
        if row.number == 8:
            raise actuals_import.WorkbookRefused("8행을 읽을 수 없습니다.", cell="실적입력!A8")
        return row_preview(row, *args)

    monkeypatch.setattr(actuals_import, "row_preview", refuse_row_8)

    body = upload(editor, filled).json()

    assert body["status"] == "failed" and "8행을 읽을 수 없습니다" in body["detail"]
    assert not ImportRow.objects.exists()
    monkeypatch.setattr(actuals_import, "row_preview", row_preview)
    assert upload(editor, filled).json()["summary"]["changed"] == 3  # the connection is fine afterwards
