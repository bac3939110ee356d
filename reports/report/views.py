"""The report's page and downloads: parse the address, build the report once (reports.report.builder), render.

Who sees what: any signed-in user of the organizations the bureau belongs to (kpis.scope), as for the
scoreboard and drill-down it is made of; a bureau or organization outside them is a 404.
"""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from imports.workbook_writing import content_disposition, xlsx_response
from kpis.scope import visible_organization_ids
from reports.report.builder import ReportNotFound, performance_report
from reports.report.data import PerformanceReport
from reports.report.pdf import report_pdf
from reports.report.workbook import report_workbook

MIN_YEAR, MAX_YEAR = 2000, 2100
PDF = "application/pdf"


def _report(request: HttpRequest, year: int, **target: int) -> PerformanceReport:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404("연도가 올바르지 않습니다.")
    try:
        return performance_report(year=year, organization_ids=visible_organization_ids(request.user), **target)
    except ReportNotFound as exc:
        raise Http404(str(exc)) from exc


def _file_name(report: PerformanceReport, suffix: str) -> str:
    return f"{report.title}.{suffix}".replace(" ", "_")


def _page(request: HttpRequest, report: PerformanceReport, name: str, **kwargs: int) -> HttpResponse:
    context = {
        "report": report,
        "pdf_url": reverse(f"report:{name}_pdf", kwargs=kwargs),
        "xlsx_url": reverse(f"report:{name}_xlsx", kwargs=kwargs),
    }
    return render(request, "reports/report/page.html", context)


def _pdf(report: PerformanceReport) -> HttpResponse:
    response = HttpResponse(report_pdf(report), content_type=PDF)
    response["Content-Disposition"] = content_disposition(_file_name(report, "pdf"), fallback="report.pdf")
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def bureau_report(request: HttpRequest, year: int, bureau_id: int) -> HttpResponse:
    return _page(request, _report(request, year, bureau_id=bureau_id), "bureau", year=year, bureau_id=bureau_id)


@login_required
@require_GET
def bureau_report_pdf(request: HttpRequest, year: int, bureau_id: int) -> HttpResponse:
    return _pdf(_report(request, year, bureau_id=bureau_id))


@login_required
@require_GET
def bureau_report_xlsx(request: HttpRequest, year: int, bureau_id: int) -> HttpResponse:
    report = _report(request, year, bureau_id=bureau_id)
    return xlsx_response(report_workbook(report), _file_name(report, "xlsx"))


@login_required
@require_GET
def organization_report(request: HttpRequest, year: int, organization_id: int) -> HttpResponse:
    report = _report(request, year, organization_id=organization_id)
    return _page(request, report, "organization", year=year, organization_id=organization_id)


@login_required
@require_GET
def organization_report_pdf(request: HttpRequest, year: int, organization_id: int) -> HttpResponse:
    return _pdf(_report(request, year, organization_id=organization_id))


@login_required
@require_GET
def organization_report_xlsx(request: HttpRequest, year: int, organization_id: int) -> HttpResponse:
    report = _report(request, year, organization_id=organization_id)
    return xlsx_response(report_workbook(report), _file_name(report, "xlsx"))
