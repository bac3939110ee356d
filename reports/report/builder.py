"""The one builder of the performance report (성과보고서): every renderer and the command read its result.

Nothing here computes a rate or a score: each department's figures come from the drill-down selector
(kpis.score_selectors.department_drilldown: stored IndicatorScore / DepartmentScore rows with their
working, counted actuals, series across editions), the other years' rates from the stored IndicatorScore
rows, and once a year is finalised the reported year's figures from the frozen ScoreSnapshot.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from budgets.selectors import budget_summary_for_bureau
from kpis.edition_series import Chain, all_ids, chain_of, series_targets, with_chains
from kpis.editions import governing_editions
from kpis.models import (
    Bureau,
    Department,
    EntryYear,
    Indicator,
    IndicatorScore,
    PolicyGoal,
    ScoreSnapshot,
)
from kpis.score_selectors import DrilldownPage, IndicatorLine, department_drilldown
from kpis.scoring import RateResult, RateStatus
from kpis.selectors import Headcount
from reports.achievement import falls_short
from reports.report.budget import budget_lines_by_goal
from reports.report.data import (
    BudgetLine,
    BureauReport,
    DepartmentReport,
    EntryText,
    IndicatorReport,
    PerformanceReport,
    PolicyGoalReport,
    StrategicGoalReport,
    YearFigures,
)
from reports.report.entries import entries_by_indicator

SPAN = 5  # the plan's five year columns
NO_SNAPSHOT = "확정 결과 없음"
UNASSIGNED = "(전략목표 미지정)"


class ReportNotFound(Exception):
    """No bureau of the request within the reader's organizations (a page answers 404, the command an error)."""


@dataclass(frozen=True)
class _StrategicNode:
    """A strategic goal with one department's policy goals under it, in the plan's order."""

    title: str
    basic_direction: str
    policy_goals: list[PolicyGoal]


def performance_report(
    *,
    year: int,
    organization_ids: Iterable[int] | None,
    organization_id: int | None = None,
    bureau_id: int | None = None,
) -> PerformanceReport:
    """The report of one bureau (`bureau_id`) or of an organization's bureaus governing `year`.

    `organization_ids`: the reader's organizations (kpis.scope.visible_organization_ids; None: every one);
    a bureau or organization outside them raises ReportNotFound, as does one without bureaus.
    Queries: a fixed handful plus department_drilldown's per department.
    """
    visible = None if organization_ids is None else list(organization_ids)
    bureaus = _bureaus(year, visible, organization_id=organization_id, bureau_id=bureau_id)
    finalised_at = EntryYear.objects.filter(year=year).values_list("finalised_at", flat=True).first()
    departments = list(
        Department.objects.filter(bureau__in=bureaus).order_by("order", "name").prefetch_related("teams")
    )
    department_ids = [d.pk for d in departments]
    pages = {d.pk: department_drilldown(year, d.pk, organization_ids=visible) for d in departments}
    indicator_ids = [line.indicator_id for page in pages.values() for line in page.indicators]
    goals = _goal_tree(department_ids)
    columns = _year_columns(year, [y for page in pages.values() for line in page.indicators for y in line.years])
    rates = _rates_by_year(indicator_ids, columns)
    entries = entries_by_indicator(indicator_ids, year)
    budget = budget_lines_by_goal([g.pk for nodes in goals.values() for node in nodes for g in node.policy_goals], year)

    by_bureau: dict[int, list[DepartmentReport]] = defaultdict(list)
    for department in departments:
        page = pages[department.pk]
        by_bureau[department.bureau_id].append(
            _department(page, department, goals.get(department.pk, []), columns, rates, entries, budget, finalised_at)
        )
    policy_version = _policy_version(year, department_ids, pages.values(), finalised=finalised_at is not None)
    report_bureaus = tuple(
        BureauReport(
            bureau_id=bureau.pk, name=bureau.name, organization_name=bureau.organization.name,
            plan_year=bureau.plan_year, goal_list=tuple(str(g) for g in bureau.goal_list or ()),
            basic_direction=bureau.basic_direction, budget_summary=budget_summary_for_bureau(bureau_id=bureau.pk),
            headcount_total=Headcount.total([d.headcount for d in by_bureau[bureau.pk]]),
            departments=tuple(by_bureau[bureau.pk]),
        )
        for bureau in bureaus
    )
    computed = [page.computed_at for page in pages.values() if page.computed_at is not None]
    return PerformanceReport(
        year=year, title=_title(year, report_bureaus, bureau_id is not None), years=columns, bureaus=report_bureaus,
        policy_version=policy_version, finalised_at=finalised_at,
        data_time=finalised_at or (max(computed) if computed else None), generated_at=timezone.now(),
    )


def _bureaus(
    year: int, organization_ids: Iterable[int] | None, *, organization_id: int | None, bureau_id: int | None
) -> list[Bureau]:
    bureaus = Bureau.objects.select_related("organization").order_by("organization__name", "name")
    if organization_ids is not None:
        bureaus = bureaus.filter(organization_id__in=list(organization_ids))
    if organization_id is not None:
        bureaus = bureaus.filter(organization_id=organization_id)
    if bureau_id is not None:
        found = list(bureaus.filter(pk=bureau_id))
    else:
        found = list(governing_editions(year).filter(bureaus, bureau=""))
    if not found:
        raise ReportNotFound("보고서를 만들 실국을 찾을 수 없습니다.")
    return found


def _title(year: int, bureaus: Sequence[BureauReport], single: bool) -> str:
    organization = bureaus[0].organization_name
    if single:
        return f"{year}년 {organization} {bureaus[0].name} 성과보고서"
    return f"{year}년 {organization} 성과보고서"


def _year_columns(year: int, series_years: Iterable[int]) -> tuple[int, ...]:
    """Five consecutive years holding the reported one: from the earliest stored year, never past it."""
    first = min(series_years, default=year)
    start = max(year - SPAN + 1, min(first, year))
    return tuple(range(start, start + SPAN))


def _rates_by_year(indicator_ids: Sequence[int], years: Sequence[int]) -> dict[int, dict[int, Decimal | None]]:
    """indicator id → year → the stored IndicatorScore rate of that year, read across the indicator's editions
    (kpis.edition_series: the governing edition's, else the newest that has one). Two queries."""
    indicators = with_chains(Indicator.objects.filter(pk__in=indicator_ids)).select_related("department__bureau")
    chains: dict[int, Chain] = {i.pk: chain_of(i, i.department.bureau.plan_year) for i in indicators}
    stored: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    rows = IndicatorScore.objects.filter(indicator_id__in=all_ids(chains.values()), year__in=list(years))
    for indicator_id, score_year, rate in rows.values_list("indicator_id", "year", "rate"):
        stored[indicator_id][score_year] = rate
    return {pk: series_targets(chain, stored) for pk, chain in chains.items()}


def _goal_tree(department_ids: Sequence[int]) -> dict[int, list[_StrategicNode]]:
    """department id → its strategic goals in the plan's order, each with the department's policy goals; one query."""
    goals = PolicyGoal.objects.filter(department_id__in=department_ids).select_related("strategic_goal").order_by(
        "strategic_goal__order", "strategic_goal_id", "order", "id"
    )
    tree: dict[int, dict[int, _StrategicNode]] = defaultdict(dict)
    for goal in goals:
        strategic = goal.strategic_goal
        node = tree[goal.department_id].setdefault(
            strategic.pk, _StrategicNode(strategic.title, strategic.basic_direction, [])
        )
        node.policy_goals.append(goal)
    return {department_id: list(nodes.values()) for department_id, nodes in tree.items()}


def _decimal(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _indicator(
    line: IndicatorLine, columns: Sequence[int], rates: dict[int, Decimal | None], year: int,
    entry: EntryText | None, frozen: bool,
) -> IndicatorReport:
    targets = dict(zip(line.years, line.targets, strict=True))
    actuals = dict(zip(line.years, line.actuals, strict=True))
    if frozen and line.frozen is not None:
        snap = line.frozen
        target, actual, rate = _decimal(snap.get("target")), _decimal(snap.get("actual")), _decimal(snap.get("rate"))
        raw_rate = _decimal(snap.get("raw_rate"))
        working, reason, provisional = snap.get("working", ""), snap.get("reason", ""), bool(snap.get("provisional"))
    else:
        target, actual, rate, raw_rate = line.target, line.actual, line.rate, line.raw_rate
        working, reason, provisional = line.working, line.reason, line.provisional
    stored = RateResult(
        line.indicator_id, RateStatus.EVALUATED if rate is not None else RateStatus.NOT_EVALUABLE, rate, raw_rate,
        reason, working, provisional,
    )
    years = tuple(
        YearFigures(y, target, actual, rate, line.display_places) if y == year
        else YearFigures(y, targets.get(y), actuals.get(y), rates.get(y), line.display_places)
        for y in columns
    )
    return IndicatorReport(
        indicator_id=line.indicator_id, name=line.name, unit=line.unit, kind=line.kind, direction=line.direction,
        weight=line.weight, display_places=line.display_places, years=years, target=target, actual=actual,
        rate=rate, working=working, reason=reason, provisional=provisional, falls_short=falls_short(stored),
        entry=entry,
    )


def _department(
    page: DrilldownPage, department: Department, tree: Sequence[_StrategicNode], columns: Sequence[int],
    rates: dict[int, dict[int, Decimal | None]], entries: dict[int, EntryText],
    budget: dict[int, tuple[tuple[BudgetLine, ...], BudgetLine | None]], finalised_at: datetime | None,
) -> DepartmentReport:
    frozen = finalised_at is not None and page.frozen is not None
    goal_rates = {goal.policy_goal_id: goal.weighted_rate for goal in page.goals}
    by_goal: dict[int | None, list[IndicatorReport]] = defaultdict(list)
    for line in page.indicators:
        by_goal[line.policy_goal_id].append(
            _indicator(line, columns, rates.get(line.indicator_id, {}), page.year,
                       entries.get(line.indicator_id), frozen)
        )
    strategic = [
        StrategicGoalReport(
            title=node.title, basic_direction=node.basic_direction,
            policy_goals=tuple(
                PolicyGoalReport(
                    policy_goal_id=goal.pk, title=goal.title, weighted_rate=goal_rates.get(goal.pk),
                    indicators=tuple(by_goal.get(goal.pk, ())),
                    budget_lines=budget.get(goal.pk, ((), None))[0], budget_total=budget.get(goal.pk, ((), None))[1],
                )
                for goal in node.policy_goals
            ),
        )
        for node in tree
    ]
    if by_goal.get(None):
        strategic.append(StrategicGoalReport(UNASSIGNED, "", (
            PolicyGoalReport(None, "(정책사업목표 미지정)", goal_rates.get(None), tuple(by_goal[None])),
        )))
    if frozen:
        score, grade, completeness = page.frozen.score, page.frozen.grade, page.frozen.completeness
        provisional, reason, stale = page.frozen.provisional, "", ""
    else:
        score, grade, completeness = page.score, page.grade, page.completeness
        provisional, reason = page.provisional, page.reason
        stale = NO_SNAPSHOT if finalised_at is not None else page.stale_reason
    return DepartmentReport(
        department_id=department.pk, name=department.name, score=score, grade=grade, completeness=completeness,
        reason=reason, provisional=provisional, stale_reason=stale, headcount=Headcount.of(department),
        team_names=tuple(t.name for t in department.teams.all()), strategic_goals=tuple(strategic),
    )


def _policy_version(
    year: int, department_ids: Sequence[int], pages: Iterable[DrilldownPage], *, finalised: bool
) -> int | None:
    """The scoring policy version the figures were scored under: the frozen results' once finalised, else the
    version in force (a department scored under an older one shows 평가 기준 변경 as its stale reason)."""
    if finalised:
        frozen = ScoreSnapshot.objects.filter(year=year, department_id__in=department_ids)
        version = frozen.order_by("-policy__version").values_list("policy__version", flat=True).first()
        if version is not None:
            return version
    return next((page.policy.version for page in pages if page.policy is not None), None)
