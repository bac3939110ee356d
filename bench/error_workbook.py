"""Benchmark: the error workbook of a 5 MB actuals upload (`imports.error_workbook.error_workbook_write`).

A synthetic province (bench/excel.py's, 45,000 indicators by default) is created in a scratch PostgreSQL
database; its all-department actuals workbook with every row filled (what a user uploads, about 5 MB) is
written by the exporter. The error list has a problem in the value cell of every 40th row (more than the
1,000 the workbook lists and marks). Each measurement runs in a fresh child process, so that its max RSS is
its own: time (3 runs), peak Python memory (tracemalloc, a separate run: it slows the code) and max RSS
minus the RSS before the call. For reference, the previous writer (openpyxl in full mode: load the whole
upload, mark the cells, save) is measured once the same way.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/error_workbook.py
       [--indicators 45000] [--database bench_error_workbook] [--no-old]
"""
from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import common

HEADING = "## Error workbook (bench/error_workbook.py)"
GOALS = {"seconds": 3.0, "rss_mb": 150.0}
RUNS = 3
EVERY = 40  # a problem in every 40th data row


def errors_for(rows: int) -> list[dict]:
    from openpyxl.utils import get_column_letter

    from imports import workbook_layout as L

    value = get_column_letter(L.FIRST_SLOT_COL + 1)
    problems = []
    for row in range(L.FIRST_DATA_ROW, L.FIRST_DATA_ROW + rows, EVERY):
        cell = f"{value}{row}"
        problems.append({"sheet": L.DATA_SHEET, "cell": cell, "address": f"{L.DATA_SHEET}!{cell}", "row": row,
                         "message": "'12회'는 숫자가 아닙니다"})
    return problems


def old_writer(source, errors, out) -> int:
    """The writer this benchmark replaced, for reference: openpyxl in full mode."""
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    wb = load_workbook(source)
    for error in errors[:1000]:
        cell = wb[error["sheet"]][error["cell"]]
        cell.fill = PatternFill("solid", fgColor="FFC7CE")
        cell.comment = Comment(error["message"], "성과지표 관리")
    listing = wb.create_sheet("오류목록", 0)
    for error in errors:
        listing.append([error["address"], error["message"]])
    wb.save(out)
    return len(errors)


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(path: str, rows: int, mode: str, trace: bool) -> dict:
    """One run in this (child) process."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from imports.error_workbook import error_workbook_write

    data = Path(path).read_bytes()
    errors = errors_for(rows)
    writer = error_workbook_write if mode == "new" else old_writer
    rss_before = current_rss_mb()
    if trace:
        tracemalloc.start()
    out = io.BytesIO()
    cpu = time.process_time()
    started = time.perf_counter()
    writer(io.BytesIO(data), errors, out)
    seconds = time.perf_counter() - started
    figures = {"seconds": seconds, "cpu_s": time.process_time() - cpu, "out_kb": len(out.getvalue()) / 1024,
               "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - rss_before,
               "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if trace:
        figures["peak_mb"] = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    return figures


def child(path: str, rows: int, mode: str, trace: bool) -> dict:
    command = [sys.executable, __file__, "--measure", path, "--rows", str(rows), "--mode", mode]
    if trace:
        command.append("--trace")
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--indicators", type=int, default=45_000)
    parser.add_argument("--database", default="bench_error_workbook")
    parser.add_argument("--no-old", action="store_true", help="skip the previous full-mode writer")
    parser.add_argument("--measure")
    parser.add_argument("--rows", type=int)
    parser.add_argument("--mode", default="new")
    parser.add_argument("--trace", action="store_true")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.rows, args.mode, args.trace)))
        return

    from bench import excel

    common.recreate_database(args.database)
    common.setup_django(args.database, settings=excel.SETTINGS)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    try:
        machine_text = common.machine()
        excel.load_province(args.indicators)
        data = excel.filled_workbook()
    finally:
        common.drop_database(args.database)
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as handle:
        handle.write(data)
        path = handle.name
    try:
        runs = [child(path, args.indicators, "new", trace=False) for _ in range(RUNS)]
        traced = child(path, args.indicators, "new", trace=True)
        old = None if args.no_old else child(path, args.indicators, "old", trace=False)
    finally:
        os.unlink(path)
    problems = len(errors_for(args.indicators))
    seconds = [run["seconds"] for run in runs]
    rss = max(run["rss_mb"] for run in runs)
    load = os.getloadavg()[0]
    cpu_text = ", ".join(f"{run['cpu_s']:.1f}" for run in runs)
    lines = [
        HEADING, "",
        f"- Machine: {machine_text}; 1-minute load average at the end {load:.2f} (other sessions share the cores).",
        (f"- Method: bench/excel.py's synthetic province of {args.indicators:,} indicators; its all-department "
         f"actuals workbook with every row filled ({len(data) / 1024 / 1024:.1f} MB) as the upload; {problems:,} "
         f"problems (a value cell in every {EVERY}th row). `error_workbook_write` run in a fresh child process each "
         f"time: {RUNS} timed runs, one tracemalloc run; memory as the process's max RSS minus its resident size "
         "just before the call (Django, openpyxl and the upload's bytes already loaded)."),
        f"- Goals: under {GOALS['seconds']:.0f} s and under {GOALS['rss_mb']:.0f} MB peak.",
        "",
        "| measure | streamed (read-only in, write-only out) |" + (" previous (full mode) |" if old else ""),
        "|---|---:|" + ("---:|" if old else ""),
        f"| time (s) | {', '.join(f'{s:.1f}' for s in seconds)} (median {statistics.median(seconds):.1f}) |"
        + (f" {old['seconds']:.1f} |" if old else ""),
        f"| CPU time of the process (s; the host's load does not count) | "
        f"{cpu_text} |" + (f" {old['cpu_s']:.1f} |" if old else ""),
        f"| peak RSS growth during the call (MB) | {rss:.0f} |" + (f" {old['rss_mb']:.0f} |" if old else ""),
        f"| process max RSS (MB) | {max(run['max_rss_mb'] for run in runs):.0f} |"
        + (f" {old['max_rss_mb']:.0f} |" if old else ""),
        f"| peak Python memory, tracemalloc (MB) | {traced['peak_mb']:.1f} | " + ("- |" if old else ""),
        f"| error workbook size (KB) | {runs[0]['out_kb']:,.0f} |" + (f" {old['out_kb']:,.0f} |" if old else ""),
        "",
        (f"Verdict: memory {'met' if rss < GOALS['rss_mb'] else 'NOT met'}; time "
         f"{'met' if statistics.median(seconds) < GOALS['seconds'] else 'NOT met'}. Memory no longer grows with the "
         "upload: one row is held at a time and the written sheets go to openpyxl's temporary files. The time is "
         "openpyxl's per-cell cost, reading (read-only mode parses every cell through ElementTree) and writing "
         "(et_xmlfile without lxml): both grow with the cells of the upload. Meeting 3 s would need a second, "
         "hand-written XML path that copies the sheet's bytes and rewrites only the marked rows. The streamed "
         "writer also takes more CPU than the previous full-mode writer (every styled cell is created again in "
         "the new workbook): what it fixes is memory, not time."),
    ]
    body = "\n".join(lines) + "\n"
    print(body)
    common.write_section(HEADING, body)


if __name__ == "__main__":
    main()
