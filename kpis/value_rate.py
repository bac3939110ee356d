"""The rate a value would get once counted, for the pages that show it before scoring (the entry page's live
preview, the review queue): one construction of the scoring input from an indicator, so both read the same
rate and working text as the score will."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from kpis.models import Actual, Indicator
from kpis.scoring import IndicatorInput, RateResult, Rules, Standing, achievement_rate, classify_actual


def baseline_of(before: Actual | None, rules: Rules) -> Decimal | None:
    """Last year's value as the score's baseline reads it: what counts under the policy (a submitted value too
    when it admits provisional ones), as `score_inputs_load` does."""
    if before is None:
        return None
    standing = classify_actual(before.status, before.value is not None, provisional=rules.provisional)
    return before.value if standing in (Standing.COUNTED, Standing.PROVISIONAL) else None


def value_rate(
    indicator: Indicator, *, value: Decimal | None, target: Decimal | None, before: Actual | None, rules: Rules,
    target_revised_at: datetime | None = None,
) -> RateResult:
    """The rate `value` would get under `rules`, with the indicator's own decimals in the working text (and the
    day the target in force was revised, `Target.revised_at`, as the score names it)."""
    return achievement_rate(
        IndicatorInput(
            indicator_id=indicator.pk, name=indicator.short_name, weight=indicator.weight,
            direction=indicator.direction, target=target, actual=value, reported=value is not None,
            baseline=baseline_of(before, rules), band_tolerance=indicator.band_tolerance,
            display_places=indicator.display_places,
            target_revised_on=None if target_revised_at is None else timezone.localdate(target_revised_at),
        ),
        rules,
    )
