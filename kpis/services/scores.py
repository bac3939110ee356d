"""Recompute stored scores: load inputs set-based, score with pure functions, bulk upsert.

A department recompute issues a constant number of queries whatever its number of indicators;
a year recompute does the same for every department at once.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import FilteredRelation, Q
from django.utils import timezone

from kpis.models import (
    ActualStatus,
    Department,
    DepartmentScore,
    DirtyScore,
    Indicator,
    IndicatorScore,
    ScoringPolicy,
)
from kpis.scoring import DepartmentResult, IndicatorInput, department_score
from kpis.services.policy import policy_current, policy_rules

BATCH = 2000


@dataclass(frozen=True)
class DepartmentInputs:
    department_id: int
    year: int
    items: tuple[IndicatorInput, ...]
    statuses: dict[int, str]


def _fmt(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


def inputs_fingerprint(policy: ScoringPolicy, inputs: DepartmentInputs) -> str:
    """A hash of everything a score depends on; equal fingerprints mean an equal score."""
    digest = hashlib.sha256(f"{policy.pk}:{policy.version}:{inputs.year}".encode())
    for item in sorted(inputs.items, key=lambda i: i.indicator_id):
        digest.update(
            "|".join(
                (
                    str(item.indicator_id), _fmt(item.weight), str(item.direction), _fmt(item.target),
                    _fmt(item.actual), "1" if item.reported else "0", _fmt(item.baseline),
                    _fmt(item.band_tolerance),
                )
            ).encode()
        )
    return digest.hexdigest()


def score_inputs_load(year: int, department_ids: Sequence[int] | None = None) -> dict[int, DepartmentInputs]:
    """One query: each indicator with its target of the year and its actuals of the year and the year before."""
    indicator_qs = Indicator.objects.all()
    if department_ids is not None:
        indicator_qs = indicator_qs.filter(department_id__in=department_ids)
    rows = (
        indicator_qs.annotate(
            this_target=FilteredRelation("targets", condition=Q(targets__year=year)),
            this_actual=FilteredRelation("actuals", condition=Q(actuals__year=year)),
            prior_actual=FilteredRelation("actuals", condition=Q(actuals__year=year - 1)),
        )
        .order_by("department_id", "order", "id")
        .values_list(
            "id", "department_id", "short_name", "weight", "direction", "band_tolerance", "this_target__value",
            "this_actual__value", "this_actual__status", "prior_actual__value", "prior_actual__status",
        )
    )
    grouped: dict[int, list[IndicatorInput]] = defaultdict(list)
    statuses: dict[int, dict[int, str]] = defaultdict(dict)
    not_reported = ActualStatus.NOT_REPORTED
    for (
        indicator_id, department_id, name, weight, direction, band, target, value, status, prior_value, prior_status,
    ) in rows.iterator(chunk_size=5000):
        status = status or not_reported
        reported = value is not None and status != not_reported
        grouped[department_id].append(
            IndicatorInput(
                indicator_id=indicator_id, name=name, weight=weight, direction=direction, target=target,
                actual=value if reported else None, reported=reported,
                baseline=prior_value if prior_status and prior_status != not_reported else None,
                band_tolerance=band,
            )
        )
        statuses[department_id][indicator_id] = status
    wanted = department_ids if department_ids is not None else list(grouped)
    return {
        d: DepartmentInputs(department_id=d, year=year, items=tuple(grouped.get(d, ())), statuses=statuses.get(d, {}))
        for d in wanted
    }


INDICATOR_COLUMNS = (
    "indicator_id", "year", "rate", "raw_rate", "reason", "working", "weight", "effective_weight", "contribution",
    "target_value", "actual_value", "actual_status", "policy_id", "fingerprint", "computed_at",
)
DEPARTMENT_COLUMNS = (
    "department_id", "year", "score", "completeness", "grade", "reason", "total_weight", "evaluated_weight",
    "indicator_count", "policy_id", "fingerprint", "computed_at",
)
ZERO = Decimal(0)


def _rows(policy: ScoringPolicy, inputs: DepartmentInputs, result: DepartmentResult, now, fingerprint: str):
    """Plain tuples in INDICATOR_COLUMNS / DEPARTMENT_COLUMNS order (cheap to COPY or to wrap)."""
    by_id = {item.indicator_id: item for item in inputs.items}
    indicator_rows = []
    for rate in result.rates:
        item = by_id[rate.indicator_id]
        indicator_rows.append(
            (
                rate.indicator_id, inputs.year, rate.rate, rate.raw_rate, rate.reason[:300], rate.working,
                item.weight, result.effective_weights.get(rate.indicator_id, ZERO),
                result.contributions.get(rate.indicator_id), item.target, item.actual,
                inputs.statuses.get(rate.indicator_id, "not_reported"), policy.pk, fingerprint, now,
            )
        )
    department_row = (
        inputs.department_id, inputs.year, result.score, result.completeness, result.grade, result.reason[:300],
        result.total_weight, result.evaluated_weight, len(inputs.items), policy.pk, fingerprint, now,
    )
    return indicator_rows, department_row


def _store(indicator_rows: list[tuple], department_rows: list[tuple]) -> None:
    if connection.vendor == "postgresql":
        _copy_upsert("kpis_indicatorscore", INDICATOR_COLUMNS, ("indicator_id", "year"), indicator_rows)
        _copy_upsert("kpis_departmentscore", DEPARTMENT_COLUMNS, ("department_id", "year"), department_rows)
        return
    IndicatorScore.objects.bulk_create(
        [IndicatorScore(**dict(zip(INDICATOR_COLUMNS, row, strict=True))) for row in indicator_rows],
        batch_size=BATCH, update_conflicts=True, unique_fields=["indicator", "year"],
        update_fields=[c.removesuffix("_id") if c == "policy_id" else c for c in INDICATOR_COLUMNS[2:]],
    )
    DepartmentScore.objects.bulk_create(
        [DepartmentScore(**dict(zip(DEPARTMENT_COLUMNS, row, strict=True))) for row in department_rows],
        batch_size=BATCH, update_conflicts=True, unique_fields=["department", "year"],
        update_fields=[c.removesuffix("_id") if c == "policy_id" else c for c in DEPARTMENT_COLUMNS[2:]],
    )


def _copy_upsert(table: str, columns: tuple[str, ...], key: tuple[str, ...], rows: list[tuple]) -> None:
    """PostgreSQL: COPY into a temporary table, then one INSERT … ON CONFLICT DO UPDATE."""
    temp = f"tmp_{table}"
    column_list = ", ".join(columns)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in key)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {temp} AS SELECT {column_list} FROM {table} WITH NO DATA")
        cursor.execute(f"TRUNCATE {temp}")
        with cursor.cursor.copy(f"COPY {temp} ({column_list}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {temp} "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
        )
        cursor.execute(f"TRUNCATE {temp}")


def _clear_dirty(year: int, generations: dict[int, int]) -> None:
    """Delete dirty marks whose generation did not move while we computed (else keep them)."""
    by_generation: dict[int, list[int]] = defaultdict(list)
    for department_id, generation in generations.items():
        by_generation[generation].append(department_id)
    for generation, department_ids in by_generation.items():
        for start in range(0, len(department_ids), 1000):
            DirtyScore.objects.filter(
                year=year, generation=generation, department_id__in=department_ids[start : start + 1000]
            ).delete()


def scores_recompute(year: int, department_ids: Sequence[int] | None = None, *, force: bool = False) -> int:
    """Recompute and store scores of the given departments (all when None); returns departments checked.

    A department whose stored fingerprint equals the fingerprint of its current inputs (same
    policy version, weights, targets, actuals) already holds exactly the rows we would write,
    so it is skipped unless ``force``; a nightly recompute then costs one read per department.
    """
    with transaction.atomic():
        policy = policy_current(year)
        rules = policy_rules(policy)
        generation_qs = DirtyScore.objects.filter(year=year)
        if department_ids is not None:
            generation_qs = generation_qs.filter(department_id__in=department_ids)
        generations = dict(generation_qs.values_list("department_id", "generation"))
        if department_ids is None:
            department_ids = list(Department.objects.values_list("pk", flat=True))
        loaded = score_inputs_load(year, department_ids)
        stored: dict[int, str] = {}
        if not force:
            stored_qs = DepartmentScore.objects.filter(year=year)
            if len(department_ids) < 1000:
                stored_qs = stored_qs.filter(department_id__in=department_ids)
            stored = dict(stored_qs.values_list("department_id", "fingerprint"))
        now = timezone.now()
        indicator_rows: list[tuple] = []
        department_rows: list[tuple] = []
        for inputs in loaded.values():
            fingerprint = inputs_fingerprint(policy, inputs)
            if stored.get(inputs.department_id) == fingerprint:
                continue
            result = department_score(inputs.items, rules)
            rows, department_row = _rows(policy, inputs, result, now, fingerprint)
            indicator_rows.extend(rows)
            department_rows.append(department_row)
        if department_rows:
            _store(indicator_rows, department_rows)
        _clear_dirty(year, generations)
    return len(loaded)


def department_recompute(department_id: int, year: int) -> int:
    return scores_recompute(year, [department_id])


def dirty_years() -> list[tuple[int, list[int]]]:
    grouped: dict[int, list[int]] = defaultdict(list)
    for department_id, year in DirtyScore.objects.values_list("department_id", "year"):
        grouped[year].append(department_id)
    return sorted(grouped.items())


def dirty_sweep() -> int:
    """Recompute every department-year still marked dirty."""
    done = 0
    for year, department_ids in dirty_years():
        done += scores_recompute(year, department_ids)
    return done


def stale_department_ids(year: int, department_ids: Iterable[int] | None = None) -> set[int]:
    qs = DirtyScore.objects.filter(year=year)
    if department_ids is not None:
        qs = qs.filter(department_id__in=list(department_ids))
    return set(qs.values_list("department_id", flat=True))
