"""Write and read the heartbeats of the Celery worker and beat (health.models.Heartbeat).

They live in the database, not in Redis, so that the app can tell a dead worker from a dead
broker, and a page can say "작업 처리기 응답 없음" while Redis is down too.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from config.celery import app as celery_app
from health.models import Heartbeat

logger = logging.getLogger("health")
WORKER_PREFIX = "worker:"
BEAT = "beat"


def heartbeat_record(name: str) -> None:
    """Record that `name` is alive now; a database error is logged, never raised (the caller lives on)."""
    try:
        Heartbeat.objects.update_or_create(name=name, defaults={"seen_at": timezone.now()})
    except DatabaseError:
        logger.warning("could not record the heartbeat of %s", name, exc_info=True)


def heartbeat_record_from_process(name: str) -> None:
    """`heartbeat_record` from a long-lived process (worker, beat) outside any request or task.

    Nothing else there drops a connection that a database restart broke, so this does what
    Django does around each request: close it if it is unusable, and connect afresh.
    """
    close_old_connections()
    heartbeat_record(name)


def worker_seen_at() -> datetime | None:
    """The newest heartbeat of any worker."""
    return (
        Heartbeat.objects.filter(name__startswith=WORKER_PREFIX)
        .order_by("-seen_at").values_list("seen_at", flat=True).first()
    )


def beat_seen_at() -> datetime | None:
    return Heartbeat.objects.filter(name=BEAT).values_list("seen_at", flat=True).first()


def workers_expected() -> bool:
    """Tasks go to real workers (REDIS_URL set); without it they run eagerly inside the request."""
    return not celery_app.conf.task_always_eager


def is_fresh(seen_at: datetime | None, max_age: int) -> bool:
    return seen_at is not None and timezone.now() - seen_at <= timedelta(seconds=max_age)


def worker_responding() -> bool:
    """Whether a worker will pick up a recompute soon: true when tasks run in-process, else a fresh heartbeat.

    A page asks this on every request; a database error reads as "not responding" rather than failing the page.
    """
    if not workers_expected():
        return True
    try:
        return is_fresh(worker_seen_at(), settings.WORKER_HEARTBEAT_MAX_AGE)
    except DatabaseError:
        logger.warning("could not read the worker heartbeat", exc_info=True)
        return False
