"""An edition snapshot from the database: the bureaus' indicators, targets and counted actuals."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Prefetch

from kpis.models import Actual, Bureau, Indicator
from kpis.scoring.counting import official_value

from .snapshot import EditionSnapshot, IndicatorSnapshot


def snapshot_from_database(bureau_ids: Sequence[int]) -> EditionSnapshot:
    """Three queries whatever the size: bureaus, indicators with their departments, targets, actuals.

    Each indicator carries its link to last edition's (Indicator.previous), so that a diff of two stored editions
    knows their renames without a mapping file. The last reported actual is the latest one an evaluation counts (approved), as kpis.scoring says.
    """
    bureaus = list(Bureau.objects.filter(id__in=bureau_ids).order_by("name"))
    indicators = (
        Indicator.objects.filter(department__bureau_id__in=bureau_ids)
        .select_related("department", "previous__department")
        .prefetch_related("targets", Prefetch("actuals", queryset=Actual.objects.filter(value__isnull=False)))
        .order_by("department__bureau__name", "department__order", "order", "id")
    )
    snapshots = []
    for indicator in indicators:
        counted = [
            (actual.year, actual.value)
            for actual in indicator.actuals.all()
            if official_value(actual.status, actual.value) is not None
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
                previous=(
                    (indicator.previous.department.name, indicator.previous.name) if indicator.previous else None
                ),
            )
        )
    plan_year = max((bureau.plan_year for bureau in bureaus), default=0)
    names = ", ".join(bureau.name for bureau in bureaus)
    return EditionSnapshot(title=f"{names} {plan_year}년", plan_year=plan_year, indicators=tuple(snapshots))


def previous_edition(bureau: Bureau) -> Bureau | None:
    """The same bureau (organization and name) in the latest edition before `bureau`'s plan year, if any."""
    return (
        Bureau.objects.filter(
            organization_id=bureau.organization_id, name=bureau.name, plan_year__lt=bureau.plan_year
        )
        .order_by("-plan_year")
        .first()
    )


def earlier_edition(organization_id: int, bureau_name: str, plan_year: int) -> Bureau | None:
    """For a document of `plan_year` not yet imported: the bureau's latest earlier edition (None on a re-import)."""
    editions = Bureau.objects.filter(organization_id=organization_id, name=bureau_name.strip())
    if editions.filter(plan_year=plan_year).exists():
        return None
    return editions.filter(plan_year__lt=plan_year).order_by("-plan_year").first()
