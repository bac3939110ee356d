"""Rendered scoreboard fragments, cached under a version of everything a page shows.

A scoreboard page of a national install costs a sort of 25,000 departments, roll-ups and the
status counts of 50 departments; evaluators mostly re-read the same pages while nothing changes.
The data-dependent parts of a page are rendered once per *version* and served from the cache
until something they show changes.

The version is read in one query of index-backed scalars, so checking it is cheap and never
depends on the cache being shared:

- when the year's scores were last published (`ScorePublication.published_at`): a recompute in
  one transaction (a department after a save, the sweeper, the nightly run) publishes in that
  transaction when it changed a result or cleared a dirty mark; a year recompute on the workers
  publishes once, when its last chunk is stored (kpis/services/publication.py),
- the newest `AuditEntry` id (every user change to actuals, statuses, the plan, the policy,
  evidence, finalising is audited in the same transaction as its dirty marks),
- the newest ids of reminders, snapshots, policies, departments, bureaus and admin log entries,
- the year's entry windows of every organization (latest closing date, closed and finalised counts, latest
  finalised time) and today's date.

Anything that changes without touching one of these (a raw SQL edit) shows after at most
`BOARD_CACHE_SECONDS`.

During a year recompute on the workers the version stays, so every page read before it started
keeps showing the last complete result, with the progress line, until the chord's end publishes
the new one; then each page is built again once. What the design accepts: a page first built
during the recompute (never read, or expired) reads the score rows as they are, each department's
row whole (a chunk writes its departments in one transaction) but possibly beside departments of
a chunk not yet stored, and is kept until the publication; a user's change publishes at once,
even mid-recompute, and pages built after it read the rows the same way. Keeping the previous
result readable under every page would take a second copy of the score tables and their writer.

The cache is Redis when `CACHE_URL`/`REDIS_URL` is set (shared by every web worker), per-process
memory otherwise.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from kpis.models import (
    AuditEntry,
    Bureau,
    Department,
    EntryYear,
    Reminder,
    ScorePublication,
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
        # Not part of the digest: the year recompute running now, shown beside the cached page.
        f"(SELECT recompute_task_id FROM {_table(ScorePublication)} WHERE year = %s)",
        f"(SELECT published_at FROM {_table(ScorePublication)} WHERE year = %s)",
        *(f"(SELECT MAX(id) FROM {_table(model)})" for model in newest),
        # Every organization's window of the year, summed up (an admin's edit also adds a LogEntry, a
        # finalisation or reopening an AuditEntry, both above).
        f"(SELECT MAX(closing_date) FROM {_table(EntryYear)} WHERE year = %s)",
        f"(SELECT COUNT(*) FROM {_table(EntryYear)} WHERE year = %s AND is_closed)",
        f"(SELECT MAX(finalised_at) FROM {_table(EntryYear)} WHERE year = %s)",
        f"(SELECT COUNT(finalised_at) FROM {_table(EntryYear)} WHERE year = %s)",
    ]
    return "SELECT " + ", ".join(parts)


class BoardVersion(NamedTuple):
    digest: str  # changes whenever anything a scoreboard page of the year shows changes
    recompute_task_id: str  # the year recompute running on the workers, else ""


def board_version(year: int) -> BoardVersion:
    """The year's version (and its running recompute) in one query."""
    with connection.cursor() as cursor:
        cursor.execute(_version_sql(), [year] * 6)
        running, *values = cursor.fetchone()
    text = "|".join(str(value) for value in (*values, timezone.localdate()))
    return BoardVersion(hashlib.blake2b(text.encode(), digest_size=12).hexdigest(), running or "")


def _key(year: int, version: str, name: str, params: tuple) -> str:
    return f"{KEY_PREFIX}:{year}:{version}:{name}:" + hashlib.blake2b(repr(params).encode(), digest_size=12).hexdigest()


def board_cached(
    year: int, params: tuple, build: Callable[[Callable], dict], *, version: BoardVersion | None = None
) -> dict:
    """`build(memo)` for these page parameters at the current version, from the cache when possible.

    `memo(name, params, compute)` is handed to the build for the parts every page of the year
    shares (roll-ups, counts, filter choices): a page built after another one at the same version
    reads them from the cache. A built value with `cacheable` false (a page number past the end,
    say) is served but not kept, so made-up parameters cannot fill the cache. `version`: one the
    caller already read.
    """
    version = (version or board_version(year)).digest

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
