"""Reads for the plan pages: everything a page shows, loaded with a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch

from accounts.models import User
from budgets.selectors import (
    UnitProgramView,
    budget_summary_for_bureau,
    budget_summary_for_department,
    budget_totals_for_bureau_departments,
    unit_programs_for_department,
)
from budgets.summary import SummaryTable
from kpis.models import (
    Actual,
    ActualStatus,
    Bureau,
    Department,
    Indicator,
    IndicatorKind,
    PolicyGoal,
    StrategicGoal,
    Target,
)
from kpis.scope import scoped

KIND_LABELS = dict(IndicatorKind.choices)
STATUS_LABELS = dict(ActualStatus.choices)
# Shown when the stored data holds no year at all (a plan covers five years around its plan year).
YEARS_AROUND_PLAN = (-2, -1, 0, 1, 2)


@dataclass(frozen=True)
class Headcount:
    authorized_total: int
    authorized_grade4_up: int
    authorized_grade5: int
    authorized_grade6_down: int
    current: int

    @classmethod
    def of(cls, department: Department) -> Headcount:
        return cls(
            authorized_total=department.authorized_total,
            authorized_grade4_up=department.authorized_grade4_up,
            authorized_grade5=department.authorized_grade5,
            authorized_grade6_down=department.authorized_grade6_down,
            current=department.current_headcount,
        )

    @classmethod
    def total(cls, counts: list[Headcount]) -> Headcount:
        return cls(
            authorized_total=sum(c.authorized_total for c in counts),
            authorized_grade4_up=sum(c.authorized_grade4_up for c in counts),
            authorized_grade5=sum(c.authorized_grade5 for c in counts),
            authorized_grade6_down=sum(c.authorized_grade6_down for c in counts),
            current=sum(c.current for c in counts),
        )


@dataclass(frozen=True)
class DepartmentRef:
    id: int
    name: str


@dataclass(frozen=True)
class DepartmentRow:
    id: int
    name: str
    headcount: Headcount
    team_names: list[str]
    budget_total: Decimal | None = None

    @property
    def team_count(self) -> int:
        return len(self.team_names)


@dataclass(frozen=True)
class PolicyGoalRow:
    id: int
    title: str
    department_name: str
    declared_indicator_count: int | None
    declared_unit_program_count: int | None
    budget_amount: Decimal | None


@dataclass(frozen=True)
class StrategicGoalRow:
    id: int
    title: str
    basic_direction: str
    department: DepartmentRef
    policy_goals: list[PolicyGoalRow]


@dataclass(frozen=True)
class BureauListItem:
    id: int
    name: str
    plan_year: int
    departments: list[DepartmentRef]


@dataclass(frozen=True)
class BureauOverview:
    id: int
    name: str
    plan_year: int
    goal_list: list[str]
    basic_direction: str
    strategic_goals: list[StrategicGoalRow]
    budget_summary: SummaryTable
    departments: list[DepartmentRow]
    headcount_total: Headcount

    @property
    def team_total(self) -> int:
        return sum(d.team_count for d in self.departments)


@dataclass(frozen=True)
class ActualCell:
    has_row: bool
    reported: bool
    value: Decimal | None
    supplementary: Decimal | None
    status: str
    status_label: str


NO_ACTUAL = ActualCell(has_row=False, reported=False, value=None, supplementary=None, status="", status_label="")


@dataclass(frozen=True)
class YearCell:
    year: int
    target: Decimal | None
    has_target: bool
    actual: ActualCell


@dataclass(frozen=True)
class IndicatorRow:
    id: int
    name: str
    short_name: str
    kind: str
    kind_label: str
    unit: str
    weight: Decimal
    method_text: str
    data_source: str
    bsc_linked: bool
    target_rationale: str
    years: list[YearCell]
    display_places: int | None = None  # the indicator's decimals: `{{ cell.target|figure:ind }}`


@dataclass(frozen=True)
class DepartmentPage:
    id: int
    name: str
    bureau: BureauListItem
    headcount: Headcount
    team_names: list[str]
    main_contents: list[str]
    strategic_goals: list[StrategicGoalRow]
    budget_summary: SummaryTable
    years: list[int]
    indicators: list[IndicatorRow]
    unit_programs: list[UnitProgramView] = field(default_factory=list)

    @property
    def weight_total(self) -> Decimal:
        return sum((i.weight for i in self.indicators), Decimal(0))


def bureau_list(*, user: User, organization_id: int | None = None) -> list[BureauListItem]:
    """Every bureau of the organizations `user` sees (of one of them when given), with its departments. Two queries."""
    bureaus = Bureau.objects.filter(**({} if organization_id is None else {"organization_id": organization_id}))
    bureaus = scoped(bureaus.order_by("name"), user, "organization_id").prefetch_related(
        Prefetch("departments", queryset=Department.objects.order_by("order", "name").only("id", "name", "bureau_id"))
    )
    return [
        BureauListItem(
            id=b.id,
            name=b.name,
            plan_year=b.plan_year,
            departments=[DepartmentRef(id=d.id, name=d.name) for d in b.departments.all()],
        )
        for b in bureaus
    ]


def _strategic_goal_rows(goals) -> list[StrategicGoalRow]:
    return [
        StrategicGoalRow(
            id=goal.id,
            title=goal.title,
            basic_direction=goal.basic_direction,
            department=DepartmentRef(id=goal.department_id, name=goal.department.name),
            policy_goals=[
                PolicyGoalRow(
                    id=pg.id,
                    title=pg.title,
                    department_name=pg.department.name,
                    declared_indicator_count=pg.declared_indicator_count,
                    declared_unit_program_count=pg.declared_unit_program_count,
                    budget_amount=pg.budget_amount,
                )
                for pg in goal.policy_goals.all()
            ],
        )
        for goal in goals
    ]


def _strategic_goals():
    return StrategicGoal.objects.select_related("department").order_by("order", "id").prefetch_related(
        Prefetch("policy_goals", queryset=PolicyGoal.objects.select_related("department").order_by("order", "id"))
    )


def bureau_overview(*, bureau_id: int, user: User) -> BureauOverview:
    """A bureau with its goals, budget summary and departments. Seven queries.

    Raises Bureau.DoesNotExist, also for a bureau of an organization `user` does not see.
    """
    bureau = scoped(Bureau.objects.all(), user, "organization_id").get(pk=bureau_id)
    departments = list(
        Department.objects.filter(bureau_id=bureau_id)
        .order_by("order", "name")
        .prefetch_related("teams")
    )
    goals = list(_strategic_goals().filter(bureau_id=bureau_id))
    budget_totals = budget_totals_for_bureau_departments(bureau_id=bureau_id)
    rows = [
        DepartmentRow(
            id=d.id,
            name=d.name,
            headcount=Headcount.of(d),
            team_names=[t.name for t in d.teams.all()],
            budget_total=budget_totals.get(d.id),
        )
        for d in departments
    ]
    return BureauOverview(
        id=bureau.id,
        name=bureau.name,
        plan_year=bureau.plan_year,
        goal_list=[str(goal) for goal in bureau.goal_list or []],
        basic_direction=bureau.basic_direction,
        strategic_goals=_strategic_goal_rows(goals),
        budget_summary=budget_summary_for_bureau(bureau_id=bureau_id),
        departments=rows,
        headcount_total=Headcount.total([r.headcount for r in rows]),
    )


def _actual_cell(actual: Actual | None) -> ActualCell:
    if actual is None:
        return NO_ACTUAL
    return ActualCell(
        has_row=True,
        reported=actual.is_reported,
        value=actual.value,
        supplementary=actual.supplementary_value,
        status=actual.status,
        status_label=STATUS_LABELS.get(actual.status, actual.status),
    )


def plan_years(*, stored_years: set[int], plan_year: int) -> list[int]:
    """The year columns of the indicator table: the stored years, or five around the plan year."""
    if stored_years:
        return list(range(min(stored_years), max(stored_years) + 1))
    return [plan_year + offset for offset in YEARS_AROUND_PLAN]


def department_page(*, department_id: int, user: User) -> DepartmentPage:
    """Everything the department page shows. Twelve queries, whatever the number of rows.

    Raises Department.DoesNotExist, also for a department of an organization `user` does not see.
    """
    department = (
        scoped(Department.objects.select_related("bureau"), user, "bureau__organization_id")
        .prefetch_related("teams").get(pk=department_id)
    )
    bureau = department.bureau
    goals = list(_strategic_goals().filter(department_id=department_id))
    indicators = list(
        Indicator.objects.filter(department_id=department_id)
        .order_by("order", "id")
        .prefetch_related(
            Prefetch("targets", queryset=Target.objects.order_by("year")),
            Prefetch("actuals", queryset=Actual.objects.order_by("year")),
        )
    )
    stored_years = {t.year for i in indicators for t in i.targets.all()} | {
        a.year for i in indicators for a in i.actuals.all()
    }
    years = plan_years(stored_years=stored_years, plan_year=bureau.plan_year)
    indicator_rows = []
    for indicator in indicators:
        targets = {t.year: t for t in indicator.targets.all()}
        actuals = {a.year: a for a in indicator.actuals.all()}
        indicator_rows.append(
            IndicatorRow(
                id=indicator.id,
                name=indicator.name,
                short_name=indicator.short_name or indicator.name,
                kind=indicator.kind,
                kind_label=KIND_LABELS.get(indicator.kind, indicator.kind),
                unit=indicator.unit,
                weight=indicator.weight,
                method_text=indicator.method_text,
                data_source=indicator.data_source,
                bsc_linked=indicator.bsc_linked,
                target_rationale=indicator.target_rationale,
                display_places=indicator.display_places,
                years=[
                    YearCell(
                        year=year,
                        target=targets[year].value if year in targets else None,
                        has_target=year in targets and targets[year].value is not None,
                        actual=_actual_cell(actuals.get(year)),
                    )
                    for year in years
                ],
            )
        )
    return DepartmentPage(
        id=department.id,
        name=department.name,
        bureau=BureauListItem(id=bureau.id, name=bureau.name, plan_year=bureau.plan_year, departments=[]),
        headcount=Headcount.of(department),
        team_names=[t.name for t in department.teams.all()],
        main_contents=[str(item) for item in department.main_contents or []],
        strategic_goals=_strategic_goal_rows(goals),
        budget_summary=budget_summary_for_department(department_id=department_id),
        years=years,
        indicators=indicator_rows,
        unit_programs=unit_programs_for_department(department_id=department_id),
    )
