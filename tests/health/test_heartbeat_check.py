"""manage.py heartbeat_check: docker-compose's health check of the worker and beat containers."""
from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from health.heartbeats import BEAT, heartbeat_record
from health.models import Heartbeat

pytestmark = pytest.mark.django_db


def test_it_passes_for_this_hosts_worker_with_a_fresh_heartbeat(capsys):
    heartbeat_record(f"worker:celery@{socket.gethostname()}")
    call_command("heartbeat_check", "worker")
    assert f"worker:celery@{socket.gethostname()}" in capsys.readouterr().out


def test_it_fails_when_only_another_hosts_worker_is_alive():
    heartbeat_record("worker:celery@elsewhere")
    with pytest.raises(CommandError, match="no heartbeat within 60 s"):
        call_command("heartbeat_check", "worker")


def test_it_fails_for_a_beat_that_stopped_ticking():
    Heartbeat.objects.create(name=BEAT, seen_at=timezone.now() - timedelta(minutes=10))
    with pytest.raises(CommandError, match="beat: no heartbeat within 180 s"):
        call_command("heartbeat_check", "beat")
