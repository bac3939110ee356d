"""Scoring policies, stored scores, the recompute queue, finalised results and reminders."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.numbers import RATE_DIGITS, VALUE_DIGITS
from kpis.models.actuals import ActualStatus
from kpis.models.plan import Department, Indicator


class LowerIsBetterMethod(models.TextChoices):
    TARGET_OVER_ACTUAL = "target_over_actual", "목표/실적"
    BASELINE = "baseline", "기준값 대비 개선"


class UnreportedMode(models.TextChoices):
    EXCLUDE = "exclude", "제외(가중치 비례 재배분, 완결성 표시)"
    ZERO = "zero", "0점 처리"


class ScoringPolicy(models.Model):
    """A version of a year's scoring rules; the highest version of a year is in force."""

    year = models.PositiveIntegerField("연도")
    version = models.PositiveIntegerField("버전", default=1)
    cap = models.DecimalField("달성률 상한(%)", max_digits=7, decimal_places=2, default=Decimal(120))
    floor = models.DecimalField("달성률 하한(%)", max_digits=7, decimal_places=2, default=Decimal(0))
    lower_is_better = models.CharField(
        "하향 지표 산식", max_length=30, choices=LowerIsBetterMethod.choices, default=LowerIsBetterMethod.TARGET_OVER_ACTUAL
    )
    range_tolerance = models.DecimalField("유지 지표 허용폭(%)", max_digits=6, decimal_places=2, default=Decimal(5))
    unreported = models.CharField(
        "미보고 지표 처리", max_length=20, choices=UnreportedMode.choices, default=UnreportedMode.EXCLUDE
    )
    provisional = models.BooleanField(
        "제출 실적 잠정 반영", default=False,
        help_text="켜면 승인 전 제출된 실적도 점수에 넣고 '잠정'으로 표시합니다. 작성 중·반려 실적은 언제나 제외합니다.",
    )
    grade_s = models.DecimalField("S 등급 기준", max_digits=7, decimal_places=2, default=Decimal(100))
    grade_a = models.DecimalField("A 등급 기준", max_digits=7, decimal_places=2, default=Decimal(90))
    grade_b = models.DecimalField("B 등급 기준", max_digits=7, decimal_places=2, default=Decimal(80))
    grade_c = models.DecimalField("C 등급 기준", max_digits=7, decimal_places=2, default=Decimal(70))
    created_at = models.DateTimeField("생성 시각", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="작성자", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField("변경 사유", max_length=200, blank=True)

    class Meta:
        verbose_name = "평가 기준"
        verbose_name_plural = "평가 기준"
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["year", "version"], name="policy_unique_version"),
            models.CheckConstraint(condition=Q(cap__gte=models.F("floor")), name="policy_cap_above_floor"),
            models.CheckConstraint(
                condition=Q(grade_s__gte=models.F("grade_a"))
                & Q(grade_a__gte=models.F("grade_b"))
                & Q(grade_b__gte=models.F("grade_c")),
                name="policy_grades_descending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} v{self.version}"


class IndicatorScore(models.Model):
    indicator = models.ForeignKey(Indicator, verbose_name="성과지표", on_delete=models.CASCADE, related_name="scores")
    year = models.PositiveIntegerField("연도")
    rate = models.DecimalField("달성률(%)", null=True, blank=True, **RATE_DIGITS)
    raw_rate = models.DecimalField("상·하한 적용 전 달성률(%)", null=True, blank=True, **RATE_DIGITS)
    reason = models.CharField("산정 불가 사유", max_length=300, blank=True)
    working = models.TextField("산정 내역", blank=True)
    weight = models.DecimalField("가중치", max_digits=7, decimal_places=2)
    effective_weight = models.DecimalField("반영 가중치", max_digits=9, decimal_places=4, default=Decimal(0))
    contribution = models.DecimalField("점수 기여", null=True, blank=True, **RATE_DIGITS)
    target_value = models.DecimalField("목표", null=True, blank=True, **VALUE_DIGITS)
    actual_value = models.DecimalField("실적", null=True, blank=True, **VALUE_DIGITS)
    actual_status = models.CharField("실적 상태", max_length=20, choices=ActualStatus.choices)
    provisional = models.BooleanField("잠정", default=False, help_text="승인 전 제출된 실적으로 계산했습니다.")
    policy = models.ForeignKey(ScoringPolicy, verbose_name="평가 기준", on_delete=models.PROTECT, related_name="+")
    fingerprint = models.CharField("입력 지문", max_length=64)
    computed_at = models.DateTimeField("계산 시각")

    class Meta:
        verbose_name = "지표 점수"
        verbose_name_plural = "지표 점수"
        constraints = [models.UniqueConstraint(fields=["indicator", "year"], name="indicator_score_unique")]


class DepartmentScore(models.Model):
    department = models.ForeignKey(Department, verbose_name="부서", on_delete=models.CASCADE, related_name="scores")
    year = models.PositiveIntegerField("연도")
    score = models.DecimalField("가중 점수", null=True, blank=True, **RATE_DIGITS)
    completeness = models.DecimalField("완결성(%)", null=True, blank=True, **RATE_DIGITS)
    grade = models.CharField("등급", max_length=2, blank=True)
    reason = models.CharField("산정 불가 사유", max_length=300, blank=True)
    total_weight = models.DecimalField("총 가중치", max_digits=9, decimal_places=2, default=Decimal(0))
    evaluated_weight = models.DecimalField("반영 가중치", max_digits=9, decimal_places=2, default=Decimal(0))
    indicator_count = models.PositiveIntegerField("지표 수", default=0)
    provisional = models.BooleanField("잠정", default=False, help_text="승인 전 제출된 실적이 점수에 들어 있습니다.")
    policy = models.ForeignKey(ScoringPolicy, verbose_name="평가 기준", on_delete=models.PROTECT, related_name="+")
    fingerprint = models.CharField("입력 지문", max_length=64)
    computed_at = models.DateTimeField("계산 시각")

    class Meta:
        verbose_name = "부서 점수"
        verbose_name_plural = "부서 점수"
        constraints = [models.UniqueConstraint(fields=["department", "year"], name="department_score_unique")]
        # The newest computed_at of a year is part of the scoreboard cache version (kpis/board_cache.py).
        indexes = [models.Index(fields=["year", "computed_at"], name="kpis_dept_score_computed_idx")]
        # On PostgreSQL migration 0003 adds (year, score DESC NULLS LAST, department) for the scoreboard.


class DirtyScore(models.Model):
    """Work to do: a department-year whose inputs changed since its score was computed."""

    department = models.ForeignKey(Department, verbose_name="부서", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField("연도")
    generation = models.PositiveIntegerField("변경 세대", default=1)
    marked_at = models.DateTimeField("표시 시각", auto_now=True)

    class Meta:
        verbose_name = "재계산 대기"
        verbose_name_plural = "재계산 대기"
        constraints = [models.UniqueConstraint(fields=["department", "year"], name="dirty_score_unique")]


class ScorePublication(models.Model):
    """When a year's stored scores were last complete, and the chunked recompute running now, if any.

    The scoreboard's cache version moves with `published_at` (kpis/board_cache.py). A year
    recompute on the workers writes its chunks' rows without publishing (`pending` records that
    one of them changed a result) and publishes once every chunk is stored, so readers keep the
    last complete result meanwhile; any other recompute publishes in its own transaction.
    """

    year = models.PositiveIntegerField("연도", unique=True)
    published_at = models.DateTimeField("게시 시각", null=True, blank=True)
    pending = models.BooleanField("게시 전 변경", default=False)
    recompute_task_id = models.CharField("진행 중인 재계산 작업", max_length=64, blank=True)
    recompute_started_at = models.DateTimeField("재계산 시작 시각", null=True, blank=True)

    class Meta:
        verbose_name = "점수 게시 상태"
        verbose_name_plural = "점수 게시 상태"

    def __str__(self) -> str:
        return str(self.year)


class ScoreSnapshot(models.Model):
    """The official, frozen result of a department-year, written when an admin finalises the year."""

    department = models.ForeignKey(Department, verbose_name="부서", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField("연도")
    score = models.DecimalField("가중 점수", null=True, blank=True, **RATE_DIGITS)
    completeness = models.DecimalField("완결성(%)", null=True, blank=True, **RATE_DIGITS)
    grade = models.CharField("등급", max_length=2, blank=True)
    reason = models.CharField("산정 불가 사유", max_length=300, blank=True)
    rank = models.PositiveIntegerField("순위", null=True, blank=True)
    provisional = models.BooleanField("잠정", default=False, help_text="승인 전 제출된 실적이 점수에 들어 있습니다.")
    policy = models.ForeignKey(ScoringPolicy, verbose_name="평가 기준", on_delete=models.PROTECT, related_name="+")
    policy_data = models.JSONField("평가 기준 사본", default=dict)
    indicators = models.JSONField("지표별 결과·입력값 사본", default=list)
    fingerprint = models.CharField("입력 지문", max_length=64)
    finalised_at = models.DateTimeField("확정 시각")
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="확정자", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "확정 결과"
        verbose_name_plural = "확정 결과"
        constraints = [models.UniqueConstraint(fields=["department", "year"], name="score_snapshot_unique")]


class Reminder(models.Model):
    """A reminder e-mail sent to a department about unreported or returned indicators."""

    department = models.ForeignKey(Department, verbose_name="부서", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField("연도")
    sent_at = models.DateTimeField("발송 시각", auto_now_add=True)
    recipients = models.JSONField("수신자", default=list)
    unreported_count = models.PositiveIntegerField("미보고 지표 수", default=0)
    returned_count = models.PositiveIntegerField("반려 지표 수", default=0)

    class Meta:
        verbose_name = "독려 알림"
        verbose_name_plural = "독려 알림"
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["year", "department"])]


class ProgressSummarySent(models.Model):
    """A department's weekly progress summary of a year, sent in the week starting on `week` (a Monday): the
    schedule and the command send it once a week, a second run that week leaves it out."""

    department = models.ForeignKey(Department, verbose_name="부서", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField("연도")
    week = models.DateField("주 시작일(월요일)")
    sent_at = models.DateTimeField("발송 시각", auto_now_add=True)
    recipients = models.JSONField("수신자", default=list)
    warning_count = models.PositiveIntegerField("주의·부진 지표 수", default=0)

    class Meta:
        verbose_name = "진도 주간 요약 발송"
        verbose_name_plural = "진도 주간 요약 발송"
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["department", "year", "week"], name="progress_summary_once_a_week")
        ]
