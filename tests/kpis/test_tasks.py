"""Celery configuration: task names follow their module, beat names real tasks, limits come from settings."""
from __future__ import annotations

from celery.schedules import crontab
from django.conf import settings

from config.celery import app
from kpis import tasks

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
