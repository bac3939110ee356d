"""Applying a previewed run of either workbook: one transaction on the locked run, all or nothing."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone

from core.errors import InvalidState, ServiceError
from imports.models import ImportRun, ImportStatus


class ImportRefused(ServiceError):
    """Confirm refused: nothing was written."""

    code = "import_refused"
    http_status = 409


@contextmanager
def run_applying(run: ImportRun) -> Iterator[ImportRun]:
    """The run, locked, for its rows to be applied inside the block; then marked applied in the same transaction.

    A run that is not a clean preview is refused. A service's refusal inside the block rolls everything
    back, marks the run failed with the reason, and is raised as ImportRefused; nothing is saved.
    """
    try:
        with transaction.atomic():
            locked = ImportRun.objects.select_for_update().get(pk=run.pk)
            if locked.status != ImportStatus.PREVIEWED:
                raise InvalidState(f"이미 '{locked.get_status_display()}' 상태인 가져오기입니다.")
            if locked.errors:
                raise InvalidState(f"오류 {len(locked.errors)}건이 있어 반영할 수 없습니다. 오류를 고친 파일을 다시 올리세요.")
            yield locked
            locked.status = ImportStatus.APPLIED
            locked.applied_at = timezone.now()
            locked.save(update_fields=["status", "applied_at", "summary"])
    except InvalidState as exc:
        raise ImportRefused(exc.message) from exc
    except ServiceError as exc:
        run.status = ImportStatus.FAILED
        run.report = f"반영 실패: {exc.message}"
        run.summary = {**run.summary, "confirm_error": exc.message, "can_confirm": False}
        run.save(update_fields=["status", "report", "summary"])
        raise ImportRefused(f"반영하지 못했습니다. 아무것도 저장하지 않았습니다: {exc.message}") from exc
    run.refresh_from_db()
