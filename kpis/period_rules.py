"""How an indicator's year value follows from its period values (quarters or halves): one rule per indicator.

Pure, Decimal only. An indicator's rule is the planner's choice, or by default from its unit: a rate
(%, %p) is reported as a running cumulative figure, so the year takes the last period's value; any
other unit (counts, amounts) is a per-period figure, so the year takes the sum. `year_value` is the
one place the rule is applied; `year_formula` writes the same rule as a live Excel formula.
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import models

RATE_UNITS = frozenset({"%", "%p"})


class PeriodRule(models.TextChoices):
    SUM = "sum", "합계(누계형)"
    LAST = "last", "마지막 누적값(누적형)"
    AVERAGE = "average", "평균"


class PeriodFrequency(models.TextChoices):
    QUARTER = "quarter", "분기"
    HALF = "half", "반기"


PERIOD_COUNTS = {PeriodFrequency.QUARTER: 4, PeriodFrequency.HALF: 2}
HALF_LABELS = ("상반기", "하반기")


def period_rule_for(rule: str, unit: str) -> PeriodRule:
    """The rule in force: the one set on the indicator, else the default for its unit."""
    if rule:
        return PeriodRule(rule)
    return PeriodRule.LAST if (unit or "").strip() in RATE_UNITS else PeriodRule.SUM


def frequency_label(count: int) -> str:
    """What a period of a year in `count` periods is called: 분기 (4) or 반기 (2)."""
    return "반기" if count == 2 else "분기"


def period_label(period: int, count: int) -> str:
    """`1분기` … `4분기`, `상반기`/`하반기`; period 0 is the year."""
    if period == 0:
        return "연간"
    if count == 2:
        return HALF_LABELS[period - 1]
    return f"{period}분기"


def year_value(rule: PeriodRule, values: Sequence[Decimal | None]) -> Decimal | None:
    """The year value from the period values in period order (None: not reported); None when none is.

    sum: the reported values added; last: the latest reported value; average: the mean of the reported ones
    (unrounded: the caller rounds to the indicator's domain).
    """
    reported = [value for value in values if value is not None]
    if not reported:
        return None
    if rule == PeriodRule.LAST:
        return reported[-1]
    total = sum(reported, Decimal(0))
    if rule == PeriodRule.AVERAGE:
        return total / len(reported)
    return total


def year_formula(rule: PeriodRule, cells: Sequence[str], *, places: int) -> str:
    """`year_value` as an Excel formula over the periods' cells in order (`M6`, `P6`, ...): empty while none
    holds a number (a period's cell holds "" until it is complete)."""
    joined = ",".join(cells)
    if rule == PeriodRule.LAST:
        formula = '""'
        for cell in cells:
            formula = f"IF(ISNUMBER({cell}),{cell},{formula})"
        return f"={formula}"
    body = f"ROUND(AVERAGE({joined}),{places})" if rule == PeriodRule.AVERAGE else f"SUM({joined})"
    return f'=IF(COUNT({joined})=0,"",{body})'
