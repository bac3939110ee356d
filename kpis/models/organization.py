"""Organizations (지방자치단체): the governments whose plans the installation holds."""
from __future__ import annotations

from django.db import models
from django.db.models import F, Q


class OrganizationKind(models.TextChoices):
    PROVINCIAL = "provincial", "광역"
    LOCAL = "local", "기초"


class Organization(models.Model):
    """A local government; a city or county may sit under its province (`parent`)."""

    name = models.CharField("기관명", max_length=100, unique=True)
    kind = models.CharField("유형", max_length=20, choices=OrganizationKind.choices, default=OrganizationKind.PROVINCIAL)
    code = models.CharField(
        "표준코드", max_length=20, null=True, blank=True, help_text="행정표준코드 (있을 때만, 기관마다 다름)"
    )
    parent = models.ForeignKey(
        "self", verbose_name="상위 기관", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = "기관"
        verbose_name_plural = "기관"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=Q(code__isnull=False), name="organization_unique_code"),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="organization_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name
