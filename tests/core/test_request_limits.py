"""Hostile requests: oversized bodies, unknown API paths; real bodies and CSRF still work as before."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import LoginFailure
from kpis.models import Actual, Evidence
from tests.conftest import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"
YEAR = 2024
MB = 1024 * 1024


def test_non_file_bodies_are_limited_to_djangos_default_and_files_to_the_upload_limit(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert settings.UPLOAD_MAX_BYTES == 10 * MB


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "application/json"])
def test_an_oversized_body_to_the_token_endpoint_is_a_json_413_and_changes_nothing(dept_user, content_type):
    filler = "a" * (3 * MB)
    body = (f"username={dept_user.username}&password={filler}" if "urlencoded" in content_type
            else f'{{"username": "{dept_user.username}", "password": "{filler}"}}')
    response = Client().post(TOKEN_URL, body, content_type=content_type)
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large" and "2.5MB" in response.json()["detail"]
    assert not LoginFailure.objects.exists() and not AuthToken.objects.exists()


def test_a_body_under_the_limit_is_parsed_and_answered_field_by_field(dept_user):
    response = APIClient().post(TOKEN_URL, {"username": dept_user.username, "password": "p" * (2 * MB)}, format="json")
    assert response.status_code == 400 and "password" in response.json()["errors"]
    assert not AuthToken.objects.exists()


def test_an_oversized_login_form_is_refused_without_logging_in(client, dept_user):
    response = client.post("/accounts/login/", {"username": dept_user.username, "password": "x" * (3 * MB)})
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_the_entry_form_still_takes_an_evidence_file_larger_than_the_body_limit(client, dept_user, volunteering):
    client.force_login(dept_user)
    version = Actual.objects.get(indicator=volunteering, year=YEAR).version
    pdf = SimpleUploadedFile("근거.pdf", b"%PDF-1.4\n" + b"0" * (3 * MB) + b"\n%%EOF\n", content_type="application/pdf")
    response = client.post(reverse("entry:save", args=[volunteering.department_id, YEAR, volunteering.pk]), {
        "version": version, "in_0": "120,000", "in_1": "1,754,757", "note": "근" * 2000, "action": "save",
        "evidence": pdf,
    })
    assert response.status_code == 302
    assert Evidence.objects.get(actual__indicator=volunteering).size > 3 * MB
    assert Actual.objects.get(indicator=volunteering, year=YEAR).inputs == {"활동인원": "120000", "인구": "1754757"}


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_an_unknown_api_path_is_a_json_404_whatever_the_method(client, dept_user, method):
    client = Client(enforce_csrf_checks=True)
    client.force_login(dept_user)  # a session, and no CSRF token: still the 404, not the HTML CSRF page
    body = {} if method == "get" else {"data": "{}", "content_type": "application/json"}
    response = getattr(client, method)("/api/v1/nope/", **body)
    assert response.status_code == 404
    assert response.json() == {"detail": "요청한 주소를 찾을 수 없습니다.", "code": "not_found"}


def test_a_session_post_to_a_real_endpoint_still_needs_the_csrf_token(dept_user, volunteering):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(dept_user)
    before = Actual.objects.get(indicator=volunteering, year=YEAR)
    body = {"indicator": volunteering.pk, "year": YEAR, "inputs": {"활동인원": "1", "인구": "2"}, "version": before.version}
    response = client.post("/api/v1/actuals/", body, format="json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    after = Actual.objects.get(indicator=volunteering, year=YEAR)
    assert (after.version, after.inputs) == (before.version, before.inputs)


def test_a_token_request_with_a_session_cookie_but_no_csrf_token_still_gets_a_token(dept_user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(dept_user)
    response = client.post(TOKEN_URL, {"username": dept_user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
