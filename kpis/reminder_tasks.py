"""Daily reminder job; registered under the kpis.tasks namespace with the other tasks."""
from __future__ import annotations

import logging

from celery import shared_task

from kpis.reminders import reminder_years, reminders_send

logger = logging.getLogger("kpis")


@shared_task(
    name="kpis.tasks.send_reminders", acks_late=True, reject_on_worker_lost=True, time_limit=600,
    soft_time_limit=540,
)
def send_reminders() -> int:
    """Send today's reminders for every open year whose closing date is near; returns departments reminded."""
    sent = 0
    for year in reminder_years():
        sent += len(reminders_send(year))
    return sent
