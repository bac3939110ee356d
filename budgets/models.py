"""Budget summaries (예산현황), unit programs (단위사업) and budget programs (세부사업)."""
from __future__ import annotations

from django.db import models
from django.db.models import Q

AMOUNT = {"max_digits": 16, "decimal_places": 3}


class SummaryCategory(models.TextChoices):
    TOTAL = "total", "계"
    POLICY = "policy", "정책사업"
    ADMIN = "admin", "행정운영경비"
    PERSONNEL = "personnel", "인력운영비"
    BASIC = "basic", "기본경비"
    FINANCIAL = "financial", "재무활동"


class BudgetSummaryLine(models.Model):
    """One row of a 예산현황 table, for a bureau (department empty) or a department."""

    bureau = models.ForeignKey("kpis.Bureau", verbose_name="실국", on_delete=models.CASCADE, related_name="budget_lines")
    department = models.ForeignKey(
        "kpis.Department", verbose_name="부서", null=True, blank=True, on_delete=models.CASCADE,
        related_name="budget_lines",
    )
    category = models.CharField("구분", max_length=20, choices=SummaryCategory.choices)
    label = models.CharField("구분(원문)", max_length=50)
    order = models.PositiveIntegerField("순서", default=0)
    amount = models.DecimalField("예산액(백만원)", **AMOUNT)
    prior_amount = models.DecimalField("전년도예산액(백만원)", **AMOUNT)
    printed_share = models.CharField("구성비(문서)", max_length=20, blank=True)
    printed_prior_share = models.CharField("전년도 구성비(문서)", max_length=20, blank=True)
    printed_change = models.CharField("증감액(문서)", max_length=20, blank=True)
    printed_change_rate = models.CharField("증감률(문서)", max_length=20, blank=True)

    class Meta:
        verbose_name = "예산현황"
        verbose_name_plural = "예산현황"
        ordering = ["bureau", "department", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "category"], condition=Q(department__isnull=True), name="budget_line_unique_bureau"
            ),
            models.UniqueConstraint(
                fields=["department", "category"], condition=Q(department__isnull=False), name="budget_line_unique_dept"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.amount}"


class UnitProgram(models.Model):
    policy_goal = models.ForeignKey(
        "kpis.PolicyGoal", verbose_name="정책사업목표", on_delete=models.CASCADE, related_name="unit_programs"
    )
    department = models.ForeignKey(
        "kpis.Department", verbose_name="부서", on_delete=models.PROTECT, related_name="unit_programs"
    )
    name = models.CharField("단위사업명", max_length=300)
    order = models.PositiveIntegerField("순서", default=0)
    purposes = models.JSONField("목적", default=list, blank=True)
    key_contents = models.JSONField("주요내용", default=list, blank=True)
    account = models.CharField("회계구분", max_length=50, blank=True)
    declared_budget_program_count = models.PositiveIntegerField("세부사업수(문서)", null=True, blank=True)

    class Meta:
        verbose_name = "단위사업"
        verbose_name_plural = "단위사업"
        ordering = ["department", "order"]
        constraints = [models.UniqueConstraint(fields=["department", "name"], name="unit_program_unique_name")]

    def __str__(self) -> str:
        return self.name


class AmountKind(models.TextChoices):
    SETTLED = "settled", "결산"
    BUDGET = "budget", "예산"


class UnitProgramAmount(models.Model):
    unit_program = models.ForeignKey(UnitProgram, verbose_name="단위사업", on_delete=models.CASCADE, related_name="amounts")
    year = models.PositiveIntegerField("연도")
    kind = models.CharField("구분", max_length=10, choices=AmountKind.choices)
    amount = models.DecimalField("금액(백만원)", null=True, blank=True, **AMOUNT)

    class Meta:
        verbose_name = "단위사업 금액"
        verbose_name_plural = "단위사업 금액"
        ordering = ["unit_program", "year"]
        constraints = [models.UniqueConstraint(fields=["unit_program", "year"], name="unit_amount_unique_year")]


class SupportType(models.TextChoices):
    DIRECT = "직접수행", "직접수행"
    PRIVATE_SUBSIDY = "민간보조", "민간보조"
    LOCAL_SUBSIDY = "자치단체보조", "자치단체보조"
    PUBLIC_AGENCY = "공기관위탁", "공기관위탁"
    CONTRIBUTION = "출연(출자)", "출연(출자)"
    OTHER = "기타", "기타"


class BudgetProgram(models.Model):
    unit_program = models.ForeignKey(
        UnitProgram, verbose_name="단위사업", on_delete=models.CASCADE, related_name="budget_programs"
    )
    name = models.CharField("세부사업명", max_length=300)
    order = models.PositiveIntegerField("순서", default=0)
    account = models.CharField("회계구분", max_length=50, blank=True)
    content = models.TextField("사업내용", blank=True)
    period_text = models.CharField("사업기간(원문)", max_length=100, blank=True)
    period_start = models.DateField("사업 시작일", null=True, blank=True)
    period_end = models.DateField("사업 종료일", null=True, blank=True)
    support_type = models.CharField("지원형태", max_length=30, blank=True)
    funding_text = models.CharField("지원조건(원문)", max_length=300, blank=True)
    national_share = models.DecimalField("국비(%)", max_digits=6, decimal_places=2, null=True, blank=True)
    provincial_share = models.DecimalField("도비(%)", max_digits=6, decimal_places=2, null=True, blank=True)
    municipal_share = models.DecimalField("시군비(%)", max_digits=6, decimal_places=2, null=True, blank=True)
    implementing_body = models.CharField("시행주체", max_length=200, blank=True)
    overview_name = models.CharField("개요 사업명(원문)", max_length=300, blank=True)

    class Meta:
        verbose_name = "세부사업"
        verbose_name_plural = "세부사업"
        ordering = ["unit_program", "order"]
        constraints = [models.UniqueConstraint(fields=["unit_program", "name"], name="budget_program_unique_name")]

    def __str__(self) -> str:
        return self.name


class BudgetProgramAmount(models.Model):
    budget_program = models.ForeignKey(
        BudgetProgram, verbose_name="세부사업", on_delete=models.CASCADE, related_name="amounts"
    )
    year = models.PositiveIntegerField("연도")
    kind = models.CharField("구분", max_length=10, choices=AmountKind.choices)
    amount = models.DecimalField("금액(백만원)", null=True, blank=True, **AMOUNT)

    class Meta:
        verbose_name = "세부사업 금액"
        verbose_name_plural = "세부사업 금액"
        ordering = ["budget_program", "year"]
        # A year may carry both its budget (예산) and its settled amount (결산): execution compares the two.
        constraints = [
            models.UniqueConstraint(fields=["budget_program", "year", "kind"], name="budget_amount_unique_year_kind")
        ]
