"""The header's organization switcher (templates/base.html): a plain form, no script needed."""
from __future__ import annotations

from django import template

from kpis.current import current_organization, sees_several, visible_organizations
from kpis.scope import visible_organization_ids

register = template.Library()


@register.inclusion_tag("kpis/_organization_switcher.html", takes_context=True)
def organization_switcher(context) -> dict:
    """Users who see several organizations get a <select>; users of one see its name; others nothing."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {"show": False}
    visible = visible_organization_ids(request.user)
    if visible is not None and len(visible) == 0:
        return {"show": False}
    current = current_organization(request)
    several = sees_several(request.user, visible)
    return {
        "show": current is not None,
        "current": current,
        "organizations": list(visible_organizations(request.user).values_list("id", "name")) if several else [],
        "several": several,
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
