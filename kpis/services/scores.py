"""Recompute stored scores: load inputs set-based, score with pure functions, bulk upsert.

A department recompute issues a constant number of queries whatever its number of indicators;
a year recompute does the same for every department at once. Which actuals count (approved ones,
submitted ones as provisional when the policy says so) is decided by kpis.scoring.classify_actual.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import FilteredRelation, Q
from django.utils import timezone

from core.bulk import bulk_upsert
from kpis.editions import governing_editions, governing_plan_year
from kpis.models import (
    ActualStatus,
    Bureau,
    Department,
    DepartmentScore,
    DirtyScore,
    Indicator,
    IndicatorScore,
    ScoringPolicy,
)
from kpis.scoring import DepartmentResult, IndicatorInput, Standing, classify_actual, department_score
from kpis.services.policy_rules import policy_current, policy_rules
from kpis.services.publication import scores_publish, scores_publish_later


@dataclass(frozen=True)
class DepartmentInputs:
    department_id: int
    year: int
    items: tuple[IndicatorInput, ...]
    statuses: tuple[str, ...]  # the actual's status of each item
    # The department's rows exactly as loaded (ids, weights, directions, targets, actuals and
    # their statuses, last year's actuals, names), in scoring order: what the fingerprint hashes.
    signature: str = ""


def inputs_fingerprint(policy: ScoringPolicy, inputs: DepartmentInputs) -> str:
    """A hash of everything a score depends on; equal fingerprints mean an equal score.

    It covers the policy version and whether it admits provisional values, and every loaded
    input row of the department in scoring order (weight, direction, band, target and when it was last
    revised — a revision is named in the working text —, actual value
    and status, last year's actual and status; a figure written differently, 6 or 6.0000, or a
    renamed indicator only costs a recompute). 128 bits of BLAKE2b.
    """
    head = f"{policy.pk}:{policy.version}:{int(policy.provisional)}:{inputs.year}\n"
    return hashlib.blake2b((head + inputs.signature).encode(), digest_size=16).hexdigest()


def score_inputs_load(
    year: int,
    department_ids: Sequence[int] | None = None,
    *,
    provisional: bool,
    first_id: int | None = None,
    last_id: int | None = None,
    with_baseline: bool = True,
) -> dict[int, DepartmentInputs]:
    """One query: each indicator with its target of the year and its actuals of the year and the year before.

    Departments are the given ids, else those with ids in [first_id, last_id] (either end open)
    that have indicators. An actual is reported only when ``classify_actual`` puts it in the score
    (``provisional``: the policy admits submitted values); so is last year's, which is only a
    baseline for less-is-better indicators under the "baseline" rule; ``with_baseline=False``
    leaves that join out (every baseline None).
    """
    indicator_qs = _scoped(Indicator.objects.all(), "department_id", department_ids, first_id, last_id)
    relations = {
        "this_target": FilteredRelation("targets", condition=Q(targets__year=year)),
        "this_actual": FilteredRelation("actuals", condition=Q(actuals__year=year, actuals__period=0)),
    }
    columns = [
        "id", "department_id", "short_name", "weight", "direction", "band_tolerance", "display_places",
        "this_target__value", "this_target__revised_at", "this_actual__value", "this_actual__status",
    ]
    if with_baseline:
        relations["prior_actual"] = FilteredRelation("actuals", condition=Q(actuals__year=year - 1, actuals__period=0))
        columns += ["prior_actual__value", "prior_actual__status"]
    queryset = indicator_qs.annotate(**relations).order_by("department_id", "order", "id").values_list(*columns)
    # Client-side, in large chunks: a server-side cursor would cost a round trip per chunk.
    rows = queryset.query.get_compiler(queryset.db).results_iter(tuple_expected=True, chunk_size=20_000)
    loaded: dict[int, DepartmentInputs] = {}
    not_reported = str(ActualStatus.NOT_REPORTED)
    # classify_actual asked once for each status (with and without a value), then looked up row by row.
    standing_of = {
        (status, has_value): classify_actual(status, has_value, provisional=provisional)
        for status in (*ActualStatus.values, None) for has_value in (True, False)
    }
    in_score = {Standing.COUNTED, Standing.PROVISIONAL}
    prior = Standing.OUTSTANDING
    prior_value = None
    department_id = None
    items: list[IndicatorInput] = []
    statuses: list[str] = []
    raw: list[tuple] = []
    for row in rows:  # ordered by department: one run of rows per department
        if row[1] != department_id:
            if department_id is not None:
                loaded[department_id] = DepartmentInputs(department_id, year, tuple(items), tuple(statuses), repr(raw))
            department_id, items, statuses, raw = row[1], [], [], []
        if with_baseline:
            (indicator_id, _, name, weight, direction, band, places, target, revised, value, status, prior_value,
             prior_status) = row
            prior = standing_of[(prior_status, prior_value is not None)]
        else:
            indicator_id, _, name, weight, direction, band, places, target, revised, value, status = row
        status = status or not_reported
        standing = standing_of[(status, value is not None)]
        reported = standing in in_score
        items.append(
            IndicatorInput(
                indicator_id, name, weight, direction, target, value if reported else None, reported,
                prior_value if prior in in_score else None, band, standing is Standing.PROVISIONAL,
                prior is Standing.PROVISIONAL, places, None if revised is None else timezone.localdate(revised),
            )
        )
        statuses.append(status)
        raw.append(row)
    if department_id is not None:
        loaded[department_id] = DepartmentInputs(department_id, year, tuple(items), tuple(statuses), repr(raw))
    if department_ids is None:
        return loaded
    return {d: loaded.get(d) or DepartmentInputs(d, year, (), (), "") for d in department_ids}


# Per-row columns; the year, policy and computation time are the same for every row of a run.
INDICATOR_COLUMNS = (
    "indicator_id", "rate", "raw_rate", "reason", "working", "weight", "effective_weight", "contribution",
    "target_value", "actual_value", "actual_status", "provisional", "fingerprint",
)
DEPARTMENT_COLUMNS = (
    "department_id", "score", "completeness", "grade", "reason", "total_weight", "evaluated_weight",
    "indicator_count", "provisional", "fingerprint",
)
RUN_COLUMNS = ("year", "policy_id", "computed_at")
ZERO = Decimal(0)


def _rows(inputs: DepartmentInputs, result: DepartmentResult, fingerprint: str):
    """Plain tuples in INDICATOR_COLUMNS / DEPARTMENT_COLUMNS order (cheap to COPY or to wrap)."""
    shares, parts = result.effective_weights, result.contributions
    indicator_rows = [
        (
            rate.indicator_id, rate.rate, rate.raw_rate, rate.reason[:300], rate.working, item.weight,
            shares.get(rate.indicator_id, ZERO), parts.get(rate.indicator_id), item.target, item.actual,
            status, rate.provisional, fingerprint,
        )
        # department_score returns one rate per item, in the items' order.
        for item, rate, status in zip(inputs.items, result.rates, inputs.statuses, strict=True)
    ]
    department_row = (
        inputs.department_id, result.score, result.completeness, result.grade, result.reason[:300],
        result.total_weight, result.evaluated_weight, len(inputs.items), result.provisional, fingerprint,
    )
    return indicator_rows, department_row


def _store(indicator_rows: list[tuple], department_rows: list[tuple], run: tuple) -> None:
    """Upsert the rows (`core.bulk.bulk_upsert`); ``run`` holds the RUN_COLUMNS values shared by all of them.

    On PostgreSQL the rows go through COPY, because the portable path misses the goal (full year ≤ 5 s
    median on two worker processes) by far. bench/scoring.py, 25,000 departments, 225,000 rows, the two
    paths alternated in one session (2 cores shared with other sessions, load average about 2): on the
    workers, bulk_create median 19.1 s (6 runs, 14.8–23.4 s) against COPY 7.0 s (6 runs, 4.1–8.0 s); in
    one process and transaction 26.8 and 29.7 s against 9.1 and 7.3 s. A profile of the portable path:
    Django prepares every one of the 3.4 million values (DecimalField formatting most), builds 225,000
    model instances and psycopg quotes the arrays; writing is the least of it.
    """
    shared = dict(zip(RUN_COLUMNS, run, strict=True))
    bulk_upsert(IndicatorScore, INDICATOR_COLUMNS, indicator_rows, unique=("indicator_id", "year"), shared=shared)
    bulk_upsert(DepartmentScore, DEPARTMENT_COLUMNS, department_rows, unique=("department_id", "year"), shared=shared)


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


def _scoped(queryset, field: str, department_ids: Sequence[int] | None, first_id: int | None, last_id: int | None):
    if department_ids is not None:
        return queryset.filter(**{f"{field}__in": department_ids})
    if first_id is not None:
        queryset = queryset.filter(**{f"{field}__gte": first_id})
    if last_id is not None:
        queryset = queryset.filter(**{f"{field}__lte": last_id})
    return queryset


def scores_recompute(
    year: int, department_ids: Sequence[int] | None = None, *, force: bool = False, organization_id: int | None = None
) -> int:
    """Recompute and store scores of the given departments (all when None); returns departments checked.

    A department whose stored fingerprint equals the fingerprint of its current inputs (same
    policy version, weights, targets, actuals) already holds exactly the rows we would write,
    so it is skipped unless ``force``; a nightly recompute then costs one read per department.
    Everything happens in one transaction, which also publishes the result to the scoreboard
    when it changed one (kpis/services/publication.py). ``organization_id``: only that organization's
    departments (of the edition governing the year), whatever ``department_ids`` says.
    """
    if organization_id is not None:
        own = governing_editions(year).filter(Department.objects.filter(bureau__organization_id=organization_id))
        if department_ids is not None:
            own = own.filter(pk__in=department_ids)
        department_ids = list(own.order_by("pk").values_list("pk", flat=True))
    return _recompute(year, department_ids, None, None, force=force, publish=True)


def scores_recompute_range(year: int, first_id: int | None, last_id: int | None, *, force: bool = False) -> int:
    """``scores_recompute`` of the departments with ids in [first_id, last_id] (None: open end), one transaction.

    A year split by ``year_chunks`` is recomputed chunk by chunk, in parallel by the workers. A
    chunk does not publish what it changed: the chord's last task does, once every chunk is stored.
    """
    return _recompute(year, None, first_id, last_id, force=force, publish=False)


def year_chunks(year: int, parts: int) -> list[tuple[int | None, int | None]]:
    """Split a year's departments into ``parts`` id ranges of about equal size that cover every id.

    The first range is open below and the last open above, so a department created meanwhile is
    still in one of them. Also makes sure the year's policy exists, so that chunks recomputed in
    parallel do not race to create it.
    """
    policy_current(year)
    ids = list(Department.objects.order_by("pk").values_list("pk", flat=True))
    parts = max(1, min(parts, len(ids)))
    if parts == 1:
        return [(None, None)]
    bounds = [ids[len(ids) * n // parts] for n in range(1, parts)]  # first id of chunks 2…parts
    firsts = [None, *bounds]
    lasts = [bound - 1 for bound in bounds] + [None]
    return list(zip(firsts, lasts, strict=True))


def _recompute(
    year: int, department_ids: Sequence[int] | None, first_id: int | None, last_id: int | None, *, force: bool,
    publish: bool,
) -> int:
    with transaction.atomic():
        policy = policy_current(year)
        rules = policy_rules(policy)
        generations = dict(
            _scoped(DirtyScore.objects.filter(year=year), "department_id", department_ids, first_id, last_id)
            .values_list("department_id", "generation")
        )
        # Only the departments of the editions governing the year are scored (kpis/editions.py); a dirty mark
        # of another edition's department is cleared below without a score.
        editions = governing_editions(year)
        if department_ids is None:
            departments = _scoped(editions.filter(Department.objects.all()), "pk", None, first_id, last_id)
            wanted = list(departments.values_list("pk", flat=True))
        else:
            wanted = list(dict.fromkeys(department_ids))
            if not editions.single:
                governed = set(editions.filter(Department.objects.filter(pk__in=wanted)).values_list("pk", flat=True))
                wanted = [department_id for department_id in wanted if department_id in governed]
        loaded = score_inputs_load(
            year, department_ids, provisional=rules.provisional, first_id=first_id, last_id=last_id,
            with_baseline=rules.lower_is_better == "baseline",
        )
        # Read even when forced: a result equal to the stored one changes nothing a page shows.
        stored_qs = DepartmentScore.objects.filter(year=year)
        if department_ids is None or len(department_ids) < 1000:
            stored_qs = _scoped(stored_qs, "department_id", department_ids, first_id, last_id)
        stored = dict(stored_qs.values_list("department_id", "fingerprint"))
        changed = bool(generations)  # a cleared dirty mark changes the page's stale flags
        now = timezone.now()
        indicator_rows: list[tuple] = []
        department_rows: list[tuple] = []
        for department_id in wanted:
            inputs = loaded.get(department_id) or DepartmentInputs(department_id, year, (), ())
            fingerprint = inputs_fingerprint(policy, inputs)
            same = stored.get(department_id) == fingerprint
            if same and not force:
                continue
            changed = changed or not same
            # DepartmentScore keeps no working text (pages show the indicators' own): skip it.
            result = department_score(inputs.items, rules, explain=False)
            rows, department_row = _rows(inputs, result, fingerprint)
            indicator_rows.extend(rows)
            department_rows.append(department_row)
        if department_rows:
            _store(indicator_rows, department_rows, (year, policy.pk, now))
        _clear_dirty(year, generations)
        if changed:
            (scores_publish if publish else scores_publish_later)(year)
    return len(wanted)


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



@transaction.atomic
def scores_of_other_editions_delete(*, organization_id: int) -> int:
    """Drop stored scores of an organization's departments for years their edition no longer governs.

    A new plan edition takes over years from the previous one (a 2026 plan governs 2026 onwards):
    scores computed for those years on the older edition's departments would show twice. Scores are
    derived rows (the recompute writes the new edition's); actuals and finalised snapshots stay.
    """
    plan_years = set(Bureau.objects.filter(organization_id=organization_id).values_list("plan_year", flat=True))
    if len(plan_years) < 2:
        return 0
    scores = DepartmentScore.objects.filter(department__bureau__organization_id=organization_id)
    deleted = 0
    for year in sorted(set(scores.values_list("year", flat=True))):
        governing = governing_plan_year(plan_years, year)
        IndicatorScore.objects.filter(
            indicator__department__bureau__organization_id=organization_id, year=year
        ).exclude(indicator__department__bureau__plan_year=governing).delete()
        count, _ = scores.filter(year=year).exclude(department__bureau__plan_year=governing).delete()
        if count:
            deleted += count
            scores_publish(year)
    return deleted
