"""Target revisions as the pages and the API show them: year, old → new, who, when, from where, why."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from core.numbers import format_figure
from kpis.models import ChangeSource, TargetRevision


@dataclass(frozen=True)
class RevisionLine:
    indicator_id: int
    indicator_name: str
    year: int
    old_value: Decimal
    new_value: Decimal | None
    changed_by: str
    changed_at: datetime
    source: str
    source_label: str
    reason: str
    import_run_id: int | None
    display_places: int | None = None  # the indicator's decimals: `{{ line.old_value|figure:line }}`

    def figure(self, value: Decimal | None) -> str:
        """A figure of this indicator as it shows everywhere (Indicator.figure)."""
        return format_figure(value, self.display_places)


SOURCE_LABELS = dict(ChangeSource.choices)


def revisions_by_indicator(indicator_ids: Iterable[int]) -> dict[int, list[RevisionLine]]:
    """Every revision of the given indicators' targets, oldest first per indicator; one query."""
    rows = (
        TargetRevision.objects.filter(indicator_id__in=list(indicator_ids))
        .order_by("indicator_id", "year", "changed_at", "id")
        .values_list(
            "indicator_id", "indicator__short_name", "indicator__display_places", "year", "old_value", "new_value",
            "changed_by__username", "changed_at", "source", "reason", "import_run_id",
        )
    )
    result: dict[int, list[RevisionLine]] = defaultdict(list)
    for (indicator_id, name, places, year, old, new, user, at, source, reason, run_id) in rows:
        result[indicator_id].append(RevisionLine(
            indicator_id=indicator_id, indicator_name=name, year=year, old_value=old, new_value=new,
            changed_by=user or "-", changed_at=at, source=source, source_label=SOURCE_LABELS.get(source, source),
            reason=reason, import_run_id=run_id, display_places=places,
        ))
    return dict(result)
