"""Whether an indicator fell short in the reported year, by the scoring's own rule (kpis.value_rate): the
미달성 사유 is required exactly when the rate the actual gets is evaluated and below 100 % before the cap
(for a less-is-better indicator: above its target)."""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from kpis.models import Actual, Indicator, ScoringPolicy, Target
from kpis.scoring import RateResult, RateStatus, Rules
from kpis.services.policy_rules import policy_rules
from kpis.value_rate import value_rate

FULL = Decimal(100)


def falls_short(rate: RateResult) -> bool:
    return rate.status == RateStatus.EVALUATED and rate.raw_rate is not None and rate.raw_rate < FULL


def shortfall_text(rate: RateResult) -> str:
    """Why the reason is asked for, in the words of the rate's working text."""
    return f"달성률이 100% 미만입니다 ({rate.working})."


def year_rates(indicators: Sequence[Indicator], year: int) -> dict[int, RateResult]:
    """The rate each indicator's actual of `year` gets (whatever its review status), four queries for any number:
    targets, actuals of the year and the year before, the year's policy."""
    ids = [indicator.pk for indicator in indicators]
    targets = {t.indicator_id: t for t in Target.objects.filter(indicator_id__in=ids, year=year)}
    actuals = {
        (a.indicator_id, a.year): a
        for a in Actual.objects.filter(indicator_id__in=ids, year__in=(year, year - 1)).only(
            "indicator_id", "year", "status", "value"
        )
    }
    policy = ScoringPolicy.objects.filter(year=year).order_by("-version").first()
    rules = policy_rules(policy) if policy else Rules()
    rates = {}
    for indicator in indicators:
        target = targets.get(indicator.pk)
        actual = actuals.get((indicator.pk, year))
        rates[indicator.pk] = value_rate(
            indicator, value=actual.value if actual and actual.is_reported else None, target=target.value if target else None,
            before=actuals.get((indicator.pk, year - 1)), rules=rules,
            target_revised_at=target.revised_at if target else None,
        )
    return rates
