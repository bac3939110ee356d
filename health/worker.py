"""A worker bootstep that records the worker's heartbeat at start and then periodically.

The timer runs in the worker's main process (its event loop), so the heartbeat stops when the
worker stops consuming: dead, or still reconnecting to the broker.
"""
from __future__ import annotations

from celery import bootsteps
from django.conf import settings

from health.heartbeats import WORKER_PREFIX, heartbeat_record_from_process


class Heartbeat(bootsteps.StartStopStep):
    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker, **kwargs) -> None:
        super().__init__(worker, **kwargs)
        self.tref = None

    def start(self, worker) -> None:
        name = f"{WORKER_PREFIX}{worker.hostname}"
        heartbeat_record_from_process(name)
        self.tref = worker.timer.call_repeatedly(settings.WORKER_HEARTBEAT_SECONDS, heartbeat_record_from_process, (name,))

    def stop(self, worker) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
