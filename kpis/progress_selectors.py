"""Progress of the indicators a user sees in a year reported by period: loaded once, judged by kpis.progress.

Which period values count: those handed in, submitted (제출) or approved (승인), as kpis.scoring.classify_actual
reads a policy that admits submitted values. A draft is still the department's and a returned value is
being corrected: neither moves progress (nor does a period not entered). A year reported by year only
(no PeriodSetting for the organization) has no progress during the year: its indicators are left out.

Which indicators: those in force in the year (a year target present and not 0) in the plan edition that governs
the year (kpis.editions): an indicator carried into the next year's plan is judged once.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from accounts.models import User
from kpis.editions import governing_editions
from kpis.models import PeriodSetting, PeriodTarget, Target
from kpis.period_rules import period_label
from kpis.periods import period_values
from kpis.progress import (
    ProgressInput,
    ProgressResult,
    ProgressStatus,
    elapsed_periods,
    progress,
    thresholds_text,
)
from kpis.scope import scoped
from kpis.scoring import classify_actual

# Status filter values of the early-warning page: every status, the warnings, or those not judged.
WARNINGS = (ProgressStatus.AT_RISK, ProgressStatus.BEHIND)
UNKNOWN = "unknown"
# What the pages say about how progress is judged (the counted values below, the thresholds of kpis.progress).
PROGRESS_NOTE = f"분기·반기 실적(제출·승인된 값)을 경과 기간만큼 나눈 목표와 견줍니다. {thresholds_text()}입니다."


@dataclass(frozen=True)
class ProgressRow:
    indicator_id: int
    name: str
    unit: str
    display_places: int | None
    department_id: int
    department_name: str
    bureau_id: int
    bureau_name: str
    organization_id: int
    rule_label: str
    target: Decimal
    periods: tuple[tuple[str, Decimal | None], ...]  # (label, counted value) per period
    result: ProgressResult

    @property
    def status_key(self) -> str:
        return UNKNOWN if self.result.status is None else self.result.status.value

    @property
    def is_warning(self) -> bool:
        return self.result.status in WARNINGS


@dataclass(frozen=True)
class StatusCounts:
    """How many indicators of a bureau (or of all shown) stand in each status."""

    name: str
    on_track: int
    at_risk: int
    behind: int
    unknown: int

    @property
    def total(self) -> int:
        return self.on_track + self.at_risk + self.behind + self.unknown


def progress_rows(
    *, user: User, year: int, organization_id: int | None = None, bureau_id: int | None = None,
    department_id: int | None = None,
) -> list[ProgressRow]:
    """The progress of the indicators in force in `year` of the organizations `user` sees (kpis.scope, as the
    scoreboard and drill-downs read them), narrowed by the arguments given; in plan order. Five queries:
    period settings, editions, targets, period values, per-period targets (one when no organization reports the
    year by period)."""
    targets = scoped(_in_force(year), user, "indicator__department__bureau__organization_id")
    if organization_id is not None:
        targets = targets.filter(indicator__department__bureau__organization_id=organization_id)
    if bureau_id is not None:
        targets = targets.filter(indicator__department__bureau_id=bureau_id)
    if department_id is not None:
        targets = targets.filter(indicator__department_id=department_id)
    return _rows(targets, year)


def progress_rows_for(
    *, year: int, department_ids: Iterable[int] | None = None, organization_ids: Iterable[int] | None = None,
) -> list[ProgressRow]:
    """`progress_rows` for callers that chose the departments or organizations already: messages to a department's
    own users (reminders, the weekly summary) and the scoreboard's cached parts (organization ids read from
    kpis.scope). Of these departments, of these organizations, or (both None) of every organization."""
    targets = _in_force(year)
    if department_ids is not None:
        targets = targets.filter(indicator__department_id__in=list(department_ids))
    if organization_ids is not None:
        targets = targets.filter(indicator__department__bureau__organization_id__in=list(organization_ids))
    return _rows(targets, year)


def _in_force(year: int) -> QuerySet[Target]:
    return (
        Target.objects.filter(year=year, value__isnull=False).exclude(value=0)
        .select_related("indicator__department__bureau")
    )


def _rows(targets: QuerySet[Target], year: int) -> list[ProgressRow]:
    # The organizations reporting the year by period first: a year reported by year only costs one small query.
    counts = {setting.organization_id: setting.count for setting in PeriodSetting.objects.filter(year=year)}
    if not counts:
        return []
    # Of the plan editions that govern the year (kpis.editions): an indicator carried into the next plan counts once.
    targets = governing_editions(year).filter(targets, bureau="indicator__department__bureau")
    targets = list(
        targets.filter(indicator__department__bureau__organization_id__in=list(counts)).order_by(
            "indicator__department__bureau__name", "indicator__department__order", "indicator__department__name",
            "indicator__order", "indicator_id",
        )
    )
    if not targets:
        return []
    ids = [t.indicator_id for t in targets]
    values = period_values(indicator_ids=ids, year=year)
    own_targets: dict[int, dict[int, Decimal | None]] = {}
    for indicator_id, period, value in PeriodTarget.objects.filter(indicator_id__in=ids, year=year).values_list(
        "indicator_id", "period", "value"
    ):
        own_targets.setdefault(indicator_id, {})[period] = value
    return [_row(t, counts[t.indicator.department.bureau.organization_id], values, own_targets) for t in targets]


def _row(
    target: Target, count: int, values: dict, own_targets: dict[int, dict[int, Decimal | None]]
) -> ProgressRow:
    indicator = target.indicator
    rows = values.get(indicator.pk, {})
    counted = tuple(_counted(rows.get(period)) for period in range(1, count + 1))
    own = own_targets.get(indicator.pk)
    rule = indicator.year_rule
    result = progress(
        ProgressInput(
            indicator_id=indicator.pk, direction=indicator.direction, aggregation=rule, period_count=count,
            values=counted, target=target.value, elapsed=elapsed_periods(counted),
            period_targets=tuple(own.get(p) for p in range(1, count + 1)) if own else None,
            band_tolerance=indicator.band_tolerance, display_places=indicator.display_places,
        )
    )
    department = indicator.department
    return ProgressRow(
        indicator_id=indicator.pk, name=indicator.short_name or indicator.name, unit=indicator.unit,
        display_places=indicator.display_places, department_id=department.pk, department_name=department.name,
        bureau_id=department.bureau_id, bureau_name=department.bureau.name,
        organization_id=department.bureau.organization_id, rule_label=rule.label, target=target.value,
        periods=tuple((period_label(p, count), counted[p - 1]) for p in range(1, count + 1)), result=result,
    )


def _counted(actual) -> Decimal | None:
    if actual is None:
        return None
    standing = classify_actual(actual.status, actual.value is not None, provisional=True)
    return actual.value if standing.in_score else None


def bureau_status_counts(*, year: int, organization_ids: Iterable[int] | None) -> list[StatusCounts]:
    """Status counts by bureau of these organizations (None: every one): the scoreboard's summary."""
    return status_counts(progress_rows_for(year=year, organization_ids=organization_ids))


def rows_with_status(rows: list[ProgressRow], status: str) -> list[ProgressRow]:
    """`rows` of one status key ('on_track', 'at_risk', 'behind', 'unknown'), 'warning' (주의·부진), or all ('')."""
    if not status:
        return rows
    if status == "warning":
        return [row for row in rows if row.is_warning]
    return [row for row in rows if row.status_key == status]


def status_counts(rows: Iterable[ProgressRow], *, by: str = "bureau") -> list[StatusCounts]:
    """Status counts per bureau (`by="bureau"`) or per department (`by="department"`), in the rows' order."""
    tallies: dict[str, Counter] = {}
    for row in rows:
        name = row.bureau_name if by == "bureau" else row.department_name
        tallies.setdefault(name, Counter())[row.status_key] += 1
    return [
        StatusCounts(name, tally["on_track"], tally["at_risk"], tally["behind"], tally[UNKNOWN])
        for name, tally in tallies.items()
    ]
