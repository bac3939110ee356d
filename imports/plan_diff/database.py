"""An edition snapshot from the database: the bureaus' indicators, targets and counted actuals."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Prefetch

from kpis.models import Actual, Bureau, Indicator
from kpis.scoring.counting import Standing, classify_actual

from .snapshot import EditionSnapshot, IndicatorSnapshot


def snapshot_from_database(bureau_ids: Sequence[int]) -> EditionSnapshot:
    """Three queries whatever the size: bureaus, indicators with their departments, targets, actuals.

    The last reported actual is the latest one an evaluation counts (approved), as kpis.scoring says.
    """
    bureaus = list(Bureau.objects.filter(id__in=bureau_ids).order_by("name"))
    indicators = (
        Indicator.objects.filter(department__bureau_id__in=bureau_ids)
        .select_related("department")
        .prefetch_related("targets", Prefetch("actuals", queryset=Actual.objects.filter(value__isnull=False)))
        .order_by("department__bureau__name", "department__order", "order", "id")
    )
    snapshots = []
    for indicator in indicators:
        counted = [
            (actual.year, actual.value)
            for actual in indicator.actuals.all()
            if classify_actual(actual.status, True, provisional=False) == Standing.COUNTED
        ]
        snapshots.append(
            IndicatorSnapshot(
                department=indicator.department.name,
                name=indicator.name,
                short_name=indicator.short_name,
                unit=indicator.unit,
                weight=indicator.weight,
                method_text=indicator.method_text,
                formula=indicator.formula,
                direction=indicator.direction,
                targets=tuple(sorted((target.year, target.value) for target in indicator.targets.all())),
                last_actual=max(counted) if counted else None,
                places=indicator.display_places,
            )
        )
    plan_year = max((bureau.plan_year for bureau in bureaus), default=0)
    names = ", ".join(bureau.name for bureau in bureaus)
    return EditionSnapshot(title=f"{names} {plan_year}년", plan_year=plan_year, indicators=tuple(snapshots))
