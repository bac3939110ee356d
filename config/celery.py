"""Celery application; tasks run eagerly when no REDIS_URL is configured."""
from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("kpi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Named by path: Celery loads the step when it builds the worker, after Django is set up.
app.steps["worker"].add("health.worker:Heartbeat")
