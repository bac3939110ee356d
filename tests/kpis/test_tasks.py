"""Celery configuration: task names follow their module, beat names real tasks, limits come from settings."""
from __future__ import annotations

from decimal import Decimal

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db import OperationalError

from config.celery import app
from kpis import tasks
from kpis.models import DepartmentScore

TASKS = [
    tasks.recompute_department, tasks.recompute_year, tasks.recompute_year_chunk, tasks.recompute_year_done,
    tasks.sweep_dirty, tasks.recompute_current_year, tasks.send_reminders,
]


def test_every_task_is_named_after_its_module_and_function():
    assert [task.name for task in TASKS] == [f"kpis.tasks.{task.__name__}" for task in TASKS]


def test_the_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()  # what a worker or beat process does on start
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry


def test_the_nightly_recompute_runs_at_two_in_the_morning_seoul_time():
    schedule = settings.CELERY_BEAT_SCHEDULE["nightly-recompute"]["schedule"]
    assert isinstance(schedule, crontab)
    assert (schedule.hour, schedule.minute) == ({2}, {0})
    assert settings.CELERY_TIMEZONE == "Asia/Seoul"


def test_time_limits_and_acknowledgement_come_from_the_settings_for_every_task():
    limits = (settings.CELERY_TASK_TIME_LIMIT, settings.CELERY_TASK_SOFT_TIME_LIMIT)
    assert (app.conf.task_time_limit, app.conf.task_soft_time_limit) == limits
    for task in TASKS:  # a task's own value would override the setting
        assert (task.time_limit, task.soft_time_limit) == limits, task.name
        assert task.acks_late is app.conf.task_acks_late is True, task.name
        assert task.reject_on_worker_lost is app.conf.task_reject_on_worker_lost is True, task.name


def test_fire_and_forget_tasks_store_no_result_and_the_year_job_keeps_its_own():
    # A save publishes these after commit; a result would make the publish subscribe to Redis.
    for task in (tasks.recompute_department, tasks.sweep_dirty, tasks.recompute_current_year, tasks.send_reminders):
        assert task.ignore_result is True, task.name
    for task in (tasks.recompute_year, tasks.recompute_year_chunk, tasks.recompute_year_done):  # read by the page and the chord
        assert task.ignore_result is False, task.name


def test_the_broker_is_retried_for_ever_by_a_worker_and_not_at_all_by_a_publisher():
    assert app.conf.broker_connection_max_retries is None  # 0 would make a Redis blip fatal to the worker
    assert app.conf.broker_transport_options["max_retries"] == 0
    assert app.conf.broker_transport_options["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT


@pytest.mark.django_db
def test_a_chunk_retries_after_a_database_error_and_stores_the_scores(sample_plan, monkeypatch):
    calls = []
    real = tasks.scores_recompute_range

    def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    monkeypatch.setattr(tasks, "scores_recompute_range", flaky)
    result = tasks.recompute_year_chunk.apply(args=(2023, None, None), throw=False)  # as on a worker: Retry is handled
    assert result.successful() and result.get() == 3
    assert len(calls) == 2
    assert dict(DepartmentScore.objects.filter(year=2023).values_list("department__name", "score")) == {
        "대외협력과": Decimal("102.73"), "소통기획과": Decimal("101.23"), "외국인국제정책과": None,
    }
