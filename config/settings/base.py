"""Settings shared by every environment; values come from the environment."""
from __future__ import annotations

import ipaddress
import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str) -> list[str]:
    networks = env_list(name, [])
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} must list IP addresses or networks, got {network!r}") from exc
    return networks


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "kpis",
    "budgets",
    "imports",
    "reports",
    "health",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.IdleTimeoutMiddleware",
    "accounts.middleware.ClientAddressMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that its process_exception sees a view's exception first: a lost database is a 503.
    "core.outage.DatabaseOutageMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        # A kept connection is checked before a request reuses it: after a database restart the
        # request reconnects instead of failing on the dead connection.
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "kpis:home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ko-kr"
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
def env_json_object(name: str) -> dict:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a JSON object, got {raw!r}") from exc
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object, got {raw!r}")
    return value


# Uploads and evidence go through this storage only (never a filesystem path), so an object store shared by
# several web nodes can hold them: see README "Stored files".
STORAGES = {
    "default": {
        "BACKEND": os.environ.get("DJANGO_FILE_STORAGE", "") or "django.core.files.storage.FileSystemStorage",
        "OPTIONS": env_json_object("DJANGO_FILE_STORAGE_OPTIONS"),
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Upload limits: requests are refused before any parsing beyond these sizes. Files (workbooks,
# evidence) have their own limit, UPLOAD_MAX_BYTES, checked by the upload views; every other body
# (forms, JSON, the non-file part of a multipart upload) keeps Django's default of 2.5 MB.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The organization an existing single-government installation's bureaus move into (kpis migration 0012),
# and the one plan imports go to when no organization is named (the API's and plan workbook's paths).
KPI_DEFAULT_ORGANIZATION = os.environ.get("KPI_DEFAULT_ORGANIZATION", "전북특별자치도").strip() or "전북특별자치도"
# Failed and abandoned (never confirmed) upload runs and their files are deleted after this many days.
IMPORT_RETENTION_DAYS = env_int("IMPORT_RETENTION_DAYS", 30)
if IMPORT_RETENTION_DAYS < 1:
    raise ImproperlyConfigured(f"IMPORT_RETENTION_DAYS must be at least 1, got {IMPORT_RETENTION_DAYS}")
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# Session idle timeout (seconds); refreshed on every request by IdleTimeoutMiddleware.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Login (site, admin and API token, all through accounts.services.login_authenticate):
# an account is locked after LOGIN_FAILURE_LIMIT failures within LOGIN_LOCKOUT_SECONDS; an address is
# refused for a short while after LOGIN_ADDRESS_FAILURE_LIMIT failures (any usernames) within
# LOGIN_ADDRESS_WINDOW_SECONDS, which locks no account.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20)
LOGIN_ADDRESS_WINDOW_SECONDS = env_int("LOGIN_ADDRESS_WINDOW_SECONDS", 5 * 60)
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma separated);
# core.security.request_client_address is the one rule. Empty: the peer address is the client.
TRUSTED_PROXIES = env_networks("DJANGO_TRUSTED_PROXIES")
# API tokens (django-rest-knox): expire after this long unused, and in any case this long after issue.
API_TOKEN_IDLE_SECONDS = env_int("API_TOKEN_IDLE_SECONDS", 8 * 60 * 60)
API_TOKEN_MAX_AGE_SECONDS = env_int("API_TOKEN_MAX_AGE_SECONDS", 30 * 24 * 60 * 60)
REST_KNOX = {
    "TOKEN_TTL": timedelta(seconds=API_TOKEN_IDLE_SECONDS),
    "AUTO_REFRESH": True,
    "AUTO_REFRESH_MAX_TTL": timedelta(seconds=API_TOKEN_MAX_AGE_SECONDS),
    "MIN_REFRESH_INTERVAL": 60,
    "AUTH_HEADER_PREFIX": "Token",
}

# --- Celery -------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"

# --- Cache ----------------------------------------------------------------------
# Shared by every web worker when Redis is configured (scoreboard fragments, API throttles);
# per-process memory in the embedded default. CACHE_URL may point at another Redis database.
# Redis is optional at run time: django-redis turns a connection error into a miss (logged on the
# "cache" logger), so pages render uncached and throttles let requests through while it is down.
CACHE_URL = os.environ.get("CACHE_URL", "") or REDIS_URL
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "kpi",
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "cache"
# Upper bound on how long a scoreboard fragment lives (it is replaced as soon as its data changes).
BOARD_CACHE_SECONDS = env_int("BOARD_CACHE_SECONDS", 300)
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# For every task (kpis/tasks.py sets none of these itself, so these are the ones that apply).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_TIMEZONE = TIME_ZONE
# A message that a worker took but never acknowledged (the worker died) goes back to the queue
# after this many seconds: longer than the hard time limit, so a running task is never delivered
# twice, and far shorter than kombu's default hour.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 60)
# A save must never hang on a dead broker: one short connection attempt when publishing
# (kombu reads max_retries from the transport options for the publisher's connection).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 0,
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # how often a worker looks for messages whose visibility timeout ran out
    "unacked_restore_interval": min(10, CELERY_VISIBILITY_TIMEOUT),
    "unacked_restore_throttle": 1,
}
# A worker, though, retries the broker for ever (None: no limit; 0 would mean "give up at once"),
# with kombu's backoff, and resumes consuming when Redis is back.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A task still running when the broker goes away is stopped: its unacknowledged message is delivered
# again once the broker is back, and two copies of a recompute should not run side by side.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# The result backend (read for the year recompute's progress) tries a few times, not kombu's 20.
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
}
# Tasks that retry on a database error wait this long at most between tries (see kpis.tasks).
CELERY_DB_RETRY_BACKOFF_MAX = env_int("CELERY_DB_RETRY_BACKOFF_MAX", 60)
# The worker records a heartbeat in the database this often; the app calls it unresponsive when the
# newest is older than WORKER_HEARTBEAT_MAX_AGE. Beat records each tick (it ticks at least every
# minute for the sweeper) and is called stopped after BEAT_HEARTBEAT_MAX_AGE.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 15)
WORKER_HEARTBEAT_MAX_AGE = env_int("WORKER_HEARTBEAT_MAX_AGE", 60)
BEAT_HEARTBEAT_MAX_AGE = env_int("BEAT_HEARTBEAT_MAX_AGE", 180)
CELERY_BEAT_SCHEDULER = "health.beat:HeartbeatScheduler"
# A year recompute still running after this many seconds is shown as delayed (its lost chunks come
# back after the visibility timeout; the sweeper recomputes whatever stays dirty).
RECOMPUTE_DELAYED_AFTER = env_int("RECOMPUTE_DELAYED_AFTER", CELERY_TASK_TIME_LIMIT)
# recompute_year splits a year into this many department-id ranges, computed in parallel on the
# workers (one transaction each); set it to the number of worker processes (compose runs 2).
SCORES_YEAR_CHUNKS = env_int("SCORES_YEAR_CHUNKS", 2)
CELERY_BEAT_SCHEDULE = {
    "send-reminders": {"task": "kpis.tasks.send_reminders", "schedule": crontab(hour=9, minute=0)},
    "sweep-dirty-scores": {"task": "kpis.tasks.sweep_dirty", "schedule": timedelta(seconds=60)},
    "nightly-recompute": {"task": "kpis.tasks.recompute_current_year", "schedule": crontab(hour=2, minute=0)},
    "purge-imports": {"task": "imports.tasks.purge_imports", "schedule": crontab(hour=3, minute=30)},
}

# --- REST framework -------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "core.throttling.AnonRateThrottle",
        "core.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": "2000/min"},
    "EXCEPTION_HANDLER": "core.api_errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "성과지표 관리 API",
    "DESCRIPTION": "Performance plan (성과계획서) KPI tracking and actuals entry.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "IndicatorKindEnum": "kpis.models.IndicatorKind",
        "AmountKindEnum": "budgets.models.AmountKind",
        "ActualStatusEnum": "kpis.models.ActualStatus",
        "ReportEntryStatusEnum": "reports.models.ReportEntryStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "security": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "kpis": {"handlers": ["console"], "level": "INFO"},
        "imports": {"handlers": ["console"], "level": "INFO"},
        "health": {"handlers": ["console"], "level": "INFO"},
        "cache": {"handlers": ["console"], "level": "WARNING"},
    },
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "kpi@localhost")
