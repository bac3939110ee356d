"""User management and login checks; the only writer of users."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken

from accounts.models import LoginFailure, Role, User
from core.errors import NotFound
from core.korean import with_josa
from core.numbers import quoted
from core.security import client_address, request_client_address
from kpis.models import Department, Organization
from kpis.services.organizations import organization_get

security_log = logging.getLogger("security")


def department_find(*, name: str, organization: Organization | None = None) -> Department:
    """Find a department by name, ignoring spaces (the document writes '외국인국제정책 과').

    Within `organization` when given. A department carried over into a newer plan edition has a row per
    edition: the newest edition's row is the one a user belongs to.
    """
    wanted = "".join(name.split())
    departments = Department.objects.select_related("bureau")
    if organization is not None:
        departments = departments.filter(bureau__organization=organization)
    matches = [d for d in departments.order_by("-bureau__plan_year", "pk") if "".join(d.name.split()) == wanted]
    if not matches:
        known = ", ".join(sorted({d.name for d in departments})) or "(없음)"
        raise ValidationError({"department": f"부서 {with_josa(quoted(name), '을/를')} 찾을 수 없습니다. 등록된 부서: {known}"})
    newest = [d for d in matches if d.bureau.plan_year == matches[0].bureau.plan_year]
    if len({d.bureau.organization_id for d in newest}) > 1:
        raise ValidationError({"department": f"부서 {with_josa(quoted(name), '이/가')} 여러 기관에 있습니다. 기관을 지정하세요."})
    if len(newest) > 1:
        raise ValidationError({"department": f"부서 {with_josa(quoted(name), '이/가')} 여러 실국에 있습니다."})
    return newest[0]


def organization_of_user(*, department: Department | None, organization: Organization | None) -> Organization | None:
    """A department user's organization is their department's: named differently, refused."""
    if department is None:
        return organization
    own = department.bureau.organization
    if organization is not None and organization.pk != own.pk:
        raise ValidationError({
            "organization": f"부서 {with_josa(quoted(department.name), '은/는')} {quoted(own.name)} 소속입니다"
            f" ({quoted(organization.name)} 아님)."
        })
    return own


@transaction.atomic
def user_create_or_update(
    *, username: str, role: str, password: str, department_name: str | None = None,
    validate: bool = True, email: str = "", organization_name: str | None = None,
    sees_child_organizations: bool | None = None,
) -> tuple[User, bool]:
    if role not in Role.values:
        raise ValidationError({"role": f"역할은 {', '.join(Role.values)} 중 하나여야 합니다."})
    organization = None
    if organization_name:
        try:
            organization = organization_get(name=organization_name)
        except NotFound as exc:
            raise ValidationError({"organization": exc.message}) from exc
    department = None
    if role == Role.DEPARTMENT:
        if not department_name:
            raise ValidationError({"department": "부서 담당자는 --department 가 필요합니다."})
        department = department_find(name=department_name, organization=organization)
    elif department_name:
        department = department_find(name=department_name, organization=organization)
    user = User.objects.filter(username=username).first()
    created = user is None
    if user is None:
        user = User(username=username)
    user.role = role
    user.department = department
    user.organization = organization_of_user(department=department, organization=organization)
    if sees_child_organizations is not None:
        user.sees_child_organizations = sees_child_organizations
    user.email = email or user.email
    user.is_staff = role == Role.ADMIN
    user.is_superuser = role == Role.ADMIN
    if validate:
        validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    if not created:
        api_tokens_revoke(user=user, reason="password set by command")
    return user, created


def login_locked(*, username: str) -> bool:
    """Locked when this account has too many recent failures.

    Failures are counted by the exact username typed, the key Django's backend looks an account up by,
    so failures for made-up or differently spelt names never count against a real account.
    """
    since = timezone.now() - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    recent = LoginFailure.objects.filter(created_at__gte=since, username=username[:150])
    return recent.count() >= settings.LOGIN_FAILURE_LIMIT


def login_throttled(*, ip: str | None) -> bool:
    """An address is slowed down, for a short window, after many failures for any usernames."""
    if not ip:
        return False
    since = timezone.now() - timedelta(seconds=settings.LOGIN_ADDRESS_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(created_at__gte=since, ip_address=ip)
    return recent.count() >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


class LoginRefused(Exception):
    def __init__(self, message: str, *, code: str = "invalid_credentials", retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code  # invalid_credentials, locked or throttled
        self.retry_after = retry_after

    @property
    def locked(self) -> bool:
        return self.code == "locked"


LOCKED_MESSAGE = "로그인 실패가 반복되어 잠시 잠겼습니다. 15분 후 다시 시도하세요."
FAILED_MESSAGE = "아이디 또는 비밀번호가 올바르지 않습니다."


def throttled_message() -> str:
    minutes = max(1, -(-settings.LOGIN_ADDRESS_WINDOW_SECONDS // 60))
    return f"이 주소에서 로그인 실패가 너무 많습니다. {minutes}분 후 다시 시도하세요."


def login_authenticate(*, request, username: str, password: str) -> User:
    """Authenticate with the account lockout and the address throttle; every refusal goes to the security log.

    The one login rule: the site's login page, the admin login and the API token endpoint all come here.
    """
    ip = request_client_address(request.META) if request is not None else client_address.get()
    if login_throttled(ip=ip):
        security_log.warning("login throttled user=%s ip=%s", _loggable(username), ip)
        raise LoginRefused(throttled_message(), code="throttled", retry_after=settings.LOGIN_ADDRESS_WINDOW_SECONDS)
    if login_locked(username=username):
        security_log.warning("login locked user=%s ip=%s", _loggable(username), ip)
        raise LoginRefused(LOCKED_MESSAGE, code="locked", retry_after=settings.LOGIN_LOCKOUT_SECONDS)
    user = authenticate(request, username=username, password=password)
    if user is None:
        LoginFailure.objects.create(username=username[:150], ip_address=ip)
        security_log.warning("login failed user=%s ip=%s", _loggable(username), ip)
        if login_locked(username=username):
            raise LoginRefused(LOCKED_MESSAGE, code="locked", retry_after=settings.LOGIN_LOCKOUT_SECONDS)
        raise LoginRefused(FAILED_MESSAGE)
    LoginFailure.objects.filter(username=user.get_username()).delete()
    security_log.info("login ok user=%s ip=%s", user.get_username(), ip)
    return user


def _loggable(username: str) -> str:
    """A username as typed, with control characters escaped so it cannot forge log lines."""
    text = username[:150]
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def api_token_issue(*, user: User) -> tuple[str, datetime]:
    """A new API token (only its digest is stored) and its first expiry; the user's expired tokens go."""
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    instance, token = AuthToken.objects.create(user=user, expiry=timedelta(seconds=settings.API_TOKEN_IDLE_SECONDS))
    security_log.info("api token issued user=%s ip=%s", user.get_username(), client_address.get() or "-")
    return token, instance.expiry


def api_token_revoke(*, auth_token: AuthToken) -> None:
    """Delete one API token (its holder logging out)."""
    auth_token.delete()
    security_log.info("api token revoked user=%s reason=logout", auth_token.user.get_username())


def api_tokens_revoke(*, user: User, reason: str) -> int:
    """Delete every API token of a user (password changed, account deactivated, logout everywhere)."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    if deleted:
        security_log.info("api tokens revoked user=%s count=%d reason=%s", user.get_username(), deleted, reason)
    return deleted
