"""Celery tasks of the imports (found by autodiscovery; CELERY_BEAT_SCHEDULE names them by module path)."""
from __future__ import annotations

from celery import shared_task
from django.conf import settings

from imports.retention import import_runs_purge


@shared_task
def purge_imports() -> int:
    """Daily: failed and abandoned upload runs older than IMPORT_RETENTION_DAYS, with their rows and files."""
    return import_runs_purge(days=settings.IMPORT_RETENTION_DAYS).runs
