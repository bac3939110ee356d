"""Actuals with their evidence and audit trail, and the yearly entry window."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.numbers import VALUE_DIGITS
from kpis.models.organization import Organization
from kpis.models.plan import Department, Indicator
from kpis.period_rules import PERIOD_COUNTS, PeriodFrequency


class ActualStatus(models.TextChoices):
    NOT_REPORTED = "not_reported", "미보고"
    DRAFT = "draft", "작성 중"
    SUBMITTED = "submitted", "제출"
    APPROVED = "approved", "승인"
    RETURNED = "returned", "반려"


class ChangeSource(models.TextChoices):
    WEB = "web", "웹"
    API = "api", "API"
    EXCEL = "excel", "엑셀 가져오기"
    PLAN = "plan", "계획서 가져오기"
    PLAN_WORKBOOK = "plan_workbook", "계획 엑셀"
    ADMIN = "admin", "관리 화면"
    SYSTEM = "system", "시스템"


class YearActualManager(models.Manager):
    """The year rows only (period 0): what every reader of "the actual of a year" means."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(period=0)


class Actual(models.Model):
    """An indicator's actual of a year (period 0) or of one period of it (1..4: quarters, 1..2: halves).

    `objects` (the default manager, so also `indicator.actuals`) reads the year rows only; `all_periods`
    reads every row. A periodic year's year row is derived from its period rows (kpis/services/periods.py).
    """

    indicator = models.ForeignKey(Indicator, verbose_name="성과지표", on_delete=models.CASCADE, related_name="actuals")
    year = models.PositiveIntegerField("연도")
    period = models.PositiveSmallIntegerField(
        "기간", default=0, db_default=0, help_text="0: 연간, 1~4: 분기(반기는 1~2)"
    )  # db_default: raw inserts (bench, COPY) that name no period write year rows
    value = models.DecimalField("실적", null=True, blank=True, **VALUE_DIGITS)
    supplementary_value = models.DecimalField("보조 실적(괄호)", null=True, blank=True, **VALUE_DIGITS)
    raw_text = models.CharField("원문", max_length=100, blank=True)
    inputs = models.JSONField("산식 입력값", default=dict, blank=True)
    note = models.TextField("비고", blank=True)
    status = models.CharField("상태", max_length=20, choices=ActualStatus.choices, default=ActualStatus.NOT_REPORTED)
    source = models.CharField("입력 경로", max_length=20, choices=ChangeSource.choices, default=ChangeSource.WEB)
    placeholder_reason = models.CharField("미보고 처리 사유", max_length=200, blank=True)
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

    objects = YearActualManager()
    all_periods = models.Manager()

    class Meta:
        verbose_name = "실적"
        verbose_name_plural = "실적"
        ordering = ["indicator", "year", "period"]
        base_manager_name = "all_periods"
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year", "period"], name="actual_unique_period"),
            models.CheckConstraint(condition=Q(version__gte=1), name="actual_version_positive"),
            models.CheckConstraint(condition=Q(period__lte=4), name="actual_period_in_year"),
        ]

    def __str__(self) -> str:
        suffix = f"/{self.period}" if self.period else ""
        return f"{self.indicator_id}/{self.year}{suffix}: {self.value}"

    @property
    def is_reported(self) -> bool:
        return self.value is not None and self.status != ActualStatus.NOT_REPORTED


class Evidence(models.Model):
    actual = models.ForeignKey(Actual, verbose_name="실적", on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField("파일", upload_to="evidence/%Y/%m/")
    original_name = models.CharField("원래 파일명", max_length=255)
    content_type = models.CharField("형식", max_length=100)
    size = models.PositiveIntegerField("크기(바이트)")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="올린 사람", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField("올린 시각", auto_now_add=True)

    class Meta:
        verbose_name = "증빙자료"
        verbose_name_plural = "증빙자료"
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class AuditEntry(models.Model):
    """One change to an actual, target, weight or formula: who, when, old → new, from where.

    Read by indicator (the (indicator, year) index) and by time (created_at). The user and department
    references carry no index of their own, and the indicator's is covered by (indicator, year): nothing
    looks rows up by them, while an upload's confirm writes one audit row per actual and each index costs
    a write per row (bench/excel.py: 0.6 s of a 10,000-row confirm with these three and the import's). Deleting
    a user or a department, which sets these references to NULL, scans the table instead.
    """

    created_at = models.DateTimeField("시각", auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="사용자", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False,
    )
    source = models.CharField("경로", max_length=20, choices=ChangeSource.choices)
    import_run = models.ForeignKey(
        "imports.ImportRun", verbose_name="가져오기", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    department = models.ForeignKey(
        Department, verbose_name="부서", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False,
    )
    indicator = models.ForeignKey(  # the (indicator, year) index serves it
        Indicator, verbose_name="성과지표", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries",
        db_index=False,
    )
    year = models.PositiveIntegerField("연도", null=True, blank=True)
    period = models.PositiveSmallIntegerField("기간", default=0, db_default=0)  # of an actual: 0 the year, 1..4 a period
    entity = models.CharField("대상", max_length=40)
    action = models.CharField("동작", max_length=40)
    field = models.CharField("항목", max_length=60, blank=True)
    old_value = models.TextField("이전 값", blank=True)
    new_value = models.TextField("새 값", blank=True)
    # An event that changes several fields at once (saving an actual: value, inputs, note, status) is one row:
    # `field` names the main one, with its old and new value above, and `changes` holds every field it
    # changed as {field: [old, new]}. A row about one field leaves it empty.
    changes = models.JSONField("변경 내용", default=dict, blank=True)
    comment = models.TextField("의견", blank=True)

    class Meta:
        verbose_name = "변경 이력"
        verbose_name_plural = "변경 이력"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["indicator", "year"])]

    def __str__(self) -> str:
        return f"{self.entity}.{self.field}: {self.old_value} → {self.new_value}"


class EntryYear(models.Model):
    """An organization's entry window of a year: open until closed by its admin; finalised results are frozen.

    Each organization closes and finalises its own years: one organization's window never decides another's.
    """

    organization = models.ForeignKey(
        Organization, verbose_name="기관", on_delete=models.CASCADE, related_name="entry_years"
    )
    year = models.PositiveIntegerField("연도")
    closing_date = models.DateField("입력 마감일", null=True, blank=True)
    is_closed = models.BooleanField("입력 마감", default=False)
    closed_reason = models.CharField("마감 사유", max_length=200, blank=True)
    closed_at = models.DateTimeField("마감 시각", null=True, blank=True)
    finalised_at = models.DateTimeField("확정 시각", null=True, blank=True)

    class Meta:
        verbose_name = "연도별 입력 기간"
        verbose_name_plural = "연도별 입력 기간"
        ordering = ["-year", "organization_id"]
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="entry_year_unique_organization")]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"


class EntryException(models.Model):
    department = models.ForeignKey(Department, verbose_name="부서", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField("연도")
    until = models.DateTimeField("허용 기한")
    reason = models.CharField("사유", max_length=200, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="허용자", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "마감 예외"
        verbose_name_plural = "마감 예외"
        constraints = [models.UniqueConstraint(fields=["department", "year"], name="entry_exception_unique")]


class PeriodSetting(models.Model):
    """An organization's year reported by period (quarters or halves) besides the year value, set by its admins."""

    organization = models.ForeignKey(
        "kpis.Organization", verbose_name="기관", on_delete=models.CASCADE, related_name="period_settings"
    )
    year = models.PositiveIntegerField("연도")
    frequency = models.CharField("기간 구분", max_length=10, choices=PeriodFrequency.choices)
    updated_at = models.DateTimeField("수정 시각", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="수정자", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "기간별 실적 설정"
        verbose_name_plural = "기간별 실적 설정"
        ordering = ["organization", "-year"]
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="period_setting_unique_year")]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.year}: {self.get_frequency_display()}"

    @property
    def count(self) -> int:
        return PERIOD_COUNTS[PeriodFrequency(self.frequency)]
