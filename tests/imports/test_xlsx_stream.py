"""The sheet reader: the fast path and the expat path read the same cells; odd XML falls back, never loses rows."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook

from imports import workbook_layout as L
from imports import xlsx_stream
from imports.xlsx_stream import Cell, Package, XlsxError, value_of
from imports.xlsx_stream import fast as xlsx_fast
from tests.fixtures.workbooks import (
    DATA_PART,
    department,
    edit,
    export_workbook,
    messages,
    rewrite_part,
    set_cached_formula,
    upload,
)

YEAR = 2025
MAIN = xlsx_stream.MAIN.encode()


def read(data: bytes, title: str = "s", max_col: int = 30) -> tuple[list[tuple[int, dict]], list[str]]:
    """Every row as {column: (value, percent, formula, error)}, and the merged ranges."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = Package(archive).rows(title, max_col=max_col)
        rows = [(number, {c: _plain(v) for c, v in cells.items()}) for number, cells in sheet]
        return rows, list(sheet.merged)


def _plain(stored) -> tuple:
    cell = stored if stored.__class__ is Cell else Cell(stored)
    return cell.value, cell.percent, cell.formula, cell.error


def through_expat(monkeypatch) -> None:
    monkeypatch.setattr(xlsx_fast, "_plain_prolog", lambda prolog: False)


@pytest.fixture
def sample() -> bytes:
    """Numbers, shared and inline text, a percentage, a date, a boolean, formulas, an error, a merge, gaps."""
    wb = Workbook()
    ws = wb.active
    ws.title = "s"
    ws["A1"], ws["B1"], ws["C1"] = 12, 88.5, "  지표 & <이름>  "
    ws["A2"] = 0.12
    ws["A2"].number_format = "0%"
    ws["B2"] = "=A1*2"
    ws["C2"] = True
    ws["A5"] = "2025-01-01"
    ws["B5"] = 45000
    ws["B5"].number_format = "yyyy-mm-dd"
    ws["C5"] = "   "
    ws["A9"] = 1e-7
    ws.merge_cells("A12:B12")
    ws["A12"] = "병합"
    ws["D12"] = "줄\n바꿈"
    out = io.BytesIO()
    wb.save(out)
    data = rewrite_part(out.getvalue(), "xl/worksheets/sheet1.xml", _with_cached_and_inline)
    return data


def _with_cached_and_inline(xml: bytes) -> bytes:
    xml = re.sub(rb"<f>A1\*2</f><v\s*/>", b"<f>A1*2</f><v>24</v>", xml)  # the value Excel would have cached
    inline = ('<c r="D1" t="inlineStr"><is><r><t>굵게</t></r><r><t xml:space="preserve"> 보통</t></r>'
              "<rPh><t>읽는 법</t></rPh></is></c>").encode()
    error = b'<c r="E1" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="F1" s="1"/>'
    return re.sub(rb'(<c r="C1"[^>]*>.*?</c>)', lambda m: m.group(1) + inline + error, xml, count=1)


def test_the_fast_path_and_the_expat_path_read_the_same_cells(sample, monkeypatch):
    fast = read(sample)
    through_expat(monkeypatch)

    assert read(sample) == fast


def test_cells_read_as_openpyxl_reads_them_with_cached_values(sample):
    rows, merged = read(sample)
    cells = dict(rows)

    assert [number for number, _ in rows] == [1, 2, 5, 9, 12]  # rows with a non-blank cell, numbered from the XML
    assert cells[1][1] == (12, False, "", False) and cells[1][2] == (88.5, False, "", False)
    assert cells[1][3][0] == "  지표 & <이름>  "
    assert cells[1][4][0] == "굵게 보통"  # rich text runs joined, the phonetic guide left out
    assert cells[1][5] == ("#DIV/0!", False, "=1/0", True)
    assert cells[2][1] == (0.12, True, "", False)
    assert cells[2][2] == (24, False, "=A1*2", False)
    assert cells[2][3] == (True, False, "", False)
    assert str(cells[5][2][0]).startswith("2023-03-15")  # a date format reads as a date
    assert 3 not in cells[5]  # blank text is no cell
    assert cells[12][4][0] == "줄\n바꿈"
    assert merged == ["A12:B12"]


def test_a_comment_among_the_cells_falls_back_to_expat_without_losing_or_repeating_rows(sample):
    commented = rewrite_part(sample, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b'<row r="5"', b'<!-- x --><row r="5"'))

    assert read(commented) == read(sample)


def test_a_sheet_written_with_a_namespace_prefix_is_read(sample):
    def prefixed(xml: bytes) -> bytes:
        xml = re.sub(rb"<(/?)([A-Za-z][\w]*)([\s>/])", rb"<\1x:\2\3", xml)
        return xml.replace(b'xmlns="' + MAIN + b'"', b'xmlns:x="' + MAIN + b'"')

    assert read(rewrite_part(sample, "xl/worksheets/sheet1.xml", prefixed)) == read(sample)


def test_rows_out_of_order_are_refused_naming_the_row(sample):
    swapped = rewrite_part(sample, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b'<row r="9"', b'<row r="4"'))

    with pytest.raises(XlsxError, match="행 번호 4"):
        read(swapped)


def test_an_undeclared_entity_in_a_cell_is_refused(sample):
    broken = rewrite_part(sample, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"<v>12</v>", b"<v>&nbsp;12</v>"))

    with pytest.raises(XlsxError):
        read(broken)


@pytest.mark.django_db
def test_rows_beyond_the_declared_dimension_are_read(client, dept_user, sample_plan):
    client.force_login(dept_user)
    exported = edit(export_workbook(client, department_id=department().pk), {"L8": 3000, "N8": 50000})
    shrunk = rewrite_part(exported, DATA_PART, lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', xml))

    body = upload(client, shrunk).json()

    assert body["summary"]["total"] == 3 and body["summary"]["changed"] == 1


@pytest.mark.django_db
def test_a_formula_typed_in_a_workbook_that_takes_the_expat_path_still_uses_its_cached_value(
    client, dept_user, sample_plan, monkeypatch
):
    through_expat(monkeypatch)
    client.force_login(dept_user)
    exported = export_workbook(client, department_id=department().pk)
    data = set_cached_formula(edit(exported, {"L7": 33}), "L6", "10+2", "12")

    body = upload(client, data).json()

    assert messages(body) == []
    row = next(r for r in body["rows"] if r["row"] == 6)
    assert row["new_value"] == "12" and any("10+2" in m for m in row["messages"])


def test_the_meta_rows_table_finds_ids_and_keeps_what_was_seen():
    from array import array

    from imports.meta_sheet import MetaRows

    rows = MetaRows.build(array("q", [30, 10, 20]), array("q", [3, 3, 3, 1, 1, 1, 2, 2, 2]))

    assert list(rows) == [10, 20, 30] and rows[20] == (2, 2, 2) and 15 not in rows and "10" not in rows
    rows.seen[rows.index(30)] = 7
    assert [pk for pk, seen in zip(rows, rows.seen, strict=True) if not seen] == [10, 20]


def test_value_of_gives_the_bare_value_of_either_kind_of_stored_cell():
    assert value_of(5) == 5 and value_of(Cell("x", formula="=1")) == "x" and value_of(None) is None
    assert L.canonical(value_of(12.0)) == "12"


@pytest.mark.parametrize("path", ["fast", "expat"])
def test_a_run_of_styled_blank_rows_ends_the_rows_and_the_merges_after_them_are_still_found(sample, monkeypatch, path):
    if path == "expat":
        through_expat(monkeypatch)

    def styled_blank_rows(xml: bytes) -> bytes:
        blank = b"".join(b'<row r="%d"><c r="B%d" s="1"/></row>' % (n, n) for n in range(13, 5_000))
        late = b'<row r="6000"><c r="A6000"><v>1</v></c></row>'  # after the run: never handed out
        return xml.replace(b"</sheetData>", blank + late + b"</sheetData>")

    data = rewrite_part(sample, "xl/worksheets/sheet1.xml", styled_blank_rows)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = Package(archive).rows("s", max_col=30, blank_run=100)
        numbers = [number for number, _ in sheet]
        sheet.close()

    assert numbers == [1, 2, 5, 9, 12]
    assert sheet.merged == ["A12:B12"]


def test_formula_cells_a_caller_has_no_use_for_are_left_unread_below_the_given_row(sample):
    def cells(unread):
        with zipfile.ZipFile(io.BytesIO(sample)) as archive:
            return dict(Package(archive).rows("s", max_col=30, unread_formulas=unread))

    below_row_1 = cells((frozenset({2}), 1))
    from_row_2 = cells((frozenset({2}), 2))

    assert 2 not in below_row_1[2]  # B2 holds =A1*2: not parsed
    assert value_of(below_row_1[1][2]) == 88.5  # a plain value in the same column is read
    assert value_of(from_row_2[2][2]) == 24  # at or above the row, formulas are read


@pytest.mark.parametrize("between", [b"<!-- x -->", b"<extra/>", b"\n  ", b"text"])
def test_whatever_sits_between_the_cells_of_a_row_it_reads_as_the_expat_path_does(sample, monkeypatch, between):
    # Row 1's cells are plain values (read by one findall) until something else sits among them.
    def inserted(xml: bytes) -> bytes:
        return xml.replace(b'</c><c r="B1"', b"</c>" + between + b'<c r="B1"', 1)

    data = rewrite_part(sample, "xl/worksheets/sheet1.xml", inserted)
    fast = read(data)
    through_expat(monkeypatch)

    assert fast == read(data)
    assert dict(fast[0])[1][1] == (12, False, "", False) and dict(fast[0])[1][2] == (88.5, False, "", False)


@pytest.mark.django_db
def test_an_exported_and_filled_actuals_sheet_reads_the_same_by_both_paths(client, dept_user, sample_plan, monkeypatch):
    client.force_login(dept_user)
    data = edit(export_workbook(client, department_id=department().pk), {"L6": 12, "L7": "33%", "L8": 3000, "N8": 50000})
    data = set_cached_formula(data, "N7", "10+2", "12")  # a typed formula in a column that is read

    fast = read(data, L.DATA_SHEET)
    through_expat(monkeypatch)

    assert fast == read(data, L.DATA_SHEET)
    cells = dict(fast[0])
    assert cells[6][12] == (12, False, "", False) and cells[8][14] == (50000, False, "", False)
    assert cells[7][14] == (12, False, "=10+2", False)


@pytest.mark.django_db
def test_a_row_whose_cells_send_the_reader_to_expat_is_read_not_dropped(client, dept_user, sample_plan):
    # A comment among row 7's cells: the fast path gives the sheet to expat from that row on. The row was
    # once skipped as if already read, and the value typed in it silently left out of the preview.
    client.force_login(dept_user)
    exported = edit(export_workbook(client, department_id=department().pk), {"L6": 12, "L7": 33})
    data = rewrite_part(exported, DATA_PART, lambda xml: xml.replace(b'<c r="B7"', b'<!-- x --><c r="B7"', 1))

    body = upload(client, data).json()

    assert messages(body) == [] and body["summary"]["deleted"] == []
    assert {row["row"]: row["new_value"] for row in body["rows"] if row["status"] == "changed"} == {6: "12", 7: "33"}
