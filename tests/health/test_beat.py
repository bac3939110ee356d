"""Beat's scheduler records when it last ticked, which /readyz and heartbeat_check read."""
from __future__ import annotations

import pytest

from config.celery import app
from health.beat import HeartbeatScheduler
from health.heartbeats import beat_seen_at

# Committed rows: beat drops stale connections before writing, as a long-lived process must.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_tick_records_beats_heartbeat(tmp_path):
    scheduler = HeartbeatScheduler(app, schedule_filename=str(tmp_path / "schedule"))
    try:
        assert beat_seen_at() is None
        scheduler.tick()
        assert beat_seen_at() is not None
    finally:
        scheduler.close()
