"""The organization a page shows: the one a user chose in the header switcher, kept in the session.

Users who see one organization always get it; users who see several (`visible_organization_ids`
None or more than one) may switch, and start on their own organization, else the first visible
one by name. A session value outside the user's scope is ignored, never trusted.
"""
from __future__ import annotations

from django.http import HttpRequest

from kpis.models import Organization
from kpis.scope import own_organization_id, scoped, visible_organization_ids

SESSION_KEY = "current_organization_id"
# (id, name) of the organization last resolved for the session, so the header names it without a query on every
# page; written at login and on a switch, and only used while its id is the organization the rules pick.
LABEL_KEY = "current_organization_label"


def visible_organizations(user):
    """The organizations `user` sees, by name."""
    return scoped(Organization.objects.order_by("name"), user, "pk")


def sees_several(user, visible: set[int] | None | object = ...) -> bool:
    """Whether `user` sees more than one organization (`visible`: their visible_organization_ids, if read)."""
    if visible is ...:
        visible = visible_organization_ids(user)
    return visible is None or len(visible) > 1


def _remember(session, organization: Organization | None) -> Organization | None:
    if organization is not None and session.get(LABEL_KEY) != [organization.pk, organization.name]:
        session[LABEL_KEY] = [organization.pk, organization.name]
    return organization


def current_organization(request: HttpRequest) -> Organization | None:
    """The organization the request's pages show (None: the user sees none); resolved once per request."""
    if not hasattr(request, "_current_organization"):
        request._current_organization = _current_organization(request)
    return request._current_organization


def _current_organization(request: HttpRequest) -> Organization | None:
    user = request.user
    session = request.session
    visible = visible_organization_ids(user)
    label = session.get(LABEL_KEY)
    for candidate in (session.get(SESSION_KEY), own_organization_id(user)):
        if candidate is None or (visible is not None and candidate not in visible):
            continue
        if label and label[0] == candidate:
            return Organization(pk=label[0], name=label[1])  # the id and name the pages need, no query
        found = Organization.objects.filter(pk=candidate).first()
        if found is not None:
            return _remember(session, found)
    return _remember(session, visible_organizations(user).first())


def remember_on_login(sender, request, user, **kwargs) -> None:
    """`user_logged_in`: remember the user's own organization's name for the header (one query, at login)."""
    own = own_organization_id(user)
    if request is not None and own is not None and hasattr(request, "session"):
        _remember(request.session, Organization.objects.filter(pk=own).first())


def current_organization_set(request: HttpRequest, organization_id: int) -> Organization | None:
    """Remember `organization_id` for the session if the user sees it; returns it (None: not visible)."""
    found = visible_organizations(request.user).filter(pk=organization_id).first()
    if found is not None:
        request.session[SESSION_KEY] = found.pk
        _remember(request.session, found)
        request._current_organization = found
    return found
