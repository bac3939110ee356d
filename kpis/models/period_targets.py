"""Per-period targets: planners may set where an indicator should stand after each quarter or half."""
from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.numbers import VALUE_DIGITS
from kpis.models.plan import Indicator


class PeriodTarget(models.Model):
    """The target of one period of a year (1..4 quarters, 1..2 halves), read by the rule of the indicator's
    year value (kpis.progress): a sum's per-period amount, a cumulative value's level at the period's end, an
    average's period figure. Written only by `kpis.services.period_targets.period_target_set` (audited)."""

    indicator = models.ForeignKey(
        Indicator, verbose_name="성과지표", on_delete=models.CASCADE, related_name="period_targets"
    )
    year = models.PositiveIntegerField("연도")
    period = models.PositiveSmallIntegerField("기간", help_text="1~4: 분기(반기는 1~2)")
    value = models.DecimalField("기간 목표", null=True, blank=True, **VALUE_DIGITS)

    class Meta:
        verbose_name = "기간 목표"
        verbose_name_plural = "기간 목표"
        ordering = ["indicator", "year", "period"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year", "period"], name="period_target_unique_period"),
            models.CheckConstraint(condition=Q(period__gte=1, period__lte=4), name="period_target_period_in_year"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.year}/{self.period}: {self.value}"
