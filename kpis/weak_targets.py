"""Weak targets (느슨한 목표): pure checks on one indicator's target and actual series.

Two rules, for indicators where more is better (``up``); mirrored for ``down``; a ``range``
(유지) indicator aims at a steady value by design and is never flagged.

- ``at_or_below_prior_actual``: the target of year y is at or below the reported actual of
  year y − 1 (for ``down``: at or above it). Already achieved before the year started.
- ``flat_while_rising``: every target of the series is the same while the reported actuals rise
  (at least two of them, never falling, the last above the first; for ``down``: falling).

A target of 0 or None is a year in which the indicator was not in force and is skipped; an
actual of None is not reported and is skipped. Pass only the actuals that count, as
kpis.scoring.classify_actual says (a draft or a returned value is no actual to compare with).
"""
from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from core.korean import with_josa
from core.numbers import format_figure

BELOW_PRIOR = "at_or_below_prior_actual"
FLAT_RISING = "flat_while_rising"


@dataclass(frozen=True)
class WeakTarget:
    rule: str
    year: int | None
    message: str


def find_weak_targets(
    targets: Mapping[int, Decimal | None], actuals: Mapping[int, Decimal | None], direction: str = "up",
    places: int | None = None,
) -> tuple[WeakTarget, ...]:
    """Flags for one indicator, ordered by year; empty when the targets look demanding enough. `places`: the
    indicator's decimals for the figures its messages quote (Indicator.display_places)."""
    if direction not in ("up", "down"):
        return ()

    def _fmt(value: Decimal) -> str:
        return format_figure(value, places)

    up = direction == "up"
    flags: list[WeakTarget] = []
    for year in sorted(targets):
        target = targets[year]
        prior = actuals.get(year - 1)
        if not target or prior is None:  # not in force (None or 0), or nothing reported the year before
            continue
        if (target <= prior) if up else (target >= prior):
            relation = "이하" if up else "이상"
            flags.append(
                WeakTarget(
                    BELOW_PRIOR, year,
                    f"{year}년 목표 {with_josa(_fmt(target), '이/가')} {year - 1}년 실적 {_fmt(prior)} {relation}입니다",
                )
            )
    values = [value for value in targets.values() if value is not None]
    if len(values) < 2 or not all(values) or len(set(values)) != 1:
        return tuple(flags)  # not flat over every year in force
    series = sorted((year, value) for year, value in actuals.items() if value is not None)
    if len(series) < 2:
        return tuple(flags)
    reported = [value for _, value in series]
    steps = list(itertools.pairwise(reported))
    if up:
        moving = all(b >= a for a, b in steps) and reported[-1] > reported[0]
    else:
        moving = all(b <= a for a, b in steps) and reported[-1] < reported[0]
    if moving:
        (first_year, first), (last_year, last) = series[0], series[-1]
        verb = "올랐" if up else "내려갔"
        flags.append(
            WeakTarget(
                FLAT_RISING, None,
                f"목표가 {len(values)}년 내내 {with_josa(_fmt(values[0]), '으로/로')} 같은데 실적은 "
                f"{first_year}년 {_fmt(first)}에서 {last_year}년 {with_josa(_fmt(last), '으로/로')} {verb}습니다",
            )
        )
    return tuple(flags)
