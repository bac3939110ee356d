"""Plan edition pages: each bureau's editions, and what an edition changed against the one before (the plan diff).

Planners and evaluators (admins and evaluators) of the organization read them; the selector
(imports.plan_diff.pages) checks role and scope. A refusal is a 403, a bureau out of scope a 404.
"""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.errors import PermissionRefused
from imports.plan_diff.pages import edition_diff, plan_editions
from kpis.models import Bureau


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    try:
        bureaus = plan_editions(request.user)
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    return render(request, "kpis/plans/list.html", {"bureaus": bureaus})


@login_required
@require_GET
def plan_diff_page(request: HttpRequest, bureau_id: int) -> HttpResponse:
    try:
        page = edition_diff(request.user, bureau_id)
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    except Bureau.DoesNotExist as exc:
        raise Http404("실국 계획을 찾을 수 없습니다.") from exc
    return render(request, "kpis/plans/diff.html", {"page": page})
