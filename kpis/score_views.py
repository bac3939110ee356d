"""Scoreboard pages: parse input, call one selector or service, render.

Who sees what: every signed-in user may read the scoreboard and the drill-downs (the plan and
its results are public within the organisation); only evaluators and admins may start a
recompute, and only admins may finalise a year. Refusals are 403.
"""
from __future__ import annotations

import logging
import time
import uuid
from functools import partial
from html import escape as html_escape
from urllib.parse import urlencode

from celery.result import AsyncResult
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from budgets.execution import execution_for_goals
from health.heartbeats import worker_responding
from kpis.board_cache import board_cached, board_version
from kpis.charts import Bar, contribution_chart, series_chart
from kpis.current import current_organization, current_organization_set, sees_several
from kpis.models import Department, DirtyScore, Organization
from kpis.progress_selectors import PROGRESS_NOTE, bureau_status_counts, progress_rows
from kpis.scope import visible_organization_ids
from kpis.score_exports import drilldown_workbook, scoreboard_workbook
from kpis.score_selectors import (
    GRADES,
    NO_GRADE,
    bureau_rollups,
    department_drilldown,
    scoreboard_all,
    scoreboard_page,
)
from kpis.services.permissions import can_decide, is_admin, log_refusal
from kpis.tasks import recompute_year
from kpis.years import scoreboard_year_default

logger = logging.getLogger("kpis")

MIN_YEAR, MAX_YEAR = 2000, 2100
JOB_KEY = "scores_recompute_job_{year}"
JOB_STARTED_KEY = "scores_recompute_started_{year}"  # when the job was queued (epoch seconds)
DONE_STATES = {"SUCCESS", "FAILURE", "REVOKED"}
STATE_LABELS = {
    "PENDING": "대기 중", "RECEIVED": "접수됨", "STARTED": "계산 중", "RETRY": "다시 시도 중",
    "SUCCESS": "완료", "FAILURE": "실패", "REVOKED": "취소됨",
}
SELECTED = mark_safe(" selected")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(value: int) -> int:
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise Http404("연도가 올바르지 않습니다.")
    return value


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _filters(request: HttpRequest) -> dict:
    grade = request.GET.get("grade", "")
    return {
        "sort": request.GET.get("sort", "score"),
        "bureau_id": _int(request.GET.get("bureau")),
        "grade": grade if grade in GRADES or grade == NO_GRADE else "",
    }


def job_state(task_id: str) -> str:
    """Celery state of a recompute; in eager mode the task already ran inside the request."""
    app = recompute_year.app
    if app.conf.task_always_eager:
        return "SUCCESS"
    try:
        return AsyncResult(task_id, app=app).state
    except Exception:  # no result backend, or it is down: keep polling the dirty count
        logger.warning("could not read the state of task %s", task_id, exc_info=True)
        return "PENDING"


def _job_info(request: HttpRequest, year: int, task_id: str) -> dict:
    """The job's state for the progress line, and whether it is late.

    A job is late when no worker answers (heartbeat) or it has run longer than
    RECOMPUTE_DELAYED_AFTER: its lost chunks come back after the visibility timeout and the
    sweeper recomputes whatever stays dirty, so the line says so instead of waiting for ever.
    """
    state = job_state(task_id)
    done = state in DONE_STATES
    worker_down = not done and not worker_responding()
    started = request.session.get(JOB_STARTED_KEY.format(year=year)) if request.session.get(
        JOB_KEY.format(year=year)) == task_id else None
    overdue = not done and started is not None and time.time() - started > settings.RECOMPUTE_DELAYED_AFTER
    return {
        "task_id": task_id, "state": state, "label": STATE_LABELS.get(state, state), "done": done,
        "worker_down": worker_down, "delayed": worker_down or overdue,
    }


def _job(request: HttpRequest, year: int) -> dict | None:
    task_id = request.session.get(JOB_KEY.format(year=year))
    if not task_id:
        return None
    return _job_info(request, year, task_id)


def _job_forget(request: HttpRequest, year: int) -> None:
    request.session.pop(JOB_KEY.format(year=year), None)
    request.session.pop(JOB_STARTED_KEY.format(year=year), None)


@login_required
@require_GET
def scores_home(request: HttpRequest) -> HttpResponse:
    """The latest year with computed scores, else the entry year (kpis/years.py)."""
    department = getattr(request.user, "department", None)
    organization = current_organization(request)
    return redirect("scores:board", year=scoreboard_year_default(
        bureau=department.bureau if department else None, organization_id=organization.pk if organization else None,
    ))


def _filter_query(filters: dict, **extra) -> str:
    """The page's own parameters as a query string (never an echo of whatever else was sent)."""
    pairs = {"sort": filters["sort"] if filters["sort"] != "score" else None, "bureau": filters["bureau_id"],
             "grade": filters["grade"] or None, **extra}
    return urlencode([(key, value) for key, value in pairs.items() if value is not None])


def _visible(user) -> tuple[int, ...] | None:
    """The organizations the reader sees (kpis/scope.py), as a cache-key part; None: all."""
    visible = visible_organization_ids(user)
    return None if visible is None else tuple(sorted(visible))


def _shown(request: HttpRequest, organization: Organization | None) -> tuple[int, ...] | None:
    """The organizations a scoreboard shows, also a cache-key part: the current one (kpis/current.py: chosen in
    the header, else the user's own; always one the user sees), else all the user sees."""
    return (organization.pk,) if organization is not None else _visible(request.user)


def _board(year: int, filters: dict, page_number: int, memo=None, scope: tuple[int, ...] | None = None,
           organization: Organization | None = None) -> dict:
    """The data-dependent parts of a scoreboard page, rendered once per data version."""
    page = scoreboard_page(year, page=page_number, memo=memo, organization_ids=scope, **filters)
    # Built here rather than in a template loop: a national install has a thousand bureaus.
    # Plain string building with the standard escape: format_html per option is 10× slower.
    bureau_options = mark_safe("".join(  # every name escaped; ids are integers
        f'<option value="{bureau_id}"{SELECTED if bureau_id == page.bureau_id else ""}>{html_escape(name)}</option>'
        for bureau_id, name in page.bureaus
    ))
    context = {
        "page": page,
        "bureau_options": bureau_options,
        "year": year,
        "query": _filter_query(filters),
        "sort_query": _filter_query({**filters, "sort": "score"}),
        "years": (year - 1, year + 1),
        "organization_name": organization.name if organization is not None else "",
    }
    # Progress during the year (kpis.progress): a period value, a target or a period target saved writes an audit
    # row, which moves the board's version.
    counts = partial(bureau_status_counts, year=year, organization_ids=scope)
    progress = memo("progress", (scope,), counts) if memo else counts()
    return {
        "progress": mark_safe(render_to_string("kpis/progress/_summary.html", {"counts": progress, "year": year, "link": True})),
        "head": mark_safe(render_to_string("kpis/scores/_board_head.html", context)),  # autoescaped templates
        "facts": mark_safe(render_to_string("kpis/scores/_board_facts.html", context)),
        "body": mark_safe(render_to_string("kpis/scores/_board_body.html", context)),
        "finalised": page.finalised,
        "dirty_remaining": page.dirty_remaining,
        "cacheable": page.page == page_number,
    }


@login_required
@require_GET
def scoreboard(request: HttpRequest, year: int) -> HttpResponse:
    year = _year(year)
    filters = _filters(request)
    page_number = max(_int(request.GET.get("page")) or 1, 1)
    version = board_version(year)
    chosen = _int(request.GET.get("organization"))  # a link from the comparison page
    if chosen is not None and current_organization_set(request, chosen) is None:
        raise Http404("기관을 찾을 수 없습니다.")
    organization = current_organization(request)
    scope = _shown(request, organization)
    board = board_cached(
        year, (filters["sort"], filters["bureau_id"], filters["grade"], page_number, scope),
        lambda memo: _board(year, filters, page_number, memo, scope, organization), version=version,
    )
    job = _job(request, year)
    if job and job["done"]:
        _job_forget(request, year)
        if job["state"] == "SUCCESS":
            messages.success(request, f"{year}년 점수를 다시 계산했습니다.")
        else:
            messages.error(
                request, f"{year}년 재계산이 끝나지 못했습니다 ({job['label']}). "
                "재계산 대기 부서는 자동으로 다시 계산됩니다 (자동 재시도 예정).",
            )
        job = None
    if job is None and version.recompute_task_id:  # a year recompute on the workers: every reader sees it
        running = _job_info(request, year, version.recompute_task_id)
        job = None if running["done"] else running
    context = {
        "board": board,
        "year": year,
        "job": job,
        "organization": organization,
        "sees_several": sees_several(request.user),
        "can_recompute": can_decide(request.user),
        "can_finalise": is_admin(request.user),
        "query": _filter_query(filters),
        "worker_down": not worker_responding(),
    }
    return render(request, "kpis/scores/scoreboard.html", context)


@login_required
@require_POST
def scoreboard_recompute(request: HttpRequest, year: int) -> HttpResponse:
    """Queue kpis.tasks.recompute_year after commit and remember its id for the progress poll."""
    year = _year(year)
    if not can_decide(request.user):
        log_refusal(request.user, "recompute", f"year={year}")
        raise PermissionDenied("평가자와 관리자만 재계산할 수 있습니다.")
    task_id = str(uuid.uuid4())
    failures: list[Exception] = []
    # An organization's evaluator or admin recomputes the organization the page shows; a user of every
    # organization (no organization of their own) the whole year.
    options = {}
    if visible_organization_ids(request.user) is not None:
        organization = current_organization(request)
        if organization is None:
            raise PermissionDenied("소속 기관이 없어 재계산할 수 없습니다.")
        options["organization_id"] = organization.pk

    def publish() -> None:
        try:
            recompute_year.apply_async(args=(year,), kwargs=options, task_id=task_id, retry=False)
        except Exception as exc:  # report a dead broker to the user, not as a 500
            if recompute_year.app.conf.task_always_eager:
                raise
            logger.warning("could not queue recompute of %s", year, exc_info=True)
            failures.append(exc)

    with transaction.atomic():
        transaction.on_commit(publish)
    if failures:
        messages.error(request, "재계산 작업을 보내지 못했습니다. 잠시 후 다시 시도하세요.")
    else:
        request.session[JOB_KEY.format(year=year)] = task_id
        request.session[JOB_STARTED_KEY.format(year=year)] = int(time.time())
    return redirect(reverse("scores:board", kwargs={"year": year}))


@login_required
@require_GET
def scoreboard_recompute_status(request: HttpRequest, year: int, task_id: str) -> HttpResponse:
    """htmx fragment polled every 2 s: the job's state and the department-years still dirty."""
    year = _year(year)
    try:
        task_id = str(uuid.UUID(task_id))
    except ValueError as exc:
        raise Http404("작업을 찾을 수 없습니다.") from exc
    job = _job_info(request, year, task_id)
    remaining = DirtyScore.objects.filter(year=year).count()
    response = render(request, "kpis/scores/_job_status.html", {"job": job, "year": year, "remaining": remaining})
    if job["done"] and request.session.get(JOB_KEY.format(year=year)) == task_id:
        _job_forget(request, year)
        if job["state"] == "SUCCESS":
            messages.success(request, f"{year}년 점수를 다시 계산했습니다.")
            response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def scoreboard_export(request: HttpRequest, year: int) -> HttpResponse:
    year = _year(year)
    filters = _filters(request)
    organization = current_organization(request)
    scope = _shown(request, organization)
    rows = scoreboard_all(year, organization_ids=scope, **filters)
    overall, rollups = bureau_rollups(year, organization_ids=scope)
    if filters["bureau_id"] is not None:
        rollups = [line for line in rollups if line.bureau_id == filters["bureau_id"]]
    described = []
    if filters["grade"]:
        described.append(f"등급 {'없음' if filters['grade'] == NO_GRADE else filters['grade']}")
    if filters["bureau_id"] is not None:
        described.append(next((line.name for line in rollups), "실국"))
    if organization is not None:
        described.insert(0, organization.name)
    content = scoreboard_workbook(year=year, rows=rows, rollups=rollups, overall=overall, filters=" · ".join(described))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="scores-{year}.xlsx"'
    return response


def _drilldown(request: HttpRequest, year: int, department_id: int):
    try:
        return department_drilldown(year, department_id, organization_ids=_visible(request.user))
    except Department.DoesNotExist as exc:
        raise Http404("부서를 찾을 수 없습니다.") from exc


@login_required
@require_GET
def department_scores(request: HttpRequest, year: int, department_id: int) -> HttpResponse:
    year = _year(year)
    page = _drilldown(request, year, department_id)
    contribution_svg = mark_safe(  # charts.py escapes every text it writes
        contribution_chart(bars=[Bar(line.name, line.contribution) for line in page.indicators], score=page.score)
    )
    series = [
        {
            "line": line,
            "svg": mark_safe(  # charts.py escapes every text it writes
                series_chart(
                    title=line.name, years=line.years, targets=line.targets, actuals=line.actuals, unit=line.unit,
                    places=line.display_places,
                )
            ),
        }
        for line in page.indicators
        if line.years
    ]
    progress = progress_rows(user=request.user, year=year, department_id=department_id)
    # Budget execution (결산/예산) of the page's policy goals, beside their performance.
    executions = execution_for_goals(policy_goal_ids=[g.policy_goal_id for g in page.goals if g.policy_goal_id], year=year)
    execution_goals = [(goal, executions[goal.policy_goal_id]) for goal in page.goals if goal.policy_goal_id]
    context = {
        "page": page, "year": year, "contribution_svg": contribution_svg, "series": series,
        "execution_goals": execution_goals, "progress": progress, "progress_note": PROGRESS_NOTE,
    }
    return render(request, "kpis/scores/drilldown.html", context)


@login_required
@require_GET
def department_scores_export(request: HttpRequest, year: int, department_id: int) -> HttpResponse:
    year = _year(year)
    page = _drilldown(request, year, department_id)
    response = HttpResponse(drilldown_workbook(page), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="scores-{year}-department-{department_id}.xlsx"'
    return response

