"""What departments write for the performance report (성과보고서) per indicator and year, reviewed like actuals."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from kpis.models import ChangeSource, Indicator


class ReportEntryStatus(models.TextChoices):
    DRAFT = "draft", "작성 중"
    SUBMITTED = "submitted", "제출"
    APPROVED = "approved", "승인"
    RETURNED = "returned", "반려"


class ReportEntry(models.Model):
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
    version = models.PositiveIntegerField("버전", default=1)
    updated_at = models.DateTimeField("수정 시각", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="수정자", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField("제출 시각", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="제출자", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField("검토 시각", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="검토자", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_comment = models.TextField("검토 의견", blank=True)

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
