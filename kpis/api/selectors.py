"""Reads for the API: stored scores only, a constant number of queries whatever the row count."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from django.db.models import Case, Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Subquery, When

from accounts.models import User
from core.numbers import format_figure
from kpis.models import Actual, Department, DirtyScore, Indicator, IndicatorScore, Target
from kpis.scope import scoped
from kpis.score_selectors.ranks import department_ranks


@dataclass(frozen=True)
class IndicatorScoreRow:
    indicator_id: int
    indicator_name: str
    weight: Decimal
    effective_weight: Decimal | None
    target: Decimal | None
    actual: Decimal | None
    rate: Decimal | None
    raw_rate: Decimal | None
    reason: str
    working: str
    contribution: Decimal | None
    actual_status: str
    provisional: bool
    display_places: int | None = None

    @property
    def target_display(self) -> str | None:
        return None if self.target is None else format_figure(self.target, self.display_places)

    @property
    def actual_display(self) -> str | None:
        return None if self.actual is None else format_figure(self.actual, self.display_places)


@dataclass(frozen=True)
class DepartmentScoreRow:
    department_id: int
    department_name: str
    bureau_id: int
    bureau_name: str
    year: int
    score: Decimal | None
    completeness: Decimal | None
    grade: str
    provisional: bool
    rank: int | None
    reason: str
    indicator_count: int | None
    total_weight: Decimal | None
    evaluated_weight: Decimal | None
    stale: bool
    computed_at: datetime | None
    policy_version: int | None
    indicators: list[IndicatorScoreRow] = field(default_factory=list)


def department_scores(year: int) -> QuerySet[Department]:
    """Every department with its stored score of the year, best first; one query.

    Departments without a score sort last. Ranks come from ``department_score_rows``.
    """
    return (
        Department.objects.select_related("bureau")
        .annotate(
            stored=FilteredRelation("scores", condition=Q(scores__year=year)),
            score_id=F("stored__id"),
            score_value=F("stored__score"),
            score_completeness=F("stored__completeness"),
            score_grade=F("stored__grade"),
            score_provisional=F("stored__provisional"),
            score_reason=F("stored__reason"),
            score_indicator_count=F("stored__indicator_count"),
            score_total_weight=F("stored__total_weight"),
            score_evaluated_weight=F("stored__evaluated_weight"),
            score_computed_at=F("stored__computed_at"),
            score_policy_version=F("stored__policy__version"),
            dirty=Exists(DirtyScore.objects.filter(department_id=OuterRef("pk"), year=year)),
        )
        .order_by(F("score_value").desc(nulls_last=True), "bureau__name", "order", "name", "pk")
    )


def department_score_rows(departments: Iterable[Department], year: int) -> list[DepartmentScoreRow]:
    """Annotated departments (from `department_scores`) as plain rows with their ranks; one query for the ranks.

    Ranks are ``department_ranks``: over every scored department of the year, whatever the page.
    """
    ranks = department_ranks(year)
    return [_score_row(department, year, ranks.get(department.pk)) for department in departments]


def _score_row(department: Department, year: int, rank: int | None) -> DepartmentScoreRow:
    return DepartmentScoreRow(
        department_id=department.pk,
        department_name=department.name,
        bureau_id=department.bureau_id,
        bureau_name=department.bureau.name,
        year=year,
        score=department.score_value,
        completeness=department.score_completeness,
        grade=department.score_grade or "",
        provisional=bool(department.score_provisional),
        rank=rank,
        reason=department.score_reason or "",
        indicator_count=department.score_indicator_count,
        total_weight=department.score_total_weight,
        evaluated_weight=department.score_evaluated_weight,
        stale=bool(department.dirty) or department.score_id is None,
        computed_at=department.score_computed_at,
        policy_version=department.score_policy_version,
    )


def department_score_detail(department_id: int, year: int, user: User | None = None) -> DepartmentScoreRow | None:
    """One department's stored score, rank and indicators' rows; three queries. Given `user`, None for a department
    of an organization the user does not see (filtered in the same query)."""
    departments = department_scores(year)
    if user is not None:
        departments = scoped(departments, user, "bureau__organization_id")
    department = departments.filter(pk=department_id).first()
    if department is None:
        return None
    (row,) = department_score_rows([department], year)
    return replace(row, indicators=indicator_scores(department_id, year))


def indicator_scores(department_id: int, year: int) -> list[IndicatorScoreRow]:
    """Every indicator of the department with its stored result of the year (blank when none); one query."""
    indicators = (
        Indicator.objects.filter(department_id=department_id)
        .annotate(stored=FilteredRelation("scores", condition=Q(scores__year=year)))
        .values(
            "id", "short_name", "weight", "display_places", "stored__id", "stored__weight", "stored__effective_weight",
            "stored__target_value", "stored__actual_value", "stored__rate", "stored__raw_rate", "stored__reason",
            "stored__working", "stored__contribution", "stored__actual_status", "stored__provisional",
        )
        .order_by("order", "id")
    )
    return [
        IndicatorScoreRow(
            indicator_id=row["id"],
            indicator_name=row["short_name"],
            weight=row["stored__weight"] if row["stored__id"] is not None else row["weight"],
            effective_weight=row["stored__effective_weight"],
            target=row["stored__target_value"],
            actual=row["stored__actual_value"],
            rate=row["stored__rate"],
            raw_rate=row["stored__raw_rate"],
            reason=row["stored__reason"] or "",
            working=row["stored__working"] or "",
            contribution=row["stored__contribution"],
            actual_status=row["stored__actual_status"] or "",
            provisional=bool(row["stored__provisional"]),
            display_places=row["display_places"],
        )
        for row in indicators
    ]


def actual_list() -> QuerySet[Actual]:
    """Actuals with their indicator, department, people, target and last stored rate; one query."""
    # Period rows too (`period` 1..4); the year's target and rate belong to the year row only.
    return Actual.all_periods.select_related(
        "indicator__department", "updated_by", "submitted_by", "reviewed_by"
    ).annotate(
        target_value=Case(When(period=0, then=Subquery(
            Target.objects.filter(indicator_id=OuterRef("indicator_id"), year=OuterRef("year")).values("value")[:1]
        ))),
        stored_rate=Case(When(period=0, then=Subquery(
            IndicatorScore.objects.filter(indicator_id=OuterRef("indicator_id"), year=OuterRef("year"))
            .values("rate")[:1]
        ))),
    ).order_by(
        "indicator__department__order", "indicator__department_id", "indicator__order", "indicator_id", "year", "period"
    )
