"""Files that are not the exported workbook: each refused with a clear message, nothing saved.

Every hostile file is generated here from the real export, so the tests show exactly what is
different about it.
"""
from __future__ import annotations

import io
import zipfile

import pytest

from imports import uploads as readers
from imports.actuals_import import actuals_upload
from imports.models import ImportRun, ImportStatus
from tests.fixtures.workbooks import (
    DATA_PART,
    db_state,
    department,
    edit,
    export_workbook,
    rewrite_part,
    upload,
)

pytestmark = pytest.mark.django_db

CFB_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10) for n in range(1, 10)
    )
    + b"]>\n"
)


def without_prolog(xml: bytes) -> bytes:
    return xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml


@pytest.fixture
def editor(client, dept_user):
    client.force_login(dept_user)
    return client


@pytest.fixture
def exported(editor, sample_plan) -> bytes:
    return export_workbook(editor, department_id=department().pk)


def refused(client, data: bytes, name: str = "실적.xlsx") -> str:
    """Upload, expect a refusal of the whole file, and return its message."""
    before = db_state()
    response = upload(client, data, name)
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["status"] == "failed" and body["code"] == "invalid_file"
    assert db_state() == before
    assert ImportRun.objects.get(pk=body["id"]).file.name == ""  # a refused file is not kept
    return body["detail"]


def with_entry(data: bytes, name: str, content: bytes, *, compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        target.writestr(zipfile.ZipInfo(name), content, compress_type=compress)
    return out.getvalue()


def test_a_csv_file_is_refused(editor, exported):
    message = refused(editor, "지표ID,값\n1,12\n".encode(), "실적.csv")

    assert message == "파일: " + readers.NOT_XLSX


def test_an_old_xls_file_is_refused(editor, exported):
    message = refused(editor, CFB_MAGIC + bytes(4096), "실적.xls")

    assert message == "파일: 암호가 걸린 파일이거나 옛 xls 형식입니다. 암호를 풀고 xlsx 형식으로 저장해 올리세요."


def test_a_password_protected_workbook_is_refused(editor, exported):
    # Excel stores an encrypted xlsx as an OLE compound file holding EncryptionInfo and EncryptedPackage.
    encrypted = CFB_MAGIC + b"\x00" * 64 + "EncryptionInfo EncryptedPackage".encode("utf-16-le") + bytes(2048)

    assert "암호가 걸린 파일" in refused(editor, encrypted)


def test_a_zip_with_encrypted_entries_is_refused(editor, exported):
    flagged = bytearray(exported)
    directory = flagged.find(b"PK\x01\x02")
    while directory >= 0:  # general purpose flag, bit 0: the entry is encrypted
        flagged[directory + 8] |= 0x1
        directory = flagged.find(b"PK\x01\x02", directory + 4)

    assert "암호가 걸린 파일" in refused(editor, bytes(flagged))


def test_a_macro_enabled_workbook_is_refused(editor, exported):
    xlsm = rewrite_part(
        with_entry(exported, "xl/vbaProject.bin", CFB_MAGIC + bytes(512)), "[Content_Types].xml",
        lambda xml: xml.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml"),
    )

    assert refused(editor, xlsm, "실적.xlsm") == "파일: " + readers.MACRO


def test_a_text_file_renamed_to_xlsx_is_refused(editor, exported):
    assert refused(editor, "이것은 엑셀이 아닙니다".encode()) == "파일: " + readers.NOT_XLSX


def test_a_truncated_zip_is_refused(editor, exported):
    assert refused(editor, exported[: len(exported) // 2]) == "파일: " + readers.CORRUPT


def test_a_zip_without_a_workbook_is_refused(editor, exported):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        target.writestr("word/document.xml", b"<w:document/>")

    assert "xl/workbook.xml이 없습니다" in refused(editor, out.getvalue())


def test_a_zip_bomb_entry_is_refused_by_its_ratio_before_it_is_inflated(editor, exported, monkeypatch):
    bomb = with_entry(exported, "xl/media/image1.png", bytes(40 * 1024 * 1024))
    assert len(bomb) < 200_000
    monkeypatch.setattr(readers, "load_workbook", lambda *a, **k: pytest.fail("openpyxl must not open a bomb"))

    assert refused(editor, bomb) == "파일: 압축률이 비정상적으로 높은 항목이 있어 열지 않습니다 (xl/media/image1.png)."


def test_a_zip_that_inflates_beyond_the_limit_is_refused(editor, exported):
    rows = b"".join(b'<row r="%d"><c r="P%d" s="1"/></row>' % (n, n) for n in range(1, 1_250_000))
    big = with_entry(exported, "xl/worksheets/sheet9.xml", rows)
    assert len(big) < 10 * 1024 * 1024

    assert refused(editor, big) == "파일: " + readers.TOO_BIG_INSIDE


def test_a_zip_with_too_many_entries_is_refused(editor, exported):
    data = exported
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        for n in range(250):
            target.writestr(f"xl/media/image{n}.png", b"x")

    entries = len(zipfile.ZipFile(io.BytesIO(exported)).namelist()) + 250
    assert refused(editor, out.getvalue()) == f"파일: 파일 안의 항목이 너무 많습니다 ({entries}개, 최대 200개)."


def test_an_entity_expansion_attack_in_the_sheet_is_refused(editor, exported):
    attack = rewrite_part(
        exported, DATA_PART,
        lambda xml: BILLION_LAUGHS + without_prolog(xml).replace(b"<sheetData>", b"<sheetData>&lol9;", 1),
    )

    assert refused(editor, attack) == "파일: " + readers.UNSAFE_XML


def test_an_entity_declaration_hidden_past_the_prolog_scan_is_still_refused_by_defusedxml(editor, exported):
    padding = b"<!--" + b" " * (readers.PROLOG_BYTES + 10) + b"-->\n"
    attack = rewrite_part(
        exported, DATA_PART,
        lambda xml: b'<?xml version="1.0"?>\n' + padding + BILLION_LAUGHS.split(b"\n", 1)[1]
        + without_prolog(xml).replace(b"<sheetData>", b"<sheetData>&lol9;", 1),
    )

    assert refused(editor, attack) == "파일: " + readers.UNSAFE_XML


def test_an_upload_over_the_size_limit_is_refused_before_any_parsing(dept_user, exported, settings, monkeypatch):
    settings.UPLOAD_MAX_BYTES = len(exported) - 1
    monkeypatch.setattr(readers.zipfile, "ZipFile", lambda *a, **k: pytest.fail("no zip may be opened"))
    before = db_state()

    run = actuals_upload(user=dept_user, upload=io.BytesIO(exported), file_name="실적.xlsx")

    assert run.status == ImportStatus.FAILED
    assert run.errors[0]["message"].startswith("파일이 너무 큽니다")
    assert db_state() == before


def test_the_api_refuses_an_oversized_body_by_its_declared_length(editor, exported, settings, monkeypatch):
    settings.UPLOAD_MAX_BYTES = 1024
    monkeypatch.setattr(
        "django.http.multipartparser.MultiPartParser.parse", lambda self: pytest.fail("the body must not be parsed")
    )

    response = upload(editor, exported + bytes(200_000))

    assert response.status_code == 413
    assert response.json()["detail"] == "파일이 너무 큽니다. 최대 1KB까지 올릴 수 있습니다."
    assert not ImportRun.objects.filter(kind="actuals_workbook").exists()


def test_the_upload_page_refuses_an_oversized_body_by_its_declared_length(editor, exported, settings, monkeypatch):
    settings.UPLOAD_MAX_BYTES = 1024
    monkeypatch.setattr(
        "django.http.multipartparser.MultiPartParser.parse", lambda self: pytest.fail("the body must not be parsed")
    )
    handle = io.BytesIO(exported + bytes(200_000))
    handle.name = "실적.xlsx"

    response = editor.post("/imports/actuals/", {"file": handle})

    assert response.status_code == 413
    assert "파일이 너무 큽니다" in response.content.decode()


def test_a_workbook_not_exported_by_us_is_refused(editor, exported):
    def drop_meta(wb):
        del wb["_meta"]

    assert "이 시스템에서 내려받은 실적 파일이 아닙니다" in refused(editor, edit(exported, func=drop_meta))


def test_every_refusal_is_kept_in_the_history(editor, exported):
    upload(editor, b"not a workbook")

    response = editor.get("/imports/history/")

    assert response.status_code == 200
    assert "오류" in response.content.decode()
