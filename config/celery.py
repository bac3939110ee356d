"""Celery application; tasks run eagerly when no REDIS_URL is configured."""
from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("kpi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
