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
from functools import reduce

from django.db.models import Q, QuerySet

from kpis.models import Bureau, Department


def governing_plan_year(plan_years: Iterable[int], year: int) -> int | None:
    """The plan year, among an organization's `plan_years`, whose edition governs `year` (None: no edition)."""
    years = sorted(set(plan_years))
    if not years:
        return None
    earlier = [plan_year for plan_year in years if plan_year <= year]
    return earlier[-1] if earlier else years[0]


def organization_plan_year(organization_id: int, year: int) -> int | None:
    """The governing plan year of one organization for `year`; one query."""
    plan_years = Bureau.objects.filter(organization_id=organization_id).values_list("plan_year", flat=True).distinct()
    return governing_plan_year(plan_years, year)


def _plan_years_by_organization() -> dict[int, set[int]]:
    by_organization: dict[int, set[int]] = defaultdict(set)
    for organization_id, plan_year in Bureau.objects.values_list("organization_id", "plan_year").distinct():
        by_organization[organization_id].add(plan_year)
    return by_organization


def governing_plan_years(year: int) -> dict[int, int]:
    """Every organization's governing plan year for `year`, by organization id; one query."""
    return {
        organization_id: governing_plan_year(plan_years, year)  # type: ignore[misc]  # never empty here
        for organization_id, plan_years in _plan_years_by_organization().items()
    }


def governing_filter(year: int, *, bureau: str = "bureau") -> Q | None:
    """A filter keeping the rows of the governing editions for `year`, reached through the lookup `bureau`
    ("" on Bureau itself).

    None when every organization holds a single edition: then every row governs, and the caller's query
    stays as it was (no join added). One query.
    """
    by_organization = _plan_years_by_organization()
    if all(len(plan_years) == 1 for plan_years in by_organization.values()):
        return None
    prefix = f"{bureau}__" if bureau else ""
    organizations_by_plan_year: dict[int, list[int]] = defaultdict(list)
    for organization_id, plan_years in by_organization.items():
        organizations_by_plan_year[governing_plan_year(plan_years, year)].append(organization_id)  # type: ignore[index]
    return reduce(operator.or_, (
        Q(**{f"{prefix}plan_year": plan_year, f"{prefix}organization_id__in": sorted(organization_ids)})
        for plan_year, organization_ids in sorted(organizations_by_plan_year.items())
    ))


def governing_departments(year: int) -> QuerySet[Department]:
    """The departments of the editions that govern `year`: each department of each organization once."""
    condition = governing_filter(year)
    departments = Department.objects.all()
    return departments if condition is None else departments.filter(condition)


def governing_bureaus(year: int) -> QuerySet[Bureau]:
    """The bureaus of the editions that govern `year`."""
    condition = governing_filter(year, bureau="")
    bureaus = Bureau.objects.all()
    return bureaus if condition is None else bureaus.filter(condition)
