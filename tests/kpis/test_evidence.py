"""Evidence files: what is refused on upload, and who downloads them, how."""
from __future__ import annotations

import io
import zipfile
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from core.errors import InvalidInput
from kpis.models import Actual, Evidence
from kpis.services.evidence import evidence_add

YEAR = 2024
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def image(image_format: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(out, format=image_format)
    return out.getvalue()


def xlsx(*, content_types: bool = True) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        if content_types:
            archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return out.getvalue()


@pytest.fixture
def actual(volunteering):
    return Actual.objects.get(indicator=volunteering, year=YEAR)  # the sample's reported 2024 actual


def add(user, actual: Actual, name: str, data: bytes) -> Evidence:
    return evidence_add(user=user, actual_id=actual.pk, upload=SimpleUploadedFile(name, data))


def refusal(user, actual: Actual, name: str, data: bytes) -> str:
    with pytest.raises(InvalidInput) as caught:
        add(user, actual, name, data)
    assert not Evidence.objects.filter(actual=actual).exists()
    return caught.value.errors["evidence"][0]


@pytest.mark.parametrize("name, data", [
    ("사진.png", image("PNG")), ("사진.jpg", image("JPEG")), ("사진.gif", image("GIF")), ("근거.pdf", PDF),
    ("집계.xlsx", xlsx()),
])
def test_it_accepts_files_whose_content_is_what_their_name_says(dept_user, actual, name, data):
    evidence = add(dept_user, actual, name, data)

    assert evidence.original_name == name
    with evidence.file.open("rb") as handle:
        assert handle.read() == data


def test_it_refuses_a_gif_with_a_script_inside(dept_user, actual):
    polyglot = b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;<script>alert(document.cookie)</script>"

    assert refusal(dept_user, actual, "웃음.gif", polyglot) == "'웃음.gif'에 HTML이나 스크립트가 들어 있어 올릴 수 없습니다."


def test_it_refuses_html_whatever_the_name_says(dept_user, actual):
    assert refusal(dept_user, actual, "근거.pdf", b"%PDF-1.4\n<html><body>x</body></html>") == (
        "'근거.pdf'에 HTML이나 스크립트가 들어 있어 올릴 수 없습니다.")


def test_it_refuses_an_image_that_only_starts_like_one(dept_user, actual):
    truncated = image("PNG")[:40]

    assert refusal(dept_user, actual, "잘림.png", truncated) == (
        "'잘림.png' 파일은 올바른 PNG 이미지가 아닙니다 (이미지로 읽을 수 없습니다).")


def test_it_refuses_a_png_named_jpg(dept_user, actual):
    assert refusal(dept_user, actual, "사진.jpg", image("PNG")) == "'사진.jpg'의 내용이 확장자(.jpg)와 맞지 않습니다."


def test_it_refuses_a_pdf_that_does_not_start_with_the_pdf_header(dept_user, actual):
    assert refusal(dept_user, actual, "근거.pdf", b"  %PDF-1.4\n") == "'근거.pdf'의 내용이 확장자(.pdf)와 맞지 않습니다."


def test_it_refuses_a_zip_without_content_types_named_xlsx(dept_user, actual):
    assert refusal(dept_user, actual, "집계.xlsx", xlsx(content_types=False)) == (
        "'집계.xlsx' 파일은 올바른 엑셀(xlsx) 파일이 아닙니다 (zip 구조나 [Content_Types].xml이 없습니다).")


# --- download ------------------------------------------------------------------------------------


@pytest.fixture
def evidence(dept_user, actual) -> Evidence:
    return add(dept_user, actual, "2024 실적 근거.pdf", PDF)


def download(client, user, evidence: Evidence):
    client.force_login(user)
    return client.get(reverse("entry:evidence", args=[evidence.pk]))


@pytest.mark.parametrize("persona", ["dept_user", "evaluator", "admin_user"])
def test_its_department_evaluators_and_admins_download_it_as_an_attachment(client, request, evidence, persona):
    response = download(client, request.getfixturevalue(persona), evidence)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('2024 실적 근거.pdf')}"


def test_another_departments_user_gets_a_404(client, other_dept_user, evidence):
    assert download(client, other_dept_user, evidence).status_code == 404


def test_a_visitor_who_is_not_logged_in_is_sent_to_the_login(client, evidence):
    response = client.get(reverse("entry:evidence", args=[evidence.pk]))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_entry_page_links_the_download_view_never_the_media_folder(client, dept_user, volunteering, evidence):
    client.force_login(dept_user)
    body = client.get(reverse("entry:page", args=[volunteering.department_id, YEAR])).content.decode()

    assert f'href="/evidence/{evidence.pk}/"' in body
    assert "/media/" not in body
