"""Query-string filters; every id and year is bounded so a bad value is a 400, not a crash."""
from __future__ import annotations

from django_filters import rest_framework as filters

from core.api import IdFilter, YearFilter


def edition_filters(path: str) -> tuple[IdFilter, YearFilter]:
    """`?organization=` and `?plan_year=`: the edition a row belongs to; always within the user's scope (an
    organization out of scope gives an empty list, as an unknown one does)."""
    return (
        IdFilter(field_name=f"{path}organization_id", help_text="기관(지방자치단체) id"),
        YearFilter(field_name=f"{path}plan_year", help_text="계획 연도 (예: 2025)"),
    )
from kpis.models import Actual, ActualStatus, Department, Indicator, IndicatorKind, PolicyGoal, StrategicGoal


class DepartmentFilter(filters.FilterSet):
    organization, plan_year = edition_filters("bureau__")
    bureau = IdFilter(field_name="bureau_id", help_text="실국 id")

    class Meta:
        model = Department
        fields = ["organization", "plan_year", "bureau"]


class StrategicGoalFilter(filters.FilterSet):
    organization, plan_year = edition_filters("department__bureau__")
    department = IdFilter(field_name="department_id", help_text="소관부서 id")

    class Meta:
        model = StrategicGoal
        fields = ["organization", "plan_year", "department"]


class PolicyGoalFilter(filters.FilterSet):
    organization, plan_year = edition_filters("department__bureau__")
    department = IdFilter(field_name="department_id", help_text="부서 id")
    strategic_goal = IdFilter(field_name="strategic_goal_id", help_text="전략목표 id")

    class Meta:
        model = PolicyGoal
        fields = ["organization", "plan_year", "department", "strategic_goal"]


class IndicatorFilter(filters.FilterSet):
    organization, plan_year = edition_filters("department__bureau__")
    department = IdFilter(field_name="department_id", help_text="부서 id")
    policy_goal = IdFilter(field_name="policy_goal_id", help_text="정책사업목표 id")
    kind = filters.ChoiceFilter(choices=IndicatorKind.choices, help_text="지표 유형")

    class Meta:
        model = Indicator
        fields = ["organization", "plan_year", "department", "kind", "policy_goal"]


class ActualFilter(filters.FilterSet):
    organization, plan_year = edition_filters("indicator__department__bureau__")
    department = IdFilter(field_name="indicator__department_id", help_text="부서 id")
    indicator = IdFilter(field_name="indicator_id", help_text="성과지표 id")
    year = YearFilter(help_text="연도")
    status = filters.ChoiceFilter(choices=ActualStatus.choices, help_text="상태")
    period = IdFilter(  # a bounded whole number like an id: 0..4, else 400
        min_value=0, max_value=4, help_text="기간: 0은 연간 실적, 1~4는 분기(반기는 1~2) 실적. 생략하면 모두"
    )

    class Meta:
        model = Actual
        fields = ["organization", "plan_year", "department", "indicator", "year", "status", "period"]
