"""What departments write for the performance report (성과보고서) per indicator and year, reviewed like actuals."""
from __future__ import annotations

from django.db import models
from django.db.models import Q

from kpis.models import ChangeSource, Indicator, ReviewedRecord


class ReportEntryStatus(models.TextChoices):
    DRAFT = "draft", "작성 중"
    SUBMITTED = "submitted", "제출"
    APPROVED = "approved", "승인"
    RETURNED = "returned", "반려"


class ReportEntry(ReviewedRecord):
    """One indicator's 미달성 사유, 향후 개선계획 and 성과 분석 for one reported year."""

    indicator = models.ForeignKey(
        Indicator, verbose_name="성과지표", on_delete=models.CASCADE, related_name="report_entries"
    )
    year = models.PositiveIntegerField("연도")
    shortfall_reason = models.TextField("미달성 사유", blank=True)
    improvement_plan = models.TextField("향후 개선계획", blank=True)
    analysis = models.TextField("성과 분석", blank=True)
    status = models.CharField("상태", max_length=20, choices=ReportEntryStatus.choices, default=ReportEntryStatus.DRAFT)
    source = models.CharField("입력 경로", max_length=20, choices=ChangeSource.choices, default=ChangeSource.WEB)

    class Meta:
        verbose_name = "성과보고서 작성 내용"
        verbose_name_plural = "성과보고서 작성 내용"
        ordering = ["indicator", "year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="report_entry_unique_year"),
            models.CheckConstraint(condition=Q(version__gte=1), name="report_entry_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.year}: {self.get_status_display()}"
