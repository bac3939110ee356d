"""Which organizations a user sees: the one rule the selectors and services filter by.

The national viewer and a superuser of no organization see every organization (None). Everyone else sees their own
organization, and a province's evaluator given its cities and counties (`sees_child_organizations`)
those too. A department user's organization is their department's; a user with neither sees none.
"""
from __future__ import annotations

from accounts.models import Role, User
from kpis.models import Organization


def visible_organization_ids(user: User) -> set[int] | None:
    """Ids of the organizations `user` may see; None means all of them."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.role == Role.VIEWER or (user.is_superuser and user.organization_id is None):
        return None  # the national viewer; an installation's superuser that belongs to no organization
    own = user.organization_id
    if own is None and user.department_id is not None:
        own = user.department.bureau.organization_id
    if own is None:
        return set()
    visible = {own}
    if user.sees_child_organizations and user.role != Role.DEPARTMENT:
        visible.update(Organization.objects.filter(parent_id=own).values_list("pk", flat=True))
    return visible
