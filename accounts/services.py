"""User management; the only writer of users."""
from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Role, User
from kpis.models import Department


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
