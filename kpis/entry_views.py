"""Pages for entering actuals (the review queue and history are in kpis.review_views)."""
from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.api import MAX_VERSION
from core.errors import InvalidInput, NotFound, ServiceError, VersionConflict
from core.numbers import whole_number
from kpis.domain import NOTE_MAX_LENGTH
from kpis.entry import entry_rows
from kpis.evidence_selectors import evidence_get
from kpis.models import ChangeSource, Department, EntryYear, Indicator, ScoringPolicy, Target
from kpis.scoring import IndicatorInput, Rules, achievement_rate
from kpis.services.actuals import SaveOutcome, actual_compute, actual_save_outcome
from kpis.services.evidence import evidence_add
from kpis.services.permissions import can_write_actuals_of
from kpis.services.policy import policy_rules
from kpis.services.workflow import actual_submit

MIN_YEAR, MAX_YEAR = 2000, 2100


def _year(value: int) -> int:
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise Http404("연도가 올바르지 않습니다.")
    return value


def _posted_inputs(request: HttpRequest, names: tuple[str, ...]) -> dict[str, str]:
    return {name: request.POST.get(f"in_{index}", "") for index, name in enumerate(names)}


@login_required
def entry_mine(request: HttpRequest) -> HttpResponse:
    """The user's department, for the year whose actuals are due (the year the plan was written)."""
    department = request.user.department
    if department is None:
        return redirect("kpis:home")
    return redirect("entry:page", department.pk, department.bureau.plan_year - 1)


@login_required
def entry_page(request: HttpRequest, department_id: int, year: int) -> HttpResponse:
    department = get_object_or_404(Department.objects.select_related("bureau"), pk=department_id)
    year = _year(year)
    rows = entry_rows(department, year)
    entry_year = EntryYear.objects.filter(year=year).first()
    context = {
        "department": department,
        "year": year,
        "rows": rows,
        "can_write": can_write_actuals_of(request.user, department.pk),
        "entry_year": entry_year,
        "errors": request.session.pop("entry_errors", {}),
        "conflict": request.session.pop("entry_conflict", None),
        "years": range(year - 2, year + 3),
        "note_max_length": NOTE_MAX_LENGTH,
        "note_rule": f"{NOTE_MAX_LENGTH:,}자까지",
    }
    return render(request, "kpis/entry/page.html", context)


@login_required
@require_POST
def entry_save(request: HttpRequest, department_id: int, year: int, indicator_id: int) -> HttpResponse:
    """Save a draft (action=save) or save and submit (action=submit); refusals are shown beside the row."""
    year = _year(year)
    indicator = get_object_or_404(Indicator, pk=indicator_id, department_id=department_id)
    names = indicator.input_names
    expected_version = whole_number(request.POST.get("version"), low=1, high=MAX_VERSION)
    page = reverse("entry:page", args=[department_id, year]) + f"#ind-{indicator_id}"
    try:
        # Value, attachment and submission stand or fall together.
        with transaction.atomic():
            saved = actual_save_outcome(
                user=request.user, indicator_id=indicator.pk, year=year,
                inputs=_posted_inputs(request, names) if names else None,
                value=None if names else request.POST.get("value", ""), note=request.POST.get("note", ""),
                expected_version=expected_version, source=ChangeSource.WEB,
            )
            actual = saved.actual
            upload = request.FILES.get("evidence")
            if upload is not None:
                evidence_add(user=request.user, actual_id=actual.pk, upload=upload)
            if request.POST.get("action") == "submit":
                actual_submit(user=request.user, actual_id=actual.pk, expected_version=actual.version)
        if request.POST.get("action") == "submit":
            messages.success(request, f"'{indicator.short_name}' 실적을 제출했습니다.")
        elif saved.outcome == SaveOutcome.UNCHANGED and upload is None:
            messages.info(request, f"'{indicator.short_name}': 바뀐 내용이 없어 저장된 값(버전 {actual.version})을 그대로 둡니다.")
        else:
            messages.success(request, f"'{indicator.short_name}' 실적을 임시 저장했습니다.")
    except InvalidInput as exc:
        request.session["entry_errors"] = {str(indicator_id): _field_errors(exc, names)}
        messages.error(request, f"'{indicator.short_name}': 입력값을 확인하세요. 저장하지 않았습니다.")
    except VersionConflict as exc:
        request.session["entry_conflict"] = {"indicator": indicator_id, "message": exc.message}
        messages.error(request, exc.message)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect(page)


def _field_errors(exc: InvalidInput, names: tuple[str, ...]) -> dict[str, list[str]]:
    index = {name: f"in_{i}" for i, name in enumerate(names)}
    return {index.get(field, field): list(messages_) for field, messages_ in exc.errors.items()}


@login_required
@require_POST
def entry_submit(request: HttpRequest, department_id: int, year: int, indicator_id: int) -> HttpResponse:
    year = _year(year)
    indicator = get_object_or_404(Indicator, pk=indicator_id, department_id=department_id)
    actual = indicator.actuals.filter(year=year).first()
    try:
        if actual is None:
            raise InvalidInput({"value": ["먼저 실적을 저장하세요."]})
        actual_submit(
            user=request.user, actual_id=actual.pk,
            expected_version=whole_number(request.POST.get("version"), high=MAX_VERSION),
        )
        messages.success(request, f"'{indicator.short_name}' 실적을 제출했습니다.")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("entry:page", args=[department_id, year]) + f"#ind-{indicator_id}")


@login_required
@require_POST
def entry_preview(request: HttpRequest, department_id: int, year: int, indicator_id: int) -> HttpResponse:
    """Live computed value and achievement rate while typing; writes nothing."""
    year = _year(year)
    indicator = get_object_or_404(Indicator, pk=indicator_id, department_id=department_id)
    names = indicator.input_names
    context: dict = {"value": None, "rate": None, "message": ""}
    try:
        # The same parsing and evaluation as a save, so the preview never disagrees with it.
        value = actual_compute(
            indicator, inputs=_posted_inputs(request, names) if names else None,
            value=None if names else request.POST.get("value", ""),
        ).value
    except InvalidInput as exc:
        context["message"] = next(iter(exc.errors.values()))[0]
        return render(request, "kpis/entry/preview.html", context)
    target = Target.objects.filter(indicator=indicator, year=year).values_list("value", flat=True).first()
    policy = ScoringPolicy.objects.filter(year=year).order_by("-version").first()
    rules = policy_rules(policy) if policy else Rules()
    rate = achievement_rate(
        IndicatorInput(
            indicator_id=indicator.pk, name=indicator.short_name, weight=indicator.weight,
            direction=indicator.direction, target=target, actual=value, reported=True,
            band_tolerance=indicator.band_tolerance,
        ),
        rules,
    )
    context.update({"value": value.quantize(Decimal("0.01")) if value != value.to_integral() else value, "rate": rate})
    return render(request, "kpis/entry/preview.html", context)


@login_required
@require_GET
def evidence_download(request: HttpRequest, evidence_id: int) -> HttpResponse:
    """An evidence file, always as an attachment under its original name, never rendered by the browser."""
    try:
        evidence = evidence_get(user=request.user, evidence_id=evidence_id)
        handle = evidence.file.open("rb")
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except OSError as exc:  # the record exists but its stored file is gone
        raise Http404("증빙자료 파일을 찾을 수 없습니다.") from exc
    response = FileResponse(handle, as_attachment=True, filename=evidence.original_name,
                            content_type=evidence.content_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
