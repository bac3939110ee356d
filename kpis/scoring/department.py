"""A department's weighted score over its indicators' rates, its grade, and the bureau roll-up."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from kpis.scoring.numbers import (
    HUNDRED,
    WIDE,
    ZERO,
    ZERO_RATE,
    ZERO_SHARE,
    apportion,
    div,
    fmt,
    round_half_up,
)
from kpis.scoring.rates import IndicatorInput, RateResult, RateStatus, Rules, check_rules, rate_of

NOTHING_EVALUABLE = "평가 가능한 지표가 없습니다 (모든 지표의 목표가 0 또는 미설정)"
NOTHING_REPORTED = "실적이 보고된 지표가 없어 점수를 낼 수 없습니다 (미보고 지표 제외 방식)"


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
    # A provisional (잠정) rate is part of the score.
    provisional: bool = False


@dataclass(frozen=True)
class BureauRollup:
    by_department: Decimal | None
    by_weight: Decimal | None
    department_count: int
    evaluable_count: int


def department_score(items: Sequence[IndicatorInput], rules: Rules, *, explain: bool = True) -> DepartmentResult:
    """The department's result; ``explain=False`` leaves its working text empty (for callers that do not keep it)."""
    check_rules(rules)
    rates = tuple([rate_of(item, rules) for item in items])
    counted: dict[int, tuple[Decimal, Decimal]] = {}  # indicator id -> (weight, rate used)
    total_weight = reported_weight = ZERO
    notes: list[str] = []
    unreported_zero = rules.unreported == "zero"
    provisional = False
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
            provisional = provisional or result.provisional
        elif status is RateStatus.UNREPORTED and unreported_zero:
            counted[item.indicator_id] = (item.weight, ZERO_RATE)
            if explain:
                notes.append(f"미보고 0점 처리: {item.name} (가중치 {fmt(item.weight)})")
        elif status is RateStatus.UNREPORTED and explain:
            notes.append(f"미보고 제외: {item.name} (가중치 {fmt(item.weight)})")

    completeness = round_half_up(div(reported_weight * HUNDRED, total_weight)) if total_weight > 0 else None
    if completeness is not None and explain:
        notes.append(
            f"완결성 = 실적 보고 가중치 {fmt(reported_weight)} / 평가 대상 가중치 {fmt(total_weight)} × 100"
            f" = {completeness}%"
        )
    evaluated_weight = weighted_sum = ZERO
    negative = False
    for weight, rate in counted.values():
        evaluated_weight += weight
        weighted_sum = WIDE.add(weighted_sum, WIDE.multiply(weight, rate))
        negative = negative or rate < 0
    if evaluated_weight <= 0:
        reason = _no_score_reason(rates, total_weight, bool(counted))
        return DepartmentResult(
            score=None,
            completeness=completeness,
            grade="",
            reason=reason,
            total_weight=total_weight,
            evaluated_weight=evaluated_weight,
            rates=rates,
            effective_weights={item.indicator_id: ZERO_SHARE for item in items},
            contributions={item.indicator_id: None for item in items},
            working="\n".join([reason, *notes]) if explain else "",
        )

    whole = evaluated_weight
    score = round_half_up(div(weighted_sum, whole))
    if not negative:
        points = {key: div(WIDE.multiply(weight, rate), whole) for key, (weight, rate) in counted.items()}
        shares = apportion({key: div(weight * HUNDRED, whole) for key, (weight, _) in counted.items()}, HUNDRED, 4)
    else:  # truncation toward zero would floor negatives the wrong way: stay exact
        fraction_whole = Fraction(whole)
        points = {key: Fraction(w) * Fraction(r) / fraction_whole for key, (w, r) in counted.items()}
        shares = apportion(
            {key: Fraction(w) * 100 / fraction_whole for key, (w, _) in counted.items()}, HUNDRED, 4
        )
    parts = apportion(points, score, 2)
    grade = _grade(score, rules)
    working = ""
    if explain:
        terms = " + ".join([f"{fmt(weight)} × {rate}" for weight, rate in counted.values()])
        working = "\n".join([f"가중 점수 = ({terms}) / {fmt(evaluated_weight)} = {score}", *notes, f"등급 {grade}"])
    return DepartmentResult(
        score=score,
        completeness=completeness,
        grade=grade,
        reason="",
        total_weight=total_weight,
        evaluated_weight=evaluated_weight,
        rates=rates,
        effective_weights={item.indicator_id: shares.get(item.indicator_id, ZERO_SHARE) for item in items},
        contributions={item.indicator_id: parts.get(item.indicator_id) for item in items},
        working=working,
        weighted_sum=weighted_sum,
        provisional=provisional,
    )


def grade_for(score: Decimal | None, rules: Rules) -> str:
    if score is None:
        return ""
    return _grade(score, rules)


def bureau_rollup(results: Sequence[DepartmentResult]) -> BureauRollup:
    evaluable = [result for result in results if result.score is not None]
    by_department = None
    if evaluable:
        by_department = round_half_up(
            sum((Fraction(result.score) for result in evaluable), Fraction(0)) / len(evaluable)
        )
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
    by_weight = round_half_up(weighted / weight) if weight > 0 else None
    return BureauRollup(by_department, by_weight, len(results), len(evaluable))


def _no_score_reason(rates: tuple[RateResult, ...], total_weight: Decimal, counted: bool) -> str:
    if counted:
        return "반영할 가중치의 합이 0입니다"
    if any(result.status is RateStatus.UNREPORTED for result in rates):
        return NOTHING_REPORTED
    if total_weight > 0:
        return "평가 가능한 지표가 없습니다 (지표별 산정 불가 사유 참조)"
    return NOTHING_EVALUABLE


def _grade(score: Decimal, rules: Rules) -> str:
    for label, threshold in rules.bounds.bands:
        if score >= threshold:
            return label
    return "D"
