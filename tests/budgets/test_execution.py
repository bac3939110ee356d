"""Budget execution (결산/예산) from the sample's budget programs, and the planners' settled amounts."""
from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.services import user_create_or_update
from budgets.execution import execution_for_goals, execution_rate
from budgets.models import AmountKind, BudgetProgram, BudgetProgramAmount
from budgets.settled import SettledChange, settled_amounts_write
from core.errors import InvalidInput, NotFound, PermissionRefused
from imports.services import plan_import
from kpis.audit_labels import event_label, field_label
from kpis.models import AuditEntry, Organization, PolicyGoal
from tests.conftest import PASSWORD, SAMPLE_ORGANIZATION, SAMPLE_PLAN

D = Decimal
VOLUNTEERING_UNIT = "자원봉사활동 진흥"
# The sample's 2024 budgets (예산) of 자원봉사활동 진흥's six programs, and the settled amounts the planner enters.
SETTLED_2024 = {
    "자원봉사 확산 프로그램 운영": D(1600),  # budget 1,681
    "시군 및 자원봉사단체 협력 강화": D(270),  # 270
    "자원봉사 코디네이터 지원·육성(도 자원봉사센터)": D(99),  # 99
    "자원봉사 코디네이터 지원·육성(시군)": D(640),  # 650
    "전국 통합 자원봉사보험 가입 서비스 지원(시군)": D(93),  # 93
    "자원봉사업무 추진 기본경비": D(5),  # 5
}


def program(name: str) -> BudgetProgram:
    return BudgetProgram.objects.get(name=name)


def enter(user, amounts: dict[str, Decimal | None], year: int = 2024) -> int:
    return settled_amounts_write(
        user=user, changes=[SettledChange(program(name).pk, year, amount) for name, amount in amounts.items()]
    )


def cooperation_goal() -> PolicyGoal:
    return PolicyGoal.objects.get(department__name="대외협력과")


def volunteering_unit(year: int):
    goal = execution_for_goals(policy_goal_ids=[cooperation_goal().pk], year=year)[cooperation_goal().pk]
    return goal, next(unit for unit in goal.units if unit.name == VOLUNTEERING_UNIT)


@pytest.mark.parametrize(
    ("budget", "settled", "value", "reason"),
    [
        (D(650), D(640), D("98.46"), ""),
        (D(3), D(2), D("66.67"), ""),  # rounded half up to 0.01
        (D(0), D(5), None, "예산액이 0입니다"),
        (None, D(5), None, "예산액이 없습니다"),
        (D(10), None, None, "결산액이 입력되지 않았습니다"),
    ],
)
def test_the_execution_rate_is_settled_over_budget_or_none_with_a_reason(budget, settled, value, reason):
    rate = execution_rate(budget=budget, settled=settled)
    assert (rate.value, rate.reason) == (value, reason)


def test_execution_per_program_unit_and_goal_from_the_sample_budgets(admin_user):
    assert enter(admin_user, SETTLED_2024) == 6

    goal, unit = volunteering_unit(2024)

    # Σ budgets 1,681 + 270 + 99 + 650 + 93 + 5 = 2,798; Σ settled 2,707 → 96.75 %
    assert (unit.budget, unit.settled, unit.rate.value) == (D(2798), D(2707), D("96.75"))
    coordinators = next(p for p in unit.programs if p.name == "자원봉사 코디네이터 지원·육성(시군)")
    assert (coordinators.budget, coordinators.settled, coordinators.rate.value) == (D(650), D(640), D("98.46"))
    # The goal's other units have no settled amount yet: its rate is not computed, and says why.
    assert goal.budget == D(4034) and goal.settled == D(2707)  # 78 + 42 + 786 + 2,798 + 330
    assert goal.rate.value is None and goal.rate.reason == "결산액이 입력되지 않은 세부사업이 13개 있습니다"
    other = next(u for u in goal.units if u.name == "정치권 협력체계 강화")
    assert other.rate == execution_rate(budget=D(78), settled=None)


def test_a_year_the_sample_prints_as_settled_has_no_budget_to_execute(sample_plan):
    _goal, unit = volunteering_unit(2023)
    assert unit.settled == D(2615) and unit.budget is None
    assert unit.rate.value is None and unit.rate.reason == "예산액이 없습니다"


def test_settled_amounts_keep_the_budget_of_the_same_year_and_are_audited(admin_user):
    enter(admin_user, {"자원봉사 코디네이터 지원·육성(시군)": D(640)})
    enter(admin_user, {"자원봉사 코디네이터 지원·육성(시군)": D("641.5")})

    amounts = BudgetProgramAmount.objects.filter(budget_program=program("자원봉사 코디네이터 지원·육성(시군)"), year=2024)
    assert sorted((a.kind, a.amount) for a in amounts) == [(AmountKind.BUDGET, D(650)), (AmountKind.SETTLED, D("641.5"))]
    audit = list(AuditEntry.objects.filter(entity="budget_amount").order_by("id"))
    assert [(a.action, a.old_value, a.new_value, a.user_id, a.year) for a in audit] == [
        ("create", "", "640", admin_user.pk, 2024), ("update", "640", "641.5", admin_user.pk, 2024),
    ]
    assert event_label("budget_amount", "update") == "결산액 수정"
    assert field_label("budget_amount", "amount") == "결산액(백만원)"


def test_a_negative_settled_amount_is_refused_and_nothing_is_saved(admin_user):
    with pytest.raises(InvalidInput) as refused:
        enter(admin_user, {"자원봉사 확산 프로그램 운영": D(1600), "자원봉사업무 추진 기본경비": D(-1)})

    assert "자원봉사업무 추진 기본경비 2024년 결산액" in refused.value.message and "0 이상" in refused.value.message
    assert not BudgetProgramAmount.objects.filter(kind=AmountKind.SETTLED, year=2024).exists()
    assert not AuditEntry.objects.filter(entity="budget_amount").exists()


def test_only_planners_of_the_organization_enter_settled_amounts(dept_user, evaluator, sample_plan):
    with pytest.raises(PermissionRefused):
        enter(dept_user, {"자원봉사업무 추진 기본경비": D(5)})
    with pytest.raises(PermissionRefused):
        enter(evaluator, {"자원봉사업무 추진 기본경비": D(5)})
    Organization.objects.create(name="전라남도")
    outsider, _ = user_create_or_update(
        username="planner_b", role="admin", password=PASSWORD, validate=False, organization_name="전라남도"
    )
    with pytest.raises(NotFound):
        enter(outsider, {"자원봉사업무 추진 기본경비": D(5)})
    assert not AuditEntry.objects.filter(entity="budget_amount").exists()


def test_importing_the_plan_again_keeps_the_settled_amounts_entered_since(admin_user):
    enter(admin_user, {"자원봉사 코디네이터 지원·육성(시군)": D(640)})

    plan_import(path=SAMPLE_PLAN, organization=Organization.objects.get(name=SAMPLE_ORGANIZATION))

    amounts = BudgetProgramAmount.objects.filter(budget_program=program("자원봉사 코디네이터 지원·육성(시군)"))
    assert sorted((a.year, a.kind, a.amount) for a in amounts) == [
        (2023, AmountKind.SETTLED, D(636)), (2024, AmountKind.BUDGET, D(650)), (2024, AmountKind.SETTLED, D(640)),
        (2025, AmountKind.BUDGET, D(654)),
    ]
