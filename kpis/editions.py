"""Which plan edition governs a year: the one rule every year-scoped reader asks.

An organization holds one edition per plan year (a 성과계획서 per bureau). For a year Y the governing
edition is the one with the greatest plan year ≤ Y, else the smallest plan year > Y: the 2025 plan
governs 2023–2025 (its document carries those years' targets and actuals) until a 2026 plan exists,
which then governs 2026 onwards, while 2024's actuals stay on the 2025 edition.
"""
from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from kpis.models import Bureau, Department

M = TypeVar("M", bound=Model)


def governing_plan_year(plan_years: Iterable[int], year: int) -> int | None:
    """The plan year, among an organization's `plan_years`, whose edition governs `year` (None: no edition)."""
    years = sorted(set(plan_years))
    if not years:
        return None
    earlier = [plan_year for plan_year in years if plan_year <= year]
    return earlier[-1] if earlier else years[0]


def organization_plan_year(organization_id: int, year: int) -> int | None:
    """The governing plan year of one organization for `year`; one query."""
    plan_years = Bureau.objects.filter(organization_id=organization_id).order_by().values_list("plan_year", flat=True).distinct()
    return governing_plan_year(plan_years, year)


@dataclass(frozen=True)
class GoverningEditions:
    """The editions that govern one year, read once (one query) and applied to any number of querysets."""

    year: int
    plan_years: dict[int, int]  # organization id → governing plan year
    single: bool  # every organization holds one edition: every row governs

    def condition(self, bureau: str = "bureau") -> Q | None:
        """A filter through the lookup `bureau` ("" on Bureau itself); None when every row governs."""
        if self.single:
            return None
        prefix = f"{bureau}__" if bureau else ""
        organizations_by_plan_year: dict[int, list[int]] = defaultdict(list)
        for organization_id, plan_year in self.plan_years.items():
            organizations_by_plan_year[plan_year].append(organization_id)
        return reduce(operator.or_, (
            Q(**{f"{prefix}plan_year": plan_year, f"{prefix}organization_id__in": sorted(organization_ids)})
            for plan_year, organization_ids in sorted(organizations_by_plan_year.items())
        ))

    def governs(self, organization_id: int, plan_year: int) -> bool:
        return self.single or self.plan_years.get(organization_id) == plan_year

    def filter(self, queryset: QuerySet[M], bureau: str = "bureau") -> QuerySet[M]:
        """`queryset` keeping only the governing editions' rows (unchanged, no join, when every row governs)."""
        condition = self.condition(bureau)
        return queryset if condition is None else queryset.filter(condition)


def governing_editions(year: int) -> GoverningEditions:
    """The editions governing `year` in every organization; one query."""
    return editions_of(year, Bureau.objects.order_by().values_list("organization_id", "plan_year").distinct())


def editions_of(year: int, editions: Iterable[tuple[int, int]]) -> GoverningEditions:
    """`governing_editions` from (organization id, plan year) pairs the caller already read."""
    by_organization: dict[int, set[int]] = defaultdict(set)
    for organization_id, plan_year in editions:
        by_organization[organization_id].add(plan_year)
    return GoverningEditions(
        year=year,
        plan_years={
            organization_id: governing_plan_year(plan_years, year)
            for organization_id, plan_years in by_organization.items()
        },
        single=all(len(plan_years) == 1 for plan_years in by_organization.values()),
    )


def governing_departments(year: int) -> QuerySet[Department]:
    """The departments of the editions that govern `year`: each department of each organization once."""
    return governing_editions(year).filter(Department.objects.all())


def governing_bureaus(year: int) -> QuerySet[Bureau]:
    """The bureaus of the editions that govern `year`."""
    return governing_editions(year).filter(Bureau.objects.all(), bureau="")
