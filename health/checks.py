"""Readiness checks beyond the ones django-health-check ships: the worker's and beat's heartbeats."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from health.heartbeats import beat_seen_at, is_fresh, worker_seen_at


async def _check_heartbeat(seen_at: Callable[[], datetime | None], max_age: int, what: str) -> None:
    try:
        # thread_sensitive: the request's own database connection, not one per executor thread
        seen = await sync_to_async(seen_at)()
    except DatabaseError as exc:
        raise ServiceUnavailable(f"{what}: database unavailable") from exc
    if seen is None:
        raise ServiceUnavailable(f"{what}: no heartbeat yet")
    if not is_fresh(seen, max_age):
        raise ServiceUnavailable(f"{what}: last heartbeat {seen.isoformat()} is older than {max_age} s")


@dataclasses.dataclass
class WorkerHeartbeat(HealthCheck):
    """A Celery worker recorded a heartbeat within WORKER_HEARTBEAT_MAX_AGE."""

    async def run(self) -> None:
        await _check_heartbeat(worker_seen_at, settings.WORKER_HEARTBEAT_MAX_AGE, "worker")


@dataclasses.dataclass
class BeatHeartbeat(HealthCheck):
    """Celery beat ticked within BEAT_HEARTBEAT_MAX_AGE."""

    async def run(self) -> None:
        await _check_heartbeat(beat_seen_at, settings.BEAT_HEARTBEAT_MAX_AGE, "beat")
