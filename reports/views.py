"""Pages of report entries: a department writes them per indicator of a year; evaluators approve or return them."""
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
from kpis.models import Department
from kpis.services.permissions import can_decide, can_review, can_write_actuals_of
from kpis.years import entry_year_default
from reports.models import ReportEntryStatus
from reports.selectors import REVIEW_STATUSES, entry_rows, report_department, review_entries
from reports.services import (
    TEXT_MAX_LENGTH,
    report_entry_approve,
    report_entry_return,
    report_entry_save,
    report_entry_submit,
)

MIN_YEAR, MAX_YEAR = 2000, 2100
REVIEW_PAGE_SIZE = 20


def page_year(value: int) -> int:
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise Http404("연도가 올바르지 않습니다.")
    return value


def page_department(request: HttpRequest, department_id: int) -> Department:
    try:
        return report_department(department_id, user=request.user)
    except Department.DoesNotExist as exc:
        raise Http404("부서를 찾을 수 없습니다.") from exc


@login_required
def entries_mine(request: HttpRequest) -> HttpResponse:
    department = request.user.department
    if department is None:
        return redirect("reports:review")
    return redirect("reports:entries", department.pk, entry_year_default(bureau=department.bureau))


def _render_page(request, department, year, *, errors=None, typed=None, status=200) -> HttpResponse:
    can_write = can_write_actuals_of(request.user, department.pk)
    rows = entry_rows(department, year, writable=can_write)
    for row in rows:
        row.typed = (typed or {}).get(row.indicator.pk)
    context = {
        "department": department, "year": year, "rows": rows, "can_write": can_write,
        "errors": errors or {}, "years": list(range(year - 2, year + 2)),
        "text_max_length": TEXT_MAX_LENGTH,
    }
    return render(request, "reports/entries/page.html", context, status=status)


@login_required
@require_GET
def entries_page(request: HttpRequest, department_id: int, year: int) -> HttpResponse:
    return _render_page(request, page_department(request, department_id), page_year(year))


@login_required
@require_POST
def entry_save(request: HttpRequest, department_id: int, year: int, indicator_id: int) -> HttpResponse:
    """Save the draft (action=save) or save and submit (action=submit); a refusal re-renders the page beside the row."""
    year = page_year(year)
    department = page_department(request, department_id)
    texts = {name: request.POST.get(name, "") for name in ("shortfall_reason", "improvement_plan", "analysis")}
    version = whole_number(request.POST.get("version"), low=0, high=MAX_VERSION)
    if not department.indicators.filter(pk=indicator_id).exists():
        raise Http404("성과지표를 찾을 수 없습니다.")
    try:
        entry = report_entry_save(
            user=request.user, indicator_id=indicator_id, year=year, expected_version=version or None, **texts
        )
        if request.POST.get("action") == "submit":
            entry = report_entry_submit(user=request.user, entry_id=entry.pk)
            done = "제출했습니다"
        else:
            done = "저장했습니다"
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except InvalidInput as exc:
        return _render_page(request, department, year, errors={indicator_id: exc.errors}, typed={indicator_id: texts},
                            status=400)
    except ServiceError as exc:
        errors = {indicator_id: {"non_field_errors": [exc.message]}}
        return _render_page(request, department, year, errors=errors, typed={indicator_id: texts}, status=exc.http_status)
    messages.success(request, f"{with_josa(f'{entry.indicator.short_name} 작성 내용', '을/를')} {done}.")
    return redirect(reverse("reports:entries", args=[department.pk, year]) + f"#ind-{indicator_id}")


@login_required
@require_GET
def review_page(request: HttpRequest) -> HttpResponse:
    if not can_review(request.user):
        raise PermissionDenied("권한이 없습니다")
    statuses = dict(REVIEW_STATUSES)
    status = request.GET.get("status") or ReportEntryStatus.SUBMITTED
    if status not in statuses:
        status = ReportEntryStatus.SUBMITTED
    year = whole_number(request.GET.get("year"), low=MIN_YEAR, high=MAX_YEAR)
    page = Paginator(review_entries(user=request.user, status=status, year=year), REVIEW_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page, "status": status, "statuses": REVIEW_STATUSES, "year": year,
        "can_decide": can_decide(request.user), "next": request.get_full_path(),
    }
    return render(request, "reports/entries/review.html", context)


@login_required
@require_POST
def review_decide(request: HttpRequest, entry_id: int) -> HttpResponse:
    if not can_decide(request.user):
        raise PermissionDenied("권한이 없습니다")
    expected = whole_number(request.POST.get("version"), low=1, high=MAX_VERSION)
    comment = request.POST.get("comment", "")
    decision = request.POST.get("decision")
    try:
        if decision == "approve":
            entry = report_entry_approve(user=request.user, entry_id=entry_id, expected_version=expected, comment=comment)
            done = "승인했습니다"
        elif decision == "return":
            entry = report_entry_return(user=request.user, entry_id=entry_id, expected_version=expected, comment=comment)
            done = "반려했습니다"
        else:
            raise InvalidInput({"decision": ["승인 또는 반려 버튼을 눌러 주세요."]})
        subject = with_josa(f"'{entry.indicator.short_name}' {entry.year}년 성과보고서 작성 내용", "을/를")
        messages.success(request, f"{subject} {done}.")
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
    target = request.POST.get("next", "")
    queue = reverse("reports:review")
    if target.startswith(queue) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(queue)
