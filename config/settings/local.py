"""Embedded default (`make run`): SQLite, eager Celery, a fixed development secret, and debug off.

Debug is off so that `make run` shows what users see: the Korean error pages (templates/4xx.html, 500.html)
rather than Django's technical pages. `DJANGO_DEBUG=true make run` brings those back. With debug off
runserver serves no static files, so WhiteNoise serves them straight from static/ (no collectstatic).
"""
from .base import *
from .base import LOGGING, STORAGES, env_bool

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = SECRET_KEY or "local-development-only-not-for-production"

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True  # an edited stylesheet is served as it is now, without a restart
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

# With debug off Django prints no traceback to the console by itself: keep one for the developer.
LOGGING = {
    **LOGGING,
    "loggers": {**LOGGING["loggers"], "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False}},
}
