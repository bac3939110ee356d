"""Celery tasks: take ids, are idempotent, and write each result in one transaction."""
from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from kpis.services.scores import department_recompute, dirty_sweep, scores_recompute

logger = logging.getLogger("kpis")

TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True, "time_limit": 300, "soft_time_limit": 240}


@shared_task(name="kpis.tasks.recompute_department", **TASK_OPTIONS)
def recompute_department(department_id: int, year: int) -> int:
    return department_recompute(int(department_id), int(year))


@shared_task(name="kpis.tasks.recompute_year", bind=True, **TASK_OPTIONS)
def recompute_year(self, year: int) -> int:
    done = scores_recompute(int(year))
    logger.info("recomputed %s departments for %s", done, year)
    return done


@shared_task(name="kpis.tasks.sweep_dirty", **TASK_OPTIONS)
def sweep_dirty() -> int:
    return dirty_sweep()


@shared_task(name="kpis.tasks.recompute_current_year", **TASK_OPTIONS)
def recompute_current_year() -> int:
    """Nightly: the current year and the previous one, whose actuals arrive early in the year."""
    today = timezone.localdate()
    return scores_recompute(today.year) + scores_recompute(today.year - 1)
