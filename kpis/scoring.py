"""달성률과 가중 점수: pure achievement-rate and weighted-score rules.

All inputs and outputs are Decimal. Quotients are computed to 60 significant digits truncated
toward zero, then rounded once, at the documented step, ROUND_HALF_UP (ties away from zero).
Truncation never moves a value across a rounding tie, so the result equals rounding the exact
quotient; this keeps the arithmetic in C-speed Decimal (a full national year is 200,000 rates).

Achievement rate of one indicator (percent):

- Not evaluable (NOT_EVALUABLE) when the target is missing or 0: the indicator was not in force
  that year. This is checked first, so such an indicator never counts, whatever was reported.
- UNREPORTED when the actual is not reported (``reported`` false or ``actual`` None).
- UP: actual × 100 / target.
- DOWN, ``lower_is_better="target_over_actual"``: target × 100 / actual; an actual of 0 is not
  evaluable. ``"baseline"``: (baseline − actual) × 100 / (baseline − target); not evaluable when
  the baseline (previous year's actual) is missing, or not above the target (equal: no
  improvement to measure; below: the formula would reward getting worse).
- RANGE (유지): tolerance t = ``band_tolerance`` or ``rules.range_tolerance`` (negative → 0).
  Band half-width b = |target| × t / 100. If |actual − target| ≤ b the rate is 100; otherwise
  100 − (|actual − target| − b) × 100 / |target|, on either side of the band.
- The raw rate is quantized to 0.01 (``raw_rate``); then the cap (if any) and the floor (if any)
  are applied to the quantized value (``rate``). A rate below the floor, negative ones included,
  is raised to the floor; with ``floor=None`` nothing is. A raw rate of 10¹⁰ % or more is not
  evaluable (it would not fit the stored columns).

Department score: over the *counted* indicators, score = Σ(wᵢ × rateᵢ) / Σwᵢ quantized to 0.01.
EVALUATED indicators always count. UNREPORTED ones count with rate 0 under ``unreported="zero"``
and are left out under ``"exclude"``. NOT_EVALUABLE ones never count. ``evaluated_weight`` is
Σwᵢ over counted indicators (the score's denominator); ``total_weight`` is Σw over indicators
evaluable in principle (target present and non-zero); completeness = Σw over EVALUATED
indicators × 100 / ``total_weight``, quantized to 0.01, shown in both modes (None when
``total_weight`` is 0). No counted weight → score None with a reason.

``effective_weights``: each counted indicator's share of the counted weight in percent
(wᵢ × 100 / Σw, summing to 100), 0 for the others. ``contributions``: wᵢ × rateᵢ / Σw points
(None when not counted). Both are quantized by the largest-remainder method: every exact value
is rounded down to the quantum (0.0001 for shares, 0.01 for points), then the units still missing
to reach the exact total (100, or the rounded score) go one each to the largest remainders, ties
to the earlier indicator. So the bars add up to the score exactly and each bar is within one
quantum of its exact value.

Grade: the label of the highest band whose threshold the score reaches, else "D".
Bureau: ``by_department`` is the plain mean of the departments' scores; ``by_weight`` is
Σ(w × rate) / Σw over every counted indicator of every department; both quantized to 0.01.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import MAX_PREC, ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, localcontext
from enum import StrEnum
from fractions import Fraction
from math import floor

TARGET_MISSING = "목표가 0이거나 없어 평가할 수 없습니다 (지표 미시행 연도)"
NOT_REPORTED = "실적이 보고되지 않았습니다"
NOTHING_EVALUABLE = "평가 가능한 지표가 없습니다 (모든 지표의 목표가 0 또는 미설정)"
NOTHING_REPORTED = "실적이 보고된 지표가 없어 점수를 낼 수 없습니다 (미보고 지표 제외 방식)"
RATE_LIMIT = Decimal("1E10")
_WIDE = Context(prec=100, rounding=ROUND_HALF_UP)
# Quotients: 60 significant digits, truncated toward zero (see the module docstring).
_DIV = Context(prec=60, rounding=ROUND_DOWN)
_HUNDRED = Decimal(100)
_INT_FAST = Decimal(10) ** 30
_QUANTA = {2: Decimal("0.01"), 4: Decimal("0.0001")}
_CENT = _QUANTA[2]
_EXACT = Context(prec=MAX_PREC)
_ZERO = Decimal(0)
_ZERO_RATE = Decimal("0.00")
_ZERO_SHARE = Decimal("0.0000")


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    RANGE = "range"


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


@dataclass(frozen=True)
class DepartmentResult:
    score: Decimal | None
    completeness: Decimal | None
    grade: str
    reason: str
    total_weight: Decimal
    evaluated_weight: Decimal
    rates: tuple[RateResult, ...]
    effective_weights: Mapping[int, Decimal]
    contributions: Mapping[int, Decimal | None]
    working: str
    # Σ(w × rate) over counted indicators, exact; None when rebuilt from stored rows, in which
    # case bureau_rollup falls back to score × evaluated_weight.
    weighted_sum: Decimal | None = None


@dataclass(frozen=True)
class BureauRollup:
    by_department: Decimal | None
    by_weight: Decimal | None
    department_count: int
    evaluable_count: int


def achievement_rate(item: IndicatorInput, rules: Rules) -> RateResult:
    _check_rules(rules)
    return _rate(item, _prepared(rules))


def _rate(item: IndicatorInput, policy: _Prepared) -> RateResult:
    """``achievement_rate`` with the policy's constants (bounds and their texts) worked out once."""
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
        working = f"목표 {_fmt(target)}, 실적 미보고"
        return RateResult(item.indicator_id, RateStatus.UNREPORTED, None, None, NOT_REPORTED, working)

    if direction is Direction.UP:
        raw, shown = _DIV.divide(actual * _HUNDRED, target), None
    elif direction is Direction.DOWN and policy.target_over_actual:
        if actual == 0:
            return _not_evaluable(item, "실적이 0이어서 목표/실적 방식으로 평가할 수 없습니다")
        raw, shown = _DIV.divide(target * _HUNDRED, actual), None
    elif direction is Direction.DOWN:
        if baseline is None:
            return _not_evaluable(item, "기준값(전년도 실적)이 없어 평가할 수 없습니다")
        if baseline <= target:
            return _not_evaluable(item, "기준값이 목표보다 크지 않아 개선 폭으로 평가할 수 없습니다")
        raw = _div(_WIDE.multiply(_WIDE.subtract(baseline, actual), _HUNDRED), _WIDE.subtract(baseline, target))
        b = _fmt(baseline)
        shown = f"(기준 {b} − 실적 {_fmt(actual)}) / (기준 {b} − 목표 {_fmt(target)}) × 100"
    else:
        raw, shown = _range_rate(item, policy.rules)

    raw_rate = raw.quantize(_CENT, ROUND_HALF_UP, _WIDE) if raw.__class__ is Decimal else _round(raw)
    if abs(raw_rate) >= RATE_LIMIT:
        return _not_evaluable(item, f"달성률이 너무 커서 평가할 수 없습니다 ({raw_rate:f}%)")
    if policy.cap is not None and raw_rate > policy.cap:
        rate, bound = policy.capped, policy.cap_text
    elif policy.floor is not None and raw_rate < policy.floor:
        rate, bound = policy.floored, policy.floor_text
    else:
        rate, bound = raw_rate, policy.open_text
    if shown is not None:
        working = f"{shown} = {raw_rate:,f}%, {bound}"
    elif direction is Direction.UP:
        working = f"실적 {_fmt(actual)} / 목표 {_fmt(target)} × 100 = {raw_rate:,f}%, {bound}"
    else:
        working = f"목표 {_fmt(target)} / 실적 {_fmt(actual)} × 100 = {raw_rate:,f}%, {bound}"
    return RateResult(item.indicator_id, RateStatus.EVALUATED, rate, raw_rate, "", working)


def department_score(items: Sequence[IndicatorInput], rules: Rules, *, explain: bool = True) -> DepartmentResult:
    """The department's result; ``explain=False`` leaves its working text empty (for callers that do not keep it)."""
    _check_rules(rules)
    policy = _prepared(rules)
    rates = tuple([_rate(item, policy) for item in items])
    counted: dict[int, tuple[Decimal, Decimal]] = {}  # indicator id -> (weight, rate used)
    total_weight = reported_weight = _ZERO
    notes: list[str] = []
    unreported_zero = rules.unreported == "zero"
    for item, result in zip(items, rates, strict=True):
        status = result.status
        target = item.target
        if status is RateStatus.NOT_EVALUABLE and explain:
            notes.append(f"평가 제외: {item.name} — {result.reason}")
        if target is not None and target.is_finite() and target != 0:
            total_weight += item.weight
        if status is RateStatus.EVALUATED:
            counted[item.indicator_id] = (item.weight, result.rate)
            reported_weight += item.weight
        elif status is RateStatus.UNREPORTED and unreported_zero:
            counted[item.indicator_id] = (item.weight, _ZERO_RATE)
            if explain:
                notes.append(f"미보고 0점 처리: {item.name} (가중치 {_fmt(item.weight)})")
        elif status is RateStatus.UNREPORTED and explain:
            notes.append(f"미보고 제외: {item.name} (가중치 {_fmt(item.weight)})")

    completeness = _round(_div(reported_weight * _HUNDRED, total_weight)) if total_weight > 0 else None
    if completeness is not None and explain:
        notes.append(
            f"완결성 = 실적 보고 가중치 {_fmt(reported_weight)} / 평가 대상 가중치 {_fmt(total_weight)} × 100"
            f" = {completeness}%"
        )
    evaluated_weight = weighted_sum = _ZERO
    negative = False
    for weight, rate in counted.values():
        evaluated_weight += weight
        weighted_sum = _WIDE.add(weighted_sum, _WIDE.multiply(weight, rate))
        negative = negative or rate < 0
    if evaluated_weight <= 0:
        reason = _no_score_reason(rates, rules, total_weight, bool(counted))
        return DepartmentResult(
            score=None,
            completeness=completeness,
            grade="",
            reason=reason,
            total_weight=total_weight,
            evaluated_weight=evaluated_weight,
            rates=rates,
            effective_weights={item.indicator_id: _ZERO_SHARE for item in items},
            contributions={item.indicator_id: None for item in items},
            working="\n".join([reason, *notes]) if explain else "",
        )

    whole = evaluated_weight
    score = _round(_div(weighted_sum, whole))
    if not negative:
        points = {key: _div(_WIDE.multiply(weight, rate), whole) for key, (weight, rate) in counted.items()}
        shares = _shares(counted, whole)
    else:  # truncation toward zero would floor negatives the wrong way: stay exact
        fraction_whole = Fraction(whole)
        points = {key: Fraction(w) * Fraction(r) / fraction_whole for key, (w, r) in counted.items()}
        shares = {key: Fraction(w) * 100 / fraction_whole for key, (w, _) in counted.items()}
        shares = _apportion(shares, _HUNDRED, 4)
    parts = _apportion(points, score, 2)
    grade = _grade(score, policy.bands)
    working = ""
    if explain:
        terms = " + ".join([f"{_fmt(weight)} × {rate}" for weight, rate in counted.values()])
        working = "\n".join([f"가중 점수 = ({terms}) / {_fmt(evaluated_weight)} = {score}", *notes, f"등급 {grade}"])
    return DepartmentResult(
        score=score,
        completeness=completeness,
        grade=grade,
        reason="",
        total_weight=total_weight,
        evaluated_weight=evaluated_weight,
        rates=rates,
        effective_weights={item.indicator_id: shares.get(item.indicator_id, _ZERO_SHARE) for item in items},
        contributions={item.indicator_id: parts.get(item.indicator_id) for item in items},
        working=working,
        weighted_sum=weighted_sum,
    )


def grade_for(score: Decimal | None, rules: Rules) -> str:
    if score is None:
        return ""
    return _grade(score, _prepared(rules).bands)


def bureau_rollup(results: Sequence[DepartmentResult]) -> BureauRollup:
    evaluable = [result for result in results if result.score is not None]
    by_department = None
    if evaluable:
        by_department = _round(sum((Fraction(result.score) for result in evaluable), Fraction(0)) / len(evaluable))
    weight = sum((Fraction(result.evaluated_weight) for result in evaluable), Fraction(0))
    weighted = sum(
        (
            Fraction(result.weighted_sum)
            if result.weighted_sum is not None
            else Fraction(result.score) * Fraction(result.evaluated_weight)
            for result in evaluable
        ),
        Fraction(0),
    )
    by_weight = _round(weighted / weight) if weight > 0 else None
    return BureauRollup(by_department, by_weight, len(results), len(evaluable))


# --- helpers ----------------------------------------------------------------------------------


def _check_rules(rules: Rules) -> None:
    if rules.lower_is_better not in ("target_over_actual", "baseline"):
        raise ValueError(f"unknown lower_is_better rule: {rules.lower_is_better!r}")
    if rules.unreported not in ("exclude", "zero"):
        raise ValueError(f"unknown unreported rule: {rules.unreported!r}")


def _not_evaluable(item: IndicatorInput, reason: str) -> RateResult:
    target = "없음" if item.target is None else _fmt(item.target)
    actual = "미보고" if not item.reported or item.actual is None else _fmt(item.actual)
    return RateResult(item.indicator_id, RateStatus.NOT_EVALUABLE, None, None, reason, f"목표 {target}, 실적 {actual}")


def _range_rate(item: IndicatorInput, rules: Rules) -> tuple[Fraction, str]:
    target, actual = item.target, item.actual
    tolerance = max(item.band_tolerance if item.band_tolerance is not None else rules.range_tolerance, Decimal(0))
    with localcontext(_WIDE):
        band = abs(target) * tolerance / 100
        distance = abs(actual - target)
        low, high = target - band, target + band
    band_text = f"목표 {_fmt(target)} ± {_fmt(tolerance)}% 범위({_fmt(low)} ~ {_fmt(high)})"
    if distance <= band:
        return Fraction(100), f"실적 {_fmt(actual)}: {band_text} 안이므로 달성률"
    with localcontext(_WIDE):
        beyond = distance - band
    shown = f"실적 {_fmt(actual)}: {band_text}에서 {_fmt(beyond)} 벗어남, 100 − {_fmt(beyond)} / {_fmt(abs(target))} × 100"
    return 100 - Fraction(beyond) * 100 / abs(Fraction(target)), shown


def _no_score_reason(rates: tuple[RateResult, ...], rules: Rules, total_weight: Decimal, counted: bool) -> str:
    if counted:
        return "반영할 가중치의 합이 0입니다"
    if any(result.status is RateStatus.UNREPORTED for result in rates):
        return NOTHING_REPORTED
    if total_weight > 0:
        return "평가 가능한 지표가 없습니다 (지표별 산정 불가 사유 참조)"
    return NOTHING_EVALUABLE


def _div(numerator: Decimal, denominator: Decimal) -> Decimal:
    return _DIV.divide(numerator, denominator)


def _round(value: Fraction | Decimal, places: int = 2) -> Decimal:
    """``value`` quantized to 10**-places, ties away from zero (Decimal's ROUND_HALF_UP)."""
    if isinstance(value, Decimal):
        return value.quantize(_QUANTA.get(places) or Decimal(f"1E-{places}"), rounding=ROUND_HALF_UP, context=_WIDE)
    scaled = value * 10**places
    units = floor(abs(scaled) + Fraction(1, 2))
    return _from_units(units if scaled >= 0 else -units, places)


def _scaled(value: Fraction | Decimal, places: int) -> Fraction | Decimal:
    """value × 10**places, exactly."""
    if isinstance(value, Decimal):
        return value.scaleb(places, context=_WIDE)
    return value * 10**places


def _from_units(units: int, places: int) -> Decimal:
    """units × 10**-places, exactly (the exponent is -places, so 0 shows as 0.00)."""
    return Decimal(units).scaleb(-places, _EXACT)


def _apportion(exact: Mapping[int, Fraction | Decimal], total: Decimal, places: int) -> dict[int, Decimal]:
    """Largest-remainder rounding of ``exact`` to 10**-places so that the parts sum to ``total``."""
    keys = list(exact)
    scaled = [_scaled(value, places) for value in exact.values()]
    units = [floor(value) for value in scaled]
    missing = int(total.scaleb(places, context=_WIDE)) - sum(units)
    if missing > 0:
        # Stable: equal remainders keep the indicators' order.
        order = sorted(range(len(keys)), key=lambda i: scaled[i] - units[i], reverse=True)
        for i in order[:missing]:
            units[i] += 1
    return {key: _from_units(count, places) for key, count in zip(keys, units, strict=True)}


def _shares(counted: Mapping[int, tuple[Decimal, Decimal]], whole: Decimal) -> dict[int, Decimal]:
    """Each counted weight's share of ``whole`` in percent, apportioned to 0.0001 (memoised by weights)."""
    weights = tuple(weight for weight, _ in counted.values())
    try:
        parts = _SHARES_CACHE[weights]
    except KeyError:
        exact = {i: _div(weight * _HUNDRED, whole) for i, weight in enumerate(weights)}
        parts = tuple(_apportion(exact, _HUNDRED, 4).values())
        if len(_SHARES_CACHE) >= _CACHE_LIMIT:
            _SHARES_CACHE.clear()
        _SHARES_CACHE[weights] = parts
    return dict(zip(counted, parts, strict=True))


def _fmt(value: Decimal) -> str:
    """A number for working texts: thousands separators, no trailing zeros."""
    try:
        return _FMT_CACHE[value]
    except KeyError:
        pass
    except TypeError:  # a signalling NaN has no hash
        return _format_number(value)
    text = _format_number(value)
    if value.is_finite():  # the text depends on the value only (12.50 and 12.5 read "12.5")
        if len(_FMT_CACHE) >= _CACHE_LIMIT:
            _FMT_CACHE.clear()
        _FMT_CACHE[value] = text
    return text


def _format_number(value: Decimal) -> str:
    if value.is_finite() and value == value.to_integral_value() and abs(value) < _INT_FAST:
        return f"{int(value):,}"
    with localcontext(_WIDE):
        value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return f"{value:,f}"


@dataclass(frozen=True)
class _Prepared:
    """What a department's scoring needs from its rules, worked out once per rules value."""

    rules: Rules
    target_over_actual: bool
    cap: Decimal | None
    floor: Decimal | None
    capped: Decimal | None
    floored: Decimal | None
    cap_text: str
    floor_text: str
    open_text: str
    bands: tuple[tuple[str, Decimal], ...]


def _prepared(rules: Rules) -> _Prepared:
    try:
        return _PREPARED_CACHE[rules]
    except KeyError:
        pass
    except TypeError:  # rules built with unhashable parts: work it out every time
        return _prepare(rules)
    prepared = _prepare(rules)
    if len(_PREPARED_CACHE) >= 64:
        _PREPARED_CACHE.clear()
    _PREPARED_CACHE[rules] = prepared
    return prepared


def _prepare(rules: Rules) -> _Prepared:
    cap, floor_ = rules.cap, rules.floor
    capped = None if cap is None else _round(cap)
    floored = None if floor_ is None else _round(floor_)
    return _Prepared(
        rules=rules,
        target_over_actual=rules.lower_is_better == "target_over_actual",
        cap=cap,
        floor=floor_,
        capped=capped,
        floored=floored,
        cap_text="" if cap is None else f"상한 {_fmt(cap)}% 적용 → {capped:,f}%",
        floor_text="" if floor_ is None else f"하한 {_fmt(floor_)}% 적용 → {floored:,f}%",
        open_text="상한 없음" if cap is None else f"상한 {_fmt(cap)}% 미적용",
        bands=tuple(sorted(rules.grade_bands, key=lambda band: band[1], reverse=True)),
    )


def _grade(score: Decimal, bands: tuple[tuple[str, Decimal], ...]) -> str:
    for label, threshold in bands:
        if score >= threshold:
            return label
    return "D"


# Memo tables: numbers as shown in working texts, and share splits by counted weights. Both are
# pure functions of their keys; cleared when they grow past the limit.
_CACHE_LIMIT = 50_000
_FMT_CACHE: dict[Decimal, str] = {}
_SHARES_CACHE: dict[tuple[Decimal, ...], tuple[Decimal, ...]] = {}
_PREPARED_CACHE: dict[Rules, _Prepared] = {}
_DIRECTIONS = {direction.value: direction for direction in Direction}
