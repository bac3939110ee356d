"""Query-string filters of the budget endpoints."""
from __future__ import annotations

from django_filters import rest_framework as filters

from budgets.models import BudgetProgram, UnitProgram
from core.api import IdFilter
from kpis.api.filters import edition_filters


class UnitProgramFilter(filters.FilterSet):
    organization, plan_year = edition_filters("department__bureau__")
    department = IdFilter(field_name="department_id", help_text="부서 id")
    policy_goal = IdFilter(field_name="policy_goal_id", help_text="정책사업목표 id")

    class Meta:
        model = UnitProgram
        fields = ["organization", "plan_year", "department", "policy_goal"]


class BudgetProgramFilter(filters.FilterSet):
    organization, plan_year = edition_filters("unit_program__department__bureau__")
    unit_program = IdFilter(field_name="unit_program_id", help_text="단위사업 id")
    department = IdFilter(field_name="unit_program__department_id", help_text="부서 id")

    class Meta:
        model = BudgetProgram
        fields = ["organization", "plan_year", "unit_program", "department"]
