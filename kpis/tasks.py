"""Celery tasks: take ids, are idempotent, and write each result in one transaction.

Every task keeps Celery's default name, this module and the function (``kpis.tasks.sweep_dirty``),
which is what CELERY_BEAT_SCHEDULE names. Time limits, late acknowledgement and requeueing when a
worker is lost come from the settings (CELERY_TASK_*), the same for every task; retries on database
errors and ignoring results are set per task below.
"""
from __future__ import annotations

import logging

from celery import chord, shared_task
from celery.backends.base import DisabledBackend
from celery.exceptions import Ignore
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from kpis.services.progress_summary import progress_summaries_send, progress_summary_due
from kpis.services.publication import scores_recompute_finished, scores_recompute_started
from kpis.services.reminders import reminder_years, reminders_send
from kpis.services.scores import (
    department_recompute,
    dirty_sweep,
    scores_recompute,
    scores_recompute_range,
    year_chunks,
)

logger = logging.getLogger("kpis")

# Tasks that write scores retry a lost or restarting database with exponential backoff (1 s, 2 s,
# 4 s … at most CELERY_DB_RETRY_BACKOFF_MAX, with jitter); each retry is a new transaction and the
# writes are idempotent. Beyond the retries the dirty marks stay and the sweeper finishes the work.
DB_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": settings.CELERY_DB_RETRY_BACKOFF_MAX,
    "retry_jitter": True,
    "max_retries": 6,
}
# Published after a save and never waited for: storing or subscribing to a result would only give
# the save another way to wait on Redis.
FIRE_AND_FORGET = {"ignore_result": True}


@shared_task(**DB_RETRY, **FIRE_AND_FORGET)
def recompute_department(department_id: int, year: int) -> int:
    return department_recompute(int(department_id), int(year))


@shared_task(bind=True, **DB_RETRY)
def recompute_year(self, year: int, force: bool = False, organization_id: int | None = None) -> int:
    """Recompute every department of a year; returns departments checked.

    On real workers the task replaces itself with a chord: one ``recompute_year_chunk`` per
    department-id range, run in parallel, then ``recompute_year_done``, which inherits this
    task's id, so a caller polling that id sees SUCCESS only once every chunk is stored, and
    publishes the chunks' changes to the scoreboard only then (kpis/services/publication.py). A
    chunk that fails or is lost leaves its departments' previous results and dirty marks (the
    sweeper finishes them; the chord's errback publishes what the other chunks stored); a chunk
    run twice writes the same rows. Run eagerly (no broker), the year is one transaction, as before.
    With ``organization_id`` only that organization's departments, in one transaction (no chord).
    """
    year = int(year)
    if organization_id is not None:
        done = scores_recompute(year, force=bool(force), organization_id=int(organization_id))
        logger.info("recomputed %s departments of organization %s for %s", done, organization_id, year)
        return done
    parts = settings.SCORES_YEAR_CHUNKS
    # A chord needs workers to run on and a result backend to count finished chunks.
    inline = self.request.is_eager or self.request.called_directly or isinstance(self.backend, DisabledBackend)
    chunks = [(None, None)] if inline or parts <= 1 else year_chunks(year, parts)
    if len(chunks) == 1:
        done = scores_recompute(year, force=bool(force))
        logger.info("recomputed %s departments for %s", done, year)
        return done
    # The chunks follow this task to its queue (a worker serving only a scores queue gets them).
    queue = (self.request.delivery_info or {}).get("routing_key")
    options = {"queue": queue} if queue else {}
    header = [
        recompute_year_chunk.si(year, first_id, last_id, bool(force)).set(**options) for first_id, last_id in chunks
    ]
    scores_recompute_started(year, task_id=self.request.id)
    try:
        return self.replace(chord(header, year_chord_end(year, options)))
    except Exception as exc:
        if not isinstance(exc, Ignore):  # Ignore: replaced as planned; anything else: no chord runs
            scores_recompute_finished(year, task_id=self.request.id)
        raise


def year_chord_end(year: int, options: dict):
    """The chord's last task, with the errback Celery calls instead when a chunk fails."""
    done = recompute_year_done.s(year).set(**options)
    done.link_error(recompute_year_failed.s(year))
    return done


@shared_task(**DB_RETRY)
def recompute_year_chunk(year: int, first_id: int | None, last_id: int | None, force: bool = False) -> int:
    """One department-id range of a year (None: open end), in one transaction."""
    return scores_recompute_range(int(year), first_id, last_id, force=bool(force))


@shared_task(bind=True)
def recompute_year_done(self, done: list[int], year: int) -> int:
    scores_recompute_finished(int(year), task_id=self.request.id)
    total = sum(done)
    logger.info("recomputed %s departments for %s in %s chunks", total, year, len(done))
    return total


@shared_task
def recompute_year_failed(request, exc, traceback, year: int) -> None:
    """The year chord's errback, run where a chunk failed: publish what the other chunks stored and end
    the progress line; the failed chunk's departments keep their dirty marks for the sweeper."""
    scores_recompute_finished(int(year), task_id=request.id)


@shared_task(**DB_RETRY, **FIRE_AND_FORGET)
def sweep_dirty() -> int:
    return dirty_sweep()


@shared_task(**FIRE_AND_FORGET)
def recompute_current_year() -> int:
    """Nightly: the current year and the previous one, whose actuals arrive early in the year."""
    today = timezone.localdate()
    return scores_recompute(today.year) + scores_recompute(today.year - 1)


@shared_task(**FIRE_AND_FORGET)
def send_reminders() -> int:
    """Send today's reminders for every open year whose closing date is near; returns departments reminded."""
    sent = 0
    for year in reminder_years():
        sent += len(reminders_send(year))
    return sent


@shared_task(**FIRE_AND_FORGET)
def send_progress_summaries() -> int:
    """Weekly: e-mail each department of every open year reported by period its progress summary; returns
    departments written to."""
    return sum(
        len(progress_summaries_send(year, organization_ids=organization_ids))
        for year, organization_ids in progress_summary_due().items()
    )
