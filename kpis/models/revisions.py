"""Target revisions: a changed target keeps its old value, with who changed it, when, from where and why."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Length, Trim
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from core.numbers import VALUE_DIGITS
from kpis.models.actuals import ChangeSource
from kpis.models.plan import Indicator, Target


class TargetRevision(models.Model):
    """One change of a target that had a value; the Target row holds the value in force.

    Written only by `kpis.services.plan.target_set` (every channel goes through it). Setting a target that had
    no value is not a revision (it is audited all the same).
    """

    target = models.ForeignKey(Target, verbose_name="목표", on_delete=models.CASCADE, related_name="revisions")
    indicator = models.ForeignKey(
        Indicator, verbose_name="성과지표", on_delete=models.CASCADE, related_name="target_revisions"
    )
    year = models.PositiveIntegerField("연도")
    old_value = models.DecimalField("이전 목표", **VALUE_DIGITS)
    new_value = models.DecimalField("새 목표", null=True, blank=True, **VALUE_DIGITS)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="변경자", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField("변경 시각", default=timezone.now)
    source = models.CharField("경로", max_length=20, choices=ChangeSource.choices)
    import_run = models.ForeignKey(
        "imports.ImportRun", verbose_name="가져오기", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    reason = models.TextField("변경 사유")

    class Meta:
        verbose_name = "목표 변경 이력"
        verbose_name_plural = "목표 변경 이력"
        ordering = ["indicator", "year", "changed_at", "id"]
        indexes = [models.Index(fields=["indicator", "year"], name="target_revision_indicator_year")]
        constraints = [
            # A reason of spaces only is no reason.
            models.CheckConstraint(condition=GreaterThan(Length(Trim("reason")), 0), name="target_revision_reason_present"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.year}: {self.old_value} → {self.new_value}"
