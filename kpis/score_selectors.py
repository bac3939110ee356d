"""Reads for the evaluators' scoreboard and drill-down: stored scores only, set-based queries.

Nothing here computes a score: pages show DepartmentScore / IndicatorScore rows as the worker
stored them, with a stale flag while a recompute is pending, and the frozen ScoreSnapshot
beside them once a year is finalised.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from math import ceil

from django.db import connection
from django.db.models import Count, F, FilteredRelation, Max, OuterRef, Q, Subquery, Sum, Window
from django.db.models.functions import Rank

from budgets.models import UnitProgramAmount
from kpis.models import (
    Actual,
    ActualStatus,
    Bureau,
    Department,
    DepartmentScore,
    DirtyScore,
    EntryYear,
    Indicator,
    IndicatorScore,
    PolicyGoal,
    Reminder,
    ScoreSnapshot,
    ScoringPolicy,
    Target,
)
from kpis.scoring import BureauRollup
from kpis.services.scores import stale_department_ids
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
class PolicyRef:
    id: int
    version: int


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


def _policy_ref(year: int) -> PolicyRef | None:
    row = ScoringPolicy.objects.filter(year=year).order_by("-version").values_list("id", "version").first()
    return PolicyRef(*row) if row else None


def _stale_reason(*, has_row: bool, dirty: bool, policy_id: int | None, current: PolicyRef | None) -> str:
    if dirty:
        return STALE_DIRTY
    if not has_row:
        return STALE_MISSING
    if current is not None and policy_id != current.id:
        return STALE_POLICY
    return ""


def _reported(value: Decimal | None, status: str) -> bool:
    return value is not None and status != ActualStatus.NOT_REPORTED


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


def _rollup_rows(year: int, bureau_ids: Sequence[int] | None) -> dict[int | None, BureauRollup]:
    """One aggregate query: by bureau when ids are given, else the whole year under key None."""
    qs = scoreboard_departments(year)
    if bureau_ids is None:
        return {None: _rollup_of(qs.aggregate(**_rollup_aggregates()))}
    grouped = qs.filter(bureau_id__in=bureau_ids).values("bureau_id").annotate(**_rollup_aggregates()).order_by()
    return {row["bureau_id"]: _rollup_of(row) for row in grouped}


def _weak_by_indicator(
    indicators: Iterable[tuple[int, str]],
    targets: Iterable[tuple[int, int, Decimal | None]],
    actuals: Iterable[tuple[int, int, Decimal | None, str]],
) -> dict[int, tuple[WeakTarget, ...]]:
    target_map: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    for indicator_id, year, value in targets:
        target_map[indicator_id][year] = value
    actual_map: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    for indicator_id, year, value, status in actuals:
        if _reported(value, status):
            actual_map[indicator_id][year] = value
    return {
        indicator_id: find_weak_targets(target_map.get(indicator_id, {}), actual_map.get(indicator_id, {}), direction)
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


# --- scoreboard -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreboardRow:
    department_id: int
    name: str
    bureau_id: int
    bureau_name: str
    rank: int | None
    score: Decimal | None
    grade: str
    completeness: Decimal | None
    reason: str
    indicator_count: int
    computed_at: datetime | None
    counts: StatusCounts
    stale_reason: str
    reminder: ReminderInfo | None
    weak_count: int
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


@dataclass(frozen=True)
class ScoreboardPage:
    year: int
    policy: PolicyRef | None
    rows: list[ScoreboardRow]
    total: int
    page: int
    num_pages: int
    sort: str
    bureau_id: int | None
    grade: str
    bureaus: list[tuple[int, str]]
    rollups: list[BureauLine]
    overall: BureauRollup
    dirty_remaining: int
    entry_year: EntryYear | None
    page_size: int = PAGE_SIZE
    sorts: dict[str, str] = field(default_factory=lambda: dict(SORTS))
    grades: tuple[str, ...] = GRADES

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.page * self.page_size, self.total)

    @property
    def finalised(self) -> bool:
        return self.entry_year is not None and self.entry_year.finalised_at is not None


def _ordering(sort: str, *, reverse: bool = False) -> list:
    """ORDER BY of a sort, or its exact mirror image (every key flipped, nulls moved to the front).

    Equal values are in plan order (department id), as the scoreboard indexes keep them.
    """
    score_key = F("ys__score").asc(nulls_first=True) if reverse else F("ys__score").desc(nulls_last=True)
    id_key = "-id" if reverse else "id"
    if sort == "name":
        return ["-name" if reverse else "name", id_key]
    if sort == "completeness":
        completeness_key = (
            F("ys__completeness").asc(nulls_first=True) if reverse else F("ys__completeness").desc(nulls_last=True)
        )
        return [completeness_key, score_key, id_key]
    return [score_key, id_key]


def _index_order(sort: str, *, reverse: bool) -> list:
    """`_ordering` over the scores table itself: the key order of its PostgreSQL indexes."""
    keys = ["completeness", "score"] if sort == "completeness" else ["score"]
    if reverse:
        return [*(F(key).asc(nulls_first=True) for key in keys), "-department_id"]
    return [*(F(key).desc(nulls_last=True) for key in keys), "department_id"]


def _python_order(sort: str):
    """Python mirror of `_index_order`, to put a page read by id back in order (numbers only)."""
    if sort == "completeness":
        return lambda row: (
            row["score_id"] is None, row["completeness"] is None, -(row["completeness"] or 0),
            row["score"] is None, -(row["score"] or 0), row["id"],
        )
    return lambda row: (row["score_id"] is None, row["score"] is None, -(row["score"] or 0), row["id"])


def _page_ids(sort: str, scores_qs, *, start: int, count: int, stored: int, year: int):
    """Department ids of one national page, read off an index rather than sorting every department.

    By name: the (name, id) index of departments. By score or completeness: stored scores first in
    the index order, then departments with no stored score yet, by id. Returned as a sliced
    subquery, so the page stays one query; deep pages are read from the other end of the index,
    so a read never walks past more than half of the rows. Only a page that reaches past the
    stored scores (departments never computed) needs a second, listed read.
    """
    if sort == "name":
        scores_qs, column = Department.objects.all(), "id"  # `stored` is then every department
        forward, backward = ["name", "id"], ["-name", "-id"]
    else:
        column = "department_id"
        forward, backward = _index_order(sort, reverse=False), _index_order(sort, reverse=True)
    if start + count <= stored:
        if start + count > stored // 2:
            tail = stored - start - count
            return scores_qs.order_by(*backward).values(column)[tail : tail + count]
        return scores_qs.order_by(*forward).values(column)[start : start + count]
    ids: list[int] = []
    if start < stored:
        ids = list(scores_qs.order_by(*forward).values_list(column, flat=True)[start:stored])
    skip = max(start - stored, 0)
    unscored = Department.objects.exclude(id__in=DepartmentScore.objects.filter(year=year).values("department_id"))
    ids.extend(unscored.order_by("id").values_list("id", flat=True)[skip : skip + count - len(ids)])
    return ids


def scoreboard_departments(year: int, *, bureau_id: int | None = None, grade: str = ""):
    """Departments with the year's stored score joined (LEFT JOIN), filtered by bureau and grade."""
    qs = Department.objects.annotate(ys=FilteredRelation("scores", condition=Q(scores__year=year)))
    if bureau_id is not None:
        qs = qs.filter(bureau_id=bureau_id)
    if grade == NO_GRADE:
        qs = qs.filter(ys__score__isnull=True)
    elif grade:
        qs = qs.filter(ys__grade=grade)
    return qs


def scoreboard_page(
    year: int, *, sort: str = "score", bureau_id: int | None = None, grade: str = "", page: int = 1,
    page_size: int = PAGE_SIZE,
) -> ScoreboardPage:
    """One page of the scoreboard in a fixed number of queries, whatever the number of departments.

    Queries: 1 policy in force · 2 bureaus (filter choices) · 3 entry year · 4 dirty count of the
    year · 5 matching departments counted · 6 their scores summed (roll-up) · 7 the page
    (department ⟕ score ⟕ bureau, top-N sort) · 8 ranks (count of higher scores) · 9 indicators ·
    10 targets · 11 actuals of the page's departments · 12 dirty marks of the page · 13 latest
    reminders · 14 snapshots · 15 roll-ups of the page's bureaus.
    """
    sort = sort if sort in SORTS else "score"
    grade = grade if grade in GRADES or grade == NO_GRADE else ""
    policy = _policy_ref(year)
    bureaus = list(Bureau.objects.order_by("name").values_list("id", "name"))
    entry_year = EntryYear.objects.filter(year=year).first()
    dirty_remaining = DirtyScore.objects.filter(year=year).count()
    qs = scoreboard_departments(year, bureau_id=bureau_id, grade=grade)
    scores_qs = _matching_scores(year, bureau_id=bureau_id, grade=grade)
    total, summary, stored = _summary(scores_qs, bureau_id=bureau_id, grade=grade)
    num_pages = max(ceil(total / page_size), 1)
    page = min(max(page, 1), num_pages)
    offset = (page - 1) * page_size
    # Deep pages are read from the other end: the database's top-N sort then holds at most half
    # the departments instead of everything before the page (the one cost that grows with them).
    reverse = offset > total // 2
    count = max(min(page_size, total - offset), 0)
    start = total - offset - count if reverse else offset
    # The national list (or one grade of it): the page's departments straight off an index.
    by_index = bureau_id is None and (not grade or (grade != NO_GRADE and sort != "name"))
    if by_index:
        stored_or_all = total if sort == "name" else stored
        qs = qs.filter(id__in=_page_ids(sort, scores_qs, start=offset, count=count, stored=stored_or_all, year=year))
        reverse, start = False, 0
    values = list(
        qs.annotate(
            bureau_name=F("bureau__name"),
            score_id=F("ys__id"),
            score=F("ys__score"),
            grade=F("ys__grade"),
            completeness=F("ys__completeness"),
            reason=F("ys__reason"),
            indicator_count=F("ys__indicator_count"),
            computed_at=F("ys__computed_at"),
            policy_id=F("ys__policy_id"),
        )
        .order_by(*_ordering(sort, reverse=reverse))
        .values(
            "id", "name", "bureau_id", "bureau_name", "score_id", "score", "grade", "completeness", "reason",
            "indicator_count", "computed_at", "policy_id",
        )[start : start + count]
    )
    if reverse:
        values.reverse()
    if by_index and sort != "name":  # by name the database sorted the page's rows (its collation)
        values.sort(key=_python_order(sort))
    ranks = _ranks(scores_qs, values, by_score=sort == "score", offset=offset)
    ids = [row["id"] for row in values]
    indicators = list(Indicator.objects.filter(department_id__in=ids).values_list("id", "department_id", "direction"))
    targets = list(Target.objects.filter(indicator__department_id__in=ids).values_list("indicator_id", "year", "value"))
    actuals = list(
        Actual.objects.filter(indicator__department_id__in=ids).values_list("indicator_id", "year", "value", "status")
    )
    dirty = stale_department_ids(year, ids) if ids else set()
    reminders = _latest_reminders(year, ids) if ids else {}
    frozen = _snapshots(year, ids) if ids else {}
    page_bureaus = sorted({row["bureau_id"] for row in values})
    rollups = _rollup_rows(year, page_bureaus) if page_bureaus else {}

    statuses: dict[int, str] = {
        indicator_id: status for indicator_id, actual_year, _, status in actuals if actual_year == year
    }
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for indicator_id, department_id, _ in indicators:
        counts[department_id][statuses.get(indicator_id, ActualStatus.NOT_REPORTED)] += 1
    weak = _weak_by_indicator([(i, d) for i, _, d in indicators], targets, actuals)
    weak_counts: dict[int, int] = defaultdict(int)
    for indicator_id, department_id, _ in indicators:
        if weak.get(indicator_id):
            weak_counts[department_id] += 1

    rows = [
        ScoreboardRow(
            department_id=row["id"], name=row["name"], bureau_id=row["bureau_id"], bureau_name=row["bureau_name"],
            rank=ranks.get(row["id"]), score=row["score"], grade=row["grade"] or "",
            completeness=row["completeness"], reason=row["reason"] or "", indicator_count=row["indicator_count"] or 0,
            computed_at=row["computed_at"],
            counts=StatusCounts(**{status: n for status, n in counts[row["id"]].items()}),
            stale_reason=_stale_reason(
                has_row=row["score_id"] is not None, dirty=row["id"] in dirty, policy_id=row["policy_id"],
                current=policy,
            ),
            reminder=reminders.get(row["id"]), weak_count=weak_counts[row["id"]], frozen=frozen.get(row["id"]),
        )
        for row in values
    ]
    names = dict(bureaus)
    return ScoreboardPage(
        year=year, policy=policy, rows=rows, total=total, page=page, num_pages=num_pages, sort=sort,
        bureau_id=bureau_id, grade=grade, bureaus=bureaus,
        rollups=[BureauLine(b, names.get(b, ""), rollups[b]) for b in page_bureaus if b in rollups],
        overall=summary, dirty_remaining=dirty_remaining, entry_year=entry_year, page_size=page_size,
    )


def _matching_scores(year: int, *, bureau_id: int | None, grade: str):
    """The year's stored scores of the matching departments: one table, no join unless by bureau."""
    qs = DepartmentScore.objects.filter(year=year)
    if bureau_id is not None:
        qs = qs.filter(department__bureau_id=bureau_id)
    if grade and grade != NO_GRADE:
        qs = qs.filter(grade=grade)
    return qs


def _summary(scores_qs, *, bureau_id: int | None, grade: str) -> tuple[int, BureauRollup, int]:
    """Number of matching departments and their roll-up; two cheap queries instead of a 25k-row join.

    Departments are counted on their own table; sums come from the scores table. With the
    "no score" filter there is nothing to sum, and the count is departments minus scored ones.
    The third value is the number of stored score rows that match.
    """
    departments = Department.objects.all()
    if bureau_id is not None:
        departments = departments.filter(bureau_id=bureau_id)
    department_count = departments.count()
    row = scores_qs.aggregate(
        rows=Count("id"),
        score_sum=Sum("score"),
        score_count=Count("score"),
        weighted_sum=Sum(F("score") * F("evaluated_weight"), filter=Q(score__isnull=False)),
        weight_sum=Sum("evaluated_weight", filter=Q(score__isnull=False)),
    )
    if grade == NO_GRADE:
        total = department_count - row["score_count"]
        return total, BureauRollup(None, None, total, 0), row["rows"]
    total = row["rows"] if grade else department_count
    rollup = _rollup(row["score_sum"], row["score_count"], row["weighted_sum"], row["weight_sum"], total)
    return total, rollup, row["rows"]


def _ranks(qs, values: list[dict], *, by_score: bool, offset: int) -> dict[int, int]:
    """Competition ranks (1, 2, 2, 4) by score within the matching departments, for one page.

    One query whatever the page. Sorted by score, only the page's first score needs counting
    (1 + the matching departments above it, an index range count; a later row either ties the
    row above it or its position is its rank). Otherwise the matching scores are ranked by the
    database (RANK() in the order of the score index, read index-only) and the page's departments
    picked out.
    """
    scored = [(row["id"], row["score"]) for row in values if row["score"] is not None]
    if not scored:
        return {}
    if not by_score:
        ranked = (
            qs.filter(score__isnull=False)
            .annotate(ranked_id=F("department_id"), position=Window(Rank(), order_by=F("score").desc(nulls_last=True)))
            .values("ranked_id", "position")
        )
        sql, params = ranked.query.sql_with_params()
        ids = [department_id for department_id, _ in scored]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT ranked_id, position FROM ({sql}) ranked WHERE ranked_id IN ({', '.join(['%s'] * len(ids))})",
                [*params, *ids],
            )
            return dict(cursor.fetchall())
    higher = qs.filter(score__gt=scored[0][1]).count()
    ranks: dict[int, int] = {}
    previous: tuple[Decimal, int] | None = None
    for position, row in enumerate(values, start=offset + 1):
        score = row["score"]
        if score is None:
            break
        if previous is not None and score == previous[0]:
            rank = previous[1]
        elif previous is None:
            rank = higher + 1
        else:
            rank = position
        ranks[row["id"]] = rank
        previous = (score, rank)
    return ranks


def _snapshots(year: int, department_ids: Sequence[int], *, with_indicators: bool = False) -> dict[int, Frozen]:
    fields = ["department_id", "score", "completeness", "grade", "rank", "finalised_at"]
    if with_indicators:
        fields.append("indicators")
    rows = ScoreSnapshot.objects.filter(year=year, department_id__in=department_ids).values(*fields)
    return {
        row["department_id"]: Frozen(
            score=row["score"], completeness=row["completeness"], grade=row["grade"], rank=row["rank"],
            finalised_at=row["finalised_at"], indicators=tuple(row.get("indicators") or ()),
        )
        for row in rows
    }


def scoreboard_all(year: int, *, sort: str = "score", bureau_id: int | None = None, grade: str = "") -> list[ScoreboardRow]:
    """Every matching row, for the export: page by page, so queries grow with pages, not rows."""
    first = scoreboard_page(year, sort=sort, bureau_id=bureau_id, grade=grade, page=1, page_size=1000)
    rows = list(first.rows)
    for number in range(2, first.num_pages + 1):
        rows.extend(scoreboard_page(year, sort=sort, bureau_id=bureau_id, grade=grade, page=number, page_size=1000).rows)
    return rows


# --- drill-down -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorLine:
    indicator_id: int
    name: str
    full_name: str
    unit: str
    kind: str
    direction: str
    policy_goal_id: int | None
    weight: Decimal
    target: Decimal | None
    actual: Decimal | None
    supplementary: Decimal | None
    status: str
    status_label: str
    rate: Decimal | None
    raw_rate: Decimal | None
    reason: str
    working: str
    effective_weight: Decimal | None
    contribution: Decimal | None
    years: tuple[int, ...]
    targets: tuple[Decimal | None, ...]
    actuals: tuple[Decimal | None, ...]
    weak: tuple[WeakTarget, ...]
    frozen: dict | None = None

    @property
    def frozen_rate(self) -> Decimal | None:
        return _as_decimal(self.frozen.get("rate")) if self.frozen else None

    @property
    def frozen_differs(self) -> bool:
        return self.frozen is not None and self.frozen_rate != self.rate


def _as_decimal(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


@dataclass(frozen=True)
class YearAmount:
    year: int
    label: str
    amount: Decimal | None


@dataclass(frozen=True)
class GoalBudget:
    policy_goal_id: int | None
    title: str
    printed_budget: Decimal | None
    amounts: tuple[YearAmount, ...]       # the page's year and the year before
    plan_amounts: tuple[YearAmount, ...]  # the plan year and the year before (empty when the same years)
    indicators: tuple[IndicatorLine, ...]
    weighted_rate: Decimal | None
    contribution: Decimal | None

    @staticmethod
    def _change(pair: tuple[YearAmount, ...]) -> Decimal | None:
        if len(pair) != 2 or pair[0].amount is None or pair[1].amount is None:
            return None
        return pair[1].amount - pair[0].amount

    @staticmethod
    def _change_rate(pair: tuple[YearAmount, ...]) -> Decimal | None:
        if len(pair) != 2 or pair[0].amount in (None, 0) or pair[1].amount is None:
            return None
        return _quotient((pair[1].amount - pair[0].amount) * 100, pair[0].amount)

    @property
    def change(self) -> Decimal | None:
        return self._change(self.amounts)

    @property
    def change_rate(self) -> Decimal | None:
        return self._change_rate(self.amounts)

    @property
    def plan_change(self) -> Decimal | None:
        return self._change(self.plan_amounts)

    @property
    def plan_change_rate(self) -> Decimal | None:
        return self._change_rate(self.plan_amounts)


@dataclass(frozen=True)
class DrilldownPage:
    year: int
    department_id: int
    name: str
    bureau_id: int
    bureau_name: str
    plan_year: int
    policy: PolicyRef | None
    score: Decimal | None
    grade: str
    completeness: Decimal | None
    reason: str
    computed_at: datetime | None
    total_weight: Decimal | None
    evaluated_weight: Decimal | None
    stale_reason: str
    indicators: list[IndicatorLine]
    goals: list[GoalBudget]
    reminder: ReminderInfo | None
    frozen: Frozen | None
    entry_year: EntryYear | None

    @property
    def stale(self) -> bool:
        return bool(self.stale_reason)

    @property
    def frozen_differs(self) -> bool:
        return self.frozen is not None and (self.frozen.score != self.score or self.frozen.grade != self.grade)

    @property
    def weak_count(self) -> int:
        return sum(1 for line in self.indicators if line.weak)

    @property
    def contribution_total(self) -> Decimal:
        return sum((line.contribution for line in self.indicators if line.contribution is not None), Decimal(0))


def _goal_rate(lines: Sequence[IndicatorLine]) -> Decimal | None:
    """Weighted mean of the stored rates of a goal's evaluated indicators (weights as stored)."""
    rated = [(line.weight, line.rate) for line in lines if line.rate is not None]
    weight = sum((w for w, _ in rated), Decimal(0))
    if weight <= 0:
        return None
    return _quotient(sum((w * r for w, r in rated), Decimal(0)), weight)


def department_drilldown(year: int, department_id: int) -> DrilldownPage:
    """A department-year in a fixed number of queries, whatever its number of indicators.

    Queries: 1 department ⟕ bureau · 2 policy in force · 3 stored score · 4 indicators · 5 stored
    indicator scores · 6 targets · 7 actuals (all years) · 8 dirty mark · 9 snapshot · 10 policy
    goals · 11 unit program amounts summed by goal and year · 12 latest reminder · 13 entry year.
    Raises Department.DoesNotExist.
    """
    department = Department.objects.select_related("bureau").get(pk=department_id)
    policy = _policy_ref(year)
    stored = DepartmentScore.objects.filter(department_id=department_id, year=year).first()
    indicators = list(Indicator.objects.filter(department_id=department_id).order_by("order", "id"))
    ids = [indicator.pk for indicator in indicators]
    scores = {row.indicator_id: row for row in IndicatorScore.objects.filter(indicator_id__in=ids, year=year)}
    targets = list(Target.objects.filter(indicator_id__in=ids).values_list("indicator_id", "year", "value"))
    actual_rows = list(
        Actual.objects.filter(indicator_id__in=ids).values_list(
            "indicator_id", "year", "value", "status", "supplementary_value"
        )
    )
    dirty = bool(stale_department_ids(year, [department_id]))
    snapshot = _snapshots(year, [department_id], with_indicators=True).get(department_id)
    goals = list(PolicyGoal.objects.filter(department_id=department_id).order_by("strategic_goal__order", "order", "id"))
    plan_year = department.bureau.plan_year
    budget_years = sorted({year - 1, year, plan_year - 1, plan_year})
    sums = (
        UnitProgramAmount.objects.filter(unit_program__policy_goal__department_id=department_id, year__in=budget_years)
        .values("unit_program__policy_goal_id", "year")
        .annotate(total=Sum("amount"), present=Count("amount"), kind=Max("kind"))
        .order_by()
    )
    reminder = _latest_reminders(year, [department_id]).get(department_id)
    entry_year = EntryYear.objects.filter(year=year).first()

    weak = _weak_by_indicator(
        [(i.pk, i.direction) for i in indicators], targets, [row[:4] for row in actual_rows]
    )
    target_map: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    for indicator_id, target_year, value in targets:
        target_map[indicator_id][target_year] = value
    actual_map: dict[int, dict[int, tuple[Decimal | None, str, Decimal | None]]] = defaultdict(dict)
    for indicator_id, actual_year, value, status, supplementary in actual_rows:
        actual_map[indicator_id][actual_year] = (value, status, supplementary)
    frozen_by_id = {item.get("indicator_id"): item for item in (snapshot.indicators if snapshot else ())}
    status_labels = dict(ActualStatus.choices)

    lines: list[IndicatorLine] = []
    for indicator in indicators:
        score = scores.get(indicator.pk)
        years = tuple(sorted(set(target_map[indicator.pk]) | set(actual_map[indicator.pk])))
        value, status, supplementary = actual_map[indicator.pk].get(year, (None, ActualStatus.NOT_REPORTED, None))
        lines.append(
            IndicatorLine(
                indicator_id=indicator.pk, name=indicator.short_name, full_name=indicator.name, unit=indicator.unit,
                kind=indicator.get_kind_display(), direction=indicator.direction,
                policy_goal_id=indicator.policy_goal_id, weight=indicator.weight,
                target=target_map[indicator.pk].get(year),
                actual=value if _reported(value, status) else None,
                supplementary=supplementary, status=status, status_label=status_labels.get(status, status),
                rate=score.rate if score else None, raw_rate=score.raw_rate if score else None,
                reason=score.reason if score else "", working=score.working if score else "",
                effective_weight=score.effective_weight if score else None,
                contribution=score.contribution if score else None, years=years,
                targets=tuple(target_map[indicator.pk].get(y) for y in years),
                actuals=tuple(
                    v if _reported(v, s) else None
                    for v, s, _ in (actual_map[indicator.pk].get(y, (None, ActualStatus.NOT_REPORTED, None)) for y in years)
                ),
                weak=weak.get(indicator.pk, ()), frozen=frozen_by_id.get(indicator.pk),
            )
        )

    amount_map: dict[tuple[int, int], tuple[Decimal | None, str]] = {}
    for row in sums:
        amount_map[(row["unit_program__policy_goal_id"], row["year"])] = (
            _decimal(row["total"]) if row["present"] else None, row["kind"]
        )
    kind_labels = {"settled": "결산", "budget": "예산"}

    def pair(goal_id: int, years_: Sequence[int]) -> tuple[YearAmount, ...]:
        out = []
        for y in years_:
            amount, kind = amount_map.get((goal_id, y), (None, ""))
            out.append(YearAmount(y, f"{y} {kind_labels.get(kind, '')}".strip(), amount))
        return tuple(out)

    by_goal: dict[int | None, list[IndicatorLine]] = defaultdict(list)
    for line in lines:
        by_goal[line.policy_goal_id].append(line)
    same_years = plan_year == year
    goal_rows = [
        GoalBudget(
            policy_goal_id=goal.pk, title=goal.title, printed_budget=goal.budget_amount,
            amounts=pair(goal.pk, (year - 1, year)),
            plan_amounts=() if same_years else pair(goal.pk, (plan_year - 1, plan_year)),
            indicators=tuple(by_goal.get(goal.pk, ())), weighted_rate=_goal_rate(by_goal.get(goal.pk, ())),
            contribution=_sum_contributions(by_goal.get(goal.pk, ())),
        )
        for goal in goals
    ]
    if by_goal.get(None):
        goal_rows.append(
            GoalBudget(
                policy_goal_id=None, title="(정책사업목표 미지정)", printed_budget=None, amounts=(), plan_amounts=(),
                indicators=tuple(by_goal[None]), weighted_rate=_goal_rate(by_goal[None]),
                contribution=_sum_contributions(by_goal[None]),
            )
        )
    return DrilldownPage(
        year=year, department_id=department.pk, name=department.name, bureau_id=department.bureau_id,
        bureau_name=department.bureau.name, plan_year=plan_year, policy=policy,
        score=stored.score if stored else None, grade=stored.grade if stored else "",
        completeness=stored.completeness if stored else None, reason=stored.reason if stored else "",
        computed_at=stored.computed_at if stored else None,
        total_weight=stored.total_weight if stored else None,
        evaluated_weight=stored.evaluated_weight if stored else None,
        stale_reason=_stale_reason(
            has_row=stored is not None, dirty=dirty, policy_id=stored.policy_id if stored else None, current=policy
        ),
        indicators=lines, goals=goal_rows, reminder=reminder, frozen=snapshot, entry_year=entry_year,
    )


def _sum_contributions(lines: Sequence[IndicatorLine]) -> Decimal | None:
    values = [line.contribution for line in lines if line.contribution is not None]
    return sum(values, Decimal(0)) if values else None


def bureau_rollups(year: int) -> tuple[BureauLine, list[BureauLine]]:
    """The whole year and every bureau, for the export: three queries."""
    names = list(Bureau.objects.order_by("name").values_list("id", "name"))
    rollups = _rollup_rows(year, [bureau_id for bureau_id, _ in names]) if names else {}
    overall = BureauLine(None, "전체", _rollup_rows(year, None)[None])
    return overall, [BureauLine(b, name, rollups[b]) for b, name in names if b in rollups]
