"""Stored values that lie outside an indicator's value domain, for the warning shown when a planner narrows it.

A narrowed domain applies to values saved from then on; what is already stored stays as it is, and the
admin and the plan workbook preview say which stored targets, actuals and formula inputs it leaves outside.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from core.numbers import format_number
from kpis.domain import ValueDomain, ValueRefused, value_check
from kpis.models import Actual, Target

LISTED = 5  # values named in a warning; the rest are counted


@dataclass(frozen=True)
class OutsideValue:
    indicator_id: int
    what: str  # '목표(2023)', '실적(2024)', '실적(2024) 개최횟수'
    value: Decimal


def values_outside_domains(domains: Mapping[int, tuple[ValueDomain, ValueDomain]]) -> dict[int, list[OutsideValue]]:
    """indicator id → its stored targets, actuals and actual inputs outside (value domain, input domain).

    Two queries, whatever the number of indicators.
    """
    found: dict[int, list[OutsideValue]] = {}
    if not domains:
        return found

    def check(indicator_id: int, what: str, value: Decimal, domain: ValueDomain) -> None:
        try:
            value_check(value, domain)
        except ValueRefused:
            found.setdefault(indicator_id, []).append(OutsideValue(indicator_id, what, value))

    ids = list(domains)
    targets = Target.objects.filter(indicator_id__in=ids, value__isnull=False).order_by("indicator_id", "year")
    for indicator_id, year, value in targets.values_list("indicator_id", "year", "value"):
        check(indicator_id, f"목표({year})", value, domains[indicator_id][0])
    actuals = Actual.objects.filter(indicator_id__in=ids).order_by("indicator_id", "year")
    for indicator_id, year, value, inputs in actuals.values_list("indicator_id", "year", "value", "inputs"):
        if value is not None:
            check(indicator_id, f"실적({year})", value, domains[indicator_id][0])
        for name, text in sorted((inputs or {}).items()):
            try:
                number = Decimal(str(text))
            except InvalidOperation:
                continue
            check(indicator_id, f"실적({year}) {name}", number, domains[indicator_id][1])
    return found


def outside_warning(values: list[OutsideValue]) -> str:
    """'저장된 값 2건이 새 범위를 벗어납니다 (바꾸지 않습니다): 목표(2023) 120, 실적(2024) 130'."""
    listed = ", ".join(f"{item.what} {format_number(item.value)}" for item in values[:LISTED])
    more = f" 외 {len(values) - LISTED}건" if len(values) > LISTED else ""
    return f"저장된 값 {len(values)}건이 새 범위를 벗어납니다 (바꾸지 않습니다): {listed}{more}"
