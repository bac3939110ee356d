"""Embedded default: SQLite, eager Celery, debug on, a fixed development secret."""
from .base import *
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = SECRET_KEY or "local-development-only-not-for-production"
