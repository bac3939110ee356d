"""The achievement rate of one indicator in one year, and the rules a year's policy sets for it."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from fractions import Fraction

from core.numbers import NEGATIVE, format_figure, format_number
from kpis.scoring.numbers import CENT, DIV, HUNDRED, WIDE, div, round_half_up

TARGET_MISSING = "목표가 0이거나 없어 평가할 수 없습니다 (지표 미시행 연도)"
NOT_REPORTED = "실적이 보고되지 않았습니다"
RATE_LIMIT = Decimal("1E10")


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    RANGE = "range"


_DIRECTIONS = {direction.value: direction for direction in Direction}


@dataclass(frozen=True)
class _Bounds:
    """What every rate needs from its rules (bounds and their texts), worked out once per Rules value."""

    target_over_actual: bool
    capped: Decimal | None
    floored: Decimal | None
    cap_text: str
    floor_text: str
    open_text: str
    bands: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True)
class Rules:
    cap: Decimal | None = Decimal(120)
    floor: Decimal | None = Decimal(0)
    lower_is_better: str = "target_over_actual"
    range_tolerance: Decimal = Decimal(5)
    unreported: str = "exclude"
    grade_bands: tuple[tuple[str, Decimal], ...] = (
        ("S", Decimal(100)),
        ("A", Decimal(90)),
        ("B", Decimal(80)),
        ("C", Decimal(70)),
    )
    # Submitted (제출) values count as provisional (잠정); see kpis.scoring.counting.
    provisional: bool = False
    bounds: _Bounds = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "bounds", _bounds(self))


@dataclass(frozen=True)
class IndicatorInput:
    indicator_id: int
    name: str
    weight: Decimal
    direction: Direction | str
    target: Decimal | None
    actual: Decimal | None
    reported: bool
    baseline: Decimal | None = None
    band_tolerance: Decimal | None = None
    # The actual (or the baseline) is a submitted value counted as provisional (잠정).
    provisional: bool = False
    baseline_provisional: bool = False
    # The indicator's own decimals for its figures in the working text (Indicator.display_places).
    display_places: int | None = None
    # The day the target in force was last revised (kpis.models.TargetRevision), named in the working text.
    target_revised_on: date | None = None


class RateStatus(StrEnum):
    EVALUATED = "evaluated"
    UNREPORTED = "unreported"
    NOT_EVALUABLE = "not_evaluable"


@dataclass(frozen=True)
class RateResult:
    indicator_id: int
    status: RateStatus
    rate: Decimal | None
    raw_rate: Decimal | None
    reason: str
    working: str
    # An evaluated rate that rests on a provisional actual or baseline.
    provisional: bool = False


def achievement_rate(item: IndicatorInput, rules: Rules) -> RateResult:
    check_rules(rules)
    return rate_of(item, rules)


def check_rules(rules: Rules) -> None:
    if rules.lower_is_better not in ("target_over_actual", "baseline"):
        raise ValueError(f"unknown lower_is_better rule: {rules.lower_is_better!r}")
    if rules.unreported not in ("exclude", "zero"):
        raise ValueError(f"unknown unreported rule: {rules.unreported!r}")


def rate_of(item: IndicatorInput, rules: Rules) -> RateResult:
    """``achievement_rate`` of rules already checked."""
    target, actual, baseline, band = item.target, item.actual, item.baseline, item.band_tolerance
    if not (
        (target is None or target.is_finite())
        and (actual is None or actual.is_finite())
        and (baseline is None or baseline.is_finite())
        and (band is None or band.is_finite())
    ):
        return _not_evaluable(item, "목표·실적·기준값 중 숫자가 아닌 값이 있습니다")
    if target is None or target == 0:
        return _not_evaluable(item, TARGET_MISSING)
    try:
        direction = _DIRECTIONS.get(item.direction)
    except TypeError:  # unhashable: not a direction either
        direction = None
    if direction is None:
        return _not_evaluable(item, f"알 수 없는 지표 방향입니다: {item.direction}")
    if not item.reported or actual is None:
        working = f"{_target_text(item)}, 실적 미보고"
        return RateResult(item.indicator_id, RateStatus.UNREPORTED, None, None, NOT_REPORTED, working)

    bounds = rules.bounds
    provisional = item.provisional
    if direction is Direction.UP:
        raw, shown = DIV.divide(actual * HUNDRED, target), None
    elif direction is Direction.DOWN and bounds.target_over_actual:
        if actual == 0:
            return _not_evaluable(item, "실적이 0이어서 목표/실적 방식으로 평가할 수 없습니다")
        raw, shown = DIV.divide(target * HUNDRED, actual), None
    elif direction is Direction.DOWN:
        if baseline is None:
            return _not_evaluable(item, "기준값(전년도 실적)이 없어 평가할 수 없습니다")
        if baseline <= target:
            return _not_evaluable(item, "기준값이 목표보다 크지 않아 개선 폭으로 평가할 수 없습니다")
        raw = div(WIDE.multiply(WIDE.subtract(baseline, actual), HUNDRED), WIDE.subtract(baseline, target))
        places = item.display_places
        b = format_figure(baseline, places)
        shown = (
            f"(기준 {b} − 실적 {format_figure(actual, places)}) / (기준 {b} − {_target_text(item)}) × 100"
        )
        provisional = provisional or item.baseline_provisional
    else:
        raw, shown = _range_rate(item, rules)

    raw_rate = raw.quantize(CENT, ROUND_HALF_UP, WIDE) if raw.__class__ is Decimal else round_half_up(raw)
    if abs(raw_rate) >= RATE_LIMIT:
        return _not_evaluable(item, f"달성률이 너무 커서 평가할 수 없습니다 ({_pct(raw_rate)})")
    if rules.cap is not None and raw_rate > rules.cap:
        rate, bound = bounds.capped, bounds.cap_text
    elif rules.floor is not None and raw_rate < rules.floor:
        rate, bound = bounds.floored, bounds.floor_text
    else:
        rate, bound = raw_rate, bounds.open_text
    if shown is not None:
        working = f"{shown} = {_pct(raw_rate)}, {bound}"
    elif direction is Direction.UP:
        working = (
            f"실적 {format_figure(actual, item.display_places)} / {_target_text(item)}"
            f" × 100 = {_pct(raw_rate)}, {bound}"
        )
    else:
        working = (
            f"{_target_text(item)} / 실적 {format_figure(actual, item.display_places)}"
            f" × 100 = {_pct(raw_rate)}, {bound}"
        )
    return RateResult(item.indicator_id, RateStatus.EVALUATED, rate, raw_rate, "", working, provisional)


def _not_evaluable(item: IndicatorInput, reason: str) -> RateResult:
    actual = "미보고" if not item.reported or item.actual is None else _figure(item.actual, item.display_places)
    return RateResult(item.indicator_id, RateStatus.NOT_EVALUABLE, None, None, reason, f"{_target_text(item)}, 실적 {actual}")


def _target_text(item: IndicatorInput) -> str:
    """'목표 12', or '목표 12(2026-03-02 변경)' when the target in force was revised."""
    text = f"목표 {_figure(item.target, item.display_places)}"
    return text if item.target_revised_on is None else f"{text}({item.target_revised_on.isoformat()} 변경)"


def _pct(rate: Decimal) -> str:
    """A rate (already to two decimals) in a working text as pages print rates (the pct filter): 1,234.50% ·
    △30.00%."""
    return f"{NEGATIVE}{-rate:,f}%" if rate < 0 else f"{rate:,f}%"


def _figure(value: Decimal | None, places: int | None) -> str:
    """format_figure, and a non-finite value (NaN, Infinity) written as it is, to say why it is refused."""
    return format_figure(value, places) if value is None or value.is_finite() else str(value)


def _range_rate(item: IndicatorInput, rules: Rules) -> tuple[Fraction, str]:
    target, actual = item.target, item.actual
    tolerance = max(item.band_tolerance if item.band_tolerance is not None else rules.range_tolerance, Decimal(0))
    with localcontext(WIDE):
        band = abs(target) * tolerance / 100
        distance = abs(actual - target)
        low, high = target - band, target + band
    places = item.display_places
    band_text = (
        f"{_target_text(item)} ± {format_number(tolerance)}% 범위"
        f"({format_figure(low, places)} ~ {format_figure(high, places)})"
    )
    if distance <= band:
        return Fraction(100), f"실적 {format_figure(actual, places)}: {band_text} 안이므로 달성률"
    with localcontext(WIDE):
        beyond = distance - band
    shown = (
        f"실적 {format_figure(actual, places)}: {band_text}에서 {format_figure(beyond, places)} 벗어남, "
        f"100 − {format_figure(beyond, places)} / {format_figure(abs(target), places)} × 100"
    )
    return 100 - Fraction(beyond) * 100 / abs(Fraction(target)), shown


def _bounds(rules: Rules) -> _Bounds:
    cap, floor = rules.cap, rules.floor
    capped = None if cap is None else round_half_up(cap)
    floored = None if floor is None else round_half_up(floor)
    return _Bounds(
        target_over_actual=rules.lower_is_better == "target_over_actual",
        capped=capped,
        floored=floored,
        cap_text="" if cap is None else f"상한 {format_number(cap)}% 적용 → {_pct(capped)}",
        floor_text="" if floor is None else f"하한 {format_number(floor)}% 적용 → {_pct(floored)}",
        open_text="상한 없음" if cap is None else f"상한 {format_number(cap)}% 미적용",
        bands=tuple(sorted(rules.grade_bands, key=lambda band: band[1], reverse=True)),
    )
