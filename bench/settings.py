"""Settings of the benchmarks' web server: the test settings (DEBUG off, plain static files), with Celery on
the real broker when REDIS_URL is set, as in production (a scoreboard page then reads a running recompute's
state from the result backend)."""
from config.settings.test import *

CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
