"""Benchmark: the Excel round trip of a synthetic province on PostgreSQL, against django-import-export.

A province of N indicators (default 10,000: a first department of 50, then departments of 20, 25
departments per bureau) with targets and last year's actuals is created with bulk_create in a scratch
database (created and dropped here). Then:

- export: the evaluators' all-department actuals workbook (`actuals_workbook_write`), best of 3;
- preview: `actuals_upload` of the filled workbook (size and zip checks, openpyxl in read-only mode, every
  row validated through the rules of `kpis.services.actuals`, ImportRow written with bulk_create, the
  ImportRun with its file), best and median of 9;
- confirm: `actuals_confirm` of a preview (the rows handed to `kpis.services.actuals.actuals_save`, the
  writer of the form and the API), best and median of 3, each on a fresh preview;
- the same preview and confirm for the first department's own workbook (50 rows), 9 runs each;
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
import importlib.util
import io
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import common

BENCH_DB = "bench_excel"
YEAR = 2025
DEPARTMENTS_PER_BUREAU = 25
INDICATORS_PER_DEPARTMENT = 20
SETTINGS = "config.settings.test"
HEADING = "## Excel round-trip (bench/excel.py)"
GOALS = {"export": 1.0, "preview": 3.0, "confirm": 2.0}
SMALL_GOALS = {"small_preview": 0.15, "small_confirm": 0.15}  # a department's workbook of 50 rows
FASTER_THAN_IIE = 5  # preview and confirm at least this many times faster than django-import-export's fastest
MEMORY_GROWTH = 2.0  # peak memory at 10× the rows at most this many times that of the base size
FIRST_DEPARTMENT = 50  # indicators of the first department, whose own workbook is timed too
RUNS = 9  # previews timed per size: the host's speed moves by ±20 %, the median of 9 less
CONFIRM_RUNS = 3
# (method_text, inputs, the values a user types, unit): a formula, a counted quantity, a survey result.
METHODS = (
    ("활동인원/인구*100", ("활동인원", "인구"), ("3001", "47000"), "%"),
    ("개최횟수", ("개최횟수",), ("12",), "회"),
    ("설문조사 결과", (), ("88.5",), "%"),
    ("(참여자수+신규참여자수)/목표인원*100", ("참여자수", "신규참여자수", "목표인원"), ("120", "30", "200"), "%"),
)


def setup_django() -> None:
    common.setup_django(BENCH_DB, settings=SETTINGS)
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
        Organization,
        Target,
    )
    from kpis.services.plan import indicator_domain_defaults

    call_command("flush", interactive=False, verbosity=0)
    departments_needed = 1 + -(-(indicators - FIRST_DEPARTMENT) // INDICATORS_PER_DEPARTMENT)
    organization, _ = Organization.objects.get_or_create(name="벤치도")
    bureaus = Bureau.objects.bulk_create(
        [
            Bureau(organization=organization, name=f"가상국{b:04d}", plan_year=YEAR)
            for b in range(-(-departments_needed // DEPARTMENTS_PER_BUREAU))
        ]
    )
    departments = Department.objects.bulk_create(
        [Department(bureau=bureaus[d // DEPARTMENTS_PER_BUREAU], name=f"가상과{d:05d}", order=d) for d in range(departments_needed)],
        batch_size=5000,
    )
    rows = []
    for n in range(indicators):
        method, inputs, _, unit = METHODS[n % len(METHODS)]
        department = departments[0 if n < FIRST_DEPARTMENT else 1 + (n - FIRST_DEPARTMENT) // INDICATORS_PER_DEPARTMENT]
        rows.append(Indicator(
            department=department, name=f"({department.name})가상 지표 {n}({unit})", short_name=f"가상 지표 {n}",
            unit=unit, kind=IndicatorKind.CORE if n % 3 == 0 else IndicatorKind.GENERAL, weight=Decimal(5),
            method_text=method, formula=method if inputs else "", formula_variables=list(inputs), order=n,
            **indicator_domain_defaults(unit),
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


def first_department():
    from kpis.models import Department

    return Department.objects.order_by("order", "id").first()


def filled_workbook(department=None) -> bytes:
    """What a user uploads after filling every row: the export (of every department, or one) with every
    row's inputs typed in."""
    from imports.actuals_export import actuals_export_stream
    from imports.exporters import actuals_workbook_write

    export = actuals_export_stream(year=YEAR, department=department, user=admin())
    export.rows = list(export.rows)
    values = {method: typed for method, _, typed, _ in METHODS}
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


def confirm_once(run_id: int):
    from imports.actuals_import import actuals_confirm

    return actuals_confirm(user=admin(), run_id=run_id)


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


def measure_ours(indicators: int, *, small: bool) -> dict[str, object]:
    load_province(indicators)
    figures: dict[str, object] = {"indicators": indicators, "speed_before_ms": reference_ms()}
    export_times = []
    for _ in range(3):
        seconds, _size = common.timed(export_once)
        export_times.append(seconds)
    figures["export_s"] = min(export_times)
    data = filled_workbook()
    figures["workbook_bytes"] = len(data)
    preview_times, run = [], None
    for _ in range(RUNS):
        seconds, run = common.timed(lambda: preview_once(data))
        preview_times.append(seconds)
    figures["preview_s"] = min(preview_times)
    figures["preview_median_s"] = statistics.median(preview_times)
    figures["changed_rows"] = run.summary["changed"]
    figures["read_s"] = min(common.timed(lambda: read_only_once(data))[0] for _ in range(2))
    confirm_times = []
    for attempt in range(CONFIRM_RUNS):
        if attempt:
            reset_actuals()
            run = preview_once(data)
        seconds, applied = common.timed(lambda run=run: confirm_once(run.pk))
        assert applied.summary["applied"] == indicators
        confirm_times.append(seconds)
    figures["confirm_s"] = min(confirm_times)
    figures["confirm_median_s"] = statistics.median(confirm_times)
    figures["export_peak_mb"] = peak_mb(export_once)
    reset_actuals()
    figures["preview_peak_mb"] = peak_mb(lambda: preview_once(data))
    run = preview_once(data)
    figures["confirm_peak_mb"] = peak_mb(lambda: confirm_once(run.pk))
    if small:
        figures.update(measure_small())
    figures["speed_after_ms"] = reference_ms()
    figures["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def measure_small() -> dict[str, object]:
    """A department's own workbook (the first department's 50 rows): preview and confirm, RUNS times each."""
    reset_actuals()
    data = filled_workbook(first_department())
    previews, confirms = [], []
    for _ in range(RUNS):
        seconds, run = common.timed(lambda: preview_once(data))
        previews.append(seconds)
        seconds, applied = common.timed(lambda run=run: confirm_once(run.pk))
        assert applied.summary["applied"] == FIRST_DEPARTMENT
        confirms.append(seconds)
        reset_actuals()
    return {
        "small_preview_s": min(previews), "small_preview_median_s": statistics.median(previews),
        "small_confirm_s": min(confirms), "small_confirm_median_s": statistics.median(confirms),
    }


def flat_workbook() -> bytes:
    """The same rows as a flat sheet (header in row 1), the shape django-import-export reads."""
    from openpyxl import Workbook

    from kpis.models import Indicator

    values = {method: typed for method, _, typed, _ in METHODS}
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

            seconds, _ = common.timed(run)
            figures[f"iie_{label}_{'dry' if dry_run else 'import'}_s"] = seconds
        assert Actual.objects.filter(year=YEAR).count() > 0
    reset_actuals()
    return figures


def report(base: dict, scaled: dict | None, iie: dict | None, machine_text: str) -> str:
    def seconds(value) -> str:
        return f"{value:.2f}" if isinstance(value, float) else "-"

    def ms(value) -> str:
        return f"{value * 1000:.0f}" if isinstance(value, float) else "-"

    def mb(value) -> str:
        return f"{value:.0f}" if isinstance(value, float) else "-"

    lines = [
        HEADING, "",
        f"- Machine: {machine_text}.",
        (f"- Method: a synthetic province of {base['indicators']:,} indicators (a first department of "
        f"{FIRST_DEPARTMENT}, then {INDICATORS_PER_DEPARTMENT} per department, {DEPARTMENTS_PER_BUREAU} departments per "
        "bureau; a quarter each of `활동인원/인구*100`, `개최횟수`, `설문조사 결과` and a three-input formula, with the "
        "value domains their units give) created with bulk_create in a scratch database. Export: the all-department "
        "workbook, best of 3. Preview: `actuals_upload` of the workbook with every row filled (checks, openpyxl "
        "read-only, validation through the rules of `kpis.services.actuals`, ImportRow by bulk_create, ImportRun with "
        f"its stored file), {RUNS} runs. Confirm: `actuals_confirm` of a preview in one transaction (the rows go to "
        f"`actuals_save`, the writer of the form and the API), {CONFIRM_RUNS} runs on fresh previews. The first "
        f"department's own workbook ({FIRST_DEPARTMENT} rows): preview and confirm, {RUNS} runs each. Peak memory: "
        "tracemalloc in separate runs; max RSS of the process. django-import-export 4.4.3: a ModelResource over "
        "Actual reading the same rows as a flat xlsx (its own reader), default settings and `use_bulk` + "
        "`skip_diff` + `CachedInstanceLoader`, dry run and import."),
        (f"- Goals: a department's workbook ({FIRST_DEPARTMENT} rows): preview ≤ {SMALL_GOALS['small_preview'] * 1000:.0f} ms, "
        f"confirm ≤ {SMALL_GOALS['small_confirm'] * 1000:.0f} ms; 10,000 rows: preview ≤ {GOALS['preview']:.0f} s, "
        f"confirm ≤ {GOALS['confirm']:.0f} s, each at least {FASTER_THAN_IIE}× faster than django-import-export's "
        f"fastest configuration; export ≤ {GOALS['export']:.0f} s; peak memory at 10× the rows ≤ {MEMORY_GROWTH:.0f}×."),
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
        ("… reading alone: checks, meta sheet, data rows (s)", lambda f: seconds(f["read_s"])),
        (f"confirm, best of {CONFIRM_RUNS} (s)", lambda f: seconds(f["confirm_s"])),
        (f"confirm, median of {CONFIRM_RUNS} (s)", lambda f: seconds(f["confirm_median_s"])),
        ("export peak Python memory (MB)", lambda f: mb(f["export_peak_mb"])),
        ("preview peak Python memory (MB)", lambda f: mb(f["preview_peak_mb"])),
        ("confirm peak Python memory (MB)", lambda f: mb(f["confirm_peak_mb"])),
        ("process max RSS so far (MB)", lambda f: mb(f["max_rss_mb"])),
    ]
    for label, cell in rows:
        lines.append(f"| {label} | {cell(base)}" + (f" | {cell(scaled)}" if scaled else "") + " |")
    lines += [
        "", f"The first department's workbook ({FIRST_DEPARTMENT} rows), {RUNS} runs:", "",
        "| measure | best (ms) | median (ms) |", "|---|---:|---:|",
        f"| preview | {ms(base['small_preview_s'])} | {ms(base['small_preview_median_s'])} |",
        f"| confirm | {ms(base['small_confirm_s'])} | {ms(base['small_confirm_median_s'])} |",
    ]
    if iie:
        lines += ["", f"django-import-export on the same {base['indicators']:,} rows:", "",
                  "| configuration | dry run (s) | import (s) |", "|---|---:|---:|"]
        for label in ("default", "fastest"):
            lines.append(f"| {label} | {seconds(iie[f'iie_{label}_dry_s'])} | {seconds(iie[f'iie_{label}_import_s'])} |")
        lines += ["", (f"Against django-import-export's fastest: preview (median) ×"
                      f"{iie['iie_fastest_dry_s'] / base['preview_median_s']:.1f} faster than its dry run, confirm "
                      f"(median) ×{iie['iie_fastest_import_s'] / base['confirm_median_s']:.1f} faster than its import.")]
    if scaled:
        lines += ["", (f"10× rows: peak memory of the preview ×{scaled['preview_peak_mb'] / base['preview_peak_mb']:.1f}, "
                       f"of the confirm ×{scaled['confirm_peak_mb'] / base['confirm_peak_mb']:.1f}, "
                       f"of the export ×{scaled['export_peak_mb'] / base['export_peak_mb']:.1f} "
                       "(the 10× run raises UPLOAD_MAX_BYTES and the 50 MB uncompressed cap for the bench only).")]
    lines += ["", verdict(base, scaled, iie)]
    lines += [
        "",
        ("Notes: uploads are read by openpyxl in read-only mode, cached values (`imports/actuals_workbook.py`), "
        "after the zip checks of `imports/uploads.py`; formulas typed over a cell and merged ranges, which openpyxl's "
        "read-only mode does not report, come from one scan of the sheet's XML (`imports/sheet_scan.py`). Every row "
        "is validated by the rules the form and the API use (value domains, formula, note length, workflow, "
        "version) against the server state loaded per chunk of 2,000 rows, and stored with bulk_create. Confirm "
        "reads ImportRow back 2,000 rows at a time and hands them to `actuals_save`, which per chunk locks the "
        "actuals (SELECT … FOR UPDATE), checks them, and writes with bulk_create / bulk_update and the audit rows "
        "with bulk_create, all in one transaction. The export streams rows from the database a batch of "
        "departments at a time into an openpyxl skeleton as XML (openpyxl's own write-only writer took 3.3 s for "
        "10,000 styled rows). Memory: the preview keeps counts, problems and the meta table (32 bytes a row); "
        "openpyxl holds the shared-string table (one str per distinct text: what grows with the workbook); confirm "
        "holds one chunk; the export's shared-string table grows with the rows."),
    ]
    return "\n".join(lines) + "\n"


def verdict(base: dict[str, object], scaled: dict | None, iie: dict | None) -> str:
    """Each goal against the median of its runs (and the best run, where it differs)."""
    parts = []
    for name, goal in {**GOALS, **SMALL_GOALS}.items():
        best, median = base[f"{name}_s"], base.get(f"{name}_median_s")
        label = name.replace("small_", "department's workbook ")
        if best > goal:
            parts.append(f"{label} missed ({best:.3f} s best)")
        elif median is not None and median > goal:
            parts.append(f"{label} met by the best run ({best:.3f} s) but not by the median ({median:.3f} s)")
        else:
            parts.append(f"{label} met" + (f" (median {median:.3f} s)" if median is not None else f" ({best:.3f} s)"))
    if iie:
        for ours, theirs, label in (("preview", "dry", "preview"), ("confirm", "import", "confirm")):
            ratio = iie[f"iie_fastest_{theirs}_s"] / base[f"{ours}_median_s"]
            parts.append(f"{label} {'≥' if ratio >= FASTER_THAN_IIE else '<'} {FASTER_THAN_IIE}× django-import-export's "
                         f"fastest (×{ratio:.1f})")
    if scaled:
        for name in ("preview", "confirm", "export"):
            growth = scaled[f"{name}_peak_mb"] / base[f"{name}_peak_mb"]
            parts.append(f"{name} memory at 10× rows ×{growth:.1f} ({'met' if growth <= MEMORY_GROWTH else 'missed'})")
    return "Goals: " + "; ".join(parts) + "."


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--indicators", type=int, default=10_000)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--no-scale", action="store_true", help="skip the 10× run")
    parser.add_argument("--no-iie", action="store_true", help="skip django-import-export")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    if not args.no_iie and importlib.util.find_spec("import_export") is None:
        sys.exit("django-import-export is not installed: .venv/bin/pip install django-import-export==4.4.3 (or --no-iie)")
    common.recreate_database(BENCH_DB)
    setup_django()
    try:
        machine_text = common.machine()
        base = measure_ours(args.indicators, small=True)
        print(base, flush=True)
        iie = None
        if not args.no_iie:
            iie = measure_import_export(flat_workbook())
            print(iie, flush=True)
        scaled = None
        if not args.no_scale:
            from django.conf import settings

            from imports import uploads

            settings.UPLOAD_MAX_BYTES = 200 * 1024 * 1024
            uploads.MAX_UNCOMPRESSED = 1024 * 1024 * 1024
            scaled = measure_ours(args.indicators * args.scale, small=False)
            print(scaled, flush=True)
        body = report(base, scaled, iie, machine_text)
        print(body)
        common.write_section(HEADING, body)
    finally:
        if not args.keep:
            common.drop_database(BENCH_DB)


if __name__ == "__main__":
    main()
