"""Rendered scoreboard fragments, cached under a version of everything a page shows.

A scoreboard page of a national install costs a sort of 25,000 departments, roll-ups and the
status counts of 50 departments; evaluators mostly re-read the same pages while nothing changes.
The data-dependent parts of a page are rendered once per *version* and served from the cache
until something they show changes.

The version is read in one query of index-backed scalars, so checking it is cheap and never
depends on the cache being shared or on every writer remembering to bump a counter:

- the newest `DepartmentScore.computed_at` of the year (a recompute wrote scores),
- the year's dirty marks: count, sum of generations, newest id (an input changed; a mark cleared),
- the newest `AuditEntry` id (every user change to actuals, statuses, the plan, the policy,
  evidence, finalising is audited in the same transaction),
- the newest ids of reminders, snapshots, policies, departments, bureaus and admin log entries,
- the year's entry window (closing date, closed flag, finalised time) and today's date.

Anything that changes without touching one of these (a raw SQL edit) shows after at most
`BOARD_CACHE_SECONDS`. The cache is Redis when `CACHE_URL`/`REDIS_URL` is set (shared by every
web worker), per-process memory otherwise.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from kpis.models import (
    AuditEntry,
    Bureau,
    Department,
    DepartmentScore,
    DirtyScore,
    EntryYear,
    Reminder,
    ScoreSnapshot,
    ScoringPolicy,
)

KEY_PREFIX = "scoreboard:v1"


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@lru_cache(maxsize=1)  # built once: it runs on every scoreboard request
def _version_sql() -> str:
    newest = [AuditEntry, Reminder, ScoreSnapshot, ScoringPolicy, Department, Bureau, LogEntry]
    parts = [
        f"(SELECT MAX(computed_at) FROM {_table(DepartmentScore)} WHERE year = %s)",
        f"(SELECT COUNT(*) FROM {_table(DirtyScore)} WHERE year = %s)",
        f"(SELECT SUM(generation) FROM {_table(DirtyScore)} WHERE year = %s)",
        f"(SELECT MAX(id) FROM {_table(DirtyScore)} WHERE year = %s)",
        *(f"(SELECT MAX(id) FROM {_table(model)})" for model in newest),
        f"(SELECT closing_date FROM {_table(EntryYear)} WHERE year = %s)",
        f"(SELECT is_closed FROM {_table(EntryYear)} WHERE year = %s)",
        f"(SELECT finalised_at FROM {_table(EntryYear)} WHERE year = %s)",
    ]
    return "SELECT " + ", ".join(parts)


def board_version(year: int) -> str:
    """A short digest that changes whenever anything a scoreboard page of `year` shows changes."""
    with connection.cursor() as cursor:
        cursor.execute(_version_sql(), [year] * 7)
        values = cursor.fetchone()
    text = "|".join(str(value) for value in (*values, timezone.localdate()))
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def _key(year: int, version: str, name: str, params: tuple) -> str:
    return f"{KEY_PREFIX}:{year}:{version}:{name}:" + hashlib.blake2b(repr(params).encode(), digest_size=12).hexdigest()


def board_cached(year: int, params: tuple, build: Callable[[Callable], dict]) -> dict:
    """`build(memo)` for these page parameters at the current version, from the cache when possible.

    `memo(name, params, compute)` is handed to the build for the parts every page of the year
    shares (roll-ups, counts, filter choices): a page built after another one at the same version
    reads them from the cache. A built value with `cacheable` false (a page number past the end,
    say) is served but not kept, so made-up parameters cannot fill the cache.
    """
    version = board_version(year)

    def memo(name: str, memo_params: tuple, compute: Callable[[], object]):
        memo_key = _key(year, version, f"part:{name}", memo_params)
        found = cache.get(memo_key, _MISSING)
        if found is _MISSING:
            found = compute()
            cache.set(memo_key, found, settings.BOARD_CACHE_SECONDS)
        return found

    key = _key(year, version, "page", params)
    value = cache.get(key)
    if value is None:
        value = build(memo)
        if value.get("cacheable", True):
            cache.set(key, value, settings.BOARD_CACHE_SECONDS)
    return value


_MISSING = object()
