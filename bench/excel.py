"""Benchmark: the Excel round trip of a synthetic province on PostgreSQL, against django-import-export.

A province of N indicators (default 10,000: 500 departments × 20) with targets and last year's
actuals is created with bulk_create in a scratch database (created and dropped here). Then:

- export: the evaluators' all-department actuals workbook (`actuals_workbook_write`), best of 3;
- preview: `actuals_upload` of the filled workbook (size and zip checks, the data sheet read and its rows
  parsed by a forked child process (imports/read_process.py) while this one reads the meta sheet and
  validates every row, ImportRow written by COPY beside the next chunk's validation, the ImportRun with its
  file), best and median of 9;
- confirm: `actuals_confirm` of a preview, set-based (`imports.apply.actuals_apply`), best and median of
  3 (each on a fresh preview), and once through `actual_save` per row for reference;
- the machine's speed before and after, as a reference loop's time (it moves with the host's load);
- the same rows imported with django-import-export 4.4.3 (a ModelResource over Actual), with
  default settings and with its fastest options (use_bulk, skip_diff, CachedInstanceLoader),
  each as a dry run (its preview) and a real import;
- peak Python memory (tracemalloc, in separate runs so it does not slow the timed ones) and the
  process's max RSS; then the same for 10× the rows.

The filled workbook is written by the exporter itself with every row's inputs set (what a user
filling every row would upload), so all rows are changes. The worker wake-up after commit (one
Celery message) is replaced by a no-op: scoring is not part of the import.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/excel.py
       [--indicators 10000] [--scale 10] [--no-scale] [--no-iie] [--keep]
django-import-export is a bench-only dependency: .venv/bin/pip install django-import-export==4.4.3
"""
from __future__ import annotations

import argparse
import gc
import io
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "bench_excel"
YEAR = 2025
DEPARTMENTS_PER_BUREAU = 25
INDICATORS_PER_DEPARTMENT = 20
SETTINGS = "config.settings.test"
HEADING = "## Excel round-trip (bench/excel.py)"
GOALS = {"export": 1.0, "preview": 1.0, "confirm": 2.0}
RUNS = 9  # previews timed per size: the host's speed moves by ±20 %, the median of 9 less
CONFIRM_RUNS = 3
ADMIN_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
# (method_text, inputs and the values a user types): a formula, a counted quantity, a survey result.
METHODS = (
    ("활동인원/인구*100", ("활동인원", "인구"), ("3001", "47000")),
    ("개최횟수", ("개최횟수",), ("12",)),
    ("설문조사 결과", (), ("88.5",)),
    ("(참여자수+신규참여자수)/목표인원*100", ("참여자수", "신규참여자수", "목표인원"), ("120", "30", "200")),
)


def bench_url() -> str:
    return f"{ADMIN_URL.rsplit('/', 1)[0]}/{BENCH_DB}"


def recreate_database() -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")


def drop_database() -> None:
    from django.db import connections

    connections.close_all()
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def setup_django() -> None:
    os.environ["DATABASE_URL"] = bench_url()
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from kpis.services import dirty

    dirty.publish_sweep = lambda: None  # scoring is not part of the import; see the docstring
    dirty.publish_recompute = lambda department_id, year: None


def load_province(indicators: int) -> None:
    """Bureaus of 25 departments of 20 indicators, each with a target for YEAR and last year's actual."""
    from django.core.management import call_command

    from accounts.models import Role, User
    from kpis.models import (
        Actual,
        ActualStatus,
        Bureau,
        Department,
        Indicator,
        IndicatorKind,
        Target,
    )

    call_command("flush", interactive=False, verbosity=0)
    departments_needed = -(-indicators // INDICATORS_PER_DEPARTMENT)
    bureaus = Bureau.objects.bulk_create(
        [Bureau(name=f"가상국{b:04d}", plan_year=YEAR) for b in range(-(-departments_needed // DEPARTMENTS_PER_BUREAU))]
    )
    departments = Department.objects.bulk_create(
        [Department(bureau=bureaus[d // DEPARTMENTS_PER_BUREAU], name=f"가상과{d:05d}", order=d) for d in range(departments_needed)],
        batch_size=5000,
    )
    rows = []
    for n in range(indicators):
        method, inputs, _ = METHODS[n % len(METHODS)]
        department = departments[n // INDICATORS_PER_DEPARTMENT]
        rows.append(Indicator(
            department=department, name=f"({department.name})가상 지표 {n}(회)", short_name=f"가상 지표 {n}", unit="회",
            kind=IndicatorKind.CORE if n % 3 == 0 else IndicatorKind.GENERAL, weight=Decimal(5),
            method_text=method, formula=method if inputs else "", formula_variables=list(inputs), order=n,
        ))
    created = Indicator.objects.bulk_create(rows, batch_size=5000)
    Target.objects.bulk_create([Target(indicator=i, year=YEAR, value=Decimal(100)) for i in created], batch_size=5000)
    Actual.objects.bulk_create(
        [Actual(indicator=i, year=YEAR - 1, value=Decimal(90), status=ActualStatus.APPROVED) for i in created],
        batch_size=5000,
    )
    User.objects.filter(username="bench_admin").delete()
    User.objects.create_user(username="bench_admin", password="bench-password-1", role=Role.ADMIN)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum would have done on a real database


def admin():
    from accounts.models import User

    return User.objects.get(username="bench_admin")


def filled_workbook() -> bytes:
    """What a user uploads after filling every row: the export with every row's inputs typed in."""
    from imports.actuals_export import actuals_export_load
    from imports.exporters import actuals_workbook_write

    export = actuals_export_load(year=YEAR, department=None, user=admin())
    values = {method: typed for method, _, typed in METHODS}
    for row in export.rows:
        typed = values[row.method_text]
        if row.inputs:
            row.input_values = dict(zip(row.inputs, typed))
        else:
            row.value = Decimal(typed[0])
    out = io.BytesIO()
    actuals_workbook_write(export, out, user=admin())
    return out.getvalue()


def reset_actuals() -> None:
    from django.db import connection

    from imports.models import ImportRun
    from kpis.models import Actual, AuditEntry, DirtyScore

    Actual.objects.filter(year=YEAR).delete()
    AuditEntry.objects.all().delete()
    DirtyScore.objects.all().delete()
    ImportRun.objects.all().delete()
    with connection.cursor() as cursor:  # what autovacuum does between imports on a real database
        cursor.execute("VACUUM ANALYZE kpis_actual, kpis_auditentry, kpis_dirtyscore, imports_importrow, imports_importrun")


def timed(func: Callable[[], object]) -> tuple[float, object]:
    gc.collect()
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def peak_mb(func: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()


def export_once() -> int:
    from imports.actuals_export import actuals_export_stream
    from imports.exporters import actuals_workbook_write

    out = io.BytesIO()
    actuals_workbook_write(actuals_export_stream(year=YEAR, department=None, user=admin()), out, user=admin())
    return len(out.getvalue())


def preview_once(data: bytes):
    from imports.actuals_import import actuals_upload

    run = actuals_upload(user=admin(), upload=io.BytesIO(data), file_name="bench.xlsx")
    assert run.status == "previewed" and not run.errors, (run.status, run.errors[:3])
    return run


def read_only_once(data: bytes) -> int:
    """The reading part of a preview: the checks, the meta sheet and every data row, nothing else."""
    from imports.actuals_workbook import open_actuals_workbook
    from imports.uploads import check_xlsx

    source = io.BytesIO(data)
    check_xlsx(source)
    with open_actuals_workbook(source) as workbook:
        return sum(1 for _ in workbook.rows)


def confirm_once(run_id: int, *, bulk: bool = True):
    from imports.actuals_import import actuals_confirm

    return actuals_confirm(user=admin(), run_id=run_id, bulk=bulk)


def reference_ms() -> float:
    """This machine's speed now: the best of five runs of a fixed pure-Python loop, in milliseconds.

    The 2 virtual cores here run the same loop in 41-48 ms at some times and 75-82 ms at others
    (the host's load, not ours); the figures below move with it, so each size records it."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        sum(i * i for i in range(1_000_000))
        best = min(best, time.perf_counter() - started)
    return best * 1000


def measure_ours(indicators: int, *, per_row: bool) -> dict[str, object]:
    load_province(indicators)
    figures: dict[str, object] = {"indicators": indicators, "speed_before_ms": reference_ms()}
    export_times = []
    for _ in range(3):
        seconds, _size = timed(export_once)
        export_times.append(seconds)
    figures["export_s"] = min(export_times)
    data = filled_workbook()
    figures["workbook_bytes"] = len(data)
    preview_times, run = [], None
    for _ in range(RUNS):
        seconds, run = timed(lambda: preview_once(data))
        preview_times.append(seconds)
    figures["preview_s"] = min(preview_times)
    figures["preview_median_s"] = statistics.median(preview_times)
    figures["changed_rows"] = run.summary["changed"]
    figures["read_s"] = min(timed(lambda: read_only_once(data))[0] for _ in range(2))
    confirm_times = []
    for attempt in range(CONFIRM_RUNS):
        if attempt:
            reset_actuals()
            run = preview_once(data)
        seconds, applied = timed(lambda run=run: confirm_once(run.pk))
        assert applied.summary["applied"] == indicators
        confirm_times.append(seconds)
    figures["confirm_s"] = min(confirm_times)
    figures["confirm_median_s"] = statistics.median(confirm_times)
    figures["export_peak_mb"] = peak_mb(export_once)
    reset_actuals()
    figures["preview_peak_mb"] = peak_mb(lambda: preview_once(data))
    run = preview_once(data)
    figures["confirm_peak_mb"] = peak_mb(lambda: confirm_once(run.pk))
    if per_row:
        reset_actuals()
        run = preview_once(data)
        figures["confirm_per_row_s"], _ = timed(lambda: confirm_once(run.pk, bulk=False))
    figures["speed_after_ms"] = reference_ms()
    figures["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The reading process's resident memory, shared pages of the parent included (fork copies on write).
    figures["child_max_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return figures


def flat_workbook() -> bytes:
    """The same rows as a flat sheet (header in row 1), the shape django-import-export reads."""
    from openpyxl import Workbook

    from kpis.models import Indicator

    values = {method: typed for method, _, typed in METHODS}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("actuals")
    ws.append(["indicator", "year", "value"])
    for indicator_id, method, variables in Indicator.objects.order_by("id").values_list("id", "method_text", "formula_variables"):
        typed = values[method]
        if len(variables) == 2:
            value = Decimal(typed[0]) / Decimal(typed[1]) * 100
        elif len(variables) == 3:
            value = (Decimal(typed[0]) + Decimal(typed[1])) / Decimal(typed[2]) * 100
        else:
            value = Decimal(typed[0])
        ws.append([indicator_id, YEAR, round(value, 4)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def measure_import_export(data: bytes) -> dict[str, object]:
    from import_export import resources
    from import_export.formats.base_formats import XLSX
    from import_export.instance_loaders import CachedInstanceLoader

    from kpis.models import Actual

    class ActualResource(resources.ModelResource):
        class Meta:
            model = Actual
            fields = ("indicator", "year", "value")
            import_id_fields = ("indicator",)

        def get_queryset(self):
            return Actual.objects.filter(year=YEAR)

    class FastActualResource(ActualResource):
        class Meta(ActualResource.Meta):
            use_bulk = True
            skip_diff = True
            instance_loader_class = CachedInstanceLoader
            batch_size = 1000

    figures: dict[str, object] = {}
    for label, resource_class in (("default", ActualResource), ("fastest", FastActualResource)):
        for dry_run in (True, False):
            reset_actuals()

            def run(resource_class=resource_class, dry_run=dry_run):
                dataset = XLSX().create_dataset(data)
                result = resource_class().import_data(dataset, dry_run=dry_run, raise_errors=True)
                assert not result.has_errors()
                return result

            seconds, _ = timed(run)
            figures[f"iie_{label}_{'dry' if dry_run else 'import'}_s"] = seconds
        assert Actual.objects.filter(year=YEAR).count() > 0
    reset_actuals()
    return figures


def machine() -> str:
    model = "unknown CPU"
    cores = 0
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name") and model == "unknown CPU":
                model = line.split(":", 1)[1].strip()
            if line.startswith("processor"):
                cores += 1
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    return f"{cores} cores ({model}), Python {platform.python_version()}, PostgreSQL {pg} on loopback"


def report(base: dict, scaled: dict | None, iie: dict | None, machine_text: str) -> str:
    def seconds(value) -> str:
        return f"{value:.2f}" if isinstance(value, float) else "-"

    def mb(value) -> str:
        return f"{value:.0f}" if isinstance(value, float) else "-"

    lines = [
        HEADING, "",
        f"- Machine: {machine_text}.",
        (f"- Method: a synthetic province of {base['indicators']:,} indicators ({INDICATORS_PER_DEPARTMENT} per department, "
        f"{DEPARTMENTS_PER_BUREAU} departments per bureau; a quarter each of `활동인원/인구*100`, `개최횟수`, "
        "`설문조사 결과` and a three-input formula) created with bulk_create in a scratch database. Export: the "
        f"all-department workbook, best of 3. Preview: `actuals_upload` of the workbook with every row filled "
        f"(checks, data sheet read by a child process, validation, ImportRow in chunks, ImportRun with its stored "
        f"file), {RUNS} runs. Confirm: `actuals_confirm` of a preview in one transaction (set-based path, "
        f"`imports/apply.py`), {CONFIRM_RUNS} runs on fresh previews, and once per row through `actual_save` for "
        "reference. Peak memory: tracemalloc in separate runs; max RSS of the process and of the reading process. "
        "django-import-export 4.4.3: a ModelResource over Actual reading the same rows as a flat xlsx (its own "
        "reader), default settings and `use_bulk` + `skip_diff` + `CachedInstanceLoader`, dry run and import."),
        (f"- Goals: export ≤ {GOALS['export']:.0f} s, preview ≤ {GOALS['preview']:.0f} s, confirm ≤ {GOALS['confirm']:.0f} s "
        "for 10,000 rows; memory of a 10× workbook well under 10×."),
        "",
        "| measure | " + f"{base['indicators']:,} rows" + (f" | {scaled['indicators']:,} rows" if scaled else "") + " |",
        "|---|---:" + ("|---:" if scaled else "") + "|",
    ]
    rows = [
        ("machine speed: reference loop before / after (ms; 41-48 is this machine at full speed)",
         lambda f: f"{f['speed_before_ms']:.0f} / {f['speed_after_ms']:.0f}"),
        ("workbook size (KB)", lambda f: f"{f['workbook_bytes'] / 1024:,.0f}"),
        ("export (s)", lambda f: seconds(f["export_s"])),
        (f"preview, best of {RUNS} (s)", lambda f: seconds(f["preview_s"])),
        (f"preview, median of {RUNS} (s)", lambda f: seconds(f["preview_median_s"])),
        ("… reading alone: checks, meta sheet, data rows read and parsed by the child (s)", lambda f: seconds(f["read_s"])),
        (f"confirm, set-based, best of {CONFIRM_RUNS} (s)", lambda f: seconds(f["confirm_s"])),
        (f"confirm, set-based, median of {CONFIRM_RUNS} (s)", lambda f: seconds(f["confirm_median_s"])),
        ("confirm, actual_save per row (s)", lambda f: seconds(f.get("confirm_per_row_s"))),
        ("export peak Python memory (MB)", lambda f: mb(f["export_peak_mb"])),
        ("preview peak Python memory (MB)", lambda f: mb(f["preview_peak_mb"])),
        ("confirm peak Python memory (MB)", lambda f: mb(f["confirm_peak_mb"])),
        ("process max RSS so far (MB)", lambda f: mb(f["max_rss_mb"])),
        ("reading process max RSS, shared pages included (MB)", lambda f: mb(f["child_max_rss_mb"])),
    ]
    for label, cell in rows:
        lines.append(f"| {label} | {cell(base)}" + (f" | {cell(scaled)}" if scaled else "") + " |")
    if iie:
        lines += ["", f"django-import-export on the same {base['indicators']:,} rows:", "",
                  "| configuration | dry run (s) | import (s) |", "|---|---:|---:|"]
        for label in ("default", "fastest"):
            lines.append(f"| {label} | {seconds(iie[f'iie_{label}_dry_s'])} | {seconds(iie[f'iie_{label}_import_s'])} |")
        ours = base["preview_s"] + base["confirm_s"]
        lines += ["", (f"Preview + confirm here: {ours:.2f} s; django-import-export dry run + import: "
                      f"{iie['iie_default_dry_s'] + iie['iie_default_import_s']:.2f} s (default), "
                      f"{iie['iie_fastest_dry_s'] + iie['iie_fastest_import_s']:.2f} s (fastest).")]
    lines += ["", verdict(base)]
    lines += [
        "",
        ("Notes: the workbook is read by `imports/xlsx_stream/`, not openpyxl. Every byte of a sheet's XML "
        "goes through expat with no element handlers (a DTD or an entity declaration refuses the file), while "
        "regular expressions read rows and cells in the shape Excel, LibreOffice and openpyxl write (a row of "
        "plain cells with one findall, checked by counting its tags); any other shape (a prefix, a comment, CDATA) "
        "re-reads the sheet from that row through expat handlers. A run of rows of bare whole numbers (the meta "
        "table) is read by one expression. For the same reading openpyxl's read-only mode took "
        "1.7 s and python-calamine 0.2 s; calamine was not used because it builds a dense rectangle per sheet (one "
        "value in XFD1048576 asks for 17 billion cells) and reports neither formulas nor number formats. "
        "The preview uses both cores (`imports/read_process.py`): once the meta sheet's key rows give the layout, "
        "a forked child process reads the data sheet and parses each row (ids, names, input figures, what the "
        "cells say) and sends plain tuples through a 1 MB pipe, 250 rows a message, while the request's process "
        "reads the rest of the meta sheet, checks permissions and validates what arrives against the server state "
        "(loaded per chunk of 2,000 rows). PostgreSQL stores a chunk's `ImportRow`s while the next chunk is "
        "validated: a COPY whose rows a psycopg writer thread pushes (`QueuedLibpqWriter`), so the request's "
        "process waits on the database only to load a chunk's server state (the COPYs' wait went from about "
        "0.1 s to 0.02 s). A row is stored without the fields at their default (about 270 bytes of JSON instead "
        "of 380), and `ImportRow.run` has no database constraint (imports migration 0005: the commit checked "
        "each row's reference, about 50 ms). The cycle collector is paused during the preview (some 250 "
        "collections otherwise). The objects that exist at the fork are frozen out of garbage collection until the child "
        "ends, so collections do not copy the pages the two processes share. A process with other threads reads in-process with the "
        "same code. Confirm reads `ImportRow` back 2,000 rows at a time (keyset on position) and per chunk locks "
        "the actuals, reuses the value the preview computed while the formula is unchanged, writes one "
        "conditional UPDATE and COPYs actuals and audit rows, all in one transaction. The audit rows' references "
        "carry no database constraint (kpis migration 0007; Django still applies SET_NULL), so the commit no longer "
        "checks about 110,000 of them; it checks the actuals' foreign keys. "
        "Memory: the preview keeps counts, problems and the meta table as four arrays (32 bytes a row); the "
        "child holds the shared-string table (one str per distinct text: what still grows with the workbook) and "
        "at most a pipe's worth of rows ahead; confirm holds one chunk; the export streams rows from one query "
        "into the zip (what grows is its shared-string table). tracemalloc sees only the request's process; the "
        "child's resident size is in the table."),
    ]
    if scaled:
        lines.append(
            f"10× rows: preview memory ×{scaled['preview_peak_mb'] / base['preview_peak_mb']:.1f}, "
            f"export memory ×{scaled['export_peak_mb'] / base['export_peak_mb']:.1f}, "
            f"confirm memory ×{scaled['confirm_peak_mb'] / base['confirm_peak_mb']:.1f} "
            "(the 10× run raises UPLOAD_MAX_BYTES and the 50 MB uncompressed cap for the bench only)."
        )
    return "\n".join(lines) + "\n"


def verdict(base: dict[str, object]) -> str:
    """Each goal against the best run and, where several runs were timed, against their median too."""
    parts = []
    for name, goal in GOALS.items():
        best, median = base[f"{name}_s"], base.get(f"{name}_median_s")
        if best > goal:
            parts.append(f"{name} missed ({best:.2f} s best)")
        elif median is not None and median > goal:
            parts.append(f"{name} met by the best run ({best:.2f} s) but not by the median ({median:.2f} s)")
        else:
            parts.append(f"{name} met" + (f" (median {median:.2f} s)" if median is not None else ""))
    return "Goals: " + "; ".join(parts) + "."


def write_section(body: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n\nFigures written by the scripts in `bench/`.\n"
    start = text.find(HEADING)
    if start >= 0:
        end = text.find("\n## ", start + len(HEADING))
        text = text[:start] + body + ("\n" + text[end + 1 :] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + body
    path.write_text(text.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--indicators", type=int, default=10_000)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--no-scale", action="store_true", help="skip the 10× run")
    parser.add_argument("--no-iie", action="store_true", help="skip django-import-export")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    recreate_database()
    setup_django()
    try:
        machine_text = machine()
        base = measure_ours(args.indicators, per_row=True)
        print(base, flush=True)
        iie = None
        if not args.no_iie:
            iie = measure_import_export(flat_workbook())
            print(iie, flush=True)
        scaled = None
        if not args.no_scale:
            from django.conf import settings

            from imports import readers

            settings.UPLOAD_MAX_BYTES = 200 * 1024 * 1024
            readers.MAX_UNCOMPRESSED = 1024 * 1024 * 1024
            scaled = measure_ours(args.indicators * args.scale, per_row=False)
            print(scaled, flush=True)
        body = report(base, scaled, iie, machine_text)
        print(body)
        write_section(body)
    finally:
        if not args.keep:
            drop_database()


if __name__ == "__main__":
    main()
