"""Organisation, goals, indicators, targets, actuals, scoring policy and stored scores."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from core.numbers import RATE_DIGITS, VALUE_DIGITS


class Bureau(models.Model):
    name = models.CharField("실국명", max_length=100, unique=True)
    plan_year = models.PositiveIntegerField("계획 연도")
    goal_list = models.JSONField("전략목표 목록", default=list, blank=True)
    basic_direction = models.TextField("기본방향", blank=True)
    source_document = models.CharField("원본 문서", max_length=255, blank=True)
    imported_at = models.DateTimeField("가져온 시각", null=True, blank=True)

    class Meta:
        verbose_name = "실국"
        verbose_name_plural = "실국"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    bureau = models.ForeignKey(Bureau, verbose_name="실국", on_delete=models.PROTECT, related_name="departments")
    name = models.CharField("부서명", max_length=100)
    order = models.PositiveIntegerField("순서", default=0)
    authorized_total = models.PositiveIntegerField("정원 계", default=0)
    authorized_grade4_up = models.PositiveIntegerField("정원 4급이상", default=0)
    authorized_grade5 = models.PositiveIntegerField("정원 5급", default=0)
    authorized_grade6_down = models.PositiveIntegerField("정원 6급이하", default=0)
    current_headcount = models.PositiveIntegerField("현원", default=0)
    main_contents = models.JSONField("주요내용", default=list, blank=True)

    class Meta:
        verbose_name = "부서"
        verbose_name_plural = "부서"
        ordering = ["bureau", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["bureau", "name"], name="department_unique_name_in_bureau"),
        ]
        indexes = [models.Index(fields=["name", "id"], name="kpis_department_name_idx")]  # scoreboard by name

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    department = models.ForeignKey(Department, verbose_name="부서", on_delete=models.CASCADE, related_name="teams")
    name = models.CharField("팀명", max_length=100)
    order = models.PositiveIntegerField("순서", default=0)

    class Meta:
        verbose_name = "팀"
        verbose_name_plural = "팀"
        ordering = ["department", "order"]
        constraints = [models.UniqueConstraint(fields=["department", "name"], name="team_unique_name")]

    def __str__(self) -> str:
        return self.name


class StrategicGoal(models.Model):
    bureau = models.ForeignKey(Bureau, verbose_name="실국", on_delete=models.CASCADE, related_name="strategic_goals")
    department = models.ForeignKey(
        Department, verbose_name="소관부서", on_delete=models.PROTECT, related_name="strategic_goals"
    )
    title = models.CharField("전략목표", max_length=300)
    basic_direction = models.TextField("기본방향", blank=True)
    order = models.PositiveIntegerField("순서", default=0)

    class Meta:
        verbose_name = "전략목표"
        verbose_name_plural = "전략목표"
        ordering = ["bureau", "order"]
        constraints = [models.UniqueConstraint(fields=["bureau", "title"], name="strategic_goal_unique_title")]

    def __str__(self) -> str:
        return self.title


class PolicyGoal(models.Model):
    strategic_goal = models.ForeignKey(
        StrategicGoal, verbose_name="전략목표", on_delete=models.CASCADE, related_name="policy_goals"
    )
    department = models.ForeignKey(Department, verbose_name="부서", on_delete=models.PROTECT, related_name="policy_goals")
    title = models.CharField("정책사업목표", max_length=300)
    declared_indicator_count = models.PositiveIntegerField("성과 지표수(문서)", null=True, blank=True)
    declared_unit_program_count = models.PositiveIntegerField("단위 사업수(문서)", null=True, blank=True)
    budget_amount = models.DecimalField("예산액(백만원)", max_digits=16, decimal_places=3, null=True, blank=True)
    order = models.PositiveIntegerField("순서", default=0)

    class Meta:
        verbose_name = "정책사업목표"
        verbose_name_plural = "정책사업목표"
        ordering = ["strategic_goal", "order"]
        constraints = [models.UniqueConstraint(fields=["strategic_goal", "title"], name="policy_goal_unique_title")]

    def __str__(self) -> str:
        return self.title


class IndicatorKind(models.TextChoices):
    CORE = "core", "핵심"
    GENERAL = "general", "일반"


class Direction(models.TextChoices):
    UP = "up", "상향"
    DOWN = "down", "하향"
    RANGE = "range", "유지"


class Indicator(models.Model):
    department = models.ForeignKey(Department, verbose_name="부서", on_delete=models.PROTECT, related_name="indicators")
    policy_goal = models.ForeignKey(
        PolicyGoal, verbose_name="정책사업목표", on_delete=models.PROTECT, related_name="indicators", null=True, blank=True
    )
    name = models.CharField("성과지표(원문)", max_length=300)
    short_name = models.CharField("지표명", max_length=300)
    unit = models.CharField("단위", max_length=30, blank=True)
    kind = models.CharField("지표 유형", max_length=10, choices=IndicatorKind.choices)
    weight = models.DecimalField(
        "가중치", max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    direction = models.CharField("방향", max_length=10, choices=Direction.choices, default=Direction.UP)
    method_text = models.CharField("측정산식 또는 측정방법", max_length=500, blank=True)
    formula = models.CharField("측정산식(정규화)", max_length=500, blank=True)
    formula_variables = models.JSONField("산식 변수", default=list, blank=True)
    data_source = models.CharField("자료수집 방법/출처", max_length=300, blank=True)
    target_rationale = models.TextField("목표치 설정 근거", blank=True)
    bsc_linked = models.BooleanField("BSC 연동", default=False)
    order = models.PositiveIntegerField("순서", default=0)
    band_tolerance = models.DecimalField(
        "유지 허용폭(%)", max_digits=6, decimal_places=2, null=True, blank=True,
        help_text="방향이 '유지'일 때 목표 대비 허용 범위(%)",
    )

    class Meta:
        verbose_name = "성과지표"
        verbose_name_plural = "성과지표"
        ordering = ["department", "order"]
        constraints = [
            models.UniqueConstraint(fields=["department", "name"], name="indicator_unique_name"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="indicator_weight_non_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class Target(models.Model):
    indicator = models.ForeignKey(Indicator, verbose_name="성과지표", on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveIntegerField("연도")
    value = models.DecimalField("목표", null=True, blank=True, **VALUE_DIGITS)

    class Meta:
        verbose_name = "목표"
        verbose_name_plural = "목표"
        ordering = ["indicator", "year"]
        constraints = [models.UniqueConstraint(fields=["indicator", "year"], name="target_unique_year")]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.year}: {self.value}"


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
    SYSTEM = "system", "시스템"


class Actual(models.Model):
    indicator = models.ForeignKey(Indicator, verbose_name="성과지표", on_delete=models.CASCADE, related_name="actuals")
    year = models.PositiveIntegerField("연도")
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

    class Meta:
        verbose_name = "실적"
        verbose_name_plural = "실적"
        ordering = ["indicator", "year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="actual_unique_year"),
            models.CheckConstraint(condition=Q(version__gte=1), name="actual_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.year}: {self.value}"

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

    The references carry no database constraint (db_constraint=False): audit rows are written only by
    the services, with ids they have just read or locked in the same transaction, and deleting a
    referenced row still sets them to NULL (Django does SET_NULL, not the database). A workbook import
    writes about three audit rows per actual, and checking their four references at commit was a third
    of a 10,000-row confirm (docs/benchmarks.md).
    """

    created_at = models.DateTimeField("시각", auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="사용자", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_constraint=False,
    )
    source = models.CharField("경로", max_length=20, choices=ChangeSource.choices)
    import_run = models.ForeignKey(
        "imports.ImportRun", verbose_name="가져오기", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_constraint=False,
    )
    department = models.ForeignKey(
        Department, verbose_name="부서", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_constraint=False,
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name="성과지표", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries",
        db_constraint=False,
    )
    year = models.PositiveIntegerField("연도", null=True, blank=True)
    entity = models.CharField("대상", max_length=40)
    action = models.CharField("동작", max_length=40)
    field = models.CharField("항목", max_length=60, blank=True)
    old_value = models.TextField("이전 값", blank=True)
    new_value = models.TextField("새 값", blank=True)
    comment = models.TextField("의견", blank=True)

    class Meta:
        verbose_name = "변경 이력"
        verbose_name_plural = "변경 이력"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["indicator", "year"])]

    def __str__(self) -> str:
        return f"{self.entity}.{self.field}: {self.old_value} → {self.new_value}"


class EntryYear(models.Model):
    """Entry window of a year: open until closed by an admin; finalised results are frozen."""

    year = models.PositiveIntegerField("연도", unique=True)
    closing_date = models.DateField("입력 마감일", null=True, blank=True)
    is_closed = models.BooleanField("입력 마감", default=False)
    closed_reason = models.CharField("마감 사유", max_length=200, blank=True)
    closed_at = models.DateTimeField("마감 시각", null=True, blank=True)
    finalised_at = models.DateTimeField("확정 시각", null=True, blank=True)

    class Meta:
        verbose_name = "연도별 입력 기간"
        verbose_name_plural = "연도별 입력 기간"
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


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


class ScoreSnapshot(models.Model):
    """The official, frozen result of a department-year, written when an admin finalises the year."""

    department = models.ForeignKey(Department, verbose_name="부서", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField("연도")
    score = models.DecimalField("가중 점수", null=True, blank=True, **RATE_DIGITS)
    completeness = models.DecimalField("완결성(%)", null=True, blank=True, **RATE_DIGITS)
    grade = models.CharField("등급", max_length=2, blank=True)
    reason = models.CharField("산정 불가 사유", max_length=300, blank=True)
    rank = models.PositiveIntegerField("순위", null=True, blank=True)
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
