"""Imports of either kind (actuals or plan workbook): who sees which run, a run as the API shows it,
confirming it, and its error workbook."""
from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.core.files.base import ContentFile
from django.db.models import Q

from accounts.models import User
from core.errors import InvalidState, NotFound
from imports.actuals_import import actuals_confirm
from imports.error_workbook import error_workbook_write
from imports.models import ImportKind, ImportRun, ImportStatus
from imports.plan_workbook import plan_confirm
from imports.run_rows import PAGE_SIZE, run_rows_page
from kpis.scope import import_runs_condition
from kpis.services.permissions import can_review

# What the history calls a run: a preview whose file had errors can never be confirmed, so it is an error
# (오류, the failed label) rather than a preview waiting for ever.
HAS_ERRORS = Q(status=ImportStatus.PREVIEWED, summary__errors__gt=0)
STATUS_FILTERS: dict[str, Q] = {
    # Not ~HAS_ERRORS: a summary without the key is NULL in SQL, which a negation would drop too.
    ImportStatus.PREVIEWED: Q(status=ImportStatus.PREVIEWED) & (Q(summary__errors__isnull=True) | Q(summary__errors=0)),
    ImportStatus.APPLIED: Q(status=ImportStatus.APPLIED),
    ImportStatus.FAILED: Q(status=ImportStatus.FAILED) | HAS_ERRORS,
    ImportStatus.CANCELLED: Q(status=ImportStatus.CANCELLED),
}


def run_status(run: ImportRun) -> str:
    """The run's status as the history shows it: FAILED for a preview with errors."""
    if run.status == ImportStatus.PREVIEWED and (run.summary or {}).get("errors"):
        return ImportStatus.FAILED
    return run.status


def run_status_label(run: ImportRun) -> str:
    return ImportStatus(run_status(run)).label


def run_history(
    *, user: User, department_id: int | None = None, year: int | None = None, status: str | None = None,
):
    """Admins and evaluators see every import; others their own and their department's; filtered by the
    run's department, year and status as `run_status` names it."""
    runs = ImportRun.objects.select_related("user", "department").order_by("-created_at", "-id")
    if department_id is not None:
        runs = runs.filter(department_id=department_id)
    if year is not None:
        runs = runs.filter(year=year)
    if status in STATUS_FILTERS:
        runs = runs.filter(STATUS_FILTERS[status])
    if can_review(user):
        return runs.filter(import_runs_condition(user))
    visible = Q(user=user)
    if user.department_id:
        visible |= Q(department_id=user.department_id)
    return runs.filter(visible)


def run_get(*, user: User, run_id: int) -> ImportRun:
    run = ImportRun.objects.select_related("user", "department").filter(pk=run_id).first()
    reviewer = can_review(user) and ImportRun.objects.filter(import_runs_condition(user), pk=run_id).exists()
    if run is None or not (
        reviewer or run.user_id == user.pk
        or (user.department_id and run.department_id == user.department_id)
    ):
        raise NotFound("가져오기 기록을 찾을 수 없습니다.")
    return run


def run_confirm(
    *, user: User, run_id: int, accept_stale: Iterable[int] = (), submit: bool = False, reason: str = "",
) -> ImportRun:
    """Apply a previewed run; `submit` (actuals only) submits the saved values in the same transaction; `reason`
    (plan only) is the reason for the targets it revises."""
    run = run_get(user=user, run_id=run_id)
    if run.kind == ImportKind.PLAN_WORKBOOK:
        if submit:
            raise InvalidState("계획 엑셀은 제출하지 않습니다. '확인하고 반영'을 누르세요.")
        return plan_confirm(user=user, run_id=run.pk, reason=reason)
    if run.kind != ImportKind.ACTUALS_WORKBOOK:
        raise InvalidState("이 가져오기는 여기서 반영할 수 없습니다.")
    return actuals_confirm(user=user, run_id=run.pk, accept_stale=accept_stale, submit=submit)


def run_payload(run: ImportRun, *, rows: bool = True, page: int = 1, page_size: int = PAGE_SIZE) -> dict[str, Any]:
    """The run as the API shows it; its rows one page at a time (`rows_page` says which and how many)."""
    payload: dict[str, Any] = {
        "id": run.pk, "kind": run.kind, "kind_label": run.get_kind_display(), "status": run.status,
        "status_label": run_status_label(run), "file_name": run.file_name,
        "user": run.user.username if run.user else None,
        "department": run.department.name if run.department else None, "year": run.year,
        "created_at": run.created_at.isoformat() if run.created_at else None,
        "applied_at": run.applied_at.isoformat() if run.applied_at else None,
        "summary": run.summary, "errors": run.errors,
        "errors_workbook": bool(run.errors and run.file),
    }
    if rows:
        shown = run_rows_page(run, page=page, size=page_size)
        payload["rows"] = shown.pop("rows")
        payload["rows_page"] = shown
    return payload


def run_error_workbook(run: ImportRun) -> tuple[bytes, str]:
    """The uploaded file with its bad cells marked; built once and kept in `error_file`."""
    if not run.file:
        raise NotFound("이 가져오기에는 표시할 파일이 없습니다 (파일을 읽지 못했습니다).")
    stem = run.file_name.rsplit(".", 1)[0]
    try:
        if run.error_file:
            with run.error_file.open("rb") as handle:
                return handle.read(), f"{stem}_오류표시.xlsx"
        with run.file.open("rb") as handle:
            source = io.BytesIO(handle.read())
    except OSError as exc:  # the stored file is gone (deleted by hand, or a storage that lost it)
        raise NotFound("올린 파일이 보관되어 있지 않아 오류 표시 파일을 만들 수 없습니다. 파일을 다시 올리세요.") from exc
    out = io.BytesIO()
    error_workbook_write(source, run.errors, out)
    data = out.getvalue()
    run.error_file.save(f"errors_{run.sha256[:16] or run.pk}.xlsx", ContentFile(data), save=False)
    run.save(update_fields=["error_file"])
    return data, f"{stem}_오류표시.xlsx"
