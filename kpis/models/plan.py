"""The plan: bureaus, departments, teams, strategic and policy goals, indicators with their targets."""
from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from core.numbers import VALUE_DIGITS, format_figure
from kpis.domain import MAX_PLACES, ValueDomain
from kpis.models.organization import Organization
from kpis.period_rules import PeriodRule, period_rule_for


class Bureau(models.Model):
    """One bureau's plan in one edition: (organization, plan year) holds a 성과계획서 per bureau."""

    organization = models.ForeignKey(
        Organization, verbose_name="기관", on_delete=models.PROTECT, related_name="bureaus"
    )
    name = models.CharField("실국명", max_length=100)
    plan_year = models.PositiveIntegerField("계획 연도")
    goal_list = models.JSONField("전략목표 목록", default=list, blank=True)
    basic_direction = models.TextField("기본방향", blank=True)
    source_document = models.CharField("원본 문서", max_length=255, blank=True)
    imported_at = models.DateTimeField("가져온 시각", null=True, blank=True)

    class Meta:
        verbose_name = "실국"
        verbose_name_plural = "실국"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "plan_year", "name"], name="bureau_unique_name_in_edition"
            ),
        ]

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
    previous = models.ForeignKey(
        "self", verbose_name="이전 계획의 지표", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="next_editions", help_text="전년도 성과계획서의 같은 지표 (연속 추이를 잇습니다)",
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
    # The value domain (kpis/domain.py): set from the unit when the indicator is created, then the planner's.
    value_min = models.DecimalField("실적 최솟값", null=True, blank=True, **VALUE_DIGITS)
    value_max = models.DecimalField("실적 최댓값", null=True, blank=True, **VALUE_DIGITS)
    value_places = models.PositiveSmallIntegerField(
        "실적 소수 자릿수", default=MAX_PLACES, validators=[MaxValueValidator(MAX_PLACES)],
        help_text="0이면 정수만 입력할 수 있습니다.",
    )
    display_places = models.PositiveSmallIntegerField(
        "표시 소수 자릿수", null=True, blank=True, validators=[MaxValueValidator(MAX_PLACES)],
        help_text="비워 두면 입력한 대로(소수 둘째 자리까지) 표시합니다.",
    )
    period_rule = models.CharField(
        "기간 실적 집계 방식", max_length=10, choices=PeriodRule.choices, blank=True,
        help_text="분기·반기 실적에서 연간 실적을 구하는 방식. 비워 두면 단위에 따릅니다(%: 마지막 누적값, 그 밖: 합계).",
    )
    input_min = models.DecimalField("산식 입력값 최솟값", null=True, blank=True, **VALUE_DIGITS)
    input_max = models.DecimalField("산식 입력값 최댓값", null=True, blank=True, **VALUE_DIGITS)
    input_places = models.PositiveSmallIntegerField(
        "산식 입력값 소수 자릿수", default=MAX_PLACES, validators=[MaxValueValidator(MAX_PLACES)],
        help_text="0이면 정수만 입력할 수 있습니다.",
    )

    class Meta:
        verbose_name = "성과지표"
        verbose_name_plural = "성과지표"
        ordering = ["department", "order"]
        constraints = [
            models.UniqueConstraint(fields=["department", "name"], name="indicator_unique_name"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="indicator_weight_non_negative"),
            models.CheckConstraint(
                condition=Q(value_min__isnull=True) | Q(value_max__isnull=True) | Q(value_max__gte=F("value_min")),
                name="indicator_value_domain_ordered",
            ),
            models.CheckConstraint(
                condition=Q(input_min__isnull=True) | Q(input_max__isnull=True) | Q(input_max__gte=F("input_min")),
                name="indicator_input_domain_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def input_names(self) -> tuple[str, ...]:
        """The figures a user types for this indicator: its formula's variables, () for a value typed directly."""
        return tuple(self.formula_variables or ())

    def figure(self, value: Decimal | None) -> str:
        """`value` (target, actual, input or computed value) as this indicator shows its figures everywhere."""
        return format_figure(value, self.display_places)

    @property
    def value_domain(self) -> ValueDomain:
        return ValueDomain(minimum=self.value_min, maximum=self.value_max, places=self.value_places)

    @property
    def year_rule(self) -> PeriodRule:
        """How the year value follows from period values (`kpis.period_rules`)."""
        return period_rule_for(self.period_rule, self.unit)

    @property
    def input_domain(self) -> ValueDomain:
        return ValueDomain(minimum=self.input_min, maximum=self.input_max, places=self.input_places)


class Target(models.Model):
    indicator = models.ForeignKey(Indicator, verbose_name="성과지표", on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveIntegerField("연도")
    value = models.DecimalField("목표", null=True, blank=True, **VALUE_DIGITS)
    # When the value in force was last revised (kpis.models.TargetRevision keeps every old value); None: as set.
    revised_at = models.DateTimeField("변경 시각", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "목표"
        verbose_name_plural = "목표"
        ordering = ["indicator", "year"]
        constraints = [models.UniqueConstraint(fields=["indicator", "year"], name="target_unique_year")]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.year}: {self.value}"
