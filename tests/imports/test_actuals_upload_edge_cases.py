"""Workbooks that once broke the upload: unknown ids, a deleted id column, odd characters, odd digits."""
from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from imports import workbook_layout as L
from tests.fixtures.workbooks import (
    DATA_PART,
    db_state,
    edit,
    messages,
    rewrite_part,
    upload,
)

pytestmark = pytest.mark.django_db
YEAR = 2025


def _preview(client, data: bytes) -> dict:
    response = upload(client, data)
    assert response.status_code in (200, 201, 400), response.content[:300]
    return response.json()


def test_a_workbook_whose_ids_are_all_unknown_is_refused_row_by_row(editor, exported):
    before = db_state()

    body = _preview(editor, edit(exported, {"A6": 999_001, "A7": 999_002, "A8": 999_003, "L6": 12}))

    assert messages(body) == [
        f"실적입력!A{row}: 지표ID {pk} 이 파일에서 내려받은 지표가 아닙니다. 지표ID 열은 고치지 마세요."
        for row, pk in ((6, "999001은"), (7, "999002는"), (8, "999003은"))
    ]
    assert body["summary"]["can_confirm"] is False and db_state() == before


def test_a_workbook_whose_id_column_was_deleted_is_refused_naming_the_headers(editor, exported):
    def delete_ids(wb):
        wb[L.DATA_SHEET].delete_cols(L.COL_ID)

    body = _preview(editor, edit(exported, func=delete_ids))

    assert body["summary"]["can_confirm"] is False
    assert "실적입력!A5: 머리글이 '지표ID'이어야 하는데 '부서'입니다. 열을 넣거나 지우지 마세요." in messages(body)


def test_the_command_reports_a_workbook_of_unknown_ids_without_a_traceback(exported, dept_user, tmp_path):
    path = tmp_path / "실적.xlsx"
    path.write_bytes(edit(exported, {"A6": 999_001, "A7": 999_002, "A8": 999_003, "L6": 12}))
    err = StringIO()

    with pytest.raises(CommandError, match="오류 3건: 아무것도 저장하지 않았습니다"):
        call_command("import_actuals", str(path), "--user", dept_user.username, stdout=StringIO(), stderr=err)
    assert "지표ID 999001은 이 파일에서 내려받은 지표가 아닙니다" in err.getvalue()


def test_an_inline_character_reference_in_a_note_reads_as_the_character_it_names(editor, exported):
    def inline_note(xml: bytes) -> bytes:
        # P6 is the note of 대외협력과's first row (two input slots: K-N, computed O, note P).
        cell = re.compile(rb'<c r="P6"([^>]*?)(?:/>|>.*?</c>)', re.DOTALL)
        replaced, count = cell.subn(
            lambda m: b'<c r="P6"' + re.sub(rb'\s*t="[^"]*"', b"", m.group(1)) + b' t="inlineStr"><is><t>a&#128;b</t></is></c>',
            xml, count=1,
        )
        assert count == 1
        return replaced

    body = _preview(editor, rewrite_part(edit(exported, {"L6": 12}), DATA_PART, inline_note))

    row = next(row for row in body["rows"] if row["row"] == 6)
    assert row["note"] == "a\x80b" and body["errors"] == []


@pytest.mark.parametrize("digits", ["²", "١٢", "12²"])
def test_an_id_written_in_other_digits_is_refused_not_crashed(editor, exported, digits):
    body = _preview(editor, edit(exported, {"A6": digits, "L6": 12}))

    assert messages(body) == [f"실적입력!A6: 지표ID '{digits}'가 올바르지 않습니다. 지표ID 열은 고치지 마세요."]
