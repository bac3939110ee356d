"""Pages across organizations: the header's switcher and the comparison of the organizations a user sees."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from kpis.board_cache import board_cached
from kpis.current import current_organization_set, sees_several
from kpis.scope import visible_organization_ids
from kpis.score_selectors.compare import COMPARE_SORTS, organization_comparison
from kpis.score_views import _int, _year


@login_required
@require_GET
def organization_compare(request: HttpRequest, year: int) -> HttpResponse:
    """One row per organization the user sees; only for users who see several."""
    year = _year(year)
    if not sees_several(request.user):
        raise PermissionDenied("여러 기관을 볼 수 있는 사용자만 기관을 비교할 수 있습니다.")
    sort = request.GET.get("sort", "name")
    sort = sort if sort in COMPARE_SORTS else "name"
    visible = visible_organization_ids(request.user)
    scope = None if visible is None else tuple(sorted(visible))
    # Built once per data version and kept like the scoreboard's parts: the national roll-up reads every
    # department's score (bench/scoreboard.py --scale, docs/benchmarks.md).
    compare = board_cached(year, ("compare", sort, scope), lambda memo: _compare(year, sort, scope))
    context = {
        "year": year, "lines": compare["lines"], "compare": compare, "sort": sort, "sorts": COMPARE_SORTS,
        "years": (year - 1, year + 1),
    }
    return render(request, "kpis/scores/compare.html", context)


def _compare(year: int, sort: str, scope: tuple[int, ...] | None) -> dict:
    """The comparison's lines and their rendered table (the data-dependent part of the page)."""
    lines = organization_comparison(year, scope, sort=sort)
    table = render_to_string("kpis/scores/_compare_table.html", {"year": year, "lines": lines, "sort": sort})
    return {"lines": lines, "table": mark_safe(table)}  # an autoescaped template


@login_required
@require_POST
def organization_switch(request: HttpRequest) -> HttpResponse:
    """The header's switcher: remember the chosen organization, back to the page it was sent from."""
    organization = current_organization_set(request, _int(request.POST.get("organization")) or 0)
    if organization is None:
        raise Http404("기관을 찾을 수 없습니다.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = reverse("kpis:home")
    messages.success(request, f"{organization.name} 화면으로 바꿨습니다.")
    return redirect(target)
