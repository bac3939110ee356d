"""Pages for workbooks: download, upload with preview, confirm, error workbook, history."""
from __future__ import annotations

import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import NotFound, PermissionRefused, ServiceError
from core.numbers import whole_number
from imports import actuals_import, actuals_rows, exporters, plan_workbook, run_rows, runs
from imports.forms import MAX_YEAR, MIN_YEAR, ActualsExportForm, HistoryFilterForm
from imports.models import ImportKind, ImportStatus
from imports.uploads import size_text, too_large_message
from imports.workbook_writing import xlsx_response
from kpis.models import Department, Indicator
from kpis.scope import scoped
from kpis.services.permissions import can_decide, can_review, is_admin

MULTIPART_OVERHEAD = 64 * 1024
HISTORY_PAGE_SIZE = 50
DRAFT_NOTICE = "값은 '작성 중'으로 저장되었습니다. 실적 입력 화면에서 제출해야 평가자에게 전달됩니다."


def _int_param(request: HttpRequest, name: str, *, low: int = 1, high: int = 2**63 - 1) -> int | None:
    raw = request.GET.get(name) or (request.POST.get(name) if request.method == "POST" else None)
    if raw in (None, ""):
        return None
    number = whole_number(raw, low=low, high=high)
    if number is None:
        raise Http404(f"{name} 값이 올바르지 않습니다.")
    return number


@login_required
@require_GET
def actuals_export(request: HttpRequest) -> HttpResponse:
    year = _int_param(request, "year", low=MIN_YEAR, high=MAX_YEAR)
    if year is None:
        raise Http404("연도를 지정하세요.")
    department_id = _int_param(request, "department")
    out = io.BytesIO()
    try:
        export = exporters.actuals_workbook(user=request.user, year=year, department_id=department_id, out=out)
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return xlsx_response(out.getvalue(), export.file_name)


@login_required
@require_GET
def plan_export(request: HttpRequest) -> HttpResponse:
    out = io.BytesIO()
    try:
        export = plan_workbook.plan_workbook(user=request.user, out=out)
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    return xlsx_response(out.getvalue(), export.file_name)


def _too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return length > settings.UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD


def _upload_context(request: HttpRequest, kind: str) -> dict:
    department_id = _int_param(request, "department")
    year = _int_param(request, "year", low=MIN_YEAR, high=MAX_YEAR)
    visible = scoped(Department.objects.all(), request.user, "bureau__organization_id")
    department = visible.filter(pk=department_id).first() if department_id else None
    return {
        "kind": kind, "department": department, "year": year,
        "limit": size_text(settings.UPLOAD_MAX_BYTES),
        "can_export_all": can_review(request.user),
    }


def _export_form(request: HttpRequest, context: dict) -> ActualsExportForm:
    return ActualsExportForm(initial={"year": context["year"], "department": context["department"]}, user=request.user)


# The size is checked before CSRF or the upload handlers read the body (Django's documented pattern:
# exempt the outer view, protect the inner one).
@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def actuals_upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and _too_large(request):
        context = {"error": too_large_message()}
        return render(request, "imports/upload.html", {**context, "kind": "actuals"}, status=413)
    return _actuals_upload(request)


@csrf_protect
def _actuals_upload(request: HttpRequest) -> HttpResponse:
    context = _upload_context(request, "actuals")
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = "올릴 파일을 고르세요."
            return render(request, "imports/upload.html", context, status=400)
        run = actuals_import.actuals_upload(
            user=request.user, upload=upload, file_name=upload.name,
            department_id=context["department"].pk if context["department"] else None, year=context["year"],
        )
        return redirect("imports:detail", run_id=run.pk)
    if context["department"] is None and request.user.department_id:
        context["department"] = Department.objects.filter(pk=request.user.department_id).first()
    return render(request, "imports/upload.html", {**context, "export_form": _export_form(request, context)})


@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def plan_upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and _too_large(request):
        context = {"error": too_large_message()}
        return render(request, "imports/upload.html", {**context, "kind": "plan"}, status=413)
    return _plan_upload(request)


@csrf_protect
def _plan_upload(request: HttpRequest) -> HttpResponse:
    if not can_decide(request.user):
        raise PermissionDenied("계획 엑셀은 관리자와 평가자만 다룰 수 있습니다.")
    context = _upload_context(request, "plan")
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = "올릴 파일을 고르세요."
            return render(request, "imports/upload.html", context, status=400)
        run = plan_workbook.plan_upload(user=request.user, upload=upload, file_name=upload.name)
        return redirect("imports:detail", run_id=run.pk)
    return render(request, "imports/upload.html", context)


def _run(request: HttpRequest, run_id: int):
    try:
        return runs.run_get(user=request.user, run_id=run_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
@require_GET
def detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(request, run_id)
    show_all = request.GET.get("all") == "1"
    status = request.GET.get("status")
    status = status if status in actuals_rows.STATUS_LABELS else None
    # One page of rows from ImportRow: a preview of 100,000 rows is never loaded at once.
    shown = run_rows.run_rows_page(
        run, page=_int_param(request, "page", high=10**7) or 1, include_unchanged=show_all, status=status
    )
    if run.kind == ImportKind.ACTUALS_WORKBOOK:  # figures shown with their indicator's decimals: one query a page
        indicators = Indicator.objects.only("display_places").in_bulk(
            {row["indicator_id"] for row in shown["rows"] if row.get("indicator_id")}
        )
        for row in shown["rows"]:
            row["indicator"] = indicators.get(row.get("indicator_id"))
    context = {
        "run": run, "status_label": runs.run_status_label(run), "rows": shown["rows"], "page": shown, "show_all": show_all, "status": status,
        "hidden_unchanged": 0 if show_all or status else run.summary.get("unchanged", 0),
        "summary": run.summary, "errors": run.errors[:500],
        "more_errors": max(0, len(run.errors) - 500), "is_plan": run.kind == ImportKind.PLAN_WORKBOOK,
        "can_confirm": run.status == ImportStatus.PREVIEWED and run.summary.get("can_confirm")
        and (run.user_id == request.user.pk or is_admin(request.user)),
        "status_labels": actuals_rows.STATUS_LABELS,
        "entry_url": _entry_url(run),
    }
    return render(request, "imports/detail.html", context)


def _entry_url(run) -> str:
    """Where the values of an applied actuals run are submitted: its department's entry page for its year."""
    department_id = run.summary.get("department_id")
    if run.kind != ImportKind.ACTUALS_WORKBOOK or not run.year:
        return ""
    if department_id:
        return reverse("entry:page", kwargs={"department_id": department_id, "year": run.year})
    return reverse("entry:mine")


@login_required
@require_POST
def confirm(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(request, run_id)
    accepted = [n for n in (whole_number(value, low=1) for value in request.POST.getlist("accept_stale")) if n is not None]
    submit = request.POST.get("then") == "submit"
    try:
        run = runs.run_confirm(
            user=request.user, run_id=run.pk, accept_stale=accepted, submit=submit,
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("imports:detail", run_id=run.pk)
    applied = run.summary.get("applied", 0)
    if run.kind != ImportKind.ACTUALS_WORKBOOK:
        messages.success(request, f"{applied}개 행을 반영했습니다.")
    elif submit:
        messages.success(request, f"{applied}개 행을 반영하고 {run.summary.get('submitted', 0)}개 실적을 제출했습니다. "
                                  "평가자가 검토합니다.")
    else:
        messages.success(request, f"{applied}개 행을 반영했습니다. {DRAFT_NOTICE}")
    return redirect("imports:detail", run_id=run.pk)


@login_required
@require_GET
def errors_workbook(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(request, run_id)
    try:
        data, file_name = runs.run_error_workbook(run)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return xlsx_response(data, file_name)


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    """Every import the user may see, newest first, filtered and paginated (HISTORY_PAGE_SIZE a page)."""
    sees_all = can_review(request.user)
    form = HistoryFilterForm(request.GET or None, show_department=sees_all, user=request.user)
    filters = form.filters() if form.is_bound else {}
    page = Paginator(runs.run_history(user=request.user, **filters), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    for run in page.object_list:
        run.status_shown = runs.run_status(run)
        run.status_shown_label = runs.run_status_label(run)
    return render(request, "imports/history.html", {
        "page": page, "runs": page.object_list, "form": form,
        "filtered": any(value is not None for value in filters.values()),
        "can_plan": sees_all,
    })
