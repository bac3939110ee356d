"""What the scoreboard and the drill-down share: constants, small records, stale reasons, roll-ups."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, F, FilteredRelation, OuterRef, Q, Subquery, Sum

from kpis.editions import GoverningEditions, governing_editions
from kpis.models import ActualStatus, Department, DirtyScore, Reminder, ScoreSnapshot, ScoringPolicy
from kpis.scoring import BureauRollup, Standing, classify_actual
from kpis.weak_targets import WeakTarget, find_weak_targets

PAGE_SIZE = 50
SORTS = {"score": "점수", "completeness": "완결성", "name": "부서명"}
GRADES = ("S", "A", "B", "C", "D")
NO_GRADE = "none"
STALE_DIRTY = "재계산 대기"
STALE_MISSING = "점수 없음"
STALE_POLICY = "평가 기준 변경"


# --- shared -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScopedEditions(GoverningEditions):
    """The governing editions, kept to the organizations a user sees (None: every organization).

    Every reader that filters by editions (departments, roll-ups, counts) is then filtered by scope in the same
    query: one more condition on the bureau, never a per-row check.
    """

    organization_ids: frozenset[int] | None = None

    def condition(self, bureau: str = "bureau") -> Q | None:
        base = super().condition(bureau)
        if self.organization_ids is None:
            return base
        prefix = f"{bureau}__" if bureau else ""
        scope = Q(**{f"{prefix}organization_id__in": sorted(self.organization_ids)})
        return scope if base is None else base & scope

    def governs(self, organization_id: int, plan_year: int) -> bool:
        in_scope = self.organization_ids is None or organization_id in self.organization_ids
        return in_scope and super().governs(organization_id, plan_year)


def scoped_editions(editions: GoverningEditions, organization_ids: Iterable[int] | None) -> GoverningEditions:
    """`editions` limited to `organization_ids` (from kpis.scope.visible_organization_ids; None: unchanged)."""
    if organization_ids is None:
        return editions
    return ScopedEditions(
        year=editions.year, plan_years=editions.plan_years, single=editions.single,
        organization_ids=frozenset(organization_ids),
    )


@dataclass(frozen=True)
class PolicyRef:
    id: int
    version: int
    provisional: bool = False  # submitted values count as provisional (잠정)


@dataclass(frozen=True)
class StatusCounts:
    not_reported: int = 0
    draft: int = 0
    submitted: int = 0
    approved: int = 0
    returned: int = 0

    @property
    def total(self) -> int:
        return self.not_reported + self.draft + self.submitted + self.approved + self.returned

    @property
    def outstanding(self) -> int:
        """Not reported, drafts and returned values: the department's to do, none of them in the score."""
        return self.not_reported + self.draft + self.returned


def status_bucket(status: str | None, has_value: bool, *, provisional: bool) -> str:
    """The StatusCounts field an actual is counted under: its status, or not reported when it cannot count.

    An approved or submitted actual without a value is outstanding (``classify_actual``) and
    counts as not reported, so the approved column is exactly what the score uses.
    """
    standing = classify_actual(status, has_value, provisional=provisional)
    if standing is Standing.OUTSTANDING and status not in (ActualStatus.DRAFT, ActualStatus.RETURNED):
        return ActualStatus.NOT_REPORTED
    return status


@dataclass(frozen=True)
class ReminderInfo:
    sent_at: datetime
    recipients: tuple[str, ...]
    unreported_count: int
    returned_count: int


@dataclass(frozen=True)
class Frozen:
    score: Decimal | None
    completeness: Decimal | None
    grade: str
    rank: int | None
    finalised_at: datetime
    indicators: tuple[dict, ...] = ()
    provisional: bool = False


def _policy_ref(year: int) -> PolicyRef | None:
    row = (
        ScoringPolicy.objects.filter(year=year).order_by("-version")
        .values_list("id", "version", "provisional").first()
    )
    return PolicyRef(*row) if row else None


def stale_department_ids(year: int, department_ids: Iterable[int] | None = None) -> set[int]:
    """Departments of the year whose stored score waits for a recompute (a dirty mark)."""
    qs = DirtyScore.objects.filter(year=year)
    if department_ids is not None:
        qs = qs.filter(department_id__in=list(department_ids))
    return set(qs.values_list("department_id", flat=True))


def _stale_reason(*, has_row: bool, dirty: bool, policy_id: int | None, current: PolicyRef | None) -> str:
    if dirty:
        return STALE_DIRTY
    if not has_row:
        return STALE_MISSING
    if current is not None and policy_id != current.id:
        return STALE_POLICY
    return ""


def _counts(value: Decimal | None, status: str, *, provisional: bool) -> bool:
    """The actual is part of a score (approved, or submitted under a provisional policy)."""
    return classify_actual(status, value is not None, provisional=provisional).in_score


def _quotient(numerator: Decimal, denominator: Decimal) -> Decimal:
    """numerator / denominator rounded half-up to 0.01 from the exact quotient (as kpis.scoring does)."""
    scaled = Fraction(numerator) / Fraction(denominator) * 100
    units = int(abs(scaled) + Fraction(1, 2))
    return Decimal(units if scaled >= 0 else -units).scaleb(-2)


def _decimal(value) -> Decimal | None:
    """Sums come back as Decimal on PostgreSQL and may be float on SQLite: normalise through str."""
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _rollup(score_sum, score_count, weighted_sum, weight_sum, department_count: int) -> BureauRollup:
    """Same rules and rounding as kpis.scoring.bureau_rollup over stored rows (score × evaluated weight)."""
    score_sum, weighted_sum, weight_sum = _decimal(score_sum), _decimal(weighted_sum), _decimal(weight_sum)
    by_department = _quotient(score_sum, Decimal(score_count)) if score_count else None
    by_weight = _quotient(weighted_sum, weight_sum) if weight_sum else None
    return BureauRollup(by_department, by_weight, department_count, score_count or 0)


def _rollup_aggregates() -> dict:
    """Aggregates over departments annotated with their score row `ys` (see scoreboard_departments)."""
    return {
        "departments": Count("id"),
        "score_sum": Sum("ys__score"),
        "score_count": Count("ys__score"),
        "weighted_sum": Sum(F("ys__score") * F("ys__evaluated_weight"), filter=Q(ys__score__isnull=False)),
        "weight_sum": Sum("ys__evaluated_weight", filter=Q(ys__score__isnull=False)),
    }


def _rollup_of(row: dict) -> BureauRollup:
    return _rollup(row["score_sum"], row["score_count"], row["weighted_sum"], row["weight_sum"], row["departments"])


def _rollup_rows(
    year: int, bureau_ids: Sequence[int] | None, *, editions: GoverningEditions | None = None
) -> dict[int | None, BureauRollup]:
    """One aggregate query: by bureau when ids are given, else the whole year under key None."""
    qs = scoreboard_departments(year, editions=editions)
    if bureau_ids is None:
        return {None: _rollup_of(qs.aggregate(**_rollup_aggregates()))}
    grouped = qs.filter(bureau_id__in=bureau_ids).values("bureau_id").annotate(**_rollup_aggregates()).order_by()
    return {row["bureau_id"]: _rollup_of(row) for row in grouped}


def _rollups_by_bureau(year: int, *, editions: GoverningEditions | None = None) -> dict[int | None, BureauRollup]:
    """Every bureau's roll-up in one aggregate query (for a page view that keeps them per version)."""
    grouped = scoreboard_departments(year, editions=editions).values("bureau_id").annotate(**_rollup_aggregates()).order_by()
    return {row["bureau_id"]: _rollup_of(row) for row in grouped}


def _weak_by_indicator(
    indicators: Iterable[tuple[int, str]],
    targets: Iterable[tuple[int, int, Decimal | None]],
    actuals: Iterable[tuple[int, int, Decimal | None, str]],
    *,
    provisional: bool,
    places: Mapping[int, int | None] | None = None,
) -> dict[int, tuple[WeakTarget, ...]]:
    """Weak-target flags against the actuals that count (``provisional``: as the viewed year's policy says);
    ``places``: each indicator's display decimals for the figures the messages quote."""
    target_map: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    for indicator_id, year, value in targets:
        target_map[indicator_id][year] = value
    actual_map: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    for indicator_id, year, value, status in actuals:
        if _counts(value, status, provisional=provisional):
            actual_map[indicator_id][year] = value
    return {
        indicator_id: find_weak_targets(
            target_map.get(indicator_id, {}), actual_map.get(indicator_id, {}), direction,
            (places or {}).get(indicator_id),
        )
        for indicator_id, direction in indicators
    }


def _latest_reminders(year: int, department_ids: Sequence[int]) -> dict[int, ReminderInfo]:
    latest = Reminder.objects.filter(year=year, department_id=OuterRef("department_id")).order_by("-sent_at", "-id")
    rows = Reminder.objects.filter(
        year=year, department_id__in=department_ids, pk=Subquery(latest.values("pk")[:1])
    ).values_list("department_id", "sent_at", "recipients", "unreported_count", "returned_count")
    return {
        department_id: ReminderInfo(sent_at, tuple(recipients or ()), unreported, returned)
        for department_id, sent_at, recipients, unreported, returned in rows
    }


class ScoreState:
    """What a scoreboard row and a drill-down both say of a stored score beside its frozen snapshot."""

    score: Decimal | None
    grade: str
    provisional: bool
    stale_reason: str
    frozen: Frozen | None

    @property
    def stale(self) -> bool:
        return bool(self.stale_reason)

    @property
    def frozen_differs(self) -> bool:
        return self.frozen is not None and (self.frozen.score != self.score or self.frozen.grade != self.grade)


@dataclass(frozen=True)
class BureauLine:
    bureau_id: int | None
    name: str
    rollup: BureauRollup


def _snapshots(year: int, department_ids: Sequence[int], *, with_indicators: bool = False) -> dict[int, Frozen]:
    fields = ["department_id", "score", "completeness", "grade", "rank", "finalised_at", "provisional"]
    if with_indicators:
        fields.append("indicators")
    rows = ScoreSnapshot.objects.filter(year=year, department_id__in=department_ids).values(*fields)
    return {
        row["department_id"]: Frozen(
            score=row["score"], completeness=row["completeness"], grade=row["grade"], rank=row["rank"],
            finalised_at=row["finalised_at"], indicators=tuple(row.get("indicators") or ()),
            provisional=row["provisional"],
        )
        for row in rows
    }


def scoreboard_departments(
    year: int, *, bureau_id: int | None = None, grade: str = "", editions: GoverningEditions | None = None
):
    """The year's departments (of the editions governing it) with the year's stored score joined (LEFT JOIN),
    filtered by bureau and grade."""
    editions = editions or governing_editions(year)
    qs = editions.filter(Department.objects.annotate(ys=FilteredRelation("scores", condition=Q(scores__year=year))))
    if bureau_id is not None:
        qs = qs.filter(bureau_id=bureau_id)
    if grade == NO_GRADE:
        qs = qs.filter(ys__score__isnull=True)
    elif grade:
        qs = qs.filter(ys__grade=grade)
    return qs
