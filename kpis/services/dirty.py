"""Mark department-years whose score inputs changed, and wake a worker after commit.

The dirty row is the durable record of work to do: it is written in the caller's transaction,
so a lost broker message only delays the recompute until the beat sweeper finds the row.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F

from kpis.models import DirtyScore
from kpis.tasks import recompute_department, sweep_dirty

logger = logging.getLogger("kpis")
# Beyond this many department-years one sweep message does the work of many single ones.
WAKE_ONE_BY_ONE_LIMIT = 20


def dirty_mark(pairs: Iterable[tuple[int, int]], *, wake: bool = True) -> None:
    """Record (department_id, year) pairs as stale; publish one message per pair after commit."""
    unique = sorted(set(pairs))
    if not unique:
        return
    by_year: dict[int, list[int]] = {}
    for department_id, year in unique:
        by_year.setdefault(year, []).append(department_id)
    for year, department_ids in by_year.items():
        for start in range(0, len(department_ids), 1000):
            chunk = department_ids[start : start + 1000]
            DirtyScore.objects.filter(year=year, department_id__in=chunk).update(generation=F("generation") + 1)
            DirtyScore.objects.bulk_create(
                [DirtyScore(department_id=d, year=year) for d in chunk], ignore_conflicts=True
            )
    if not wake:
        return
    if len(unique) > WAKE_ONE_BY_ONE_LIMIT:
        transaction.on_commit(publish_sweep)
        return
    for department_id, year in unique:
        transaction.on_commit(lambda d=department_id, y=year: publish_recompute(d, y))


def publish_recompute(department_id: int, year: int) -> None:
    """Queue a recompute; a broker failure is logged, never raised to the user."""
    try:
        recompute_department.apply_async(args=(department_id, year), retry=False)
    except Exception:  # any broker error must not break a save
        logger.warning(
            "could not publish recompute for department=%s year=%s; the sweeper will pick it up",
            department_id, year, exc_info=True,
        )


def publish_sweep() -> None:
    try:
        sweep_dirty.apply_async(retry=False)
    except Exception:  # any broker error must not break a save
        logger.warning("could not publish sweep; beat will run it", exc_info=True)
