"""The data sheet read in a forked child process: the same rows as in-process, errors carried back,
no child left behind, the shared file offset never moved."""
from __future__ import annotations

import gc
import io
import os
import threading
import zipfile

import pytest

from imports import read_process
from imports import workbook_layout as L
from imports.actuals_import import actuals_upload
from imports.models import ImportRow, ImportStatus
from imports.xlsx_stream import Package, XlsxError
from tests.fixtures.workbooks import (
    DATA_PART,
    db_state,
    department,
    edit,
    export_workbook,
    rewrite_part,
)
from tests.imports.test_xlsx_stream import _plain, sample  # noqa: F401 - the fixture is used by name

YEAR = 2025


@pytest.fixture
def forking(settings):
    # "always": a browser test earlier in the session leaves its live-server thread running, and "auto"
    # reads in-process beside other threads (test_a_process_with_other_threads_reads_in_process).
    settings.IMPORT_READ_PROCESS = "always"
    assert read_process.can_fork(), "the test process must be able to fork a reader (POSIX)"


def no_children_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def read_with(source, title: str = "s", *, max_col: int = 30, blank_run: int = 0):
    with zipfile.ZipFile(source) as archive:
        sheet = read_process.sheet_rows(Package(archive), source, title, max_col=max_col, blank_run=blank_run)
        rows = [(number, {c: _plain(v) for c, v in cells.items()}) for number, cells in sheet]
        sheet.close()
        return rows, list(sheet.merged)


def test_a_sheet_read_by_a_child_process_gives_the_rows_and_merges_read_in_process(forking, sample, settings):  # noqa: F811
    forked = read_with(io.BytesIO(sample))
    settings.IMPORT_READ_PROCESS = "off"

    assert read_with(io.BytesIO(sample)) == forked
    assert forked[1] == ["A12:B12"] and [number for number, _ in forked[0]] == [1, 2, 5, 9, 12]
    assert no_children_left()
    assert gc.get_freeze_count() == 0  # the parent's objects are collected again once the child is gone


def test_a_long_sheet_crosses_the_pipe_in_batches_in_order(forking, settings):
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="B{n}" t="inlineStr"><is><t>행{n}</t></is></c></row>'
                   for n in range(1, 3 * read_process.BATCH_ROWS + 7))
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           f"<sheetData>{rows}</sheetData></worksheet>").encode()
    data = rewrite_part(_one_sheet_workbook(), "xl/worksheets/sheet1.xml", lambda _: xml)

    forked, _ = read_with(io.BytesIO(data))

    assert [number for number, _ in forked] == list(range(1, 3 * read_process.BATCH_ROWS + 7))
    assert forked[-1][1] == {1: (3 * read_process.BATCH_ROWS + 6, False, "", False),
                             2: (f"행{3 * read_process.BATCH_ROWS + 6}", False, "", False)}


def _one_sheet_workbook() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "s"
    wb.active["A1"] = 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_an_error_in_the_child_reaches_the_caller_with_its_cell(forking, sample):  # noqa: F811
    broken = rewrite_part(sample, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b'<row r="9"', b'<row r="3"', 1))

    with pytest.raises(XlsxError) as caught:
        read_with(io.BytesIO(broken))

    assert "행 번호 3가 순서에 맞지 않습니다" in str(caught.value) and caught.value.cell == "s!A3"
    assert no_children_left()


def test_stopping_early_stops_the_child(forking, settings):
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, 20_001))
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           f"<sheetData>{rows}</sheetData></worksheet>").encode()
    data = rewrite_part(_one_sheet_workbook(), "xl/worksheets/sheet1.xml", lambda _: xml)
    source = io.BytesIO(data)
    with zipfile.ZipFile(source) as archive:
        sheet = read_process.sheet_rows(Package(archive), source, "s", max_col=5, blank_run=0)
        first = next(iter(sheet))
        sheet.abort()  # what the caller does when it refuses the file after the first rows

    assert first == (1, {1: 1})
    assert no_children_left()


def test_a_file_on_disk_is_read_through_its_own_offsets(forking, sample, tmp_path, settings):  # noqa: F811
    """The child and the parent share the file's offset: the child reads with pread, so the parent may
    read the same file meanwhile (as the upload's hash and storage do) and both get the right bytes."""
    path = tmp_path / "upload.xlsx"
    path.write_bytes(sample)
    with open(path, "rb") as handle, zipfile.ZipFile(handle) as archive:
        sheet = read_process.sheet_rows(Package(archive), handle, "s", max_col=30, blank_run=0)
        rows = iter(sheet)
        forked = [next(rows)]
        for _ in range(20):
            handle.seek(0)
            assert handle.read() == sample
        forked += list(rows)
    settings.IMPORT_READ_PROCESS = "off"

    with zipfile.ZipFile(io.BytesIO(sample)) as archive:
        in_process = list(Package(archive).rows("s", max_col=30))
    assert forked == in_process
    assert no_children_left()


def test_a_process_with_other_threads_reads_in_process(forking, sample, settings):  # noqa: F811
    settings.IMPORT_READ_PROCESS = "auto"
    stop = threading.Event()
    helper = threading.Thread(target=stop.wait)
    helper.start()
    try:
        assert not read_process.can_fork()
        forked_or_not = read_with(io.BytesIO(sample))
    finally:
        stop.set()
        helper.join()

    assert [number for number, _ in forked_or_not[0]] == [1, 2, 5, 9, 12]


def test_a_failed_fork_reads_in_process_and_leaves_collection_as_it_was(forking, sample, monkeypatch):  # noqa: F811
    def no_fork():
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(read_process.os, "fork", no_fork)

    rows, merged = read_with(io.BytesIO(sample))

    assert [number for number, _ in rows] == [1, 2, 5, 9, 12] and merged == ["A12:B12"]
    assert gc.get_freeze_count() == 0


def test_a_bug_in_the_childs_transform_is_raised_as_one_with_its_traceback(forking, sample):  # noqa: F811
    def broken(number, cells):
        raise KeyError("no such column")

    source = io.BytesIO(sample)
    with zipfile.ZipFile(source) as archive:
        sheet = read_process.sheet_rows(Package(archive), source, "s", max_col=30, blank_run=0, transform=broken)
        with pytest.raises(read_process.ReaderCrashed) as caught:
            list(sheet)

    assert "KeyError: 'no such column'" in str(caught.value)
    assert no_children_left() and gc.get_freeze_count() == 0


def test_the_setting_turns_the_child_off(settings):
    settings.IMPORT_READ_PROCESS = "off"

    assert not read_process.can_fork()


@pytest.mark.django_db
def test_an_upload_refused_for_permission_leaves_no_reading_process(forking, client, dept_user, other_dept_user):
    client.force_login(dept_user)
    exported = export_workbook(client, department_id=department().pk)
    before = db_state()

    run = actuals_upload(user=other_dept_user, upload=io.BytesIO(exported), file_name="실적.xlsx")

    assert run.status == ImportStatus.FAILED and "권한이 없습니다" in run.errors[0]["message"]
    assert db_state() == before
    assert no_children_left() and gc.get_freeze_count() == 0


@pytest.mark.django_db
def test_an_upload_read_in_a_child_previews_the_same_rows_as_one_read_in_process(forking, client, dept_user, settings):
    client.force_login(dept_user)
    exported = export_workbook(client, department_id=department().pk)
    filled = edit(exported, {f"L{L.FIRST_DATA_ROW}": 12, f"L{L.FIRST_DATA_ROW + 1}": "1,234"})

    forked = actuals_upload(user=dept_user, upload=io.BytesIO(filled), file_name="a.xlsx")
    settings.IMPORT_READ_PROCESS = "off"
    in_process = actuals_upload(user=dept_user, upload=io.BytesIO(filled), file_name="a.xlsx")

    def rows(run):
        return [(r.row, r.status, {k: v for k, v in r.data.items()})
                for r in ImportRow.objects.filter(run=run).order_by("position")]

    assert forked.status == in_process.status == ImportStatus.PREVIEWED
    assert rows(forked) == rows(in_process) and len(rows(forked)) > 2
    assert forked.errors == in_process.errors and forked.summary == in_process.summary
    assert no_children_left()


@pytest.mark.django_db
def test_unsafe_xml_in_the_data_sheet_is_refused_from_the_child(forking, client, dept_user):
    client.force_login(dept_user)
    exported = export_workbook(client, department_id=department().pk)
    attack = rewrite_part(
        exported, DATA_PART,
        lambda xml: xml.replace(b"<sheetData>", b'<sheetData><row r="4"><c r="A4" t="inlineStr"><is><t>&x;</t></is></c></row>', 1),
    )
    before = db_state()

    run = actuals_upload(user=dept_user, upload=io.BytesIO(attack), file_name="a.xlsx")

    assert run.status == ImportStatus.FAILED
    assert run.errors[0]["message"].startswith("엑셀 파일을 읽을 수 없습니다 (xl/worksheets/sheet1.xml: undefined entity")
    assert db_state() == before
    assert no_children_left()


def test_the_meta_table_read_as_one_run_matches_the_expat_path(client, dept_user, monkeypatch, db):
    client.force_login(dept_user)
    exported = export_workbook(client, department_id=department().pk)
    # One row whose cells name another row: not the run's shape, so read by the row path.
    odd = rewrite_part(exported, "xl/worksheets/sheet3.xml",
                       lambda xml: xml.replace(b'<c r="A20">', b'<c r="A21">', 1) if b'<c r="A20">' in xml else xml)

    def meta(data: bytes):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheet = Package(archive).rows(L.META_SHEET, max_col=4)
            return [(n, {k: _plain(v) for k, v in c.items()}) for n, c in sheet]

    fast = meta(exported), meta(odd)
    monkeypatch.setattr(read_process, "can_fork", lambda: False)
    from imports.xlsx_stream import fast as xlsx_fast

    monkeypatch.setattr(xlsx_fast, "_plain_prolog", lambda prolog: False)

    assert (meta(exported), meta(odd)) == fast
    assert len(fast[0]) > L.META_TABLE_HEADER_ROW
