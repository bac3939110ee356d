"""Which organizations a user sees: the one rule the selectors and services filter by.

The national viewer and a superuser of no organization see every organization (None). Everyone else sees their own
organization, and a province's evaluator given its cities and counties (`sees_child_organizations`)
those too. A department user's organization is their department's; a user with neither sees none.
"""
from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Role, User
from kpis.models import Organization


def own_organization_id(user: User) -> int | None:
    """The user's own organization: the one set on the user, else their department's (None: neither)."""
    if getattr(user, "organization_id", None):
        return user.organization_id
    if getattr(user, "department_id", None):
        return user.department.bureau.organization_id
    return None


def visible_organization_ids(user: User) -> set[int] | None:
    """Ids of the organizations `user` may see; None means all of them.

    Read once per user object, so once per request (every selector, service and template tag of a page asks):
    kept on the object under the fields it depends on, so a user changed in between is read afresh.
    """
    if not user.is_authenticated or not user.is_active:
        return set()
    key = (user.pk, user.role, user.is_superuser, user.organization_id, user.department_id,
           user.sees_child_organizations)
    cached = getattr(user, "_visible_organizations", None)
    if cached is None or cached[0] != key:
        cached = (key, _visible_organization_ids(user))
        user._visible_organizations = cached
    return None if cached[1] is None else set(cached[1])


def _visible_organization_ids(user: User) -> set[int] | None:
    if user.role == Role.VIEWER or (user.is_superuser and user.organization_id is None):
        return None  # the national viewer; an installation's superuser that belongs to no organization
    own = own_organization_id(user)
    if own is None:
        return set()
    visible = {own}
    if user.sees_child_organizations and user.role != Role.DEPARTMENT:
        visible.update(Organization.objects.filter(parent_id=own).values_list("pk", flat=True))
    return visible


def scoped(queryset: QuerySet, user: User, path: str = "department__bureau__organization_id") -> QuerySet:
    """`queryset` limited to the organizations `user` sees: one join in the same query, never a per-row check.

    `path` leads from the queryset's model to an organization id (a Bureau's is "organization_id").
    """
    visible = visible_organization_ids(user)
    if visible is None:
        return queryset
    return queryset.filter(**{f"{path}__in": visible})


def organization_of_department(department_id: int) -> int | None:
    from kpis.models import Department

    return Department.objects.filter(pk=department_id).values_list("bureau__organization_id", flat=True).first()


def sees_department(user: User, department_id: int) -> bool:
    """Whether the department belongs to an organization `user` sees (reads: plan, scores, actuals)."""
    visible = visible_organization_ids(user)
    if visible is None:
        return True
    return organization_of_department(department_id) in visible


def sees_organization(user: User, organization_id: int | None) -> bool:
    visible = visible_organization_ids(user)
    return visible is None or organization_id in visible


def can_read_department(user: User, department_id: int) -> bool:
    """A department's own files (evidence): its own users, and evaluators, admins and viewers who see its
    organization."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role == Role.DEPARTMENT and not user.is_superuser:
        return user.department_id is not None and user.department_id == department_id
    if user.role in (Role.ADMIN, Role.EVALUATOR, Role.VIEWER) or user.is_superuser:
        return sees_department(user, department_id)
    return False


def import_runs_condition(user: User) -> Q:
    """Import runs (imports.ImportRun) of the organizations `user` sees, by the organization each run records
    (every creation path sets it; migration imports 0007 filled in the older runs). A run that names none is
    read only by users of every organization: a path that forgot to set it shows its runs to nobody else."""
    visible = visible_organization_ids(user)
    if visible is None:
        return Q()
    return Q(organization_id__in=visible)


def users_condition(user: User) -> Q:
    """Users (accounts.User) of the organizations `user` sees: by their organization, else their department's."""
    visible = visible_organization_ids(user)
    if visible is None:
        return Q()
    return Q(organization_id__in=visible) | Q(organization__isnull=True, department__bureau__organization_id__in=visible)
