"""Evidence attachments: type checked by content (decoded, not only sniffed), not by the name the browser sent."""
from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from PIL import Image

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


# Markup a browser would run if it ever rendered the file; refused in the first KB whatever the type.
MARKUP = (b"<script", b"<html", b"<svg", b"<!doctype", b"<iframe", b"<object", b"<embed", b"<body", b"<?xml-stylesheet",
          b"javascript:")
MARKUP_WINDOW = 1024
IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF"}
MAX_IMAGE_PIXELS = 50_000_000  # decoding a larger image would take hundreds of MB


def sniff_content_type(head: bytes) -> str | None:
    """The type the file's first bytes claim; None when it is none of the allowed ones."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"PK\x03\x04"):
        return XLSX
    return None


def content_problem(name: str, extension: str, data: bytes) -> str | None:
    """Why the content of `name` is not what its extension says (Korean, naming the file), or None."""
    lowered = data[:MARKUP_WINDOW].lower()
    if any(marker in lowered for marker in MARKUP):
        return f"'{name}'에 HTML이나 스크립트가 들어 있어 올릴 수 없습니다."
    expected = ALLOWED[extension]
    if sniff_content_type(data[:16]) != expected:
        return f"'{name}'의 내용이 확장자({extension})와 맞지 않습니다."
    if expected in IMAGE_FORMATS and not _decodes_as(data, IMAGE_FORMATS[expected]):
        return f"'{name}' 파일은 올바른 {IMAGE_FORMATS[expected]} 이미지가 아닙니다 (이미지로 읽을 수 없습니다)."
    if expected == XLSX and not _is_xlsx(data):
        return f"'{name}' 파일은 올바른 엑셀(xlsx) 파일이 아닙니다 (zip 구조나 [Content_Types].xml이 없습니다)."
    return None


def _decodes_as(data: bytes, image_format: str) -> bool:
    """Pillow reads the header as `image_format`, the file passes its checks and every pixel decodes."""
    try:
        with Image.open(io.BytesIO(data), formats=[image_format]) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                return False
            image.verify()
        with Image.open(io.BytesIO(data), formats=[image_format]) as image:
            image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, EOFError):
        return False
    return True


def _is_xlsx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return "[Content_Types].xml" in names and "xl/workbook.xml" in names


@transaction.atomic
def evidence_add(*, user: User, actual_id: int, upload: UploadedFile, source: str = ChangeSource.WEB) -> Evidence:
    actual = Actual.all_periods.select_related("indicator__department").filter(pk=actual_id).first()
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
    problem = content_problem(name, extension, data)
    if problem:
        raise InvalidInput({"evidence": [problem]})
    evidence = Evidence(
        actual=actual, original_name=name, content_type=ALLOWED[extension], size=len(data), uploaded_by=user
    )
    # Through the field's storage (STORAGES["default"]), never a filesystem path: an object store works too.
    # The stored name is neutral; the original name is only ever sent back in Content-Disposition.
    evidence.file.save(f"evidence{extension}", ContentFile(data), save=False)
    evidence.save()
    audit_write(
        [
            audit_record(
                user=user, source=source, entity="evidence", action="create", field="file", new=name,
                department_id=actual.indicator.department_id, indicator_id=actual.indicator_id, year=actual.year,
                period=actual.period,
            )
        ]
    )
    return evidence
