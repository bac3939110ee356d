"""Exit 0 when this container's worker (or beat) recorded a fresh heartbeat: docker-compose's health check."""
from __future__ import annotations

import socket

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from health.heartbeats import BEAT, WORKER_PREFIX, is_fresh
from health.models import Heartbeat


class Command(BaseCommand):
    help = "Check the heartbeat of the Celery worker running on this host (celery@hostname) or of beat."

    def add_arguments(self, parser) -> None:
        parser.add_argument("process", choices=["worker", "beat"])

    def handle(self, *args, process: str, **options) -> None:
        if process == "worker":
            name, max_age = f"{WORKER_PREFIX}celery@{socket.gethostname()}", settings.WORKER_HEARTBEAT_MAX_AGE
        else:
            name, max_age = BEAT, settings.BEAT_HEARTBEAT_MAX_AGE
        seen_at = Heartbeat.objects.filter(name=name).values_list("seen_at", flat=True).first()
        if not is_fresh(seen_at, max_age):
            raise CommandError(f"{name}: no heartbeat within {max_age} s (last: {seen_at or 'never'})")
        self.stdout.write(f"{name}: {seen_at.isoformat()}")
