"""Who may do what: the one place forms, API and imports ask."""
from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from accounts.models import Role, User
from core.errors import NotFound, PermissionRefused, YearClosed
from core.korean import with_josa
from core.security import log_refusal
from kpis.models import Department, EntryException, EntryYear
from kpis.scope import can_read_department, sees_department, sees_organization

__all__ = ["can_read_department", "sees_department"]


def is_admin(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role == Role.ADMIN))


def is_evaluator(user: User) -> bool:
    return bool(user.is_authenticated and user.role == Role.EVALUATOR)


def is_viewer(user: User) -> bool:
    """The national viewer: reads every organization like an evaluator, writes nothing anywhere."""
    return bool(user.is_authenticated and user.role == Role.VIEWER and not user.is_superuser)


def can_review(user: User) -> bool:
    """Reads of the review queue, drill-downs and exports: evaluators, admins and the viewer (reads only)."""
    return is_evaluator(user) or is_admin(user) or is_viewer(user)


def can_decide(user: User) -> bool:
    """Approve, return, recompute: evaluators and admins (the viewer only reads)."""
    return is_evaluator(user) or is_admin(user)


def can_write_actuals_of(user: User, department_id: int) -> bool:
    """Department users write only their own department; admins may correct any within their organization(s)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_admin(user):
        return sees_department(user, department_id)
    return user.role == Role.DEPARTMENT and user.department_id == department_id


def require_department_in_scope(user: User, department_id: int, what: str = "부서") -> None:
    """An object of an organization `user` does not see is answered as if it did not exist."""
    if not sees_department(user, department_id):
        log_refusal(user, "out_of_scope", f"department={department_id}")
        raise NotFound(f"{with_josa(what, '을/를')} 찾을 수 없습니다.")


def require_actual_writer(user: User, department_id: int) -> None:
    if not can_write_actuals_of(user, department_id):
        log_refusal(user, "actual_write", f"department={department_id}")
        raise PermissionRefused("이 부서의 실적을 수정할 권한이 없습니다.")


def require_report_writer(user: User, department_id: int) -> None:
    """성과보고서 entries (reports app): written by whoever may write the department's actuals."""
    if not can_write_actuals_of(user, department_id):
        log_refusal(user, "report_write", f"department={department_id}")
        raise PermissionRefused("이 부서의 성과보고서 내용을 작성할 권한이 없습니다.")


def require_reviewer(user: User, department_id: int | None = None) -> None:
    """Evaluators and admins review; given a department, only one of an organization they see (else NotFound)."""
    if not can_decide(user):
        log_refusal(user, "review", "not an evaluator")
        raise PermissionRefused("평가자만 승인하거나 반려할 수 있습니다.")
    if department_id is not None:
        require_department_in_scope(user, department_id, "실적")


def require_admin(user: User | None) -> None:
    if user is None or not is_admin(user):
        log_refusal(user, "admin", "not an admin")
        raise PermissionRefused("관리자만 할 수 있는 작업입니다.")


def require_organization_admin(user: User | None, organization_id: int) -> None:
    """An admin of the organization (one it sees: kpis/scope.py); another organization reads as absent."""
    require_admin(user)
    if not sees_organization(user, organization_id):
        log_refusal(user, "out_of_scope", f"organization={organization_id}")
        raise NotFound("기관을 찾을 수 없습니다.")


def require_year_open(department_id: int, year: int) -> None:
    """A closed year rejects every change unless the department holds a live exception."""
    require_years_open([department_id], year)


def require_years_open(department_ids: Iterable[int], year: int) -> None:
    """`require_year_open` for several departments at once, each by its own organization's window: one query
    while the year is open, two when it is closed, whatever their number; raises YearClosed naming the year."""
    wanted = set(department_ids)
    window = EntryYear.objects.filter(organization_id=OuterRef("bureau__organization_id"), year=year, is_closed=True)
    closed = dict(
        Department.objects.filter(pk__in=wanted)
        .filter(Exists(window))
        .annotate(reason=Subquery(window.values("closed_reason")[:1]))
        .values_list("pk", "reason")
    )
    if not closed:
        return
    excepted = set(
        EntryException.objects.filter(department_id__in=closed, year=year, until__gte=timezone.now())
        .values_list("department_id", flat=True)
    )
    refused = [department_id for department_id in closed if department_id not in excepted]
    if not refused:
        return
    reason = closed[min(refused)] or "입력 기간이 끝났습니다"
    raise YearClosed(f"{year}년 실적 입력이 마감되었습니다 ({reason}). 변경할 수 없습니다.")
