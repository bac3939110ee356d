"""The organization a page shows: the one a user chose in the header switcher, kept in the session.

Users who see one organization always get it; users who see several (`visible_organization_ids`
None or more than one) may switch, and start on their own organization, else the first visible
one by name. A session value outside the user's scope is ignored, never trusted.
"""
from __future__ import annotations

from django.http import HttpRequest

from kpis.models import Organization
from kpis.scope import visible_organization_ids

SESSION_KEY = "current_organization_id"


def visible_organizations(user):
    """The organizations `user` sees, by name."""
    visible = visible_organization_ids(user)
    organizations = Organization.objects.order_by("name")
    return organizations if visible is None else organizations.filter(pk__in=visible)


def sees_several(user) -> bool:
    visible = visible_organization_ids(user)
    return visible is None or len(visible) > 1


def _own_organization_id(user) -> int | None:
    if getattr(user, "organization_id", None):
        return user.organization_id
    department = getattr(user, "department", None) if getattr(user, "department_id", None) else None
    return department.bureau.organization_id if department else None


def current_organization(request: HttpRequest) -> Organization | None:
    """The organization the request's pages show (None: the user sees none)."""
    user = request.user
    visible = visible_organization_ids(user)
    chosen = request.session.get(SESSION_KEY)
    for candidate in (chosen, _own_organization_id(user)):
        if candidate is not None and (visible is None or candidate in visible):
            found = Organization.objects.filter(pk=candidate).first()
            if found is not None:
                return found
    return visible_organizations(user).first()


def current_organization_set(request: HttpRequest, organization_id: int) -> Organization | None:
    """Remember `organization_id` for the session if the user sees it; returns it (None: not visible)."""
    found = visible_organizations(request.user).filter(pk=organization_id).first()
    if found is not None:
        request.session[SESSION_KEY] = found.pk
    return found
