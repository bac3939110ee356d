"""Finalising and reopening a year from the scoreboard: admins of the organization the page shows
(kpis.services.finalise decides; a refusal is 403, another organization's year 404)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from core.errors import NotFound, PermissionRefused, ServiceError
from kpis.current import current_organization
from kpis.score_views import _year
from kpis.services.finalise import year_finalise, year_reopen


def _page_organization_id(request: HttpRequest) -> int:
    """The organization the scoreboard shows (kpis/current.py): the one whose year is finalised or reopened."""
    organization = current_organization(request)
    if organization is None:
        raise PermissionDenied("소속 기관이 없어 연도를 확정하거나 해제할 수 없습니다.")
    return organization.pk


@login_required
@require_POST
def scoreboard_finalise(request: HttpRequest, year: int) -> HttpResponse:
    year = _year(year)
    try:
        count = year_finalise(user=request.user, organization_id=_page_organization_id(request), year=year)
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{year}년 결과를 확정했습니다 ({count}개 부서).")
    return redirect("scores:board", year=year)


@login_required
@require_POST
def scoreboard_reopen(request: HttpRequest, year: int) -> HttpResponse:
    """An admin reopens a finalised year with a reason (audited); the frozen snapshots stay until re-finalised."""
    year = _year(year)
    try:
        year_reopen(
            user=request.user, organization_id=_page_organization_id(request), year=year,
            reason=request.POST.get("reason", ""),
        )
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{year}년 확정을 해제했습니다. 목표를 바꾸고 다시 확정할 수 있습니다.")
    return redirect("scores:board", year=year)
