"""The execution page of a department's year: budget (예산), settled (결산) and execution rate per budget program,
unit program and policy goal; planners (admins) enter the settled amounts here."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from budgets.execution import execution_for_goals
from budgets.settled import SettledChange, settled_amounts_write, settled_read
from core.errors import InvalidInput, ServiceError
from kpis.domain import ValueRefused
from kpis.models import PolicyGoal
from kpis.scope import sees_department
from kpis.services.permissions import is_admin
from reports.views import page_department, page_year


def _render(request, department, year, *, errors=None, typed=None, status=200) -> HttpResponse:
    goals = list(PolicyGoal.objects.filter(department=department).order_by("strategic_goal__order", "order", "id"))
    executions = execution_for_goals(policy_goal_ids=[goal.pk for goal in goals], year=year)
    context = {
        "department": department, "year": year, "goals": [(goal, executions[goal.pk]) for goal in goals],
        "can_enter": is_admin(request.user) and sees_department(request.user, department.pk),
        "errors": errors or {}, "typed": typed or {}, "years": list(range(year - 2, year + 2)),
    }
    return render(request, "reports/execution.html", context, status=status)


@login_required
@require_GET
def execution_page(request: HttpRequest, department_id: int, year: int) -> HttpResponse:
    return _render(request, page_department(request, department_id), page_year(year))


@login_required
@require_POST
def execution_save(request: HttpRequest, department_id: int, year: int) -> HttpResponse:
    """Every 결산 field of the page (settled_<program id>) read with the one rule; all saved, or none."""
    year = page_year(year)
    department = page_department(request, department_id)
    goals = PolicyGoal.objects.filter(department=department).values_list("pk", flat=True)
    programs = [p for goal in execution_for_goals(policy_goal_ids=goals, year=year).values() for p in goal.programs]
    typed = {p.budget_program_id: request.POST.get(f"settled_{p.budget_program_id}", "") for p in programs}
    changes, errors = [], {}
    for program in programs:
        try:
            amount = settled_read(typed[program.budget_program_id])
        except ValueRefused as exc:
            errors[program.budget_program_id] = [exc.message]
            continue
        if amount != program.settled:
            changes.append(SettledChange(program.budget_program_id, year, amount))
    if errors:
        return _render(request, department, year, errors=errors, typed=typed, status=400)
    try:
        count = settled_amounts_write(user=request.user, changes=changes)
    except InvalidInput as exc:
        return _render(request, department, year, errors={None: [exc.message]}, typed=typed, status=400)
    except ServiceError as exc:
        return _render(request, department, year, errors={None: [exc.message]}, typed=typed, status=exc.http_status)
    messages.success(request, f"{year}년 결산액 {count}건을 저장했습니다." if count else "바뀐 결산액이 없습니다.")
    return redirect("reports:execution", department.pk, year)
