"""A workbook filled in, then opened and saved again by LibreOffice, imports with no loss.

LibreOffice rewrites styles, shared strings, hidden-sheet state and validation; the import relies
only on the `_meta` sheet's cell values, so none of that matters. Needs `soffice`
(`apt-get install libreoffice-calc-nogui`): skipped locally without it, a failure in CI.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from imports import workbook_layout as L
from kpis.models import Actual, AuditEntry
from tests.conftest import skip_or_fail
from tests.fixtures.workbooks import confirm, department, edit, export_workbook, upload

pytestmark = pytest.mark.django_db
D = Decimal


def resave_with_libreoffice(data: bytes, work: Path) -> bytes:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        skip_or_fail("LibreOffice (soffice) is not installed")
    source, out = work / "filled.xlsx", work / "out"
    source.write_bytes(data)
    out.mkdir()
    profile = (work / "profile").as_uri()  # a private profile: no lock clash with another soffice
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", "xlsx",
         "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=180, env={**os.environ, "HOME": str(work)},
    )
    converted = out / "filled.xlsx"
    assert converted.exists(), "LibreOffice wrote no file"
    return converted.read_bytes()


def test_a_workbook_resaved_by_libreoffice_imports_with_no_loss(client, dept_user, sample_plan, tmp_path):
    client.force_login(dept_user)
    exported = export_workbook(client, department_id=department().pk)
    def note_as_text(wb):
        note = wb[L.DATA_SHEET]["P6"]
        note.value = "=정책협의회 (메모)"
        note.data_type = "s"  # typed as text: it must stay text through LibreOffice and the import

    filled = edit(exported, {"L6": 12, "L7": 1234, "L8": 3001, "N8": 47000}, func=note_as_text)

    resaved = resave_with_libreoffice(filled, tmp_path)

    assert resaved != filled
    ws = load_workbook(io.BytesIO(resaved), data_only=True)[L.DATA_SHEET]
    assert ws["O8"].value == pytest.approx(3001 / 47000 * 100)  # LibreOffice computed the live formula
    response = upload(client, resaved)
    body = response.json()
    assert response.status_code == 201, body
    assert body["errors"] == [] and body["summary"]["changed"] == 3
    assert confirm(client, body["id"]).status_code == 200
    stored = {a.indicator.short_name: a for a in Actual.objects.filter(year=2025).select_related("indicator")}
    assert stored["정무활동 및 당정협력 강화"].value == D("12")
    assert stored["정무활동 및 당정협력 강화"].note == "=정책협의회 (메모)"
    assert stored["민간단체 및 출향도민 협력 강화"].value == D("1234")
    assert stored["자원봉사 활동률"].inputs == {"활동인원": "3001", "인구": "47000"}
    assert stored["자원봉사 활동률"].value == D("6.3851")
    assert AuditEntry.objects.filter(import_run_id=body["id"]).count() == 3  # one per saved actual


def test_a_libreoffice_resave_of_an_untouched_export_changes_nothing(client, dept_user, sample_plan, tmp_path):
    client.force_login(dept_user)
    exported = export_workbook(client, department_id=department().pk)

    body = upload(client, resave_with_libreoffice(exported, tmp_path)).json()

    assert body["errors"] == [] and body["summary"]["changed"] == 0
