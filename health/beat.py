"""Beat's scheduler, recording a heartbeat on each tick so that /readyz can tell beat has stopped."""
from __future__ import annotations

import time

from celery.beat import PersistentScheduler

from health.heartbeats import BEAT, heartbeat_record_from_process

# At most one database write per this many seconds however often beat wakes up.
RECORD_EVERY = 10


class HeartbeatScheduler(PersistentScheduler):
    _recorded_at = 0.0

    def tick(self, *args, **kwargs):
        now = time.monotonic()
        if now - self._recorded_at >= RECORD_EVERY:
            heartbeat_record_from_process(BEAT)
            self._recorded_at = now
        return super().tick(*args, **kwargs)
