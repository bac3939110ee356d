"""Benchmark: recompute scores for a synthetic national dataset on PostgreSQL.

25,000 departments × 8 indicators × 5 years of targets and actuals are loaded with COPY into a
scratch database (created and dropped here). Then real Celery workers are started on Redis
(one `celery worker --concurrency=2` process, as docker-compose runs it) and we time the
`recompute_year` task end to end, from publishing it to its result: the task splits the year into
department-id chunks recomputed in parallel by the worker processes. For comparison the same
recompute is timed in this process as one transaction (`scores_recompute`), and single-department
recomputes are timed and their queries counted.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/0 \
       .venv/bin/python bench/scoring.py [--departments 25000] [--concurrency 2] [--keep]
Figures are printed and written to docs/benchmarks.md (section "Scoring").
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
from bench import common

# The scratch database; another name keeps two sessions on one server apart.
BENCH_DB = os.environ.get("BENCH_DB", "bench_scoring")
YEARS = (2023, 2024, 2025, 2026, 2027)
INDICATORS_PER_DEPARTMENT = 8


REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
QUEUE = f"bench-scoring-{os.getpid()}"


def setup_django() -> None:
    # A real broker and result backend: the tasks go to the workers.
    common.setup_django(BENCH_DB, settings=os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local"),
                        redis_url=REDIS_URL)
    from config.celery import app

    app.conf.task_default_queue = QUEUE


def start_workers(concurrency: int) -> subprocess.Popen:
    return common.start_workers(BENCH_DB, redis_url=REDIS_URL, queue=QUEUE, concurrency=concurrency)


def stop_workers(process: subprocess.Popen) -> None:
    common.stop_workers(process)


def load_dataset(departments: int) -> None:
    """Bulk-load with COPY: bureaus of 100 departments, 8 indicators each, 5 years of rows."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    rng = random.Random(2025)
    bureaus = (departments + 99) // 100
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor() as cur:
            with cur.copy("COPY kpis_bureau (id, name, plan_year, goal_list, basic_direction, source_document) FROM STDIN") as copy:
                for b in range(1, bureaus + 1):
                    copy.write_row((b, f"실국{b:04d}", 2025, "[]", "", "bench"))
            with cur.copy(
                "COPY kpis_department (id, bureau_id, name, \"order\", authorized_total, authorized_grade4_up, "
                "authorized_grade5, authorized_grade6_down, current_headcount, main_contents) FROM STDIN"
            ) as copy:
                for d in range(1, departments + 1):
                    copy.write_row((d, (d - 1) // 100 + 1, f"부서{d:05d}", d, 20, 2, 4, 14, 19, "[]"))
            with cur.copy(
                "COPY kpis_indicator (id, department_id, name, short_name, unit, kind, weight, direction, "
                "method_text, formula, formula_variables, data_source, target_rationale, bsc_linked, \"order\", "
                "value_min, value_places, input_min, input_places) FROM STDIN"
            ) as copy:
                for d in range(1, departments + 1):
                    for n in range(INDICATORS_PER_DEPARTMENT):
                        i = (d - 1) * INDICATORS_PER_DEPARTMENT + n + 1
                        direction = "down" if n == 7 else "up"
                        # 건 is counted: whole numbers of at least 0 (kpis/domain.py)
                        copy.write_row((i, d, f"지표{i}", f"지표{i}", "건", "general", "12.50", direction,
                                        "건수", "건수", '["건수"]', "", "", False, n, 0, 0, 0, 0))
            indicator_count = departments * INDICATORS_PER_DEPARTMENT
            with cur.copy("COPY kpis_target (indicator_id, year, value) FROM STDIN") as copy:
                for i in range(1, indicator_count + 1):
                    base = rng.randint(5, 500)
                    for year in YEARS:
                        copy.write_row((i, year, base + (year - 2023)))
            with cur.copy(
                "COPY kpis_actual (indicator_id, year, value, inputs, note, status, source, placeholder_reason, "
                "version, updated_at, raw_text, review_comment) FROM STDIN"
            ) as copy:
                for i in range(1, indicator_count + 1):
                    for year in YEARS[:3]:
                        reported = rng.random() > 0.05
                        value = rng.randint(1, 600) if reported else None
                        status = "approved" if reported else "not_reported"
                        copy.write_row((i, year, value, "{}", "", status, "plan", "", 1, "2025-01-01T00:00:00Z", "", ""))
            for table in ("kpis_bureau", "kpis_department", "kpis_indicator"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cursor.execute("ANALYZE")


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def measure(departments: int, concurrency: int) -> dict[str, str]:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kpis.models import Actual, DepartmentScore, IndicatorScore
    from kpis.services.scores import department_recompute, scores_recompute
    from kpis.tasks import recompute_year

    def on_workers(*, force: bool) -> None:
        done = recompute_year.apply_async(args=(2024,), kwargs={"force": force}).get(timeout=600)
        assert done == departments, done

    workers = start_workers(concurrency)
    try:
        on_workers(force=True)  # warm up the worker processes (imports, connections)
        cold_runs = [timed(lambda: on_workers(force=True)) for _ in range(3)]
        load_after_cold = os.getloadavg()[0]  # other sessions share the 2 cores
        warm_runs = [timed(lambda: on_workers(force=False)) for _ in range(3)]
        # A realistic night: 1 % of departments changed one actual since the last run.
        changed = random.Random(3).sample(range(1, departments + 1), max(1, departments // 100))
        Actual.objects.filter(indicator__department_id__in=changed, year=2024, indicator__order=0).update(
            value=Decimal(123)
        )
        one_percent = timed(lambda: on_workers(force=False))
    finally:
        stop_workers(workers)
    in_process = [timed(lambda: scores_recompute(2024, force=True)) for _ in range(2)]
    rng = random.Random(7)
    sample = [rng.randint(1, departments) for _ in range(200)]
    single = []
    for department_id in sample:
        started = time.perf_counter()
        department_recompute(department_id, 2024)
        single.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as one:
        department_recompute(sample[0], 2024)
    single.sort()
    return {
        "departments": f"{departments:,}",
        "indicator scores stored": f"{IndicatorScore.objects.filter(year=2024).count():,}",
        "department scores stored": f"{DepartmentScore.objects.filter(year=2024).count():,}",
        f"recompute_year on the workers ({settings.SCORES_YEAR_CHUNKS} chunks, {concurrency} worker processes), cold: every "
        "department recomputed and written (s)": ", ".join(f"{r:.2f}" for r in cold_runs),
        "machine load average (1 min) after the cold runs, other sessions included": f"{load_after_cold:.2f}",
        "recompute_year on the workers, warm: nothing changed (s)": ", ".join(f"{r:.2f}" for r in warm_runs),
        "recompute_year on the workers after 1 % of departments changed (s)": f"{one_percent:.2f}",
        "scores_recompute in one process and one transaction, cold (s)": ", ".join(f"{r:.2f}" for r in in_process),
        "one department, median (ms)": f"{statistics.median(single):.1f}",
        "one department, p95 (ms)": f"{single[int(len(single) * 0.95) - 1]:.1f}",
        "queries per department recompute": str(len(one.captured_queries)),
        "_cold": cold_runs,
        "_single_median": statistics.median(single),
    }


def verdict(value: float, goal: float) -> str:
    return "met" if value <= goal else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--departments", type=int, default=25_000)
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (docker-compose runs 2)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    common.recreate_database(BENCH_DB)
    setup_django()
    try:
        machine_text = common.machine()
        started = time.perf_counter()
        load_dataset(args.departments)
        load_time = time.perf_counter() - started
        figures = measure(args.departments, args.concurrency)
        cold, single_median = figures.pop("_cold"), figures.pop("_single_median")
    finally:
        if not args.keep:
            common.drop_database(BENCH_DB)
    lines = [
        "## Scoring (bench/scoring.py)",
        "",
        f"- Machine: {machine_text}.",
        (f"- Method: synthetic dataset ({args.departments:,} departments × {INDICATORS_PER_DEPARTMENT} indicators × "
         f"{len(YEARS)} years of targets, 3 years of actuals, 5 % unreported, one less-is-better indicator each) loaded "
         f"with COPY in {load_time:.1f} s. A real Celery worker (`celery worker --concurrency={args.concurrency}`, "
         "prefork, as in docker-compose) is started on Redis and warmed up with one run; the `recompute_year(2024)` "
         "task is then timed from publishing it to reading its result: the task splits the year into "
         "department-id chunks (a chord), each chunk loads, scores and upserts its departments in one transaction "
         "in one worker process, and the chord's last task reports the total. Timed cold (force: every department "
         "computed and written), warm (inputs unchanged: fingerprints compared, nothing written) and after 1 % of "
         "departments changed an actual. The same cold recompute is also timed in the benchmark process as one "
         "transaction (`scores_recompute(2024, force=True)`, the eager path without a broker). "
         "`department_recompute` is timed in-process for 200 random departments; queries of one department "
         "recompute counted with CaptureQueriesContext (the COPY statements are not captured)."),
        "- Goals: full year ≤ 5 s, one department ≤ 20 ms median, constant queries per department.",
        (f"- Verdict: full year on the workers {verdict(statistics.median(cold), 5.0)} (median of the cold runs "
         f"{statistics.median(cold):.2f} s); one department {verdict(single_median / 1000, 0.020)}; queries per "
         "department constant (asserted by tests/kpis/test_score_services.py, 12 more indicators: same queries)."),
        "",
        "| measure | value |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in figures.items()],
        "",
    ]
    body = "\n".join(lines)
    print(body)
    common.write_section("## Scoring (bench/scoring.py)", body)


if __name__ == "__main__":
    main()
