"""What every benchmark script shares: its scratch PostgreSQL database, Django set up on it, the machine's
description, a timer, and its section of docs/benchmarks.md."""
from __future__ import annotations

import gc
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
# The server we were given; read once, before `setup_django` points DATABASE_URL at the scratch database.
ADMIN_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")


def bench_url(database: str) -> str:
    return f"{ADMIN_URL.rsplit('/', 1)[0]}/{database}"


def recreate_database(database: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {database}")


def drop_database(database: str) -> None:
    from django.db import connections

    connections.close_all()
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def setup_django(database: str, *, settings: str, redis_url: str | None = None) -> None:
    """Django on the scratch database; with `redis_url` the tasks go to real workers, else they run eagerly."""
    os.environ["DATABASE_URL"] = bench_url(database)
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def start_workers(database: str, *, redis_url: str, queue: str, concurrency: int) -> subprocess.Popen:
    """One prefork Celery worker with ``concurrency`` processes on a queue of our own; returns once it answers.

    The caller's Celery app publishes to that queue (``app.conf.task_default_queue = queue``).
    """
    from config.celery import app

    env = dict(os.environ, DATABASE_URL=bench_url(database), REDIS_URL=redis_url,
               DJANGO_SETTINGS_MODULE="config.settings.local")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", f"--concurrency={concurrency}", "--pool=prefork",
         "-Q", queue, "-n", f"{queue}@%h", "--loglevel=warning", "--without-heartbeat", "--without-gossip",
         "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(destination=[f"{queue}@{platform.node()}"], timeout=1.0):
            return process
        if process.poll() is not None:
            break
    stop_workers(process)
    raise SystemExit(f"the Celery worker did not start (Redis at {redis_url}?)")


def stop_workers(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def timed(func: Callable[[], object]) -> tuple[float, object]:
    """Seconds `func` took (after a collection, so that an earlier run's garbage is not charged to it)."""
    gc.collect()
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def machine() -> str:
    """Cores, CPU model, memory, Python and (once Django is set up) the PostgreSQL server."""
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = ""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = f", {int(line.split()[1]) // 1024 // 1024} GiB RAM"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    return f"{os.cpu_count()} cores ({model}){memory}, Python {platform.python_version()}, PostgreSQL {server} on loopback"


def write_section(heading: str, body: str) -> None:
    """Replace (or add) the section under `heading` in docs/benchmarks.md; other scripts write theirs."""
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n\nFigures written by the scripts in `bench/`.\n"
    start = text.find(heading)
    if start >= 0:
        end = text.find("\n## ", start + len(heading))
        text = text[:start] + body.rstrip("\n") + "\n" + (text[end:] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + body
    path.parent.mkdir(exist_ok=True)
    path.write_text(text.rstrip("\n") + "\n")
