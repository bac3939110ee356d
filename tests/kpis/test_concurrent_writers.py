"""Ten writers of the same version on PostgreSQL: exactly one write lands.

Uses transactional_db because each thread needs its own connection and committed rows;
SQLite serialises writers, so the race is only meaningful on PostgreSQL.
"""
from __future__ import annotations

import threading
from decimal import Decimal

from django.db import connection, connections

from core.errors import VersionConflict
from imports.services import plan_import
from kpis.models import Actual, AuditEntry, Indicator
from kpis.services.actuals import actual_save
from tests.conftest import SAMPLE_PLAN, _make_user, skip_or_fail

WRITERS = 10


def test_ten_concurrent_writers_of_one_version_yield_exactly_one_write(transactional_db):
    if connection.vendor != "postgresql":
        skip_or_fail("the concurrent-writer test needs PostgreSQL (set DATABASE_URL)")
    plan_import(path=SAMPLE_PLAN)
    user = _make_user("racer", "department", "대외협력과")
    meetings = Indicator.objects.get(short_name="정무활동 및 당정협력 강화")
    seen = Actual.objects.get(indicator=meetings, year=2024).version
    barrier = threading.Barrier(WRITERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def write(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            actual_save(user=user, indicator_id=meetings.pk, year=2024, inputs={"개최횟수": str(n + 1)},
                        expected_version=seen)
            result = "ok"
        except VersionConflict:
            result = "conflict"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["conflict"] * (WRITERS - 1) + ["ok"]
    actual = Actual.objects.get(indicator=meetings, year=2024)
    assert actual.version == seen + 1
    assert Decimal(1) <= actual.value <= Decimal(WRITERS)
    assert AuditEntry.objects.filter(indicator=meetings, year=2024, field="value", source="web").count() == 1


def test_ten_concurrent_identical_first_saves_store_one_actual_and_refuse_none(transactional_db):
    """A double click or a client's retry racing its first request: the same new actual, sent ten times."""
    if connection.vendor != "postgresql":
        skip_or_fail("the concurrent-writer test needs PostgreSQL (set DATABASE_URL)")
    plan_import(path=SAMPLE_PLAN)
    user = _make_user("racer", "department", "대외협력과")
    meetings = Indicator.objects.get(short_name="정무활동 및 당정협력 강화")
    assert not Actual.objects.filter(indicator=meetings, year=2025).exists()
    barrier = threading.Barrier(WRITERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def write() -> None:
        try:
            barrier.wait(timeout=10)
            saved = actual_save(user=user, indicator_id=meetings.pk, year=2025, inputs={"개최횟수": "7"})
            result = f"version {saved.version}"
        except VersionConflict as exc:
            result = exc.message
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=write) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes == ["version 1"] * WRITERS
    assert AuditEntry.objects.filter(indicator=meetings, year=2025, source="web").count() == 1
