"""Faults on real services: Redis stopped and restarted, a worker killed mid-chunk, a chunk delivered twice.

Each test starts its own redis-server on a spare port (never the shared one) and, where a worker
is needed, a real Celery worker process on PostgreSQL, as tests/kpis/test_celery_worker.py does.
The worker runs with a visibility timeout of 2 s so a message whose worker died comes back at once.
Without redis-server or PostgreSQL these tests skip, except in CI (CI=true), where they fail.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from celery.result import AsyncResult
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from config.celery import app as celery_app
from health.models import Heartbeat
from imports.services import plan_import
from kpis import score_views
from kpis.models import Actual, DepartmentScore, DirtyScore, Indicator, IndicatorScore
from kpis.services.actuals import actual_save
from kpis.services.scores import scores_recompute
from kpis.tasks import recompute_year_chunk, recompute_year_done, sweep_dirty
from tests.conftest import PASSWORD, SAMPLE_PLAN, _make_user, client_for, skip_or_fail
from tests.kpis.test_celery_worker import broker, redis_available, reset_connections, wait_for  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent.parent
PORTS = range(16380, 16390)
pytestmark = pytest.mark.celery_worker


class PrivateRedis:
    """A throw-away redis-server on a spare port: started, killed and started again by the test."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        assert wait_for(lambda: redis_available(self.url), timeout=10), f"redis-server did not start on {self.port}"

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        assert not redis_available(self.url)


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"no free port in {PORTS}")


@pytest.fixture
def redis_server():
    if shutil.which("redis-server") is None:
        skip_or_fail("the fault tests need the redis-server binary")
    server = PrivateRedis(free_port())
    server.start()
    yield server
    server.kill() if server.process and server.process.poll() is None else None


@pytest.fixture
def result_backend():
    """Point this process's result backend (read for the year job's state) at a URL, and restore it."""
    saved = celery_app.conf.result_backend

    def use(url: str | None) -> None:
        celery_app.conf.result_backend = url
        celery_app._local.__dict__.pop("backend", None)  # the app caches its backend per thread

    yield use
    use(saved)


class Workers:
    """Real worker processes on one private queue; each logs to a file shown when an assertion fails."""

    def __init__(self, redis_url: str, log_dir: Path) -> None:
        self.redis_url = redis_url
        self.log_dir = log_dir
        self.queue = f"fault-{os.getpid()}-{time.time_ns()}"
        self.processes: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        db = connection.settings_dict
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="config.settings.local",
            DATABASE_URL=f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            REDIS_URL=self.redis_url,
            CACHE_URL=self.redis_url,
            CELERY_VISIBILITY_TIMEOUT="2",
            WORKER_HEARTBEAT_SECONDS="1",
        )
        number = len(self.processes)
        name = f"{self.queue}-{number}"
        log = open(self.log_dir / f"worker-{number}.log", "wb")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=info",
             "-Q", self.queue, "-n", f"{name}@%h", "--without-heartbeat", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        # The worker's heartbeat bootstep writes its row once the worker has started.
        assert wait_for(lambda: Heartbeat.objects.filter(name__startswith=f"worker:{name}@").exists(), timeout=60), (
            self.logs()
        )
        return process

    def logs(self) -> str:
        return "\n".join(path.read_text(errors="replace")[-3000:] for path in sorted(self.log_dir.glob("worker-*.log")))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@pytest.fixture
def workers(transactional_db, broker, result_backend, redis_server, tmp_path):  # noqa: F811
    if connection.vendor != "postgresql":
        skip_or_fail("the fault tests need PostgreSQL (set DATABASE_URL)")
    broker(redis_server.url)
    result_backend(redis_server.url)
    pool = Workers(redis_server.url, tmp_path)
    celery_app.conf.task_default_queue = pool.queue
    try:
        yield pool
    finally:
        pool.stop()
        celery_app.conf.task_default_queue = "celery"


def correct_meetings(user) -> Indicator:
    """Reopen and correct 대외협력과's meetings actual of 2023 (a draft: it leaves the score, 100.00 / 70)."""
    meetings = Indicator.objects.get(short_name="정무활동 및 당정협력 강화")
    Actual.objects.filter(indicator=meetings, year=2023).update(status="returned")
    actual = Actual.objects.get(indicator=meetings, year=2023)
    actual_save(user=user, indicator_id=meetings.pk, year=2023, inputs={"개최횟수": "11"}, expected_version=actual.version)
    return meetings


def scores_2023() -> dict[str, tuple]:
    return {
        name: (score, completeness)
        for name, score, completeness in DepartmentScore.objects.filter(year=2023)
        .values_list("department__name", "score", "completeness")
    }


def test_the_worker_outlives_redis_and_drains_the_dirty_marks_once_it_is_back(workers, redis_server, caplog):
    plan_import(path=SAMPLE_PLAN)
    admin = _make_user("fault_admin", "admin")
    scores_recompute(2023)
    worker = workers.start()

    redis_server.kill()
    meetings = correct_meetings(admin)  # the save succeeds; its publish fails and is logged
    assert "could not publish" in caplog.text
    department = meetings.department
    assert DirtyScore.objects.filter(department=department, year=2023).exists()
    # The worker notices the lost broker at once (kombu); it must keep retrying, not exit.
    assert not wait_for(lambda: worker.poll() is not None, timeout=3), "worker exited:\n" + workers.logs()

    redis_server.start()
    reset_connections()
    sweep_dirty.apply_async()  # what beat sends every minute

    assert wait_for(lambda: not DirtyScore.objects.filter(year=2023).exists(), timeout=60), workers.logs()
    assert scores_2023()["대외협력과"] == (Decimal("100.00"), Decimal("70.00"))
    assert worker.poll() is None


class ConnectionCounter:
    """A TCP listener that counts connection attempts and drops each one, like a broker that is going away."""

    def __init__(self, port: int) -> None:
        self.attempts = 0
        self.sock = socket.create_server(("127.0.0.1", port))
        self.sock.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.attempts += 1
            conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.sock.close()


def test_a_save_while_redis_is_down_publishes_once_and_never_waits_for_a_result(
    transactional_db, broker, result_backend, redis_server, django_capture_on_commit_callbacks, caplog  # noqa: F811
):
    plan_import(path=SAMPLE_PLAN)
    admin = _make_user("publish_admin", "admin")
    broker(redis_server.url)
    result_backend(redis_server.url)
    redis_server.kill()
    counter = ConnectionCounter(redis_server.port)  # broker and result backend both point here
    try:
        with django_capture_on_commit_callbacks(execute=True):
            correct_meetings(admin)
    finally:
        counter.close()
    # One attempt for the message; no retries and no result subscription (it would connect again).
    assert counter.attempts == 1
    assert "could not publish recompute" in caplog.text
    assert DirtyScore.objects.filter(department__name="대외협력과", year=2023).exists()


def test_the_api_and_the_pages_answer_while_redis_is_down(
    sample_plan, dept_user, evaluator, client, settings, broker, redis_server,  # noqa: F811
    django_capture_on_commit_callbacks, caplog,
):
    settings.REDIS_URL = redis_server.url
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "BACKEND": "django_redis.cache.RedisCache",
                    "LOCATION": redis_server.url, "OPTIONS": {"IGNORE_EXCEPTIONS": True}},
    }
    broker(redis_server.url)
    assert client_for(dept_user).get("/api/v1/actuals/", {"year": 2024}).status_code == 200  # throttles use Redis
    redis_server.kill()

    token = APIClient().post("/api/v1/auth/token/", {"username": dept_user.username, "password": PASSWORD},
                                  format="json")
    assert token.status_code == 200, token.content
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert api.get("/api/v1/actuals/", {"year": 2024}).json()["count"] == 9
    meetings = Indicator.objects.get(short_name="정무활동 및 당정협력 강화")
    actual = Actual.objects.get(indicator=meetings, year=2024)
    with django_capture_on_commit_callbacks(execute=True):
        saved = api.patch(f"/api/v1/actuals/{actual.pk}/", {"inputs": {"개최횟수": "7"}, "version": actual.version},
                          format="json")
    assert saved.status_code == 200, saved.content
    assert Actual.objects.get(pk=actual.pk).value == Decimal(7)
    assert api.get("/api/v1/scores/", {"year": 2023}).status_code == 200
    assert "Exception ignored" in caplog.text  # the cache logged what it skipped

    login = client.post(reverse("accounts:login"), {"username": evaluator.username, "password": PASSWORD})
    assert login.status_code == 302 and "/accounts/login/" not in login["Location"]
    board = client.get("/scores/2024/")
    assert board.status_code == 200
    assert "재계산 대기" in board.content.decode()  # the saved department waits for its recompute
    assert "작업 처리기 응답 없음" in board.content.decode()


def locked_dirty_marks(year: int) -> psycopg.Connection:
    """Another connection holding the year's dirty marks, so that a chunk blocks mid-transaction clearing them."""
    db = connection.settings_dict
    holder = psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], password=db.get("PASSWORD") or None,
                             dbname=db["NAME"])
    holder.execute(f"SELECT 1 FROM {DirtyScore._meta.db_table} WHERE year = %s FOR UPDATE", [year])
    return holder


def drained() -> None:
    """Wait until the worker has run everything queued so far (one solo worker, one queue: in order)."""
    assert recompute_year_done.apply_async(args=([0], 2023)).get(timeout=60) == 0


def a_query_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_mid_chunk_leaves_a_recompute_that_completes_after_a_restart(workers, client, evaluator):
    plan_import(path=SAMPLE_PLAN)
    scores_recompute(2023)
    first = workers.start()
    drained()  # the plan import's own recomputes
    DirtyScore.objects.bulk_create([DirtyScore(department=score.department, year=2023)
                                    for score in DepartmentScore.objects.filter(year=2023)])
    holder = locked_dirty_marks(2023)
    try:
        client.force_login(evaluator)
        client.post(reverse("scores:recompute", args=[2023]))  # recompute_year: a chord of two chunks
        task_id = client.session[score_views.JOB_KEY.format(year=2023)]
        assert wait_for(a_query_waits_for_a_lock, timeout=60), workers.logs()  # a chunk is mid-transaction
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        holder.close()
    status_url = reverse("scores:recompute_status", args=[2023, task_id])
    assert "재계산을 마쳤습니다" not in client.get(status_url).content.decode()

    workers.start()  # docker-compose's restart policy; the lost chunk comes back after the visibility timeout

    assert wait_for(lambda: AsyncResult(task_id, app=celery_app).state == "SUCCESS", timeout=60), workers.logs()
    assert "재계산을 마쳤습니다" in client.get(status_url).content.decode()  # the progress line ends
    assert not DirtyScore.objects.filter(year=2023).exists()
    assert scores_2023() == {
        "대외협력과": (Decimal("102.73"), Decimal("100.00")), "소통기획과": (Decimal("101.23"), Decimal("100.00")),
        "외국인국제정책과": (None, None),
    }


def test_a_chunk_delivered_twice_stores_one_result(workers):
    plan_import(path=SAMPLE_PLAN)
    scores_recompute(2023)
    expected = (scores_2023(), IndicatorScore.objects.filter(year=2023).count())
    workers.start()
    drained()

    chunk = recompute_year_chunk.si(2023, None, None, True).set(task_id="duplicate-chunk")
    chunk.apply_async()
    chunk.apply_async()  # the same message again, as after a redelivery
    drained()

    assert DepartmentScore.objects.filter(year=2023).count() == 3
    assert (scores_2023(), IndicatorScore.objects.filter(year=2023).count()) == expected
