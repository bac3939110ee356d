"""The scoreboard: one page of ranked departments in a fixed number of queries, and the export."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from math import ceil
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import Rank

from kpis.models import (
    Actual,
    ActualStatus,
    Bureau,
    Department,
    DepartmentScore,
    DirtyScore,
    EntryYear,
    Indicator,
    Target,
)
from kpis.score_selectors.shared import (
    GRADES,
    NO_GRADE,
    PAGE_SIZE,
    SORTS,
    BureauLine,
    Frozen,
    PolicyRef,
    ReminderInfo,
    ScoreState,
    StatusCounts,
    _latest_reminders,
    _policy_ref,
    _rollup,
    _rollup_rows,
    _rollups_by_bureau,
    _snapshots,
    _stale_reason,
    _weak_by_indicator,
    scoreboard_departments,
)
from kpis.scoring import BureauRollup
from kpis.services.scores import stale_department_ids

# --- scoreboard -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreboardRow(ScoreState):
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


Memo = Callable[[str, tuple, Callable[[], Any]], Any]


def _no_memo(name: str, params: tuple, compute: Callable[[], Any]) -> Any:
    return compute()


def scoreboard_page(
    year: int, *, sort: str = "score", bureau_id: int | None = None, grade: str = "", page: int = 1,
    page_size: int = PAGE_SIZE, memo: Memo | None = None,
) -> ScoreboardPage:
    """One page of the scoreboard in a fixed number of queries, whatever the number of departments.

    Queries: 1 policy in force · 2 bureaus (filter choices) · 3 entry year · 4 dirty count of the
    year · 5 matching departments counted · 6 their scores summed (roll-up) · 7 the page
    (its departments read off an index, or department ⟕ score ⟕ bureau sorted when filtered by
    bureau) · 8 ranks · 9 indicators · 10 targets · 11 actuals of the page's departments ·
    12 dirty marks of the page · 13 latest reminders · 14 snapshots · 15 roll-ups of the page's
    bureaus.

    `memo(name, params, compute)` may keep the parts that are the same on every page of a year
    (queries 1–6, and the roll-ups of every bureau instead of 15) between calls; the page view
    passes one bound to the data version (kpis/board_cache.py), so they are read once per change.
    """
    sort = sort if sort in SORTS else "score"
    grade = grade if grade in GRADES or grade == NO_GRADE else ""
    memoised = memo is not None
    memo = memo or _no_memo
    policy, bureaus, entry_year, dirty_remaining = memo("year", (), lambda: (
        _policy_ref(year),
        list(Bureau.objects.order_by("name").values_list("id", "name")),
        EntryYear.objects.filter(year=year).first(),
        DirtyScore.objects.filter(year=year).count(),
    ))
    qs = scoreboard_departments(year, bureau_id=bureau_id, grade=grade)
    scores_qs = _matching_scores(year, bureau_id=bureau_id, grade=grade)
    total, summary, stored = memo(
        "summary", (bureau_id, grade), lambda: _summary(scores_qs, bureau_id=bureau_id, grade=grade)
    )
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
    if memoised:  # every bureau once per version, then any page's bureaus for free
        rollups = memo("rollups", (), lambda: _rollups_by_bureau(year))
    else:
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


def scoreboard_all(year: int, *, sort: str = "score", bureau_id: int | None = None, grade: str = "") -> list[ScoreboardRow]:
    """Every matching row, for the export: page by page, so queries grow with pages, not rows."""
    first = scoreboard_page(year, sort=sort, bureau_id=bureau_id, grade=grade, page=1, page_size=1000)
    rows = list(first.rows)
    for number in range(2, first.num_pages + 1):
        rows.extend(scoreboard_page(year, sort=sort, bureau_id=bureau_id, grade=grade, page=number, page_size=1000).rows)
    return rows


def bureau_rollups(year: int) -> tuple[BureauLine, list[BureauLine]]:
    """The whole year and every bureau, for the export: three queries."""
    names = list(Bureau.objects.order_by("name").values_list("id", "name"))
    rollups = _rollup_rows(year, [bureau_id for bureau_id, _ in names]) if names else {}
    overall = BureauLine(None, "전체", _rollup_rows(year, None)[None])
    return overall, [BureauLine(b, name, rollups[b]) for b, name in names if b in rollups]
