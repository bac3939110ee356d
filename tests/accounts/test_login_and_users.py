"""Login lockout on the web form, idle timeout, and the user commands."""
from __future__ import annotations

import logging
import time

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import LoginFailure, Role, User
from tests.conftest import PASSWORD


def post_login(client, username: str, password: str):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_a_wrong_password_is_refused_in_korean_and_logged(client, dept_user, caplog):
    with caplog.at_level(logging.WARNING, logger="security"):
        response = post_login(client, dept_user.username, "wrong-password")
    assert response.status_code == 200
    assert "아이디 또는 비밀번호가 올바르지 않습니다" in response.content.decode()
    assert "login failed user=dept_cooperation ip=127.0.0.1" in caplog.text


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, dept_user, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        post_login(client, dept_user.username, "wrong-password")
    response = post_login(client, dept_user.username, PASSWORD)
    assert "잠시 잠겼습니다" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_successful_login_clears_earlier_failures(client, dept_user):
    post_login(client, dept_user.username, "wrong-password")
    response = post_login(client, dept_user.username, PASSWORD)
    assert response.status_code == 302
    assert not LoginFailure.objects.filter(username=dept_user.username).exists()


def test_an_idle_session_is_logged_out(client, dept_user, settings):
    settings.SESSION_IDLE_TIMEOUT = 60
    client.force_login(dept_user)
    session = client.session
    session["last_activity"] = 0  # long ago
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_activity_is_recorded_at_most_once_a_minute_and_keeps_the_session_alive(client, dept_user, settings):
    settings.SESSION_IDLE_TIMEOUT = 600
    client.force_login(dept_user)
    now = int(time.time())
    session = client.session
    session["last_activity"] = now - 30  # recent: not rewritten (no session UPDATE per page)
    session.save()
    assert client.get("/").status_code == 200
    assert client.session["last_activity"] == now - 30
    session = client.session
    session["last_activity"] = now - 300  # older than a minute, within the timeout: refreshed
    session.save()
    assert client.get("/").status_code == 200
    assert client.session["last_activity"] >= now


def test_create_user_makes_a_department_user(sample_plan, capsys):
    call_command("create_user", "kim", "--role", "department", "--department", "외국인국제정책 과",
                 "--password", "a-long-enough-pass-42")
    user = User.objects.get(username="kim")
    assert user.role == Role.DEPARTMENT and user.department.name == "외국인국제정책과"
    assert user.check_password("a-long-enough-pass-42")
    assert user.password.startswith(("argon2", "md5"))


def test_create_user_refuses_an_unknown_department_and_a_weak_password(sample_plan):
    with pytest.raises(CommandError, match="찾을 수 없습니다"):
        call_command("create_user", "lee", "--role", "department", "--department", "없는과", "--password", "x" * 12)
    with pytest.raises(CommandError):
        call_command("create_user", "lee", "--role", "evaluator", "--password", "1234")
    assert not User.objects.filter(username="lee").exists()


def test_seed_demo_creates_a_login_per_role_and_department_and_can_run_twice(sample_plan, capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert User.objects.filter(role=Role.DEPARTMENT).count() == 3
    assert User.objects.filter(username__in=["admin", "evaluator"]).count() == 2
    assert "대외협력과" in out and "demo-pass-2025!" in out


def test_a_username_with_a_newline_cannot_forge_a_log_line(client, sample_plan, caplog):
    with caplog.at_level(logging.WARNING, logger="security"):
        post_login(client, "mallory\nlogin ok user=admin", "x")
    assert "\\nlogin ok user=admin" in caplog.text
    assert "\nlogin ok user=admin" not in caplog.text
