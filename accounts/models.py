from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "관리자"
    EVALUATOR = "evaluator", "평가자"
    DEPARTMENT = "department", "부서 담당자"
    VIEWER = "viewer", "전국 조회"  # read-only, every organization


class User(AbstractUser):
    role = models.CharField("역할", max_length=20, choices=Role.choices, default=Role.DEPARTMENT)
    department = models.ForeignKey(
        "kpis.Department",
        verbose_name="소속 부서",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    # Department users: their department's organization (accounts.services keeps them equal); evaluators and
    # admins: the organization they evaluate; none for the national viewer. kpis/scope.py reads these.
    organization = models.ForeignKey(
        "kpis.Organization",
        verbose_name="소속 기관",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    sees_child_organizations = models.BooleanField(
        "하위 기관 포함", default=False, help_text="도의 평가자가 소속 시군의 자료도 봅니다."
    )

    class Meta:
        verbose_name = "사용자"
        verbose_name_plural = "사용자"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="department") | models.Q(department__isnull=False),
                name="department_user_has_department",
            ),
        ]


class LoginFailure(models.Model):
    username = models.CharField("사용자명", max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField("IP", null=True, blank=True, db_index=True)
    created_at = models.DateTimeField("시각", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "로그인 실패"
        verbose_name_plural = "로그인 실패"
