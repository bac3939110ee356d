"""달성률과 가중 점수: pure achievement-rate and weighted-score rules (no ORM, no I/O).

What counts (kpis.scoring.counting): a score uses approved values; the year's policy may admit
submitted ones as provisional (``Rules.provisional``); drafts, returned and unreported values never
count. A caller loads each actual, asks ``classify_actual`` and passes ``reported`` (and
``provisional``) on the IndicatorInput accordingly.

All inputs and outputs are Decimal. Quotients are computed to 60 significant digits truncated
toward zero, then rounded once, at the documented step, ROUND_HALF_UP (ties away from zero).
Truncation never moves a value across a rounding tie, so the result equals rounding the exact
quotient; this keeps the arithmetic in C-speed Decimal (a full national year is 200,000 rates).

Achievement rate of one indicator (percent), ``achievement_rate`` (kpis.scoring.rates):

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
- An evaluated rate is ``provisional`` when its actual, or the baseline it used, is provisional.

Department score, ``department_score`` (kpis.scoring.department): over the *counted* indicators,
score = Σ(wᵢ × rateᵢ) / Σwᵢ quantized to 0.01. EVALUATED indicators always count. UNREPORTED ones
count with rate 0 under ``unreported="zero"`` and are left out under ``"exclude"``.
NOT_EVALUABLE ones never count. ``evaluated_weight`` is Σwᵢ over counted indicators (the score's
denominator); ``total_weight`` is Σw over indicators evaluable in principle (target present and
non-zero); completeness = Σw over EVALUATED indicators × 100 / ``total_weight``, quantized to
0.01, shown in both modes (None when ``total_weight`` is 0). No counted weight → score None with
a reason. The result is ``provisional`` when any EVALUATED rate is.

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
Ranking, ``competition_ranks`` (kpis.scoring.ranking): 1 + the number of higher scores.
"""
from kpis.scoring.counting import Standing, classify_actual, official_value
from kpis.scoring.department import (
    NOTHING_EVALUABLE,
    NOTHING_REPORTED,
    BureauRollup,
    DepartmentResult,
    bureau_rollup,
    department_score,
    grade_for,
)
from kpis.scoring.ranking import competition_ranks
from kpis.scoring.rates import (
    NOT_REPORTED,
    RATE_LIMIT,
    TARGET_MISSING,
    Direction,
    IndicatorInput,
    RateResult,
    RateStatus,
    Rules,
    achievement_rate,
)

__all__ = [
    "NOTHING_EVALUABLE", "NOTHING_REPORTED", "NOT_REPORTED", "RATE_LIMIT", "TARGET_MISSING", "BureauRollup",
    "DepartmentResult", "Direction", "IndicatorInput", "RateResult", "RateStatus", "Rules", "Standing",
    "achievement_rate", "bureau_rollup", "classify_actual", "competition_ranks", "department_score", "grade_for",
    "official_value",
]
