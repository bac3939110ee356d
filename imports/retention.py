"""Retention of uploads: failed and abandoned import runs are deleted after `IMPORT_RETENTION_DAYS`.

A run that was applied is kept for ever (audit rows point at it). A failed, cancelled, or previewed but never
confirmed run older than the limit goes with its ImportRows and its stored files (the upload and the error
workbook); audit rows are never deleted. Files are deleted through the storage API once the rows are gone
for good (after commit), so a rolled-back purge loses no file.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from imports.models import ImportRow, ImportRun, ImportStatus

logger = logging.getLogger("imports")

PURGED_STATUSES = (ImportStatus.FAILED, ImportStatus.CANCELLED, ImportStatus.PREVIEWED)
BATCH = 500


@dataclass
class PurgeResult:
    runs: int = 0
    rows: int = 0
    files: list[str] = field(default_factory=list)
    by_status: dict[str, int] = field(default_factory=dict)

    def text(self, *, dry_run: bool) -> str:
        verb = "삭제할" if dry_run else "삭제한"
        statuses = ", ".join(f"{ImportStatus(status).label} {count:,}건" for status, count in sorted(self.by_status.items()))
        return (f"{verb} 가져오기 기록 {self.runs:,}건" + (f" ({statuses})" if statuses else "")
                + f", 행 {self.rows:,}개, 파일 {len(self.files):,}개")


def purge_candidates(*, days: int, now: datetime | None = None):
    """Runs older than `days` days that were never applied."""
    if days < 1:
        raise ValueError("retention days must be at least 1")
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return ImportRun.objects.filter(status__in=PURGED_STATUSES, created_at__lt=cutoff)


def import_runs_purge(*, days: int, dry_run: bool = False, now: datetime | None = None) -> PurgeResult:
    """Delete failed and abandoned runs older than `days` days, their rows and their stored files."""
    result = PurgeResult()
    candidates = purge_candidates(days=days, now=now).order_by("pk")
    last_pk = 0
    while True:
        batch = list(candidates.filter(pk__gt=last_pk).values_list("pk", "status", "file", "error_file")[:BATCH])
        if not batch:
            break
        last_pk = batch[-1][0]
        ids = [pk for pk, *_ in batch]
        names = {name for _, _, *files in batch for name in files if name}
        for _, status, *_ in batch:
            result.by_status[status] = result.by_status.get(status, 0) + 1
        result.runs += len(ids)
        if dry_run:
            result.rows += ImportRow.objects.filter(run_id__in=ids).count()
            result.files.extend(sorted(names))
            continue
        with transaction.atomic():
            result.rows += ImportRow.objects.filter(run_id__in=ids).delete()[0]
            ImportRun.objects.filter(pk__in=ids).delete()  # audit rows keep their place: the reference is set null
            # A stored name still held by a kept run (never the case for names the storage made unique) stays.
            kept = set(ImportRun.objects.filter(Q(file__in=names) | Q(error_file__in=names))
                       .values_list("file", "error_file").distinct().iterator())
            names -= {name for pair in kept for name in pair}
            transaction.on_commit(partial(_delete_files, sorted(names)))
        result.files.extend(sorted(names))
    if not dry_run and result.runs:
        logger.info("purged import runs=%s rows=%s files=%s days=%s", result.runs, result.rows, len(result.files), days)
    return result


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # a file the storage cannot delete now is left behind, never a failed purge
            logger.warning("could not delete stored import file %s", name, exc_info=True)
