"""Real Celery worker on Redis and PostgreSQL, and a save while the broker is down.

These tests commit (the worker is another process and must see the rows), so they use
transactional_db; they need PostgreSQL and Redis, and fail instead of skipping in CI.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from kombu import pools as kombu_pools

from config.celery import app as celery_app
from imports.services import plan_import
from kpis.models import Actual, DepartmentScore, DirtyScore, Indicator, ScorePublication
from kpis.services.actuals import actual_save
from kpis.services.scores import dirty_sweep, scores_recompute
from kpis.tasks import recompute_year
from tests.conftest import SAMPLE_PLAN, _make_user, skip_or_fail

ROOT = Path(__file__).resolve().parent.parent.parent
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_available(url: str) -> bool:
    host_port = url.split("//", 1)[1].split("/", 1)[0]
    host, _, port = host_port.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port or 6379)), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def broker(settings):
    """Publish to a real broker instead of running tasks eagerly, and restore afterwards."""
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "broker_url")}

    def use(url: str) -> None:
        celery_app.conf.update(task_always_eager=False, broker_url=url)
        reset_connections()

    yield use
    celery_app.conf.update(**saved)
    reset_connections()


def reset_connections() -> None:
    """Drop pooled broker connections so the next publish uses the current broker_url."""
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def worker(transactional_db, broker):
    if connection.vendor != "postgresql":
        skip_or_fail("the real-worker test needs PostgreSQL (set DATABASE_URL)")
    if not redis_available(REDIS_URL):
        skip_or_fail(f"the real-worker test needs Redis at {REDIS_URL}")
    broker(REDIS_URL)
    db = connection.settings_dict
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL=REDIS_URL,
    )
    queue = f"test-{os.getpid()}-{time.time_ns()}"
    celery_app.conf.task_default_queue = queue
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=warning",
         "-Q", queue, "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        celery_app.conf.task_default_queue = "celery"


def wait_for(predicate, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


@pytest.mark.celery_worker
def test_a_real_worker_updates_the_score_after_an_actual_changes(worker):
    plan_import(path=SAMPLE_PLAN)
    admin = _make_user("worker_admin", "admin")
    scores_recompute(2023)
    meetings = Indicator.objects.get(short_name="정무활동 및 당정협력 강화")
    Actual.objects.filter(indicator=meetings, year=2023).update(status="returned")  # open for a correction
    actual = Actual.objects.get(indicator=meetings, year=2023)

    actual_save(user=admin, indicator_id=meetings.pk, year=2023, inputs={"개최횟수": "11"},
                expected_version=actual.version)

    department = meetings.department
    assert wait_for(lambda: not DirtyScore.objects.filter(department=department, year=2023).exists()), (
        "worker did not recompute: " + (worker.stdout.read1(4096).decode(errors="replace") if worker.poll() else "")
    )
    # The correction is a draft and does not count: 32/32 (w30) and 6/6 (w40) → 100.00, completeness 70.
    stored = DepartmentScore.objects.get(department=department, year=2023)
    assert (stored.score, stored.completeness) == (Decimal("100.00"), Decimal("70.00"))


@pytest.mark.celery_worker
def test_a_save_succeeds_while_the_broker_is_down_and_the_sweeper_catches_up(transactional_db, broker, caplog):
    plan_import(path=SAMPLE_PLAN)
    admin = _make_user("sweeper_admin", "admin")
    scores_recompute(2023)
    broker("redis://127.0.0.1:1/0")  # nothing listens on port 1
    meetings = Indicator.objects.get(short_name="정무활동 및 당정협력 강화")
    Actual.objects.filter(indicator=meetings, year=2023).update(status="returned")  # open for a correction
    actual = Actual.objects.get(indicator=meetings, year=2023)

    started = time.monotonic()
    saved = actual_save(user=admin, indicator_id=meetings.pk, year=2023, inputs={"개최횟수": "11"},
                        expected_version=actual.version)
    elapsed = time.monotonic() - started

    assert saved.value == Decimal(11)
    assert elapsed < 10, "a dead broker must not hang a save"
    assert "could not publish" in caplog.text
    department = meetings.department
    assert DirtyScore.objects.filter(department=department, year=2023).exists()
    assert DepartmentScore.objects.get(department=department, year=2023).score == Decimal("102.73")

    dirty_sweep()  # what beat runs once the broker is back

    assert not DirtyScore.objects.filter(department=department, year=2023).exists()
    stored = DepartmentScore.objects.get(department=department, year=2023)
    assert (stored.score, stored.completeness) == (Decimal("100.00"), Decimal("70.00"))  # the draft left out


@pytest.mark.celery_worker
def test_a_year_recompute_on_a_real_worker_runs_as_chunks_and_clears_every_dirty_mark(worker):
    plan_import(path=SAMPLE_PLAN)
    scores_recompute(2023)
    before = dict(DepartmentScore.objects.filter(year=2023).values_list("department_id", "computed_at"))
    DirtyScore.objects.bulk_create([DirtyScore(department_id=pk, year=2023) for pk in before])
    published = ScorePublication.objects.get(year=2023).published_at

    # The worker splits the year into id ranges (settings.SCORES_YEAR_CHUNKS), each its own transaction.
    recompute_year.apply_async(args=(2023,), kwargs={"force": True})

    def recomputed() -> bool:
        rows = dict(DepartmentScore.objects.filter(year=2023).values_list("department_id", "computed_at"))
        return all(rows[pk] > computed_at for pk, computed_at in before.items())

    assert wait_for(recomputed), "chunks did not run: " + (
        worker.stdout.read1(4096).decode(errors="replace") if worker.poll() else ""
    )
    assert wait_for(lambda: not DirtyScore.objects.filter(year=2023).exists())
    # The chord's last task published the chunks' changes and ended the progress line.
    # (The plan import's own department recomputes may still be reaching the worker and publish on their
    # own, so the end of the progress line is what is waited for; the chord's end publishes in that transaction.)
    assert wait_for(lambda: ScorePublication.objects.get(year=2023).recompute_task_id == "")
    assert ScorePublication.objects.get(year=2023).published_at > published
    scores = dict(DepartmentScore.objects.filter(year=2023).values_list("department__name", "score"))
    assert scores == {"대외협력과": Decimal("102.73"), "소통기획과": Decimal("101.23"), "외국인국제정책과": None}
