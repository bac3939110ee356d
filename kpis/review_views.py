"""The evaluator's review queue (decide one, or approve several with one comment) and an indicator's history."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from core.api import MAX_VERSION
from core.errors import InvalidInput, NotFound, ServiceError
from core.korean import with_josa
from core.numbers import whole_number
from kpis.audit_labels import history_lines
from kpis.models import Indicator
from kpis.review import RECENT_HISTORY, history_indicator, review_actuals, review_rows
from kpis.review import indicator_history as indicator_history_entries
from kpis.revision_selectors import revisions_by_indicator
from kpis.services.permissions import can_decide, can_review
from kpis.services.workflow import Pick, actual_approve, actual_return, actuals_approve_many

QUEUE_PAGE_SIZE = 20
HISTORY_PAGE_SIZE = 50


def _require_reviewer_page(request: HttpRequest) -> None:
    if not can_decide(request.user):
        raise PermissionDenied("권한이 없습니다")


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the queue the decision was made on (its filters and page), never to another site."""
    target = request.POST.get("next", "")
    queue = reverse("entry:review")
    if target.startswith(queue) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(queue)


@login_required
@require_GET
def review_page(request: HttpRequest) -> HttpResponse:
    if not can_review(request.user):  # the national viewer reads the queue; deciding stays with reviewers
        raise PermissionDenied("권한이 없습니다")
    review_filter, actuals = review_actuals(request.GET, user=request.user)
    page = Paginator(actuals, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": review_filter, "page": page, "rows": review_rows(list(page.object_list)),
        "recent_history": RECENT_HISTORY, "next": request.get_full_path(),
    }
    return render(request, "kpis/entry/review.html", context)


@login_required
@require_POST
def review_decide(request: HttpRequest, actual_id: int) -> HttpResponse:
    _require_reviewer_page(request)
    expected = whole_number(request.POST.get("version"), high=MAX_VERSION)
    comment = request.POST.get("comment", "")
    decision = request.POST.get("decision")
    try:
        if decision == "approve":
            actual = actual_approve(user=request.user, actual_id=actual_id, expected_version=expected, comment=comment)
            done = "승인했습니다"
        elif decision != "return":
            raise InvalidInput({"decision": ["승인 또는 반려 버튼을 눌러 주세요."]})
        else:
            actual = actual_return(user=request.user, actual_id=actual_id, expected_version=expected, comment=comment)
            done = "반려했습니다"
        subject = with_josa(f"'{actual.indicator.short_name}' {actual.year}년 실적", "을/를")
        messages.success(request, f"{subject} {done}.")
    except NotFound as exc:  # unknown, or of an organization the reviewer does not see
        raise Http404(exc.message) from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
    return _back(request)


def _picks(values: list[str]) -> list[Pick]:
    """Checkbox values 'actual id:version'; one the page could not have sent refuses the whole request."""
    picks = []
    for value in values:
        actual_id, _, version = value.partition(":")
        pick = Pick(whole_number(actual_id, low=1), whole_number(version, low=1, high=MAX_VERSION))
        if pick.actual_id is None or pick.expected_version is None:
            raise InvalidInput({"picks": ["선택한 실적을 알아볼 수 없습니다. 새로 고친 뒤 다시 선택하세요."]})
        picks.append(pick)
    return picks


@login_required
@require_POST
def review_approve_many(request: HttpRequest) -> HttpResponse:
    """Approve every checked row with one comment, all or none."""
    _require_reviewer_page(request)
    try:
        approved = actuals_approve_many(
            user=request.user, picks=_picks(request.POST.getlist("pick")), comment=request.POST.get("comment", "")
        )
        messages.success(request, f"선택한 실적 {len(approved)}건을 승인했습니다.")
    except NotFound as exc:  # a pick unknown, or of an organization the reviewer does not see
        raise Http404(exc.message) from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
    return _back(request)


@login_required
@require_GET
def history_page(request: HttpRequest, indicator_id: int) -> HttpResponse:
    try:
        indicator = history_indicator(indicator_id, user=request.user)
    except Indicator.DoesNotExist as exc:
        raise Http404("성과지표를 찾을 수 없습니다.") from exc
    page = Paginator(indicator_history_entries(indicator_id), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "indicator": indicator, "page": page, "lines": history_lines(list(page.object_list), indicator),
        "revisions": revisions_by_indicator([indicator.pk]).get(indicator.pk, []),
    }
    return render(request, "kpis/entry/history.html", context)
