"""Fault drills against a private stack: what users see when Redis, a worker or PostgreSQL fails.

    .venv/bin/python bench/drills.py [--pg-port 15441] [--redis-port 16391] [--web-port 16398]

The script starts everything it uses and stops it again: a PostgreSQL cluster made with initdb (as
user postgres, in a temporary directory) and a Redis server on spare ports, then migrates, imports the
sample plan, and starts gunicorn, a Celery worker and Celery beat against them (the stack of
docker-compose.yml). Drills:

1. Redis stopped and restarted: do the API and the pages answer, how long a save takes with Redis down,
   does the worker come back by itself, are the dirty marks drained once Redis is back.
2. A worker killed (SIGKILL, its whole process group) while a recompute is inside its transaction (held
   there by a table lock the drill takes): does the recompute complete after the worker is restarted.
3. PostgreSQL stopped and started while a client keeps saving through the API: 503 with Retry-After
   during the outage, 200 after; every save answered as committed is in the database.
4. The same recompute chunk delivered twice: one result (the scores equal those of one run).

It reports what it observes, good or bad, and writes the table into docs/reliability.md. Nothing is
asserted: a drill that fails is a row that says so.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.db import Error as DjangoDatabaseError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
logger = logging.getLogger("drills")
VENV_BIN = Path(sys.executable).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
SAMPLE = ROOT / "samples" / "plan-external-affairs-bureau.txt"
ORGANIZATION = "전북특별자치도"
DATABASE = "drills"
YEAR = 2024  # the sample's open year: its actuals are placeholders, not yet reported
BEAT_SWEEP_SECONDS = 60  # CELERY_BEAT_SCHEDULE's sweep-dirty-scores
HTTP_TIMEOUT = 15


@dataclass
class Row:
    drill: str
    outcome: str
    data_lost: str
    recover: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Answer:
    status: int  # 0: no HTTP answer (connection refused, timeout)
    seconds: float
    body: dict | str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def short(self) -> str:
        if not self.status:
            return f"no answer ({self.body})"
        retry = f", Retry-After {self.headers['Retry-After']}" if "Retry-After" in self.headers else ""
        return f"{self.status}{retry}"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


def wait_until(predicate: Callable[[], bool], timeout: float, step: float = 0.5) -> float | None:
    """Seconds until `predicate` held, or None if it did not within `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if predicate():
                return time.monotonic() - started
        except (OSError, psycopg.Error, DjangoDatabaseError) as exc:  # a probe that fails is a probe that says no
            logger.debug("probe failed: %s", exc)
        time.sleep(step)
    return None


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


# --- the private stack --------------------------------------------------------------------


class Stack:
    """PostgreSQL, Redis, gunicorn, a worker and beat, all started here, each stopped by its own id."""

    def __init__(self, pg_port: int, redis_port: int, web_port: int) -> None:
        self.pg_port, self.redis_port, self.web_port = pg_port, redis_port, web_port
        self.dir = Path(tempfile.mkdtemp(prefix="kpi-drills-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.pg_data = self.dir / "pg"
        self.processes: dict[str, subprocess.Popen] = {}
        self.redis_pid: int | None = None
        self.env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="config.settings.local",
            DJANGO_DEBUG="false",  # production behaviour: error handlers, no debug pages
            DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{pg_port}/{DATABASE}",
            REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            MEDIA_ROOT=str(self.dir / "media"),
            PYTHONUNBUFFERED="1",
        )

    # PostgreSQL
    def pg(self, *args: str) -> subprocess.CompletedProcess:
        command = " ".join([str(PG_BIN / args[0]), *args[1:]])
        return subprocess.run(["su", "postgres", "-c", command], capture_output=True, text=True, check=True)

    def pg_init(self) -> None:
        self.pg("initdb", "-D", str(self.pg_data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.pg_start()
        subprocess.run(
            [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres", DATABASE],
            check=True,
        )

    def pg_start(self) -> None:
        options = f"'-p {self.pg_port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off'"
        self.pg("pg_ctl", "-D", str(self.pg_data), "-o", options, "-l", str(self.dir / "pg.log"), "-w", "start")

    def pg_stop(self) -> None:
        self.pg("pg_ctl", "-D", str(self.pg_data), "-m", "fast", "-w", "stop")

    # Redis
    def redis_start(self) -> None:
        pidfile = self.dir / "redis.pid"
        subprocess.run(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "yes", "--pidfile", str(pidfile), "--logfile", str(self.dir / "redis.log")],
            check=True,
        )
        wait_until(lambda: pidfile.exists() and port_open(self.redis_port), 10, 0.1)
        self.redis_pid = int(pidfile.read_text())

    def redis_stop(self) -> None:
        if self.redis_pid:
            os.kill(self.redis_pid, signal.SIGTERM)
            wait_until(lambda: not port_open(self.redis_port), 10, 0.1)
            self.redis_pid = None

    # Django processes
    def manage(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, check=False)
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-2000:]}")
        return done.stdout

    def start(self, name: str) -> subprocess.Popen:
        commands = {
            "web": [str(VENV_BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{self.web_port}",
                    "--workers", "2", "--timeout", "60"],
            "worker": [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=info",
                       "--concurrency=2"],
            "beat": [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=info",
                     "--schedule", str(self.dir / "beat-schedule")],
        }
        output = open(self.dir / f"{name}.log", "a")  # noqa: SIM115 - kept open for the process's life
        # Its own session: the drill can kill exactly this process and its children (the worker's pool).
        process = subprocess.Popen(commands[name], cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.processes[name] = process
        return process

    def alive(self, name: str) -> bool:
        process = self.processes.get(name)
        return process is not None and process.poll() is None

    def kill(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.get(name)
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)  # the group this process leads: it and its children
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def log_text(self, name: str, since: int = 0) -> str:
        """The process's output (from character `since`: what it wrote after an earlier `len(log_text(...))`)."""
        path = self.dir / f"{name}.log"
        return path.read_text(errors="replace")[since:] if path.exists() else ""

    def errors(self, name: str, since: int = 0) -> str:
        """The distinct exceptions a process logged (the last line of each traceback), with their counts."""
        found: dict[str, int] = {}
        for line in self.log_text(name, since).splitlines():
            head = line.split(":", 1)[0]
            if head and " " not in head and head.endswith(("Error", "Exception")):
                found[line[:160]] = found.get(line[:160], 0) + 1
        return "; ".join(f"{n}× {text}" for text, n in found.items()) or "none"

    def restart_worker(self) -> float | None:
        """Start the worker again; seconds until it is ready, None if it did not get ready."""
        offset = len(self.log_text("worker"))
        self.kill("worker")
        self.start("worker")
        return wait_until(lambda: " ready." in self.log_text("worker", offset), 60)

    def stop_all(self) -> None:
        for name in ("beat", "worker", "web"):
            self.kill(name)
        self.redis_stop()
        try:
            self.pg_stop()
        except subprocess.CalledProcessError:
            pass


# --- talking to the stack -----------------------------------------------------------------


class Client:
    """The API with a token and the pages with a session cookie, by plain HTTP."""

    def __init__(self, base: str, token: str, session: str) -> None:
        self.base, self.token, self.session = base, token, session

    def call(self, method: str, path: str, body: dict | None = None, *, page: bool = False) -> Answer:
        headers = {"Cookie": f"sessionid={self.session}"} if page else {"Authorization": f"Token {self.token}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
                return Answer(response.status, time.monotonic() - started, _body(response.read()),
                              dict(response.headers))
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, time.monotonic() - started, _body(exc.read()), dict(exc.headers))
        except (urllib.error.URLError, OSError) as exc:
            return Answer(0, time.monotonic() - started, str(getattr(exc, "reason", exc)))

    def actuals(self) -> Answer:
        return self.call("GET", f"/api/v1/actuals/?year={YEAR}")

    def page(self) -> Answer:
        return self.call("GET", "/", page=True)

    def save(self, indicator_id: int, count: int, version: int | None) -> Answer:
        return self.call("POST", "/api/v1/actuals/", {
            "indicator": indicator_id, "year": YEAR, "inputs": {"개최횟수": str(count)}, "version": version,
        })


def _body(raw: bytes) -> dict | str:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")[:200]


# --- the drills ---------------------------------------------------------------------------


class Drills:
    def __init__(self, stack: Stack, client: Client) -> None:
        self.stack, self.client = stack, client
        self.rows: list[Row] = []
        from kpis.models import Indicator

        self.meetings = Indicator.objects.get(department__name="대외협력과", short_name="정무활동 및 당정협력 강화")
        self.count = 100  # each save stores a new count, so that every save changes the value

    def db(self):
        """The ORM of this process, on a fresh connection (the server may have restarted since the last use)."""
        from django.db import connections

        connections.close_all()
        from kpis import models

        return models

    def stored(self) -> tuple[int, int]:
        actual = self.db().Actual.objects.get(indicator=self.meetings, year=YEAR)
        return int(actual.value or 0), actual.version

    def save_next(self) -> tuple[Answer, int]:
        self.count += 1
        _, version = self.stored()
        return self.client.save(self.meetings.pk, self.count, version), self.count

    def dirty(self) -> bool:
        return self.db().DirtyScore.objects.filter(department_id=self.meetings.department_id, year=YEAR).exists()

    # 1
    def redis_restart(self) -> None:
        log("drill: Redis stopped and restarted")
        notes: list[str] = []
        web_offset = len(self.stack.log_text("web"))
        self.stack.redis_stop()
        stopped = time.monotonic()
        api, page = self.client.actuals(), self.client.page()
        saved, count = self.save_next()
        notes.append(f"with Redis down: API list {api.short()} in {api.seconds:.2f} s, page {page.short()} in "
                     f"{page.seconds:.2f} s, a save {saved.short()} in {saved.seconds:.2f} s")
        stored_value, _ = self.stored()
        committed = saved.status in (200, 201)
        if committed and stored_value != count:
            notes.append("the save was answered as committed but is not stored")
        if not committed:
            notes.append(f"the save was {'stored all the same' if stored_value == count else 'not stored'}")
        notes.append(f"exceptions in the web log while Redis was down: {self.stack.errors('web', web_offset)}")
        dirty_left = self.dirty()
        notes.append(f"dirty mark for the department-year {'kept' if dirty_left else 'absent'} while Redis is down")
        worker_offset = len(self.stack.log_text("worker"))
        time.sleep(3)
        worker_alive_while_down = self.stack.alive("worker")
        beat_alive_while_down = self.stack.alive("beat")
        supervised = False
        if not worker_alive_while_down:
            # docker-compose's `restart: unless-stopped` starts an exited worker again at once; do the same, so
            # that the drill measures the deployment (the new worker retries the broker until Redis is back).
            why = [line for line in self.stack.log_text("worker", worker_offset).splitlines()
                   if "Unrecoverable error" in line]
            notes.append("the worker process exited on the broker loss"
                         + (f" ({why[0].split('] ', 1)[-1][:160]})" if why else "")
                         + "; started again as compose's restart policy does")
            self.stack.start("worker")
            supervised = True
        self.stack.redis_start()
        restarted = time.monotonic()
        api_back = wait_until(lambda: self.client.actuals().status == 200, 60)
        drained = wait_until(lambda: not self.dirty(), BEAT_SWEEP_SECONDS * 2 + 30, 1)
        worker_alive = self.stack.alive("worker")
        beat_alive = self.stack.alive("beat")
        notes.append(
            f"worker {'kept running' if worker_alive_while_down else 'exited'} while Redis was down and "
            f"{'is running' if worker_alive else 'is not running'} after the restart; beat "
            f"{'kept running' if beat_alive_while_down else 'exited'} / {'running' if beat_alive else 'not running'}"
        )
        if drained is None:
            notes.append(f"dirty mark not drained {BEAT_SWEEP_SECONDS * 2 + 30} s after Redis came back")
        drain_text = ("dirty marks drained" if dirty_left and drained is not None else
                      "no dirty mark to drain (nothing saved)" if not dirty_left else "dirty marks NOT drained")
        answered = api.status == 200 and page.status == 200 and committed
        outcome = (
            ("API and pages answered, the save committed" if answered else
             f"API {api.short()}, page {page.short()}, save {saved.short()}")
            + f"; save latency {saved.seconds:.2f} s"
            + ("; worker reconnected" if worker_alive_while_down and worker_alive else
               "; worker exited, restarted by its restart policy, connected" if supervised and worker_alive else
               "; worker did NOT survive")
            + f"; {drain_text}"
        )
        api_text = f"API {api_back:.1f} s" if api_back is not None else "API not back"
        scores_text = (f"scores {drained:.0f} s" if dirty_left and drained is not None else
                       "scores not recomputed" if dirty_left else "no score to recompute")
        recover = f"{api_text}, {scores_text} after the Redis restart"
        lost = "none" if not committed or stored_value == count else "the answered save"
        self.rows.append(Row(f"Redis stopped for {restarted - stopped:.0f} s, then restarted", outcome, lost,
                             recover, notes))
        if not worker_alive:  # the next drills need a worker: restart it, as an operator (or compose) would
            self.stack.restart_worker()
        if not beat_alive:
            self.stack.kill("beat")
            self.stack.start("beat")

    # 2
    def worker_killed(self) -> None:
        log("drill: worker killed mid-recompute")
        import psycopg

        notes: list[str] = []
        url = self.stack.env["DATABASE_URL"]
        wait_until(lambda: not self.dirty(), BEAT_SWEEP_SECONDS + 30, 1)
        with psycopg.connect(url) as blocker:
            # Writes to the score tables wait behind this lock: the recompute stops inside its transaction.
            blocker.execute("LOCK TABLE kpis_departmentscore, kpis_indicatorscore IN SHARE MODE")
            saved, count = self.save_next()  # marks the department dirty and wakes a worker after commit
            notes.append(f"save {saved.short()} (dirty mark written, recompute published)")

            def blocked() -> bool:
                with psycopg.connect(url, autocommit=True) as probe:
                    return probe.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%score%'"
                    ).fetchone()[0] > 0

            caught = wait_until(blocked, 30, 0.2)
            if caught is None:
                notes.append("no recompute was seen waiting inside its transaction (the worker did not pick it up)")
            self.stack.kill("worker", signal.SIGKILL)
            killed_at = time.time()
            blocker.rollback()
        notes.append("worker and its pool processes killed with SIGKILL while the recompute waited"
                     if caught is not None else "worker killed with SIGKILL")
        still_dirty = self.dirty()
        offset = len(self.stack.log_text("worker"))
        self.stack.start("worker")
        done = wait_until(lambda: not self.dirty(), BEAT_SWEEP_SECONDS * 2 + 30, 1)
        scored = self.db().DepartmentScore.objects.filter(department_id=self.meetings.department_id, year=YEAR).first()
        stored_value, _ = self.stored()
        lost = "none" if stored_value == count else f"the save of {count} (stored {stored_value})"
        fresh = scored is not None and scored.computed_at.timestamp() > killed_at
        notes.append(f"dirty mark {'kept' if still_dirty else 'gone'} after the kill; the department's score was "
                     f"{'recomputed after the kill' if fresh else 'NOT recomputed after the kill'}")
        after_restart = self.stack.log_text("worker", offset)
        received = [line for line in after_restart.splitlines() if line.endswith("] received")]
        redelivered = sum("kpis.tasks.recompute_department[" in line for line in received)
        notes.append(
            f"after the restart the worker received recompute_department {redelivered} time(s) (the killed "
            f"message {'was redelivered' if redelivered else 'was not redelivered'}) and ran the dirty sweeper "
            f"{sum('kpis.tasks.sweep_dirty[' in line for line in received)} time(s)"
        )
        outcome = ("recompute completed after the restart" if done is not None and fresh else
                   "recompute did NOT complete after the restart")
        outcome += " (by the redelivered task)" if redelivered else " (by the beat sweeper; the killed task was lost)"
        recover = f"{done:.0f} s after the worker restart" if done is not None else "not recovered"
        self.rows.append(Row("Worker killed (SIGKILL) mid-recompute, then restarted", outcome, lost, recover, notes))

    # 3
    def postgres_restart(self, down_seconds: float = 6.0) -> None:
        log("drill: PostgreSQL stopped and started under a writing client")
        notes: list[str] = []
        answers: list[tuple[float, str, Answer, int]] = []  # (time, kind, answer, count sent)
        stop = threading.Event()
        believed: dict[str, int] = {}  # what the client was told is committed: the last count answered 200/201
        other_user_409: list[str] = []
        _, version = self.stored()
        state = {"version": version, "count": self.count}

        def writer() -> None:
            pending: int | None = None  # a count whose save got no clear answer: retried with the same version
            while not stop.is_set():
                if pending is None:
                    state["count"] += 1
                    pending = state["count"]
                answer = self.client.save(self.meetings.pk, pending, state["version"])
                answers.append((time.monotonic(), "save", answer, pending))
                if answer.status in (200, 201) and isinstance(answer.body, dict):
                    believed["count"], state["version"] = pending, answer.body["version"]
                    pending = None
                elif answer.status == 409 and isinstance(answer.body, dict):
                    if "다른 사용자" in answer.body.get("detail", ""):
                        other_user_409.append(answer.body["detail"])
                    state["version"] = answer.body.get("current", {}).get("version", state["version"])
                    pending = None
                else:
                    time.sleep(0.3)
                time.sleep(0.1)

        def prober() -> None:
            while not stop.is_set():
                answers.append((time.monotonic(), "api", self.client.actuals(), 0))
                answers.append((time.monotonic(), "page", self.client.page(), 0))
                time.sleep(0.5)

        threads = [threading.Thread(target=writer), threading.Thread(target=prober)]
        for thread in threads:
            thread.start()
        time.sleep(2)
        self.stack.pg_stop()
        stopped = time.monotonic()
        time.sleep(down_seconds)
        self.stack.pg_start()
        started = time.monotonic()
        back = wait_until(lambda: any(t > started and kind == "api" and a.status == 200 for t, kind, a, _ in answers), 60)
        time.sleep(3)
        stop.set()
        for thread in threads:
            thread.join(timeout=HTTP_TIMEOUT + 5)
        self.count = state["count"]

        during = [(kind, a) for t, kind, a, _ in answers if stopped <= t <= started]
        statuses: dict[str, dict[str, int]] = {}
        for kind, answer in during:
            key = answer.short()
            statuses.setdefault(kind, {})[key] = statuses.setdefault(kind, {}).get(key, 0) + 1
        for kind in ("api", "page", "save"):
            summary = ", ".join(f"{n}× {s}" for s, n in sorted(statuses.get(kind, {}).items())) or "none"
            notes.append(f"{kind} answers while PostgreSQL was down: {summary}")
        after = [a for t, kind, a, _ in answers if t > started + (back or 0) + 1]
        errors_after = sum(1 for a in after if a.status >= 500 or a.status == 0)
        notes.append(f"{len(after)} answers after recovery, {errors_after} of them errors")
        all_503 = all(a.status == 503 and "Retry-After" in a.headers for kind, a in during if kind in ("api", "save"))
        pages_503 = all(a.status == 503 for kind, a in during if kind == "page")
        stored_value, _ = self.stored()
        saves = [a for t, kind, a, _ in answers if kind == "save"]
        by_status: dict[str, int] = {}
        for answer in saves:
            by_status[answer.short()] = by_status.get(answer.short(), 0) + 1
        notes.append(f"client saves: {len(saves)} sent ({', '.join(f'{n}× {k}' for k, n in sorted(by_status.items()))}), "
                     f"last count answered as committed {believed.get('count')}, stored {stored_value}")
        if other_user_409:
            notes.append(f"{len(other_user_409)} conflicts named the client as another user")
        lost = "none" if believed.get("count") is None or stored_value >= believed["count"] else (
            f"committed count {believed['count']} answered, {stored_value} stored")
        outcome = ("API and saves answered 503 with Retry-After" if all_503 and during else
                   "NOT all API answers were 503 with Retry-After") + (
            ", pages 503" if pages_503 and during else ", pages NOT all 503") + (
            "; recovered" if back is not None else "; did NOT recover")
        recover = f"{back:.1f} s after PostgreSQL accepted connections" if back is not None else "not recovered"
        self.rows.append(Row(f"PostgreSQL stopped for {started - stopped:.0f} s under a writing client, then started",
                             outcome, lost, recover, notes))

    # 4
    def duplicate_chunk(self) -> None:
        log("drill: one recompute chunk delivered twice")
        from config.celery import app

        notes: list[str] = []
        models = self.db()
        wait_until(lambda: not self.dirty(), BEAT_SWEEP_SECONDS + 30, 1)

        def scores() -> list[tuple]:
            return sorted(models.DepartmentScore.objects.filter(year=YEAR).values_list(
                "department_id", "score", "completeness", "grade", "fingerprint"))

        def indicator_rows() -> int:
            return models.IndicatorScore.objects.filter(year=YEAR).count()

        before, before_rows = scores(), indicator_rows()
        task_id = f"drill-duplicate-{secrets.token_hex(4)}"
        marker = f"recompute_year_chunk[{task_id}] succeeded"
        for _ in range(2):  # the same message twice, as a broker redelivering it would
            app.send_task("kpis.tasks.recompute_year_chunk", args=(YEAR, None, None, True), task_id=task_id)
        ran = wait_until(lambda: self.stack.log_text("worker").count(marker) >= 2, 60)
        after, after_rows = scores(), indicator_rows()
        notes.append(f"worker ran the chunk {self.stack.log_text('worker').count(marker)} time(s); "
                     f"department scores before/after: {len(before)}/{len(after)} rows, indicator scores "
                     f"{before_rows}/{after_rows}")
        same = [row[:4] for row in before] == [row[:4] for row in after] and before_rows == after_rows
        outcome = ("one result: the scores equal one run's" if same and ran is not None else
                   "the chunk did not run twice" if ran is None else "the duplicate changed the stored scores")
        self.rows.append(Row("One recompute chunk delivered twice", outcome, "none" if same else "see notes",
                             f"{ran:.1f} s for both runs" if ran is not None else "-", notes))


# --- set-up and report --------------------------------------------------------------------


def prepare(stack: Stack) -> Client:
    log(f"private stack in {stack.dir}")
    stack.pg_init()
    stack.redis_start()
    stack.manage("migrate", "--noinput")
    stack.manage("import_plan", str(SAMPLE), "--organization", ORGANIZATION, "--create-organization", "--quiet")
    stack.manage("collectstatic", "--noinput")
    os.environ.update({key: stack.env[key] for key in ("DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG", "DATABASE_URL",
                                                        "REDIS_URL", "DJANGO_SECRET_KEY", "MEDIA_ROOT")})
    import django

    django.setup()
    from django.contrib.sessions.backends.db import SessionStore
    from knox.models import AuthToken

    from accounts.services import user_create_or_update

    user, _ = user_create_or_update(username="drill_admin", role="admin", password=secrets.token_urlsafe(16),
                                    validate=False)
    _, token = AuthToken.objects.create(user=user)  # the API's token (knox), as the token endpoint issues it
    session = SessionStore()
    session.update({"_auth_user_id": str(user.pk), "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                    "_auth_user_hash": user.get_session_auth_hash()})
    session.create()
    for name in ("web", "worker", "beat"):
        stack.start(name)
    client = Client(f"http://127.0.0.1:{stack.web_port}", token, session.session_key)
    if wait_until(lambda: client.actuals().status == 200, 60) is None:
        raise RuntimeError("gunicorn did not answer:\n" + stack.log_text("web")[-2000:])
    if wait_until(lambda: " ready." in stack.log_text("worker"), 60) is None:
        raise RuntimeError("the worker did not start:\n" + stack.log_text("worker")[-2000:])
    from kpis.services.scores import scores_recompute

    scores_recompute(YEAR, force=True)
    return client


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "unknown CPU")
    memory = next((int(line.split()[1]) // 1024 // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0)
    pg = subprocess.run([str(PG_BIN / "postgres"), "--version"], capture_output=True, text=True, check=False).stdout.strip()
    redis = subprocess.run(["redis-server", "--version"], capture_output=True, text=True, check=False).stdout.split()[2]
    return (f"{os.cpu_count()} cores ({model}), {memory} GiB RAM, shared with other sessions; Python "
            f"{platform.python_version()}, {pg}, Redis {redis.removeprefix('v=')}, all on loopback")


def report(rows: list[Row], machine_line: str, branch: str) -> str:
    lines = [
        "# Reliability drills",
        "",
        "Written by `bench/drills.py`; re-run it after changes to the worker, the cache, the broker or the save path.",
        "",
        f"- Machine: {machine_line}.",
        f"- Code: branch `{branch}`, commit `{_git('rev-parse', '--short', 'HEAD')}`, run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        ("- Method: the script starts a private PostgreSQL cluster (initdb, spare port) and a private Redis server, "
        "migrates, imports the sample plan (`manage.py import_plan samples/plan-external-affairs-bureau.txt --organization 전북특별자치도 --create-organization`) and "
        "starts gunicorn (2 workers), a Celery worker (prefork, concurrency 2) and Celery beat against them "
        "(settings `config.settings.local` with `DJANGO_DEBUG=false`: production's error handling over plain HTTP). The client is plain HTTP: the API with a token, the pages with a session cookie; a save is a POST "
        f"to `/api/v1/actuals/` of a new count for 대외협력과's 개최횟수 indicator in {YEAR}. Redis is stopped with "
        "SIGTERM and started again on the same port (empty: no persistence, as in docker-compose); the worker is "
        "killed with SIGKILL (its process group) while its recompute waits on a table lock the drill holds, then "
        "started again; PostgreSQL is stopped (`pg_ctl stop -m fast`) and started while one thread saves in a loop "
        "(retrying an unanswered save with the version it had) and another reads the API and a page every 0.5 s; "
        "a recompute chunk is published twice with the same task id. The beat sweeper runs every "
        f"{BEAT_SWEEP_SECONDS} s, which bounds how fast a lost wake-up is made good."),
        "- 'Data lost' compares what the client was told was committed with what the database holds afterwards.",
        "",
        "| drill | outcome | data lost | time to recover |",
        "|---|---|---|---|",
    ]
    lines += [f"| {row.drill} | {row.outcome} | {row.data_lost} | {row.recover} |" for row in rows]
    lines += ["", "## Observations", ""]
    for row in rows:
        lines.append(f"**{row.drill}**")
        lines.append("")
        lines += [f"- {note}" for note in row.notes] or ["- (none)"]
        lines.append("")
    return "\n".join(lines)


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-port", type=int, default=15441)
    parser.add_argument("--redis-port", type=int, default=16391)
    parser.add_argument("--web-port", type=int, default=16398)
    parser.add_argument("--only", nargs="*", choices=["redis", "worker", "postgres", "duplicate"])
    parser.add_argument("--keep", action="store_true", help="leave the temporary directory (logs) in place")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for port in (args.pg_port, args.redis_port, args.web_port):
        if port_open(port):
            sys.exit(f"port {port} is in use: choose another spare port")
    stack = Stack(args.pg_port, args.redis_port, args.web_port)
    rows: list[Row] = []
    try:
        client = prepare(stack)
        machine_line = machine()
        drills = Drills(stack, client)
        chosen = args.only or ["redis", "worker", "postgres", "duplicate"]
        steps = {"redis": drills.redis_restart, "worker": drills.worker_killed, "postgres": drills.postgres_restart,
                 "duplicate": drills.duplicate_chunk}
        for name in ["redis", "worker", "postgres", "duplicate"]:
            if name not in chosen:
                continue
            try:
                steps[name]()
            except Exception as exc:  # a drill that breaks is reported, and the others still run
                logger.exception("drill %s failed", name)
                drills.rows.append(Row(name, f"the drill itself failed: {type(exc).__name__}: {exc}", "?", "-"))
            log(f"  {drills.rows[-1].outcome}")
        rows = drills.rows
    finally:
        stack.stop_all()
        if not args.keep:
            shutil.rmtree(stack.dir, ignore_errors=True)
        else:
            log(f"logs kept in {stack.dir}")
    text = report(rows, machine_line, _git("rev-parse", "--abbrev-ref", "HEAD"))
    (ROOT / "docs" / "reliability.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
