"""Evidence attachments: type checked by content, not by the name the browser sent."""
from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts.models import User
from core.errors import InvalidInput, NotFound
from kpis.models import Actual, ChangeSource, Evidence
from kpis.services.audit import audit_record, audit_write
from kpis.services.permissions import require_actual_writer, require_year_open

EVIDENCE_MAX_BYTES = getattr(settings, "EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALLOWED = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".xlsx": XLSX,
}


def sniff_content_type(head: bytes, data_for_zip: bytes | None = None) -> str | None:
    """The real type from the file's first bytes; None when it is none of the allowed ones."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"PK\x03\x04") and data_for_zip is not None:
        try:
            with zipfile.ZipFile(io.BytesIO(data_for_zip)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        if "xl/workbook.xml" in names and "[Content_Types].xml" in names:
            return XLSX
    return None


@transaction.atomic
def evidence_add(*, user: User, actual_id: int, upload: UploadedFile, source: str = ChangeSource.WEB) -> Evidence:
    actual = Actual.objects.select_related("indicator__department").filter(pk=actual_id).first()
    if actual is None:
        raise NotFound("실적을 찾을 수 없습니다.")
    require_actual_writer(user, actual.indicator.department_id)
    require_year_open(actual.indicator.department_id, actual.year)
    name = PurePath(upload.name or "file").name[:200]
    extension = PurePath(name).suffix.lower()
    if upload.size is None or upload.size > EVIDENCE_MAX_BYTES:
        raise InvalidInput({"evidence": [f"파일이 너무 큽니다. {EVIDENCE_MAX_BYTES // (1024 * 1024)}MB 이하만 올릴 수 있습니다."]})
    if extension not in ALLOWED:
        raise InvalidInput({"evidence": ["PDF, 이미지(PNG, JPG, GIF), 엑셀(xlsx) 파일만 올릴 수 있습니다."]})
    upload.seek(0)
    data = upload.read()
    actual_type = sniff_content_type(data[:16], data if extension == ".xlsx" else None)
    if actual_type != ALLOWED[extension]:
        raise InvalidInput({"evidence": [f"'{name}'의 내용이 확장자({extension})와 맞지 않습니다."]})
    upload.seek(0)
    evidence = Evidence(
        actual=actual, original_name=name, content_type=actual_type, size=len(data), uploaded_by=user
    )
    evidence.file.save(name, upload, save=False)
    evidence.save()
    audit_write(
        [
            audit_record(
                user=user, source=source, entity="evidence", action="create", field="file", new=name,
                department_id=actual.indicator.department_id, indicator_id=actual.indicator_id, year=actual.year,
            )
        ]
    )
    return evidence
