"""Reading periods: which years of an organization are reported by period, and the period values.

A year with a `PeriodSetting` (quarters or halves) for the indicator's organization is periodic: its
actuals are entered per period (`Actual.period` 1..count) and the year row (period 0) is derived from
them by the indicator's rule (`Indicator.year_rule`, applied by `kpis.period_rules.year_value`).
"""
from __future__ import annotations

from collections.abc import Iterable

from kpis.models import Actual, Department, Indicator, PeriodSetting
from kpis.period_rules import period_label


def period_count(*, organization_id: int, year: int) -> int:
    """How many periods the organization reports `year` in (4 quarters, 2 halves); 0 when by year only."""
    setting = PeriodSetting.objects.filter(organization_id=organization_id, year=year).first()
    return setting.count if setting else 0


def period_counts(*, organization_ids: Iterable[int], year: int) -> dict[int, int]:
    """`period_count` of several organizations in one query; an organization by year only is absent."""
    return {
        setting.organization_id: setting.count
        for setting in PeriodSetting.objects.filter(organization_id__in=set(organization_ids), year=year)
    }


def indicator_period_counts(*, indicator_ids: Iterable[int], year: int) -> dict[int, int]:
    """Each indicator's period count in `year` (0: by year only), in two queries."""
    organization_of = dict(
        Indicator.objects.filter(pk__in=set(indicator_ids)).values_list("pk", "department__bureau__organization_id")
    )
    counts = period_counts(organization_ids=organization_of.values(), year=year)
    return {pk: counts.get(organization_id, 0) for pk, organization_id in organization_of.items()}


def period_labels(count: int) -> list[str]:
    """The period names of a year reported in `count` periods, in order."""
    return [period_label(period, count) for period in range(1, count + 1)]


def period_values(*, indicator_ids: Iterable[int], year: int) -> dict[int, dict[int, Actual]]:
    """The period rows (not the year row) of these indicators in `year`: indicator → period → Actual.

    An indicator with no period row is absent; a period not entered is absent from its mapping. `Actual.value`
    is None for a period not reported; `status` tells draft, submitted, approved and returned apart.
    """
    result: dict[int, dict[int, Actual]] = {}
    rows = Actual.all_periods.filter(indicator_id__in=set(indicator_ids), year=year, period__gt=0).order_by("period")
    for actual in rows:
        result.setdefault(actual.indicator_id, {})[actual.period] = actual
    return result


def department_period_counts(*, department_ids: Iterable[int], year: int) -> dict[int, int]:
    """Each department's period count in `year` (0: by year only), in two queries."""
    organization_of = dict(
        Department.objects.filter(pk__in=set(department_ids)).values_list("pk", "bureau__organization_id")
    )
    counts = period_counts(organization_ids=organization_of.values(), year=year)
    return {pk: counts.get(organization_id, 0) for pk, organization_id in organization_of.items()}
