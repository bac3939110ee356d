"""When a year's stored scores become the ones scoreboard pages show (kpis/board_cache.py).

A recompute in one transaction publishes its result in that transaction. A year recompute on the
workers writes one transaction per department-id chunk: a chunk that changes a result only notes
it (`pending`), and the chord's last task publishes once every chunk is stored, so that cached
pages keep showing the last complete result meanwhile instead of being rebuilt after every chunk.
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from kpis.models import ScorePublication


def _upsert(year: int, **fields) -> None:
    """One portable statement (INSERT … ON CONFLICT (year) DO UPDATE): no race between two first writers."""
    ScorePublication.objects.bulk_create(
        [ScorePublication(year=year, **fields)], update_conflicts=True, unique_fields=["year"], update_fields=list(fields)
    )


def scores_publish(year: int) -> None:
    """The year's stored scores, as they are now, are what pages show: move the board version."""
    _upsert(year, published_at=timezone.now(), pending=False)


def scores_publish_later(year: int) -> None:
    """A chunk of a running year recompute changed a result: publish it with the chord's end."""
    _upsert(year, pending=True)


def scores_recompute_started(year: int, *, task_id: str) -> None:
    """A year recompute was split into chunks on the workers: pages say so until it finishes."""
    _upsert(year, recompute_task_id=task_id, recompute_started_at=timezone.now())


@transaction.atomic
def scores_recompute_finished(year: int, *, task_id: str) -> None:
    """Every chunk is stored: publish what they changed, and end the progress line of this task."""
    ScorePublication.objects.filter(year=year, pending=True).update(published_at=timezone.now(), pending=False)
    ScorePublication.objects.filter(year=year, recompute_task_id=task_id).update(
        recompute_task_id="", recompute_started_at=None
    )
