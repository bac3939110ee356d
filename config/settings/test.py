"""Test settings: fast hashing, in-memory email; DB from DATABASE_URL or SQLite."""
from .base import *

DEBUG = False
SECRET_KEY = "test-only-secret"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
import os
import tempfile

MEDIA_ROOT = tempfile.mkdtemp(prefix="kpi-test-media-")

# Tests run Celery eagerly; the worker integration tests switch to the real broker themselves.
CELERY_TASK_ALWAYS_EAGER = True
# Each test starts from an empty in-process cache (tests/conftest.py clears it) unless a benchmark
# asks for a shared one with CACHE_URL.
if not os.environ.get("CACHE_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
