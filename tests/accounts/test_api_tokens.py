"""API tokens expire (idle and absolute), are revoked by logout, a password change or deactivation."""
from __future__ import annotations

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.authentication import INVALID_TOKEN_MESSAGE
from accounts.management.commands.seed_demo import DEMO_PASSWORD
from tests.conftest import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"
PROBE_URL = "/api/v1/departments/"


def issue(user) -> str:
    response = APIClient().post(TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    return response.json()["token"]


def call(token: str, url: str = PROBE_URL, method: str = "get"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return getattr(client, method)(url)


def refused(response) -> bool:
    return response.status_code in (401, 403) and response.json()["detail"] == INVALID_TOKEN_MESSAGE


def test_a_fresh_token_works_and_its_expiry_is_the_idle_timeout(dept_user, settings):
    assert settings.API_TOKEN_IDLE_SECONDS == 8 * 3600 and settings.API_TOKEN_MAX_AGE_SECONDS == 30 * 86400
    token = issue(dept_user)
    assert call(token).status_code == 200
    stored = AuthToken.objects.get(user=dept_user)
    assert timedelta(hours=7, minutes=59) < stored.expiry - timezone.now() <= timedelta(hours=8)


def test_a_token_unused_past_the_idle_timeout_is_refused_and_deleted(dept_user):
    token = issue(dept_user)
    AuthToken.objects.filter(user=dept_user).update(expiry=timezone.now() - timedelta(seconds=1))
    assert refused(call(token))
    assert not AuthToken.objects.filter(user=dept_user).exists()


def test_using_a_token_extends_its_idle_expiry(dept_user):
    token = issue(dept_user)
    AuthToken.objects.filter(user=dept_user).update(expiry=timezone.now() + timedelta(hours=1))
    assert call(token).status_code == 200
    assert AuthToken.objects.get(user=dept_user).expiry - timezone.now() > timedelta(hours=7)


def test_a_token_kept_in_use_still_ends_at_its_absolute_age(dept_user):
    token = issue(dept_user)
    issued = AuthToken.objects.get(user=dept_user).created
    # Kept busy, the idle expiry is always ahead; only the absolute age ends the token.
    AuthToken.objects.filter(user=dept_user).update(created=issued - timedelta(days=30) + timedelta(minutes=30))
    assert call(token).status_code == 200
    AuthToken.objects.filter(user=dept_user).update(
        created=issued - timedelta(days=30), expiry=timezone.now() + timedelta(hours=1),
    )
    assert refused(call(token))
    assert not AuthToken.objects.filter(user=dept_user).exists()


def test_logout_revokes_only_the_token_used(dept_user):
    first, second = issue(dept_user), issue(dept_user)
    assert call(first, "/api/v1/auth/logout/", "post").status_code == 204
    assert refused(call(first))
    assert call(second).status_code == 200


def test_logout_all_revokes_every_token_of_the_user_and_no_one_elses(dept_user, evaluator):
    first, second, others = issue(dept_user), issue(dept_user), issue(evaluator)
    assert call(first, "/api/v1/auth/logout-all/", "post").status_code == 204
    assert refused(call(first)) and refused(call(second))
    assert call(others).status_code == 200


def test_logout_without_a_token_is_a_json_401_and_revokes_nothing(dept_user):
    token = issue(dept_user)
    client = APIClient()
    client.force_login(dept_user)  # a session is not a token: nothing to log out
    response = client.post("/api/v1/auth/logout-all/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert call(token).status_code == 200


def test_an_admin_setting_a_password_revokes_the_users_tokens(client, admin_user, dept_user):
    token = issue(dept_user)
    client.force_login(admin_user)
    new_password = "another-horse-battery-77"
    response = client.post(
        f"/admin/accounts/user/{dept_user.pk}/password/",
        {"password1": new_password, "password2": new_password, "usable_password": "true"},
    )
    assert response.status_code == 302
    dept_user.refresh_from_db()
    assert dept_user.check_password(new_password)
    assert refused(call(token))


def test_an_admin_deactivating_a_user_revokes_the_users_tokens(client, admin_user, dept_user):
    token = issue(dept_user)
    client.force_login(admin_user)
    change_url = f"/admin/accounts/user/{dept_user.pk}/change/"
    form = client.get(change_url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update({
        "is_active": "", "groups": [], "user_permissions": [], "department": dept_user.department_id,
        "date_joined_0": "2025-01-01", "date_joined_1": "09:00:00", "last_login_0": "", "last_login_1": "",
    })
    data = {k: v for k, v in data.items() if k not in ("date_joined", "last_login")}
    response = client.post(change_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    dept_user.refresh_from_db()
    assert not dept_user.is_active
    assert not AuthToken.objects.filter(user=dept_user).exists()
    assert call(token).status_code in (401, 403)


def test_an_inactive_users_remaining_token_is_refused(dept_user):
    token = issue(dept_user)
    type(dept_user).objects.filter(pk=dept_user.pk).update(is_active=False)
    response = call(token)
    assert response.status_code in (401, 403) and response.json()["detail"] == "사용할 수 없는 계정입니다."


def test_a_password_set_by_create_user_revokes_that_users_tokens(dept_user, admin_user):
    token, other = issue(admin_user), issue(dept_user)
    call_command("create_user", admin_user.username, "--role", "admin", "--password", "new-password-for-admin-91")
    assert refused(call(token))
    assert call(other).status_code == 200


def test_seed_demo_resetting_the_demo_passwords_revokes_their_tokens(sample_plan):
    call_command("seed_demo")
    response = APIClient().post(TOKEN_URL, {"username": "admin", "password": DEMO_PASSWORD}, format="json")
    token = response.json()["token"]
    assert call(token).status_code == 200
    call_command("seed_demo")
    assert refused(call(token))
