"""POST /api/v1/auth/token/: a token for API clients, behind the login lockout and a throttle."""
from __future__ import annotations

import logging

import pytest
from django.test import override_settings
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import LoginFailure
from accounts.services import FAILED_MESSAGE, LOCKED_MESSAGE
from tests.conftest import PASSWORD

URL = "/api/v1/auth/token/"


@pytest.fixture
def security_log(caplog, monkeypatch):
    """The "security" logger does not propagate; let caplog see it for this test."""
    monkeypatch.setattr(logging.getLogger("security"), "propagate", True)
    caplog.set_level(logging.INFO, logger="security")
    return caplog


def test_it_issues_a_token_that_authenticates_api_requests(dept_user):
    response = APIClient().post(URL, {"username": dept_user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/departments/").status_code == 200


def test_asking_twice_gives_two_working_tokens_stored_only_as_digests(dept_user):
    client = APIClient()
    first = client.post(URL, {"username": dept_user.username, "password": PASSWORD}, format="json").json()
    second = client.post(URL, {"username": dept_user.username, "password": PASSWORD}, format="json").json()
    assert first["token"] != second["token"]
    assert first["expiry"] and second["expiry"]
    stored = set(AuthToken.objects.filter(user=dept_user).values_list("digest", flat=True))
    assert len(stored) == 2 and first["token"] not in stored and second["token"] not in stored
    for token in (first["token"], second["token"]):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert api.get("/api/v1/departments/").status_code == 200


def test_a_wrong_password_is_a_400_in_korean_and_is_logged(dept_user, security_log):
    response = APIClient().post(URL, {"username": dept_user.username, "password": "wrong-password"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": FAILED_MESSAGE, "code": "invalid_credentials"}
    assert "token" not in response.json()
    assert any("login failed" in r.getMessage() and dept_user.username in r.getMessage()
               for r in security_log.records if r.name == "security")


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(sample_plan):
    response = APIClient().post(URL, {"username": "nobody", "password": "whatever-it-is"}, format="json")
    assert response.status_code == 400 and response.json()["detail"] == FAILED_MESSAGE


def test_an_inactive_user_gets_no_token(dept_user):
    dept_user.is_active = False
    dept_user.save()
    response = APIClient().post(URL, {"username": dept_user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 400


def test_it_locks_after_repeated_failures_even_with_the_right_password(dept_user, security_log, settings):
    assert settings.LOGIN_FAILURE_LIMIT == 5
    client = APIClient()
    statuses = [
        client.post(URL, {"username": dept_user.username, "password": f"wrong-{n}"}, format="json").status_code
        for n in range(5)
    ]
    assert statuses == [400, 400, 400, 400, 429]
    response = client.post(URL, {"username": dept_user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json() == {"detail": LOCKED_MESSAGE, "code": "locked"}
    assert response["Retry-After"] == str(settings.LOGIN_LOCKOUT_SECONDS)
    assert any("login locked" in r.getMessage() for r in security_log.records if r.name == "security")


def test_a_successful_login_clears_earlier_failures_and_is_logged(dept_user, security_log):
    client = APIClient()
    client.post(URL, {"username": dept_user.username, "password": "wrong-1"}, format="json")
    assert client.post(URL, {"username": dept_user.username, "password": PASSWORD}, format="json").status_code == 200
    assert not LoginFailure.objects.filter(username=dept_user.username).exists()
    assert any("api token issued" in r.getMessage() for r in security_log.records if r.name == "security")


@pytest.mark.parametrize(
    "body", [{}, {"username": "x"}, {"password": "x"}, {"username": "x" * 151, "password": "x"},
             {"username": "a\x00b", "password": "x"}, {"username": ["x"], "password": "x"},
             {"username": "admin\nlogin ok user=admin", "password": "x"}],
)
def test_malformed_credentials_are_400_with_field_errors_and_count_as_no_failure(sample_plan, body):
    response = APIClient().post(URL, body, format="json")
    assert response.status_code == 400 and response.json()["errors"]
    assert not LoginFailure.objects.exists()


@override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=1000)
def test_the_endpoint_is_throttled_per_client(sample_plan, settings):
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"] == "60/min"
    client = APIClient()
    statuses = [client.post(URL, {"username": "x"}, format="json").status_code for _ in range(61)]
    assert statuses[:60] == [400] * 60
    assert statuses[60] == 429
    assert client.post(URL, {}, format="json").json()["code"] == "throttled"


def test_the_token_endpoint_needs_no_session_or_csrf(dept_user):
    client = APIClient(enforce_csrf_checks=True)
    response = client.post(URL, {"username": dept_user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
