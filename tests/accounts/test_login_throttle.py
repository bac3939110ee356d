"""Lockout counts per account; an address that fails often is slowed down, and locks nobody else."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import LoginFailure
from accounts.services import LOCKED_MESSAGE, throttled_message
from tests.conftest import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"


def post_login(client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_made_up_usernames_from_one_address_never_lock_a_real_account(client, dept_user, settings):
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT == 20
    for n in range(20):
        post_login(client, f"nobody{n}", "wrong-password", address="10.0.0.1")
    response = post_login(client, dept_user.username, PASSWORD, address="10.0.0.2")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(dept_user.pk)


def test_an_address_with_many_failures_is_refused_for_a_while_then_let_in(client, dept_user):
    for n in range(20):
        post_login(client, f"nobody{n}", "wrong-password", address="10.0.0.1")
    response = post_login(client, dept_user.username, PASSWORD, address="10.0.0.1")
    assert throttled_message() in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Refusing the address recorded nothing against the account.
    assert not LoginFailure.objects.filter(username=dept_user.username).exists()
    # Once the window has passed, the same address logs in.
    LoginFailure.objects.update(created_at=timezone.now() - timedelta(minutes=6))
    response = post_login(client, dept_user.username, PASSWORD, address="10.0.0.1")
    assert response.status_code == 302


def test_the_token_endpoint_refuses_a_throttled_address_with_429_and_issues_nothing(dept_user):
    client = APIClient()
    for n in range(20):
        client.post(TOKEN_URL, {"username": f"nobody{n}", "password": "wrong"}, format="json")
    response = client.post(TOKEN_URL, {"username": dept_user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json() == {"detail": throttled_message(), "code": "throttled"}
    assert response["Retry-After"] == "300"
    assert not dept_user.auth_token_set.exists()


def test_a_differently_spelt_username_does_not_lock_the_real_account(client, dept_user, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT + 1):
        post_login(client, dept_user.username.upper(), "wrong-password")
    response = post_login(client, dept_user.username, PASSWORD, address="10.0.0.9")
    assert response.status_code == 302


def test_an_account_is_locked_from_every_address(client, dept_user, settings):
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        post_login(client, dept_user.username, "wrong-password", address=f"10.0.1.{n}")
    response = post_login(client, dept_user.username, PASSWORD, address="10.0.2.1")
    assert LOCKED_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("forwarded", ["10.9.9.9", "1.2.3.4, 10.9.9.9"])
def test_a_forged_forwarded_for_from_an_untrusted_peer_does_not_escape_the_throttle(client, dept_user, forwarded):
    for n in range(20):
        client.post("/accounts/login/", {"username": f"nobody{n}", "password": "x"},
                    REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"10.8.0.{n}")
    response = client.post("/accounts/login/", {"username": dept_user.username, "password": PASSWORD},
                           REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert throttled_message() in response.content.decode()
    assert set(LoginFailure.objects.values_list("ip_address", flat=True)) == {"10.0.0.1"}


def test_behind_a_trusted_proxy_each_client_is_throttled_on_its_own(client, dept_user, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    for n in range(20):
        client.post("/accounts/login/", {"username": f"nobody{n}", "password": "x"},
                    REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.7")
    response = client.post("/accounts/login/", {"username": dept_user.username, "password": PASSWORD},
                           REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert response.status_code == 302
    assert set(LoginFailure.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
