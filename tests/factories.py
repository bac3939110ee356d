"""Factories for the plan models, and a small hand-built plan shaped like the sample."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import factory

from accounts.models import Role, User
from budgets.models import (
    AmountKind,
    BudgetProgram,
    BudgetProgramAmount,
    BudgetSummaryLine,
    SummaryCategory,
    UnitProgram,
    UnitProgramAmount,
)
from kpis.models import (
    Actual,
    ActualStatus,
    Bureau,
    Department,
    EntryYear,
    Indicator,
    IndicatorKind,
    Organization,
    PolicyGoal,
    StrategicGoal,
    Target,
    Team,
)
from kpis.services.plan import indicator_domain_defaults
from tests.conftest import SAMPLE_ORGANIZATION

PASSWORD = "correct-horse-battery-42"


class OrganizationFactory(factory.django.DjangoModelFactory):
    """The sample's government unless told otherwise: plans imported without a name go there too."""

    class Meta:
        model = Organization
        django_get_or_create = ("name",)

    name = "전북특별자치도"


class BureauFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bureau

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"시험국{n}")
    plan_year = 2025


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    bureau = factory.SubFactory(BureauFactory)
    name = factory.Sequence(lambda n: f"시험과{n}")
    order = factory.Sequence(lambda n: n)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    department = factory.SubFactory(DepartmentFactory)
    name = factory.Sequence(lambda n: f"시험팀{n}")
    order = factory.Sequence(lambda n: n)


class StrategicGoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StrategicGoal

    department = factory.SubFactory(DepartmentFactory)
    bureau = factory.SelfAttribute("department.bureau")
    title = factory.Sequence(lambda n: f"전략목표 {n}")
    order = factory.Sequence(lambda n: n)


class PolicyGoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyGoal

    strategic_goal = factory.SubFactory(StrategicGoalFactory)
    department = factory.SelfAttribute("strategic_goal.department")
    title = factory.Sequence(lambda n: f"정책사업목표 {n}")
    order = factory.Sequence(lambda n: n)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    department = factory.SubFactory(DepartmentFactory)
    policy_goal = None
    short_name = factory.Sequence(lambda n: f"시험 지표 {n}")
    name = factory.LazyAttribute(lambda o: f"({o.department.name}){o.short_name}({o.unit})")
    unit = "회"
    kind = IndicatorKind.GENERAL
    weight = Decimal(10)
    method_text = "개최횟수"
    data_source = "부서 자체수집"
    order = factory.Sequence(lambda n: n)
    # The value domain a new indicator gets from its unit, as the plan import gives it.
    value_min = factory.LazyAttribute(lambda o: indicator_domain_defaults(o.unit)["value_min"])
    value_places = factory.LazyAttribute(lambda o: indicator_domain_defaults(o.unit)["value_places"])
    input_min = factory.LazyAttribute(lambda o: indicator_domain_defaults(o.unit)["input_min"])
    input_places = factory.LazyAttribute(lambda o: indicator_domain_defaults(o.unit)["input_places"])


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    indicator = factory.SubFactory(IndicatorFactory)
    year = 2025
    value = Decimal(10)


class ActualFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actual

    indicator = factory.SubFactory(IndicatorFactory)
    year = 2023
    value = Decimal(10)
    status = ActualStatus.APPROVED


class BudgetSummaryLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetSummaryLine

    bureau = factory.SubFactory(BureauFactory)
    department = None
    category = SummaryCategory.TOTAL
    label = factory.LazyAttribute(lambda o: SummaryCategory(o.category).label)
    amount = Decimal(100)
    prior_amount = Decimal(90)


class UnitProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitProgram

    policy_goal = factory.SubFactory(PolicyGoalFactory)
    department = factory.SelfAttribute("policy_goal.department")
    name = factory.Sequence(lambda n: f"단위사업 {n}")
    order = factory.Sequence(lambda n: n)
    purposes = factory.LazyFunction(lambda: ["시험 목적"])
    key_contents = factory.LazyFunction(lambda: ["시험 주요내용"])
    account = "일반회계"


class UnitProgramAmountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitProgramAmount

    unit_program = factory.SubFactory(UnitProgramFactory)
    year = 2025
    kind = AmountKind.BUDGET
    amount = Decimal(10)


class BudgetProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetProgram

    unit_program = factory.SubFactory(UnitProgramFactory)
    name = factory.Sequence(lambda n: f"세부사업 {n}")
    order = factory.Sequence(lambda n: n)
    content = "시험 사업내용"
    period_text = "2025년01월01일 ~ 2029년12월31일"
    support_type = "직접수행"
    funding_text = "도비(100%)"
    provincial_share = Decimal(100)
    implementing_body = "전북특별자치도"


class BudgetProgramAmountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetProgramAmount

    budget_program = factory.SubFactory(BudgetProgramFactory)
    year = 2025
    kind = AmountKind.BUDGET
    amount = Decimal(5)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.EVALUATOR
    department = None
    organization = factory.SubFactory(OrganizationFactory)  # the plans' government: an evaluator sees its own
    password = factory.django.Password(PASSWORD)


def add_amounts(factory_class, owner_field: str, owner, amounts: dict[int, int | None]) -> None:
    """Store '23결산, '24예산, '25예산 style amounts for one unit or budget program."""
    for year, value in amounts.items():
        factory_class(
            **{owner_field: owner},
            year=year,
            kind=AmountKind.SETTLED if year == 2023 else AmountKind.BUDGET,
            amount=None if value is None else Decimal(value),
        )


@dataclass
class SmallPlan:
    bureau: Bureau
    department: Department
    policy_goal: PolicyGoal


def small_plan() -> SmallPlan:
    """대외협력과 of the sample, trimmed: its budget table, two indicators, one unit program."""
    bureau = BureauFactory(
        name="대외국제소통국", plan_year=2025, goal_list=["함께 성공을 위한 대내외 소통·협치"],
        basic_direction="'더 특별한 전복' 실현을 위한 대외·소통·협력 강화",
    )
    department = DepartmentFactory(
        bureau=bureau, name="대외협력과", order=1, authorized_total=19, authorized_grade4_up=2,
        authorized_grade5=4, authorized_grade6_down=13, current_headcount=19,
    )
    for order, name in enumerate(["정무기획팀", "의정협력팀", "민간지원팀", "고향사랑기부팀"]):
        TeamFactory(department=department, name=name, order=order)
    goal = StrategicGoalFactory(
        bureau=bureau, department=department, title="함께 성공을 위한 대내외 소통·협치",
        basic_direction="대내외 변화에 유기적 대응을 위한 소통·협력관계 구축", order=1,
    )
    policy_goal = PolicyGoalFactory(
        strategic_goal=goal, department=department,
        title="정치권·도의회 및 민간단체 등 대내외 협력을 통한 도정 발전 견인",
        declared_indicator_count=3, declared_unit_program_count=5, budget_amount=Decimal(4430),
    )
    bureau_lines = [
        ("total", 15700, 14833, "100.00 %", "867", "5.85%"),
        ("policy", 15072, 14224, "96.00 %", "848", "5.96%"),
        ("admin", 628, 609, "4.00 %", "19", "3.19%"),
        ("personnel", 357, 381, "2.28 %", "△24", "△6.26%"),
        ("basic", 271, 228, "1.73 %", "43", "19.01%"),
        ("financial", 0, 0, "0.00 %", "0", "0.00%"),
    ]
    department_lines = [
        ("total", 4708, 4331, "100.00 %", "377", "8.70%"),
        ("policy", 4430, 4034, "94.09 %", "396", "9.80%"),
        ("admin", 278, 297, "5.91 %", "△19", "△6.28%"),
        ("personnel", 136, 181, "2.89 %", "△45", "△25.05%"),
        ("basic", 142, 115, "3.02 %", "27", "23.17%"),
        ("financial", 0, 0, "0.00 %", "0", "0.00%"),
    ]
    for dept, lines in ((None, bureau_lines), (department, department_lines)):
        for order, (category, amount, prior, share, change, rate) in enumerate(lines):
            BudgetSummaryLineFactory(
                bureau=bureau, department=dept, category=category, order=order,
                amount=Decimal(amount), prior_amount=Decimal(prior),
                printed_share=share, printed_change=change, printed_change_rate=rate,
            )

    count = IndicatorFactory(
        department=department, policy_goal=policy_goal, short_name="정무활동 및 당정협력 강화", unit="회",
        kind=IndicatorKind.GENERAL, weight=Decimal(30), method_text="개최횟수", data_source="부서 자체수집",
        target_rationale="- 국회의원 정책협의회 실시 횟수", order=1,
    )
    survey = IndicatorFactory(
        department=department, policy_goal=policy_goal, short_name="도정 핵심사업 인지도", unit="%",
        kind=IndicatorKind.CORE, weight=Decimal(70), method_text="설문조사 결과", data_source="설문조사",
        target_rationale="- 설문조사 결과/bsc 성과지표 연동", bsc_linked=True, order=2,
    )
    for year in range(2023, 2028):
        TargetFactory(indicator=count, year=year, value=Decimal(11))
        TargetFactory(indicator=survey, year=year, value=Decimal("88.5") if year == 2023 else Decimal("88.6"))
    ActualFactory(indicator=count, year=2023, value=Decimal(12))
    ActualFactory(indicator=survey, year=2023, value=Decimal("88.5"), supplementary_value=Decimal("86.31"))
    for indicator in (count, survey):
        ActualFactory(
            indicator=indicator, year=2024, value=None, status=ActualStatus.NOT_REPORTED,
            raw_text="0", placeholder_reason="계획서 작성 시점의 0",
        )

    unit = UnitProgramFactory(
        policy_goal=policy_goal, department=department, name="자원봉사활동 진흥", order=1,
        purposes=["민간단체 지원 및 협력을 통한 공동체 활성화 및 지역구심체 역할 강화"],
        key_contents=["자원봉사활동 기반조성 및 활성화 추진"], declared_budget_program_count=2,
    )
    add_amounts(UnitProgramAmountFactory, "unit_program", unit, {2023: 2615, 2024: 2799, 2025: 2927})
    coordinators = BudgetProgramFactory(
        unit_program=unit, name="자원봉사 코디네이터 지원·육성(시군)", order=1,
        content="시군 자원봉사센터 코디네이터 인건비 지원", support_type="자치단체보조",
        funding_text="국비 50%, 도비 20%, 시군비 30%", national_share=Decimal(50),
        provincial_share=Decimal(20), municipal_share=Decimal(30), implementing_body="14개 시군",
    )
    add_amounts(BudgetProgramAmountFactory, "budget_program", coordinators, {2023: 636, 2024: 650, 2025: 654})
    basic = BudgetProgramFactory(unit_program=unit, name="자원봉사업무 추진 기본경비", order=2, content="국내여비")
    add_amounts(BudgetProgramAmountFactory, "budget_program", basic, {2023: None, 2024: 5, 2025: 5})
    return SmallPlan(bureau=bureau, department=department, policy_goal=policy_goal)


def grow_department(department: Department, policy_goal: PolicyGoal, *, extra: int) -> None:
    """Add `extra` indicators (with targets and actuals) and unit programs (with budget programs)."""
    for _ in range(extra):
        indicator = IndicatorFactory(department=department, policy_goal=policy_goal)
        TargetFactory(indicator=indicator, year=2025)
        ActualFactory(indicator=indicator, year=2023)
        unit = UnitProgramFactory(policy_goal=policy_goal, department=department)
        UnitProgramAmountFactory(unit_program=unit)
        for _ in range(2):
            program = BudgetProgramFactory(unit_program=unit)
            BudgetProgramAmountFactory(budget_program=program)


def entry_year(year: int, *, organization: Organization | None = None, **fields) -> EntryYear:
    """The entry window of `year` of `organization` (default: the sample's government, 전북특별자치도)."""
    organization = organization or Organization.objects.get(name=SAMPLE_ORGANIZATION)
    return EntryYear.objects.create(organization=organization, year=year, **fields)
