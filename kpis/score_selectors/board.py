"""The scoreboard: one page of ranked departments in a fixed number of queries, and the export."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from math import ceil
from typing import Any

from django.db.models import F

from kpis.edition_series import CHAIN_FIELDS, all_ids, chain_from_values, series_rows, with_chains
from kpis.editions import editions_of, governing_editions
from kpis.models import Actual, Bureau, DirtyScore, EntryYear, Indicator, Target
from kpis.score_selectors.paging import _matching_scores, _ordering, _page_ids, _python_order, _summary
from kpis.score_selectors.ranks import department_ranks
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
    _rollup_rows,
    _rollups_by_bureau,
    _snapshots,
    _stale_reason,
    _weak_by_indicator,
    scoped_editions,
    scoreboard_departments,
    stale_department_ids,
    status_bucket,
)
from kpis.scoring import BureauRollup

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
    provisional: bool
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


Memo = Callable[[str, tuple, Callable[[], Any]], Any]


def _no_memo(name: str, params: tuple, compute: Callable[[], Any]) -> Any:
    return compute()


def scoreboard_page(
    year: int, *, sort: str = "score", bureau_id: int | None = None, grade: str = "", page: int = 1,
    page_size: int = PAGE_SIZE, memo: Memo | None = None, organization_ids: Iterable[int] | None = None,
) -> ScoreboardPage:
    """One page of the scoreboard in a fixed number of queries, whatever the number of departments.

    Queries: 1 policy in force · 2 bureaus (filter choices) · 3 entry year (of one organization) · 4 dirty count of the
    year · 5 matching departments counted · 6 their scores summed (roll-up) · 7 the page
    (its departments read off an index, or department ⟕ score ⟕ bureau sorted when filtered by
    bureau) · 8 every scored department's score (ranks) · 9 indicators · 10 targets · 11 actuals
    of the page's departments · 12 dirty marks of the page · 13 latest reminders · 14 snapshots ·
    15 roll-ups of the page's bureaus.

    Ranks are those of ``department_ranks``: over every scored department of the year, whatever
    the page, filter or sort. Status counts and weak targets count actuals as ``classify_actual``
    does under the year's policy.

    `memo(name, params, compute)` may keep the parts that are the same on every page of a year
    (queries 1–6 and 8, and the roll-ups of every bureau instead of 15) between calls; the page
    view passes one bound to the data version (kpis/board_cache.py), so they are read once per
    change.

    `organization_ids` (kpis.scope.visible_organization_ids of the reader; None: all) keeps every count, roll-up,
    filter choice and row to those organizations, in the same queries.
    """
    scope = None if organization_ids is None else tuple(sorted(organization_ids))
    sort = sort if sort in SORTS else "score"
    grade = grade if grade in GRADES or grade == NO_GRADE else ""
    memoised = memo is not None
    memo = memo or _no_memo
    own = {"organization_id__in": scope} if scope is not None else {}
    policy, every_bureau, entry_year, dirty_remaining = memo("year", (scope,), lambda: (
        _policy_ref(year),
        list(Bureau.objects.filter(**own).order_by("name").values_list("id", "name", "organization_id", "plan_year")),
        # The entry window is an organization's own: a board of one organization shows its window, of several none.
        EntryYear.objects.filter(year=year, organization_id=scope[0]).first() if scope and len(scope) == 1 else None,
        DirtyScore.objects.filter(year=year).count(),
    ))
    # The bureaus' editions decide which departments the year shows (kpis/editions.py): no query of its own.
    editions = scoped_editions(
        editions_of(year, [(organization_id, plan_year) for _, _, organization_id, plan_year in every_bureau]), scope
    )
    bureaus = [(pk, name) for pk, name, organization_id, plan_year in every_bureau if editions.governs(organization_id, plan_year)]
    qs = scoreboard_departments(year, bureau_id=bureau_id, grade=grade, editions=editions)
    scores_qs = _matching_scores(year, bureau_id=bureau_id, grade=grade, organization_ids=scope)
    total, summary, stored = memo(
        "summary", (bureau_id, grade, scope),
        lambda: _summary(scores_qs, bureau_id=bureau_id, grade=grade, editions=editions),
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
        qs = qs.filter(id__in=_page_ids(sort, scores_qs, start=offset, count=count, stored=stored_or_all, year=year, editions=editions))
        reverse, start = False, 0
    values = list(
        qs.annotate(
            bureau_name=F("bureau__name"),
            score_id=F("ys__id"),
            score=F("ys__score"),
            grade=F("ys__grade"),
            provisional=F("ys__provisional"),
            completeness=F("ys__completeness"),
            reason=F("ys__reason"),
            indicator_count=F("ys__indicator_count"),
            computed_at=F("ys__computed_at"),
            policy_id=F("ys__policy_id"),
        )
        .order_by(*_ordering(sort, reverse=reverse))
        .values(
            "id", "name", "bureau_id", "bureau_name", "score_id", "score", "grade", "provisional", "completeness",
            "reason", "indicator_count", "computed_at", "policy_id",
        )[start : start + count]
    )
    if reverse:
        values.reverse()
    if by_index and sort != "name":  # by name the database sorted the page's rows (its collation)
        values.sort(key=_python_order(sort))
    ranks = memo("ranks", (scope,), lambda: department_ranks(year, scope))
    ids = [row["id"] for row in values]
    # The weak-target check runs over each indicator's series across editions (kpis.edition_series).
    chained = list(
        with_chains(Indicator.objects.filter(department_id__in=ids)).values_list(
            "id", "department_id", "direction", "department__bureau__plan_year", *CHAIN_FIELDS
        )
    )
    indicators = [row[:3] for row in chained]
    chains = {row[0]: chain_from_values(row[0], row[3], row[4:]) for row in chained}
    series_ids = all_ids(chains.values())
    targets = list(Target.objects.filter(indicator_id__in=series_ids).values_list("indicator_id", "year", "value"))
    actuals = list(
        Actual.objects.filter(indicator_id__in=series_ids).values_list("indicator_id", "year", "value", "status")
    )
    dirty = stale_department_ids(year, ids) if ids else set()
    reminders = _latest_reminders(year, ids) if ids else {}
    frozen = _snapshots(year, ids) if ids else {}
    page_bureaus = sorted({row["bureau_id"] for row in values})
    if memoised:  # every bureau once per version, then any page's bureaus for free
        rollups = memo("rollups", (scope,), lambda: _rollups_by_bureau(year, editions=editions))
    else:
        rollups = _rollup_rows(year, page_bureaus, editions=editions) if page_bureaus else {}

    provisional = policy is not None and policy.provisional
    this_year: dict[int, tuple[str, bool]] = {
        indicator_id: (status, value is not None)
        for indicator_id, actual_year, value, status in actuals
        if actual_year == year and indicator_id in chains
    }
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for indicator_id, department_id, _ in indicators:
        status, has_value = this_year.get(indicator_id, (None, False))
        counts[department_id][status_bucket(status, has_value, provisional=provisional)] += 1
    weak = _weak_by_indicator(
        [(i, d) for i, _, d in indicators], *series_rows(chains, targets, actuals), provisional=provisional
    )
    weak_counts: dict[int, int] = defaultdict(int)
    for indicator_id, department_id, _ in indicators:
        if weak.get(indicator_id):
            weak_counts[department_id] += 1

    rows = [
        ScoreboardRow(
            department_id=row["id"], name=row["name"], bureau_id=row["bureau_id"], bureau_name=row["bureau_name"],
            rank=ranks.get(row["id"]), score=row["score"], grade=row["grade"] or "",
            provisional=bool(row["provisional"]), completeness=row["completeness"], reason=row["reason"] or "",
            indicator_count=row["indicator_count"] or 0, computed_at=row["computed_at"],
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


def scoreboard_all(
    year: int, *, sort: str = "score", bureau_id: int | None = None, grade: str = "",
    organization_ids: Iterable[int] | None = None,
) -> list[ScoreboardRow]:
    """Every matching row, for the export: page by page, so queries grow with pages, not rows."""
    def page(number: int) -> ScoreboardPage:
        return scoreboard_page(
            year, sort=sort, bureau_id=bureau_id, grade=grade, page=number, page_size=1000,
            organization_ids=organization_ids,
        )

    first = page(1)
    rows = list(first.rows)
    for number in range(2, first.num_pages + 1):
        rows.extend(page(number).rows)
    return rows


def bureau_rollups(year: int, *, organization_ids: Iterable[int] | None = None) -> tuple[BureauLine, list[BureauLine]]:
    """The whole year and every bureau of the editions governing it (of `organization_ids`; None: all), for the
    export: four queries."""
    editions = scoped_editions(governing_editions(year), organization_ids)
    names = list(editions.filter(Bureau.objects.order_by("name"), bureau="").values_list("id", "name"))
    rollups = _rollup_rows(year, [bureau_id for bureau_id, _ in names], editions=editions) if names else {}
    overall = BureauLine(None, "전체", _rollup_rows(year, None, editions=editions)[None])
    return overall, [BureauLine(b, name, rollups[b]) for b, name in names if b in rollups]
