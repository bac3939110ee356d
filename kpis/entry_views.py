"""Pages for entering actuals (the review queue and history are in kpis.review_views)."""
from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.api import MAX_VERSION
from core.errors import InvalidInput, NotFound, ServiceError, VersionConflict, YearClosed
from core.numbers import whole_number
from kpis.domain import NOTE_MAX_LENGTH, VALUE_FIELD
from kpis.entry import entry_department, entry_indicator, entry_rows
from kpis.evidence_selectors import evidence_get
from kpis.models import Actual, ChangeSource, Department, Indicator, ScoringPolicy, Target
from kpis.plausibility import value_warning
from kpis.scoring import Rules
from kpis.services.actual_values import actual_compute
from kpis.services.actuals import SaveOutcome, actual_save_outcome
from kpis.services.evidence import evidence_add
from kpis.services.permissions import can_write_actuals_of, require_year_open
from kpis.services.policy import policy_rules
from kpis.services.workflow import actual_submit
from kpis.value_rate import value_rate
from kpis.years import entry_window, entry_year_default

MIN_YEAR, MAX_YEAR = 2000, 2100
# Session keys: what a refused or unconfirmed save leaves for the page it redirects to, by indicator id.
ERRORS_KEY, TYPED_KEY, WARNING_KEY = "entry_errors", "entry_typed", "entry_unusual"
TYPED_MAX_LENGTH = 200  # a figure typed by hand; the session keeps no more of a hostile post


def _year(value: int) -> int:
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise Http404("연도가 올바르지 않습니다.")
    return value


def _posted_inputs(request: HttpRequest, names: tuple[str, ...]) -> dict[str, str]:
    return {name: request.POST.get(f"in_{index}", "") for index, name in enumerate(names)}


def _posted_period(request: HttpRequest) -> int:
    """The period a row's form posts (0: the year); the service refuses one the year does not have."""
    return whole_number(request.POST.get("period") or "0", high=9) or 0


def _row_key(indicator_id: int, period: int) -> str:
    """The row's key in anchors and the session, as kpis.entry.EntryRow.dom_id."""
    return f"{indicator_id}-p{period}" if period else str(indicator_id)


@login_required
def entry_mine(request: HttpRequest) -> HttpResponse:
    """The user's department, for the open entry year (kpis/years.py)."""
    department = request.user.department
    if department is None:
        return redirect("kpis:home")
    return redirect("entry:page", department.pk, entry_year_default(bureau=department.bureau))


@login_required
def entry_page(request: HttpRequest, department_id: int, year: int) -> HttpResponse:
    try:
        department = entry_department(department_id, user=request.user)
    except Department.DoesNotExist as exc:
        raise Http404("부서를 찾을 수 없습니다.") from exc
    year = _year(year)
    can_write = can_write_actuals_of(request.user, department.pk)
    year_open = can_write and _year_open(department.pk, year)
    rows = entry_rows(department, year, writable=year_open)
    typed = request.session.pop(TYPED_KEY, {})
    warnings = request.session.pop(WARNING_KEY, {})
    for row in [one for each in rows for one in (each, *each.periods)]:
        row.typed = typed.get(row.dom_id) if row.editable else None
        row.warning = warnings.get(row.dom_id) if row.editable else None
    open_year = entry_year_default(bureau=department.bureau)
    context = {
        "department": department,
        "year": year,
        "rows": rows,
        "can_write": can_write,
        "entry_year": entry_window(department.bureau.organization_id, year),
        "errors": request.session.pop(ERRORS_KEY, {}),
        "conflict": request.session.pop("entry_conflict", None),
        "years": sorted({*range(year - 2, year + 3), open_year}),
        "open_year": open_year,
        "note_max_length": NOTE_MAX_LENGTH,
        "note_rule": f"{NOTE_MAX_LENGTH:,}자까지",
    }
    return render(request, "kpis/entry/page.html", context)


def _indicator(request: HttpRequest, indicator_id: int, department_id: int) -> Indicator:
    try:
        return entry_indicator(indicator_id, department_id, user=request.user)
    except Indicator.DoesNotExist as exc:
        raise Http404("성과지표를 찾을 수 없습니다.") from exc


def _year_open(department_id: int, year: int) -> bool:
    try:
        require_year_open(department_id, year)
    except YearClosed:
        return False
    return True


@login_required
@require_POST
def entry_save(request: HttpRequest, department_id: int, year: int, indicator_id: int) -> HttpResponse:
    """Save a draft (action=save) or save and submit (action=submit); refusals are shown beside the row.

    An unusual value (kpis/plausibility.py) is not stored on its first save: the row comes back with what
    was typed and the question, and its "확인했습니다" button posts again with confirm_unusual=1."""
    year = _year(year)
    indicator = _indicator(request, indicator_id, department_id)
    names = indicator.input_names
    expected_version = whole_number(request.POST.get("version"), low=1, high=MAX_VERSION)
    period = _posted_period(request)
    key = _row_key(indicator_id, period)
    page = reverse("entry:page", args=[department_id, year]) + f"#ind-{key}"
    # The confirmation button carries no action of its own: the action of the save it confirms rides along.
    action = "submit" if (request.POST.get("action") or request.POST.get("pending_action")) == "submit" else "save"
    inputs = _posted_inputs(request, names) if names else None
    value = None if names else request.POST.get("value", "")
    # Only a save that could be stored asks: a refused writer or a closed year hears the refusal instead.
    may_save = can_write_actuals_of(request.user, department_id) and _year_open(department_id, year)
    if request.POST.get("confirm_unusual") != "1" and may_save:
        warning = _unusual(
            indicator, year, period, inputs=inputs, value=value, expected_version=expected_version
        )
        if warning:
            _keep_typed(request, key, names)
            request.session[WARNING_KEY] = {key: {"message": warning, "action": action}}
            messages.warning(request, f"'{indicator.short_name}': 값을 확인하세요. 아직 저장하지 않았습니다.")
            return redirect(page)
    try:
        # Value, attachment and submission stand or fall together.
        with transaction.atomic():
            saved = actual_save_outcome(
                user=request.user, indicator_id=indicator.pk, year=year, inputs=inputs, value=value,
                note=request.POST.get("note", ""), expected_version=expected_version, source=ChangeSource.WEB,
                period=period,
            )
            actual = saved.actual
            upload = request.FILES.get("evidence")
            if upload is not None:
                evidence_add(user=request.user, actual_id=actual.pk, upload=upload)
            if action == "submit":
                actual_submit(user=request.user, actual_id=actual.pk, expected_version=actual.version)
        if action == "submit":
            messages.success(request, f"'{indicator.short_name}' 실적을 제출했습니다.")
        elif saved.outcome == SaveOutcome.UNCHANGED and upload is None:
            messages.info(request, f"'{indicator.short_name}': 바뀐 내용이 없어 저장된 값(버전 {actual.version})을 그대로 둡니다.")
        else:
            messages.success(request, f"'{indicator.short_name}' 실적을 임시 저장했습니다.")
    except InvalidInput as exc:
        request.session[ERRORS_KEY] = {key: _field_errors(exc, names)}
        _keep_typed(request, key, names)
        again = " 증빙자료 파일은 다시 선택하세요." if request.FILES.get("evidence") else ""
        messages.error(request, f"'{indicator.short_name}': 입력값을 확인하세요. 저장하지 않았습니다.{again}")
    except VersionConflict as exc:
        request.session["entry_conflict"] = {"row": key, "message": exc.message}
        messages.error(request, exc.message)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect(page)


def _keep_typed(request: HttpRequest, key: str, names: tuple[str, ...]) -> None:
    """What the user typed in the row, exactly, for the page that shows the refusal or the question."""
    keys = [f"in_{index}" for index in range(len(names))] if names else [VALUE_FIELD]
    typed = {key: request.POST.get(key, "")[:TYPED_MAX_LENGTH] for key in keys}
    typed["note"] = request.POST.get("note", "")[:NOTE_MAX_LENGTH * 2]
    request.session[TYPED_KEY] = {key: typed}


def _unusual(
    indicator: Indicator, year: int, period: int, *, inputs: dict[str, str] | None, value: str | None, expected_version: int | None,
) -> str | None:
    """The plausibility question for a value that would be stored, or None: a refused value or a stale form
    is left to the save, which names its errors or the conflict; the value already stored (a note added beside
    it) is nothing newly typed."""
    try:
        computed = actual_compute(indicator, inputs=inputs, value=value).value
    except InvalidInput:
        return None
    stored_value, stored_version = Actual.all_periods.filter(indicator=indicator, year=year, period=period).values_list(
        "value", "version").first() or (None, None)
    stale = expected_version is not None and stored_version != expected_version
    if stale or (stored_value is not None and stored_value == computed):
        return None
    return _warning(indicator, computed, _target(indicator, year, period)[0])


def _target(indicator: Indicator, year: int, period: int) -> tuple[Decimal | None, object]:
    """The year's target and when it was revised; a period row has no target of its own (a quarter's count is
    not measured against the year's)."""
    if period:
        return None, None
    return Target.objects.filter(indicator=indicator, year=year).values_list("value", "revised_at").first() or (
        None, None)


def _warning(indicator: Indicator, value: Decimal, target: Decimal | None) -> str | None:
    return value_warning(
        value, target=target, unit=indicator.unit, direction=indicator.direction, places=indicator.display_places,
    )


def _field_errors(exc: InvalidInput, names: tuple[str, ...]) -> dict[str, list[str]]:
    index = {name: f"in_{i}" for i, name in enumerate(names)}
    return {index.get(field, field): list(messages_) for field, messages_ in exc.errors.items()}


@login_required
@require_POST
def entry_submit(request: HttpRequest, department_id: int, year: int, indicator_id: int) -> HttpResponse:
    year = _year(year)
    indicator = _indicator(request, indicator_id, department_id)
    period = _posted_period(request)
    actual = Actual.all_periods.filter(indicator=indicator, year=year, period=period).first()
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
    return redirect(reverse("entry:page", args=[department_id, year]) + f"#ind-{_row_key(indicator_id, period)}")


@login_required
@require_POST
def entry_preview(request: HttpRequest, department_id: int, year: int, indicator_id: int) -> HttpResponse:
    """Live computed value and achievement rate while typing; writes nothing."""
    year = _year(year)
    indicator = _indicator(request, indicator_id, department_id)
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
    period = _posted_period(request)
    target, revised_at = _target(indicator, year, period)
    warning = _warning(indicator, value, target)
    rate = None  # a period's value is not rated: the year's target is met by the year value
    if not period:
        policy = ScoringPolicy.objects.filter(year=year).order_by("-version").first()
        rules = policy_rules(policy) if policy else Rules()
        before = Actual.objects.filter(indicator=indicator, year=year - 1).first()
        rate = value_rate(
            indicator, value=value, target=target, before=before, rules=rules, target_revised_at=revised_at
        )
    context.update({"value": value, "rate": rate, "warning": warning, "indicator": indicator})
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
