"""The early-warning page (조기경보): indicators of the current organization behind their pro-rated targets."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from core.api import MAX_YEAR, MIN_YEAR
from core.numbers import whole_number
from kpis.current import current_organization
from kpis.progress import NOT_JUDGED, STATUS_LABELS, ProgressStatus
from kpis.progress_selectors import PROGRESS_NOTE, UNKNOWN, progress_rows, rows_with_status, status_counts
from kpis.years import entry_year_default

PAGE_SIZE = 30
# The status filter: its value in the address and its Korean label; the first is the default.
STATUS_FILTERS = (
    ("warning", "주의·부진"),
    ("all", "전체"),
    *((status.value, STATUS_LABELS[status]) for status in ProgressStatus),
    (UNKNOWN, NOT_JUDGED),
)


@login_required
@require_GET
def early_warning_home(request: HttpRequest) -> HttpResponse:
    return redirect("progress:warnings", year=entry_year_default())


@login_required
@require_GET
def early_warning(request: HttpRequest, year: int) -> HttpResponse:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404("연도가 올바르지 않습니다.")
    organization = current_organization(request)
    rows = [] if organization is None else progress_rows(user=request.user, year=year, organization_id=organization.pk)
    bureaus = sorted({(row.bureau_id, row.bureau_name) for row in rows}, key=lambda pair: pair[1])
    bureau_id = whole_number(request.GET.get("bureau"), low=1)
    if bureau_id is not None and bureau_id not in {pk for pk, _ in bureaus}:
        bureau_id = None  # a bureau of no row here (another organization's, or none): the whole organization
    status = request.GET.get("status") or STATUS_FILTERS[0][0]
    if status not in dict(STATUS_FILTERS):
        status = STATUS_FILTERS[0][0]
    in_bureau = [row for row in rows if bureau_id is None or row.bureau_id == bureau_id]
    shown = rows_with_status(in_bureau, "" if status == "all" else status)
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "year": year, "organization": organization, "page": page, "rows": page.object_list,
        "bureaus": bureaus, "bureau_id": bureau_id, "status": status, "status_filters": STATUS_FILTERS,
        "by_bureau": status_counts(rows, by="bureau"), "by_department": status_counts(in_bureau, by="department"),
        "has_rows": bool(rows), "progress_note": PROGRESS_NOTE,
    }
    return render(request, "kpis/progress/early_warning.html", context)
