"""Read-only plan pages: parse the id, call one selector, render."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kpis.current import current_organization
from kpis.models import Bureau, Department
from kpis.scope import visible_organization_ids
from kpis.selectors import bureau_list, bureau_overview, department_page
from kpis.years import scoreboard_year_default


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The current organization's bureaus (kpis/current.py: the one chosen in the header, else the user's own),
    within what the user sees."""
    organization = current_organization(request)
    bureaus = bureau_list(user=request.user, organization_id=organization.pk if organization is not None else None)
    if len(bureaus) == 1:
        # One bureau is the usual install: show its overview rather than a list of one.
        overview = bureau_overview(bureau_id=bureaus[0].id, user=request.user)
        context = {"bureau": overview, "is_home": True, "organization": organization, "report_year": _report_year()}
        return render(request, "kpis/bureau_detail.html", context)
    # An account given no organization sees nothing: say so, and whom to ask, instead of an empty list.
    no_organization = visible_organization_ids(request.user) == set()
    return render(
        request, "kpis/home.html", {"bureaus": bureaus, "organization": organization, "no_organization": no_organization}
    )


@login_required
def bureau_detail(request: HttpRequest, bureau_id: int) -> HttpResponse:
    try:
        overview = bureau_overview(bureau_id=bureau_id, user=request.user)
    except Bureau.DoesNotExist as exc:
        raise Http404("실국을 찾을 수 없습니다.") from exc
    return render(request, "kpis/bureau_detail.html", {"bureau": overview, "report_year": _report_year()})


def _report_year() -> int:
    """The year the bureau page's 성과보고서 link opens: the scoreboard's (reports.report)."""
    return scoreboard_year_default()


@login_required
def department_detail(request: HttpRequest, department_id: int) -> HttpResponse:
    try:
        page = department_page(department_id=department_id, user=request.user)
    except Department.DoesNotExist as exc:
        raise Http404("부서를 찾을 수 없습니다.") from exc
    return render(request, "kpis/department_detail.html", {"page": page})
