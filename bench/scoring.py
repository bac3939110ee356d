"""Benchmark: recompute scores for a synthetic national dataset on PostgreSQL.

The dataset (bench/dataset.py) is loaded with COPY into a scratch database (created and dropped here):
by default one organization of 25,000 departments × 8 indicators, one plan edition (2025: 5 years of
targets, 3 of actuals); with --scale the issue's province-by-province country, 243 organizations × 15
bureaus × 6 departments × 8 indicators, two plan editions (2025 and 2026, the 2026 indicators linked to
2025's). Then real Celery workers are started on Redis (one `celery worker --concurrency=2` process, as
docker-compose runs it) and we time the `recompute_year` task end to end, from publishing it to its
result: the task splits the year into department-id chunks recomputed in parallel by the worker
processes. For comparison the same recompute is timed in this process as one transaction
(`scores_recompute`), and single-department recomputes are timed and their queries counted. With --scale,
one organization's recompute (`recompute_year(year, organization_id=…)`, the task an organization's
evaluator starts from the scoreboard) is timed on the workers and in this process.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/5 \
       .venv/bin/python bench/scoring.py [--departments 25000 | --scale] [--concurrency 2] [--keep] [--reuse]
Figures are printed and written to docs/benchmarks.md (section "Scoring", or "Scale: recompute" with --scale).
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import common, dataset

# The scratch database; another name keeps two sessions on one server apart.
BENCH_DB = os.environ.get("BENCH_DB", "bench_scoring")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
QUEUE = f"bench-scoring-{os.getpid()}"
HEADING = "## Scoring (bench/scoring.py)"
SCALE_HEADING = "## Scale: recompute (bench/scoring.py --scale)"
GOAL_YEAR_S = 5.0
GOAL_ORGANIZATION_MS = 200


def setup_django() -> None:
    # A real broker and result backend: the tasks go to the workers.
    common.setup_django(BENCH_DB, settings=os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local"),
                        redis_url=REDIS_URL)
    from config.celery import app

    app.conf.task_default_queue = QUEUE


def start_workers(concurrency: int) -> subprocess.Popen:
    return common.start_workers(BENCH_DB, redis_url=REDIS_URL, queue=QUEUE, concurrency=concurrency)


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def measure(shape: dataset.Shape, year: int, concurrency: int) -> dict[str, str]:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kpis.editions import governing_departments
    from kpis.models import Actual, DepartmentScore, IndicatorScore
    from kpis.services.scores import department_recompute, scores_recompute, year_chunks
    from kpis.tasks import recompute_year, recompute_year_chunk

    departments = shape.departments_per_edition
    scale = shape.organizations > 1
    figures: dict = {}

    def on_workers(*, force: bool) -> None:
        done = recompute_year.apply_async(args=(year,), kwargs={"force": force}).get(timeout=600)
        assert done == departments, done

    def one_organization(organization_id: int) -> None:
        done = recompute_year.apply_async(
            args=(year,), kwargs={"force": True, "organization_id": organization_id}
        ).get(timeout=60)
        assert done == shape.bureaus * shape.departments, done

    rng = random.Random(3)
    organizations = [rng.randint(1, shape.organizations) for _ in range(40)]
    workers = start_workers(concurrency)
    try:
        on_workers(force=True)  # warm up the worker processes (imports, connections)
        figures["machine load average (1 min) before the cold runs"] = load()
        cold_runs = [timed(lambda: on_workers(force=True)) for _ in range(5 if scale else 3)]
        figures[f"recompute_year on the workers ({settings.SCORES_YEAR_CHUNKS} chunks, {concurrency} worker "
                "processes), cold: every department recomputed and written (s)"] = ", ".join(f"{r:.2f}" for r in cold_runs)
        figures["machine load average (1 min) after the cold runs, other sessions included"] = load()
        # How far two chunks in parallel are from one alone: each chunk is a worker process and a PostgreSQL
        # backend, so two of them compete for the 2 cores with each other (and with other sessions).
        chunks = year_chunks(year, settings.SCORES_YEAR_CHUNKS)
        alone = [timed(lambda c=c: recompute_year_chunk.apply_async(args=(year, *c, True)).get(timeout=600))
                 for c in chunks]
        figures["each chunk alone on the workers, one after the other, cold (s)"] = ", ".join(f"{r:.2f}" for r in alone)
        warm_runs = [timed(lambda: on_workers(force=False)) for _ in range(3)]
        figures["recompute_year on the workers, warm: nothing changed (s)"] = ", ".join(f"{r:.2f}" for r in warm_runs)
        # A realistic night: 1 % of departments changed one actual since the last run.
        ids = list(governing_departments(year).values_list("pk", flat=True))
        changed = random.Random(3).sample(ids, max(1, departments // 100))
        Actual.objects.filter(indicator__department_id__in=changed, year=year, indicator__order=0).update(
            value=Decimal(123)
        )
        figures["recompute_year on the workers after 1 % of departments changed (s)"] = (
            f"{timed(lambda: on_workers(force=False)):.2f}"
        )
        if scale:
            one_organization(organizations[0])  # warm
            figures["machine load average (1 min) before the organization runs"] = load()
            on_workers_ms = [timed(lambda o=o: one_organization(o)) * 1000 for o in organizations]
            figures["machine load average (1 min) after the organization runs"] = load()
            figures[f"one organization on the workers ({shape.bureaus * shape.departments} departments, "
                    f"{len(organizations)} random organizations, force), median / p95 (ms)"] = (
                f"{statistics.median(on_workers_ms):.0f} / {percentile(on_workers_ms, 0.95):.0f}")
            figures["_organization_median"] = statistics.median(on_workers_ms)
    finally:
        common.stop_workers(workers)
    figures["machine load average (1 min) before the in-process runs"] = load()
    in_process = [timed(lambda: scores_recompute(year, force=True)) for _ in range(2)]
    figures["scores_recompute in one process and one transaction, cold (s)"] = ", ".join(f"{r:.2f}" for r in in_process)
    if scale:
        service_ms = [timed(lambda o=o: scores_recompute(year, force=True, organization_id=o)) * 1000
                      for o in organizations]
        with CaptureQueriesContext(connection) as queries:
            scores_recompute(year, force=True, organization_id=organizations[0])
        figures["one organization in this process (`scores_recompute(organization_id=…)`, force), median / p95 (ms)"] = (
            f"{statistics.median(service_ms):.0f} / {percentile(service_ms, 0.95):.0f}")
        figures["queries per organization recompute"] = str(len(queries.captured_queries))
    sample = random.Random(7).sample(ids, 200)
    single = []
    for department_id in sample:
        started = time.perf_counter()
        department_recompute(department_id, year)
        single.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as one:
        department_recompute(sample[0], year)
    figures["machine load average (1 min) after the in-process runs"] = load()
    figures["one department, median (ms)"] = f"{statistics.median(single):.1f}"
    figures["one department, p95 (ms)"] = f"{percentile(single, 0.95):.1f}"
    figures["queries per department recompute"] = str(len(one.captured_queries))
    figures["indicator scores stored"] = f"{IndicatorScore.objects.filter(year=year).count():,}"
    figures["department scores stored"] = f"{DepartmentScore.objects.filter(year=year).count():,}"
    figures["_cold"] = cold_runs
    figures["_single_median"] = statistics.median(single)
    return figures


def verdict(value: float, goal: float) -> str:
    return "met" if value <= goal else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--departments", type=int, default=25_000, help="one organization of this many departments")
    parser.add_argument("--scale", action="store_true",
                        help="243 organizations × 15 bureaus × 6 departments × 8 indicators, plan editions 2025 and 2026")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (docker-compose runs 2)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept database of the same shape")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    shape = dataset.SCALE if args.scale else dataset.flat(args.departments, 100)
    # The newest edition's first year: the other edition's departments are not scored for it.
    year = shape.plan_years[-1] if args.scale else 2024
    if not args.reuse:
        common.recreate_database(BENCH_DB)
    setup_django()
    load_time: float | None = None
    try:
        machine_text = common.machine()
        if not args.reuse:
            started = time.perf_counter()
            dataset.load(shape)
            load_time = time.perf_counter() - started
        figures = measure(shape, year, args.concurrency)
        cold, single_median = figures.pop("_cold"), figures.pop("_single_median")
        organization_median = figures.pop("_organization_median", None)
    finally:
        if not args.keep:
            common.drop_database(BENCH_DB)
    figures = {"departments scored for the year": f"{shape.departments_per_edition:,}", **figures}
    loaded = (f" loaded with COPY in {load_time:.1f} s" if load_time is not None
              else " (a kept database of the same shape, loaded by an earlier run)")
    heading = SCALE_HEADING if args.scale else HEADING
    method = (
        f"- Method: synthetic dataset (bench/dataset.py: {shape.describe()}; each edition 5 years of targets, 3 years "
        f"of actuals, 5 % unreported, mostly approved, one less-is-better indicator per department){loaded}. "
        f"Year recomputed: {year}"
        + (f" (governed by the {year} edition; the {shape.plan_years[0]} edition's departments are not scored). "
           if args.scale else ". ")
        + f"A real Celery worker (`celery worker --concurrency={args.concurrency}`, prefork, as in docker-compose) "
        "is started on Redis and warmed up with one run; the `recompute_year` task is then timed from publishing "
        "it to reading its result: the task splits the year's departments (those of the editions governing it) "
        "into department-id chunks (a chord), each chunk loads, scores and upserts its departments in one "
        "transaction in one worker process, and the chord's last task reports the total. Timed cold (force: every "
        "department computed and written), warm (inputs unchanged: fingerprints compared, nothing written) and "
        "after 1 % of departments changed an actual. The same cold recompute is also timed in the benchmark "
        "process as one transaction (`scores_recompute(year, force=True)`, the eager path without a broker). "
        "`department_recompute` is timed in-process for 200 random departments; queries counted with "
        "CaptureQueriesContext (the COPY statements are not captured)."
    )
    if args.scale:
        method += (
            " One organization: `recompute_year(year, force=True, organization_id=…)` (what an organization's "
            "evaluator starts from the scoreboard: one transaction, no chord) timed on the same worker from "
            "publishing to result for 40 random organizations, and `scores_recompute(year, force=True, "
            "organization_id=…)` in this process for the same 40."
        )
        goals = (f"- Goals: full year ≤ {GOAL_YEAR_S:.0f} s median on two worker processes; one organization ≤ "
                 f"{GOAL_ORGANIZATION_MS} ms.")
        verdicts = (
            f"- Verdict: full year on the workers **{verdict(statistics.median(cold), GOAL_YEAR_S)}** (median of the "
            f"cold runs {statistics.median(cold):.2f} s); one organization on the workers "
            f"**{verdict(organization_median, GOAL_ORGANIZATION_MS)}** (median {organization_median:.0f} ms)."
        )
    else:
        goals = "- Goals: full year ≤ 5 s, one department ≤ 20 ms median, constant queries per department."
        verdicts = (
            f"- Verdict: full year on the workers {verdict(statistics.median(cold), GOAL_YEAR_S)} (median of the cold "
            f"runs {statistics.median(cold):.2f} s); one department {verdict(single_median / 1000, 0.020)}; queries "
            "per department constant (asserted by tests/kpis/test_score_services.py, 12 more indicators: same queries)."
        )
    lines = [
        heading,
        "",
        f"- Machine: {machine_text}; 1-minute load averages (other sessions share the 2 cores) are in the table.",
        method,
        goals,
        verdicts,
        "",
        "| measure | value |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in figures.items()],
        "",
    ]
    body = "\n".join(lines)
    print(body)
    if not args.no_write:
        common.write_section(heading, body)


if __name__ == "__main__":
    main()
