"""`bench/scoreboard.py --scale`: one organization's scoreboard and the national comparison page at the issue's scale.

The dataset is bench/dataset.py's SCALE (243 organizations × 15 bureaus × 6 departments × 8 indicators, plan
editions 2025 and 2026, the 2026 indicators linked to 2025's), loaded with COPY; the scores of 2026 (the
2026 edition's year) are stored with `scores_recompute(2026)` and 2 % of departments marked dirty. gunicorn
serves the site as in bench/scoreboard.py (its server, wrk and cache helpers are reused). Two loads, each by
20 users, each user with their own logged-in session:

- scoreboard: 20 evaluators of 20 different organizations, each reading their own organization's
  scoreboard (`/scores/2026/` pages 1 and 2 by score, by name, by completeness, one of their bureaus, a grade
  filter), with an empty cache and then warm;
- comparison: 20 national viewers reading `/scores/2026/compare/` (the four sorts), cached per data version like
  the scoreboard; the time to build each sort once from an empty cache is measured too.

Goals (issue 15): scoreboard p95 ≤ 300 ms with 20 users, comparison p95 ≤ 500 ms.
"""
from __future__ import annotations

import json
import os
import random
import time
import urllib.request

from bench import common, dataset
from bench import scoreboard as board

YEAR = dataset.SCALE.plan_years[-1]
HEADING = "## Scale: scoreboard and comparison (bench/scoreboard.py --scale)"
GOAL_BOARD_P95_MS = 300
GOAL_COMPARE_P95_MS = 500
PASSWORD = "bench-password-not-secret"

# One request per line of `requests`: the session cookie of the user who sends it and the path.
LUA_PAIRS = """
local requests = {%(requests)s}
local counter = 0
local next_id = 0

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
end

function request()
  counter = counter + 1
  local pick = requests[((counter * 13 + thread_id * 101) %% #requests) + 1]
  return wrk.format("GET", pick[2], {["Cookie"] = "sessionid=" .. pick[1], ["Accept"] = "text/html"})
end
"""


def lua_pairs(requests: list[tuple[str, str]]) -> str:
    return (LUA_PAIRS + board.LUA_DONE) % {
        "requests": ", ".join(f"{{{json.dumps(cookie)}, {json.dumps(path)}}}" for cookie, path in requests)
    }


def session(username: str, role: str, organization: str | None = None) -> str:
    from django.test import Client

    from accounts.services import user_create_or_update

    user, _ = user_create_or_update(
        username=username, role=role, password=PASSWORD, validate=False, organization_name=organization
    )
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def board_requests(users: int) -> list[tuple[str, str]]:
    """`users` evaluators of as many organizations, and a fixed mix of 400 of their scoreboard requests."""
    from kpis.models import Bureau

    rng = random.Random(7)
    organizations = rng.sample(range(1, dataset.SCALE.organizations + 1), users)
    evaluators = []
    for n, organization in enumerate(organizations):
        cookie = session(f"bench_evaluator{n}", "evaluator", f"기관{organization:03d}")
        bureaus = list(Bureau.objects.filter(organization_id=organization, plan_year=YEAR).values_list("pk", flat=True))
        evaluators.append((cookie, bureaus))
    out = []
    for _ in range(400):
        cookie, bureaus = rng.choice(evaluators)
        roll = rng.random()
        if roll < 0.40:
            path = f"/scores/{YEAR}/"
        elif roll < 0.55:
            path = f"/scores/{YEAR}/?page=2"
        elif roll < 0.70:
            path = f"/scores/{YEAR}/?sort=name&page={rng.randint(1, 2)}"
        elif roll < 0.80:
            path = f"/scores/{YEAR}/?sort=completeness"
        elif roll < 0.95:
            path = f"/scores/{YEAR}/?bureau={rng.choice(bureaus)}"
        else:
            path = f"/scores/{YEAR}/?grade={rng.choice('SABCD')}"
        out.append((cookie, path))
    return out


def compare_requests(users: int) -> list[tuple[str, str]]:
    cookies = [session(f"bench_viewer{n}", "viewer") for n in range(users)]
    rng = random.Random(9)
    sorts = ("", "?sort=score", "?sort=completeness", "?sort=departments")
    return [(rng.choice(cookies), f"/scores/{YEAR}/compare/{rng.choice(sorts)}") for _ in range(400)]


def get(cookie: str, path: str) -> bytes:
    request = urllib.request.Request(f"http://127.0.0.1:{board.PORT}{path}", headers={"Cookie": f"sessionid={cookie}"})
    return urllib.request.urlopen(request, timeout=60).read()


def check_pages(board_mix: list[tuple[str, str]], compare_mix: list[tuple[str, str]]) -> tuple[int, int]:
    """A first page of 50 of the organization's departments; a comparison of every organization. Sizes in bytes."""
    page = get(board_mix[0][0], f"/scores/{YEAR}/")
    rows = page.count(b'<th scope="row" class="dept">')
    assert rows == 50, f"expected 50 departments on an organization's first page, got {rows}"
    compare = get(compare_mix[0][0], f"/scores/{YEAR}/compare/")
    rows = compare.count(b'<th scope="row">')
    assert rows == dataset.SCALE.organizations, f"expected {dataset.SCALE.organizations} organizations, got {rows}"
    return len(page), len(compare)


def read_each(mix: list[tuple[str, str]]) -> float:
    """Each request of the mix once, one after another (fills the cache); the mean ms."""
    unique = list(dict.fromkeys(mix))
    started = time.perf_counter()
    for cookie, path in unique:
        get(cookie, path)
    return (time.perf_counter() - started) * 1000 / len(unique)


def main(args) -> None:
    if not args.reuse:
        common.recreate_database(board.BENCH_DB)
    board.setup_django()
    server = None
    loads: dict[str, float] = {}
    try:
        machine_text = common.machine()
        load_s = score_s = None
        if not args.reuse:
            started = time.perf_counter()
            dataset.load(dataset.SCALE)
            board.open_year_with_reminders(YEAR)
            load_s = time.perf_counter() - started
            score_s = board.score_and_mark(dataset.SCALE.departments_per_edition, YEAR)
        board.analyse()
        board_mix = board_requests(args.users)
        compare_mix = compare_requests(args.users)
        from django.db import connections

        connections.close_all()
        server = board.start_server(args.workers)
        page_bytes, compare_bytes = check_pages(board_mix, compare_mix)
        short = max(args.duration // 2, 5)
        runs = {}
        loads["before"] = os.getloadavg()[0]
        board.flush_cache()
        runs["scoreboard, one user, empty cache"] = board.run_wrk(lua_pairs(board_mix), 1, short)
        board.flush_cache()
        runs["scoreboard, closed loop, empty cache"] = board.run_wrk(lua_pairs(board_mix), args.users, args.duration)
        loads["after the empty-cache scoreboard runs"] = os.getloadavg()[0]
        board.flush_cache()
        built_ms = read_each(board_mix)
        runs["scoreboard, closed loop, warm cache"] = board.run_wrk(lua_pairs(board_mix), args.users, args.duration)
        runs["scoreboard, one user, warm cache"] = board.run_wrk(lua_pairs(board_mix), 1, short)
        loads["after the scoreboard runs"] = os.getloadavg()[0]
        board.flush_cache()
        compare_built_ms = read_each([(compare_mix[0][0], path) for path in dict.fromkeys(p for _, p in compare_mix)])
        runs["comparison, one user"] = board.run_wrk(lua_pairs(compare_mix), 1, short)
        runs["comparison, closed loop"] = board.run_wrk(lua_pairs(compare_mix), args.users, args.duration)
        loads["after the comparison runs"] = os.getloadavg()[0]
    finally:
        if server is not None:
            board.stop_server(server)
        if not args.keep:
            common.drop_database(board.BENCH_DB)
    write(args, machine_text, load_s, score_s, runs, loads, (built_ms, compare_built_ms), page_bytes, compare_bytes)


def write(args, machine_text, load_s, score_s, runs, loads, built, page_bytes, compare_bytes) -> None:
    built_ms, compare_built_ms = built

    def row(label: str, result: dict) -> str:
        return (
            f"| {label} | {result['requests']:,} | {result['rps']:.1f} | {board.ms(result['p50'])} | "
            f"{board.ms(result['p90'])} | **{board.ms(result['p95'])}** | {board.ms(result['p99'])} | "
            f"{board.ms(result['max'])} | {result['status_errors'] + result['socket_errors'] + result['timeouts']} |"
        )

    def verdict(label: str, goal: int) -> str:
        p95 = runs[label]["p95"] / 1000
        return f"{'met' if p95 <= goal else 'NOT met'} ({p95:.0f} ms)"

    shape = dataset.SCALE
    data = f"- Data: bench/dataset.py, {shape.describe()}, loaded with COPY"
    data += f" in {load_s:.0f} s" if load_s is not None else " (a kept database of the same shape, loaded by an earlier run)"
    data += f"; scores of {YEAR} stored with `scores_recompute({YEAR})`"
    data += f" ({score_s:.1f} s)" if score_s is not None else ""
    data += "; 2 % of departments marked dirty; a reminder for every 7th department."
    body = "\n".join([
        HEADING,
        "",
        f"- Machine: {machine_text}; the load generator on the same machine, loopback only.",
        data,
        (f"- Server: gunicorn {args.workers} sync workers, settings `{board.SETTINGS}` (DEBUG off), persistent DB "
         "connections, a Redis cache shared by the workers (kpis/board_cache.py caches the scoreboard's rendered "
         "parts per data version, and the comparison's table the same way). An organization's scoreboard page is 50 of its "
         f"{shape.bureaus * shape.departments} departments ({page_bytes / 1024:.0f} KiB of HTML); the comparison "
         f"page lists all {shape.organizations} organizations ({compare_bytes / 1024:.0f} KiB)."),
        (f"- Load: wrk, 2 threads, {args.users} connections, closed loop (no pause between requests). Scoreboard: "
         f"{args.users} evaluators of {args.users} different organizations (each sees only their own), a fixed mix "
         "of 400 requests to their own scoreboard (first page 40 %, second 15 %, by name 15 %, by completeness 10 %, "
         "one of their bureaus 15 %, a grade filter 5 %); empty cache = flushed just before the run, warm = after "
         f"each page of the mix was read once (built in {built_ms:.0f} ms on average, one at a time). Comparison: "
         f"{args.users} national viewers (role viewer, every organization), `/scores/{YEAR}/compare/` with its four "
         f"sorts (each built once from an empty cache first: {compare_built_ms:.0f} ms on average, one at a time). "
         f"{args.duration} s per closed-loop run, {max(args.duration // 2, 5)} s per one-user run."),
        ("- 1-minute load average (other sessions share the 2 cores): "
         + "; ".join(f"{label} {value:.2f}" for label, value in loads.items()) + "."),
        (f"- Goals: an organization's scoreboard p95 ≤ {GOAL_BOARD_P95_MS} ms with {args.users} users: "
         f"**{verdict('scoreboard, closed loop, warm cache', GOAL_BOARD_P95_MS)}** with a warm cache, "
         f"{verdict('scoreboard, closed loop, empty cache', GOAL_BOARD_P95_MS)} with an empty cache; the national "
         f"comparison p95 ≤ {GOAL_COMPARE_P95_MS} ms with {args.users} users: "
         f"**{verdict('comparison, closed loop', GOAL_COMPARE_P95_MS)}**."),
        "",
        "| run | requests | req/s | p50 ms | p90 ms | p95 ms | p99 ms | max ms | errors |",
        "|---|---|---|---|---|---|---|---|---|",
        *[row(label, result) for label, result in runs.items()],
        "",
    ])
    print(body)
    if not args.no_write:
        common.write_section(HEADING, body)
