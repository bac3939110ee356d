"""/healthz and /readyz: what a load balancer and docker-compose ask before sending traffic."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from config.celery import app as celery_app
from health.heartbeats import BEAT, heartbeat_record
from health.models import Heartbeat
from tests.conftest import skip_or_fail
from tests.kpis.test_celery_worker import REDIS_URL, redis_available

pytestmark = pytest.mark.django_db
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def with_workers(settings, monkeypatch):
    """Configured as in production with REDIS_URL: tasks go to workers (tests otherwise run them eagerly)."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)

    def use(url: str) -> None:
        settings.REDIS_URL = url

    return use


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_only_the_database_when_tasks_run_in_process(client, settings):  # eager in tests
    settings.REDIS_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "failed": [], "checks": {"database": "OK"}}


def test_readyz_is_503_and_names_redis_worker_and_beat_when_they_are_gone(client, with_workers):
    with_workers(DEAD_REDIS)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["failed"] == ["redis", "worker", "beat"]
    assert body["checks"]["database"] == "OK"
    assert "Unable to connect to Redis" in body["checks"]["redis"]
    assert body["checks"]["worker"] == "Unavailable: worker: no heartbeat yet"


def test_readyz_names_a_worker_whose_heartbeat_is_stale(client, with_workers):
    with_workers(DEAD_REDIS)
    Heartbeat.objects.create(name="worker:celery@old", seen_at=timezone.now() - timedelta(minutes=5))
    heartbeat_record(BEAT)
    body = client.get("/readyz").json()
    assert "worker" in body["failed"] and "beat" not in body["failed"]
    assert "older than 60 s" in body["checks"]["worker"]


def test_readyz_is_200_with_redis_up_and_fresh_heartbeats(client, with_workers):
    if not redis_available(REDIS_URL):
        skip_or_fail(f"readyz against a live Redis needs Redis at {REDIS_URL}")
    with_workers(REDIS_URL)
    heartbeat_record("worker:celery@here")
    heartbeat_record(BEAT)
    response = client.get("/readyz")
    assert response.json() == {
        "status": "ok", "failed": [], "checks": {"database": "OK", "redis": "OK", "worker": "OK", "beat": "OK"},
    }
    assert response.status_code == 200


def test_a_heartbeat_is_rewritten_in_place():
    heartbeat_record("worker:celery@a")
    first = Heartbeat.objects.get(name="worker:celery@a").seen_at
    heartbeat_record("worker:celery@a")
    assert Heartbeat.objects.filter(name="worker:celery@a").count() == 1
    assert Heartbeat.objects.get(name="worker:celery@a").seen_at >= first
