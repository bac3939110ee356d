"""One department's drill-down: per-indicator rates with their working, series, budgets."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Max, Sum

from budgets.models import UnitProgramAmount
from core.numbers import format_figure
from kpis.edition_series import all_ids, chain_of, series_actuals, series_targets, with_chains
from kpis.models import (
    Actual,
    ActualStatus,
    Department,
    DepartmentScore,
    EntryYear,
    Indicator,
    IndicatorScore,
    PolicyGoal,
    Target,
)
from kpis.revision_selectors import RevisionLine, revisions_by_indicator
from kpis.score_selectors.shared import (
    Frozen,
    PolicyRef,
    ReminderInfo,
    ScoreState,
    _counts,
    _decimal,
    _latest_reminders,
    _policy_ref,
    _quotient,
    _snapshots,
    _stale_reason,
    _weak_by_indicator,
    stale_department_ids,
)
from kpis.weak_targets import WeakTarget
from kpis.years import entry_window

# --- drill-down -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorLine:
    indicator_id: int
    name: str
    full_name: str
    unit: str
    kind: str
    direction: str
    policy_goal_id: int | None
    weight: Decimal
    target: Decimal | None
    actual: Decimal | None
    supplementary: Decimal | None
    status: str
    status_label: str
    provisional: bool  # the rate rests on a submitted value counted as provisional (잠정)
    rate: Decimal | None
    raw_rate: Decimal | None
    reason: str
    working: str
    effective_weight: Decimal | None
    contribution: Decimal | None
    years: tuple[int, ...]
    targets: tuple[Decimal | None, ...]
    actuals: tuple[Decimal | None, ...]
    weak: tuple[WeakTarget, ...]
    frozen: dict | None = None
    display_places: int | None = None  # the indicator's decimals: `{{ line.target|figure:line }}`
    revised: RevisionLine | None = None  # the latest revision of the page year's target, if it was revised

    def figure(self, value: Decimal | None) -> str:
        """A figure of this indicator as it shows everywhere (Indicator.figure)."""
        return format_figure(value, self.display_places)

    @property
    def frozen_rate(self) -> Decimal | None:
        return _as_decimal(self.frozen.get("rate")) if self.frozen else None

    @property
    def frozen_differs(self) -> bool:
        return self.frozen is not None and self.frozen_rate != self.rate


def _as_decimal(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


@dataclass(frozen=True)
class YearAmount:
    year: int
    label: str
    amount: Decimal | None


@dataclass(frozen=True)
class GoalBudget:
    policy_goal_id: int | None
    title: str
    printed_budget: Decimal | None
    amounts: tuple[YearAmount, ...]       # the page's year and the year before
    plan_amounts: tuple[YearAmount, ...]  # the plan year and the year before (empty when the same years)
    indicators: tuple[IndicatorLine, ...]
    weighted_rate: Decimal | None
    contribution: Decimal | None

    @staticmethod
    def _change(pair: tuple[YearAmount, ...]) -> Decimal | None:
        if len(pair) != 2 or pair[0].amount is None or pair[1].amount is None:
            return None
        return pair[1].amount - pair[0].amount

    @staticmethod
    def _change_rate(pair: tuple[YearAmount, ...]) -> Decimal | None:
        if len(pair) != 2 or pair[0].amount in (None, 0) or pair[1].amount is None:
            return None
        return _quotient((pair[1].amount - pair[0].amount) * 100, pair[0].amount)

    @property
    def change(self) -> Decimal | None:
        return self._change(self.amounts)

    @property
    def change_rate(self) -> Decimal | None:
        return self._change_rate(self.amounts)

    @property
    def plan_change(self) -> Decimal | None:
        return self._change(self.plan_amounts)

    @property
    def plan_change_rate(self) -> Decimal | None:
        return self._change_rate(self.plan_amounts)


@dataclass(frozen=True)
class DrilldownPage(ScoreState):
    year: int
    department_id: int
    name: str
    bureau_id: int
    bureau_name: str
    plan_year: int
    policy: PolicyRef | None
    score: Decimal | None
    grade: str
    provisional: bool
    completeness: Decimal | None
    reason: str
    computed_at: datetime | None
    total_weight: Decimal | None
    evaluated_weight: Decimal | None
    stale_reason: str
    indicators: list[IndicatorLine]
    goals: list[GoalBudget]
    reminder: ReminderInfo | None
    frozen: Frozen | None
    entry_year: EntryYear | None
    # Every target revision of the department's indicators, all years (kpis.revision_selectors).
    revisions: tuple[RevisionLine, ...] = ()

    @property
    def weak_count(self) -> int:
        return sum(1 for line in self.indicators if line.weak)

    @property
    def contribution_total(self) -> Decimal:
        return sum((line.contribution for line in self.indicators if line.contribution is not None), Decimal(0))


def _goal_rate(lines: Sequence[IndicatorLine]) -> Decimal | None:
    """Weighted mean of the stored rates of a goal's evaluated indicators (weights as stored)."""
    rated = [(line.weight, line.rate) for line in lines if line.rate is not None]
    weight = sum((w for w, _ in rated), Decimal(0))
    if weight <= 0:
        return None
    return _quotient(sum((w * r for w, r in rated), Decimal(0)), weight)


def department_drilldown(
    year: int, department_id: int, *, organization_ids: Iterable[int] | None = None
) -> DrilldownPage:
    """A department-year in a fixed number of queries, whatever its number of indicators.

    Queries: 1 department ⟕ bureau · 2 policy in force · 3 stored score · 4 indicators · 5 stored
    indicator scores · 6 targets · 7 actuals (all years) · 8 dirty mark · 9 snapshot · 10 policy
    goals · 11 unit program amounts summed by goal and year · 12 latest reminder · 13 entry year ·
    14 target revisions. The series (years, targets, actuals, weak targets) run across plan editions through
    each indicator's `previous` chain (kpis.edition_series), read in query 4; queries 6 and 7 read the chain's.
    Raises Department.DoesNotExist, also for a department outside `organization_ids` (the reader's
    kpis.scope.visible_organization_ids; None: every organization), read in the same first query.
    """
    departments = Department.objects.select_related("bureau")
    if organization_ids is not None:
        departments = departments.filter(bureau__organization_id__in=list(organization_ids))
    department = departments.get(pk=department_id)
    policy = _policy_ref(year)
    stored = DepartmentScore.objects.filter(department_id=department_id, year=year).first()
    indicators = list(with_chains(Indicator.objects.filter(department_id=department_id)).order_by("order", "id"))
    ids = [indicator.pk for indicator in indicators]
    chains = {indicator.pk: chain_of(indicator, department.bureau.plan_year) for indicator in indicators}
    series_ids = all_ids(chains.values())
    scores = {row.indicator_id: row for row in IndicatorScore.objects.filter(indicator_id__in=ids, year=year)}
    targets = list(Target.objects.filter(indicator_id__in=series_ids).values_list("indicator_id", "year", "value"))
    actual_rows = list(
        Actual.objects.filter(indicator_id__in=series_ids).values_list(
            "indicator_id", "year", "value", "status", "supplementary_value"
        )
    )
    dirty = bool(stale_department_ids(year, [department_id]))
    snapshot = _snapshots(year, [department_id], with_indicators=True).get(department_id)
    goals = list(PolicyGoal.objects.filter(department_id=department_id).order_by("strategic_goal__order", "order", "id"))
    plan_year = department.bureau.plan_year
    budget_years = sorted({year - 1, year, plan_year - 1, plan_year})
    sums = (
        UnitProgramAmount.objects.filter(unit_program__policy_goal__department_id=department_id, year__in=budget_years)
        .values("unit_program__policy_goal_id", "year")
        .annotate(total=Sum("amount"), present=Count("amount"), kind=Max("kind"))
        .order_by()
    )
    reminder = _latest_reminders(year, [department_id]).get(department_id)
    entry_year = entry_window(department.bureau.organization_id, year)
    revisions = revisions_by_indicator(ids)

    provisional = policy is not None and policy.provisional
    target_map: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    for indicator_id, target_year, value in targets:
        target_map[indicator_id][target_year] = value
    actual_map: dict[int, dict[int, tuple[Decimal | None, str, Decimal | None]]] = defaultdict(dict)
    for indicator_id, actual_year, value, status, supplementary in actual_rows:
        actual_map[indicator_id][actual_year] = (value, status, supplementary)
    # Each indicator's series across editions; the page year's own target and actual stay its edition's.
    series_target = {pk: series_targets(chain, target_map) for pk, chain in chains.items()}
    series_actual = {pk: series_actuals(chain, actual_map) for pk, chain in chains.items()}
    weak = _weak_by_indicator(
        [(i.pk, i.direction) for i in indicators],
        [(pk, y, value) for pk, series in series_target.items() for y, value in series.items()],
        [(pk, y, row[0], row[1]) for pk, series in series_actual.items() for y, row in series.items()],
        provisional=provisional, places={i.pk: i.display_places for i in indicators},
    )
    frozen_by_id = {item.get("indicator_id"): item for item in (snapshot.indicators if snapshot else ())}
    status_labels = dict(ActualStatus.choices)
    missing = (None, ActualStatus.NOT_REPORTED, None)

    def counted(value: Decimal | None, status: str) -> Decimal | None:
        return value if _counts(value, status, provisional=provisional) else None

    lines: list[IndicatorLine] = []
    for indicator in indicators:
        score = scores.get(indicator.pk)
        years = tuple(sorted(set(series_target[indicator.pk]) | set(series_actual[indicator.pk])))
        value, status, supplementary = actual_map[indicator.pk].get(year, missing)
        lines.append(
            IndicatorLine(
                indicator_id=indicator.pk, name=indicator.short_name, full_name=indicator.name, unit=indicator.unit,
                kind=indicator.get_kind_display(), direction=indicator.direction,
                policy_goal_id=indicator.policy_goal_id, weight=indicator.weight,
                target=target_map[indicator.pk].get(year),
                actual=counted(value, status),
                supplementary=supplementary, status=status, status_label=status_labels.get(status, status),
                provisional=bool(score and score.provisional), rate=score.rate if score else None,
                raw_rate=score.raw_rate if score else None,
                reason=score.reason if score else "", working=score.working if score else "",
                effective_weight=score.effective_weight if score else None,
                contribution=score.contribution if score else None, years=years,
                targets=tuple(series_target[indicator.pk].get(y) for y in years),
                actuals=tuple(counted(*series_actual[indicator.pk].get(y, missing)[:2]) for y in years),
                weak=weak.get(indicator.pk, ()), frozen=frozen_by_id.get(indicator.pk),
                display_places=indicator.display_places,
                revised=next((r for r in reversed(revisions.get(indicator.pk, ())) if r.year == year), None),
            )
        )

    amount_map: dict[tuple[int, int], tuple[Decimal | None, str]] = {}
    for row in sums:
        amount_map[(row["unit_program__policy_goal_id"], row["year"])] = (
            _decimal(row["total"]) if row["present"] else None, row["kind"]
        )
    kind_labels = {"settled": "결산", "budget": "예산"}

    def pair(goal_id: int, years_: Sequence[int]) -> tuple[YearAmount, ...]:
        out = []
        for y in years_:
            amount, kind = amount_map.get((goal_id, y), (None, ""))
            out.append(YearAmount(y, f"{y} {kind_labels.get(kind, '')}".strip(), amount))
        return tuple(out)

    by_goal: dict[int | None, list[IndicatorLine]] = defaultdict(list)
    for line in lines:
        by_goal[line.policy_goal_id].append(line)
    same_years = plan_year == year
    goal_rows = [
        GoalBudget(
            policy_goal_id=goal.pk, title=goal.title, printed_budget=goal.budget_amount,
            amounts=pair(goal.pk, (year - 1, year)),
            plan_amounts=() if same_years else pair(goal.pk, (plan_year - 1, plan_year)),
            indicators=tuple(by_goal.get(goal.pk, ())), weighted_rate=_goal_rate(by_goal.get(goal.pk, ())),
            contribution=_sum_contributions(by_goal.get(goal.pk, ())),
        )
        for goal in goals
    ]
    if by_goal.get(None):
        goal_rows.append(
            GoalBudget(
                policy_goal_id=None, title="(정책사업목표 미지정)", printed_budget=None, amounts=(), plan_amounts=(),
                indicators=tuple(by_goal[None]), weighted_rate=_goal_rate(by_goal[None]),
                contribution=_sum_contributions(by_goal[None]),
            )
        )
    return DrilldownPage(
        year=year, department_id=department.pk, name=department.name, bureau_id=department.bureau_id,
        bureau_name=department.bureau.name, plan_year=plan_year, policy=policy,
        score=stored.score if stored else None, grade=stored.grade if stored else "",
        provisional=bool(stored and stored.provisional), completeness=stored.completeness if stored else None,
        reason=stored.reason if stored else "",
        computed_at=stored.computed_at if stored else None,
        total_weight=stored.total_weight if stored else None,
        evaluated_weight=stored.evaluated_weight if stored else None,
        stale_reason=_stale_reason(
            has_row=stored is not None, dirty=dirty, policy_id=stored.policy_id if stored else None, current=policy
        ),
        indicators=lines, goals=goal_rows, reminder=reminder, frozen=snapshot, entry_year=entry_year,
        revisions=tuple(line for indicator in indicators for line in revisions.get(indicator.pk, ())),
    )


def _sum_contributions(lines: Sequence[IndicatorLine]) -> Decimal | None:
    values = [line.contribution for line in lines if line.contribution is not None]
    return sum(values, Decimal(0)) if values else None
