"""/admin/login/ goes through the same lockout, address throttle and security log as the site's login."""
from __future__ import annotations

import logging

import pytest

from accounts.models import LoginFailure
from accounts.services import LOCKED_MESSAGE
from tests.conftest import PASSWORD

URL = "/admin/login/"


@pytest.fixture
def security_log(caplog, monkeypatch):
    monkeypatch.setattr(logging.getLogger("security"), "propagate", True)
    caplog.set_level(logging.INFO, logger="security")
    return caplog


def post_admin_login(client, username: str, password: str):
    return client.post(f"{URL}?next=/admin/", {"username": username, "password": password})


def test_a_wrong_admin_password_is_recorded_and_logged(client, admin_user, security_log):
    response = post_admin_login(client, admin_user.username, "wrong-password")
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert LoginFailure.objects.filter(username=admin_user.username, ip_address="127.0.0.1").count() == 1
    assert f"login failed user={admin_user.username} ip=127.0.0.1" in security_log.text


def test_repeated_failures_lock_the_admin_out_even_with_the_right_password(client, admin_user, settings, security_log):
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        post_admin_login(client, admin_user.username, f"wrong-{n}")
    response = post_admin_login(client, admin_user.username, PASSWORD)
    assert response.status_code == 200
    assert LOCKED_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert "login locked" in security_log.text


def test_an_admin_locked_on_the_site_login_cannot_log_in_at_the_admin(client, admin_user, settings):
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": admin_user.username, "password": f"wrong-{n}"})
    response = post_admin_login(client, admin_user.username, PASSWORD)
    assert LOCKED_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still sent to the login page


def test_the_right_admin_password_logs_in_and_clears_earlier_failures(client, admin_user):
    post_admin_login(client, admin_user.username, "wrong-password")
    response = post_admin_login(client, admin_user.username, PASSWORD)
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert not LoginFailure.objects.filter(username=admin_user.username).exists()


def test_a_department_user_with_the_right_password_is_not_let_into_the_admin(client, dept_user):
    response = post_admin_login(client, dept_user.username, PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
