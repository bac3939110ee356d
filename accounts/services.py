"""User management and login checks; the only writer of users."""
from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import LoginFailure, Role, User
from kpis.models import Department

security_log = logging.getLogger("security")


def department_find(*, name: str) -> Department:
    """Find a department by name, ignoring spaces (the document writes '외국인국제정책 과')."""
    wanted = "".join(name.split())
    matches = [d for d in Department.objects.all() if "".join(d.name.split()) == wanted]
    if not matches:
        known = ", ".join(Department.objects.order_by("name").values_list("name", flat=True)) or "(없음)"
        raise ValidationError({"department": f"부서 '{name}'을(를) 찾을 수 없습니다. 등록된 부서: {known}"})
    if len(matches) > 1:
        raise ValidationError({"department": f"부서 '{name}'이(가) 여러 실국에 있습니다."})
    return matches[0]


@transaction.atomic
def user_create_or_update(
    *, username: str, role: str, password: str, department_name: str | None = None,
    validate: bool = True, email: str = "",
) -> tuple[User, bool]:
    if role not in Role.values:
        raise ValidationError({"role": f"역할은 {', '.join(Role.values)} 중 하나여야 합니다."})
    department = None
    if role == Role.DEPARTMENT:
        if not department_name:
            raise ValidationError({"department": "부서 담당자는 --department 가 필요합니다."})
        department = department_find(name=department_name)
    elif department_name:
        department = department_find(name=department_name)
    user = User.objects.filter(username=username).first()
    created = user is None
    if user is None:
        user = User(username=username)
    user.role = role
    user.department = department
    user.email = email or user.email
    user.is_staff = role == Role.ADMIN
    user.is_superuser = role == Role.ADMIN
    if validate:
        validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user, created


def client_ip(request) -> str | None:
    """The peer address; behind a proxy, production sets SECURE_PROXY_SSL_HEADER and REMOTE_ADDR is the proxy."""
    return request.META.get("REMOTE_ADDR") if request is not None else None


def login_locked(*, username: str, ip: str | None) -> bool:
    """Locked when the username or the IP has too many recent failures."""
    since = timezone.now() - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    recent = LoginFailure.objects.filter(created_at__gte=since)
    limit = settings.LOGIN_FAILURE_LIMIT
    if recent.filter(username__iexact=username).count() >= limit:
        return True
    return bool(ip) and recent.filter(ip_address=ip).count() >= limit * 4


class LoginRefused(Exception):
    def __init__(self, message: str, locked: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.locked = locked


LOCKED_MESSAGE = "로그인 실패가 반복되어 잠시 잠겼습니다. 15분 후 다시 시도하세요."
FAILED_MESSAGE = "아이디 또는 비밀번호가 올바르지 않습니다."


def login_authenticate(*, request, username: str, password: str) -> User:
    """Authenticate with lockout; every failure goes to the security log with user, IP and time."""
    ip = client_ip(request)
    if login_locked(username=username, ip=ip):
        security_log.warning("login locked user=%s ip=%s", _loggable(username), ip)
        raise LoginRefused(LOCKED_MESSAGE, locked=True)
    user = authenticate(request, username=username, password=password)
    if user is None:
        LoginFailure.objects.create(username=username[:150], ip_address=ip)
        security_log.warning("login failed user=%s ip=%s", _loggable(username), ip)
        if login_locked(username=username, ip=ip):
            raise LoginRefused(LOCKED_MESSAGE, locked=True)
        raise LoginRefused(FAILED_MESSAGE)
    LoginFailure.objects.filter(username__iexact=username).delete()
    return user


def _loggable(username: str) -> str:
    """A username as typed, with control characters escaped so it cannot forge log lines."""
    text = username[:150]
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")
