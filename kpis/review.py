"""Reads for the review queue and an indicator's history (constant query counts whatever the page size)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import django_filters
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from accounts.models import User
from core.numbers import whole_number
from kpis.audit_labels import HistoryLine, history_lines
from kpis.models import (
    Actual,
    ActualStatus,
    AuditEntry,
    Bureau,
    Department,
    Evidence,
    Indicator,
    PeriodSetting,
    ScoringPolicy,
    Target,
)
from kpis.period_rules import period_label
from kpis.periods import department_period_counts
from kpis.scope import scoped
from kpis.scoring import RateResult, Rules, official_value
from kpis.services.policy_rules import policy_rules
from kpis.value_rate import value_rate

RECENT_HISTORY = 5  # audit entries shown folded under each queue row
REVIEW_STATUSES = [
    (ActualStatus.SUBMITTED, "제출 (검토 대기)"),
    (ActualStatus.APPROVED, "승인"),
    (ActualStatus.RETURNED, "반려"),
]


class ReviewFilter(django_filters.FilterSet):
    """The queue's GET form: bureau, department, indicator, status (submitted unless another is chosen)."""

    bureau = django_filters.ModelChoiceFilter(
        label="실국", field_name="indicator__department__bureau", queryset=Bureau.objects.order_by("name"),
        empty_label="전체",
    )
    department = django_filters.ModelChoiceFilter(
        label="부서", field_name="indicator__department",
        queryset=Department.objects.select_related("bureau").order_by("bureau__name", "order", "id"), empty_label="전체",
    )
    indicator = django_filters.ModelChoiceFilter(
        label="성과지표", queryset=Indicator.objects.order_by("department__order", "department_id", "order", "id"),
        empty_label="전체",
    )
    status = django_filters.ChoiceFilter(label="상태", choices=REVIEW_STATUSES, empty_label=None)

    class Meta:
        model = Actual
        fields = ["bureau", "department", "indicator", "status"]

    def __init__(self, data=None, *args, user: User, **kwargs) -> None:
        data = data.copy() if data is not None else {}
        if not data.get("status"):
            data["status"] = ActualStatus.SUBMITTED
        super().__init__(data, *args, **kwargs)
        bureaus, departments, indicators = (
            self.form.fields["bureau"], self.form.fields["department"], self.form.fields["indicator"]
        )
        # Only the organizations the reviewer sees: their choices, and (review_actuals) their actuals.
        bureaus.queryset = scoped(bureaus.queryset, user, "organization_id")
        departments.queryset = scoped(departments.queryset, user, "bureau__organization_id")
        indicators.queryset = scoped(indicators.queryset, user)
        # A chosen bureau or department narrows the lists below it (an organization has thousands of indicators).
        bureau_id, department_id = whole_number(data.get("bureau"), low=1), whole_number(data.get("department"), low=1)
        if bureau_id is not None:
            departments.queryset = departments.queryset.filter(bureau_id=bureau_id)
            indicators.queryset = indicators.queryset.filter(department__bureau_id=bureau_id)
        if department_id is not None:
            indicators.queryset = indicators.queryset.filter(department_id=department_id)
        indicators.queryset = indicators.queryset.select_related("department")
        indicators.label_from_instance = lambda i: f"{i.short_name} ({i.department.name})"
        departments.label_from_instance = lambda d: f"{d.name} ({d.bureau.name})"


def review_actuals(data=None, *, user: User) -> tuple[ReviewFilter, QuerySet[Actual]]:
    """The filter form and the actuals it selects of the organizations `user` sees, oldest submission first (to be
    paginated, then loaded)."""
    # Period rows are reviewed one by one; the year row of a year by period follows them and is not decided on.
    by_period = Exists(PeriodSetting.objects.filter(
        organization_id=OuterRef("indicator__department__bureau__organization_id"), year=OuterRef("year")
    ))
    base = scoped(
        Actual.all_periods.select_related("indicator__department__bureau", "submitted_by", "reviewed_by"), user,
        "indicator__department__bureau__organization_id",
    ).exclude(Q(period=0) & by_period).order_by(F("submitted_at").asc(nulls_last=True), "id")
    review_filter = ReviewFilter(data, queryset=base, user=user)
    return review_filter, review_filter.qs if review_filter.is_valid() else base.none()


@dataclass
class ReviewRow:
    """What an evaluator decides on: the value and how it was reached, against target and last year."""

    actual: Actual
    target: Decimal | None
    previous: Decimal | None
    rate: RateResult
    evidence: list[Evidence] = field(default_factory=list)
    history: list[HistoryLine] = field(default_factory=list)
    period_label: str = ""  # "2분기" for a period's value, "" for the year's

    @property
    def indicator(self) -> Indicator:
        return self.actual.indicator

    @property
    def inputs(self) -> list[tuple[str, str]]:
        """(name, figure) of the formula's inputs, in the formula's order."""
        stored = self.actual.inputs or {}
        return [(name, _input_figure(self.indicator, stored.get(name))) for name in self.indicator.input_names]


def _input_figure(indicator: Indicator, raw: object) -> str:
    if raw in (None, ""):
        return "-"
    try:
        return indicator.figure(Decimal(str(raw)))
    except ArithmeticError:
        return str(raw)


def review_rows(actuals: list[Actual]) -> list[ReviewRow]:
    """Five queries for any number of rows: targets, last year's actuals, policies, evidence, recent history."""
    if not actuals:
        return []
    ids = {a.indicator_id for a in actuals}
    years = {a.year for a in actuals}
    targets = {(t.indicator_id, t.year): t for t in Target.objects.filter(indicator_id__in=ids, year__in=years)}
    last_year = {
        (a.indicator_id, a.year + 1): a
        for a in Actual.objects.filter(indicator_id__in=ids, year__in={y - 1 for y in years}).only(
            "indicator_id", "year", "status", "value"
        )
    }
    policies: dict[int, ScoringPolicy] = {}
    for policy in ScoringPolicy.objects.filter(year__in=years).order_by("year", "version"):
        policies[policy.year] = policy  # the highest version wins
    evidence: dict[int, list[Evidence]] = defaultdict(list)
    for item in Evidence.objects.filter(actual_id__in=[a.pk for a in actuals]).order_by("uploaded_at", "id"):
        evidence[item.actual_id].append(item)
    history: dict[tuple[int, int], list[AuditEntry]] = defaultdict(list)
    recent = (
        AuditEntry.objects.filter(indicator_id__in=ids, year__in=years)
        .annotate(
            position=Window(RowNumber(), partition_by=[F("indicator_id"), F("year")], order_by=[F("created_at").desc(), F("id").desc()])
        )
        .filter(position__lte=RECENT_HISTORY)
        .select_related("user")
        .order_by("-created_at", "-id")
    )
    for entry in recent:
        history[(entry.indicator_id, entry.year)].append(entry)
    counts = _period_counts(actuals)
    rows = []
    for actual in actuals:
        key = (actual.indicator_id, actual.year)
        policy = policies.get(actual.year)
        rules = policy_rules(policy) if policy else Rules()
        before = last_year.get(key)
        # A period's value is not rated against the year's target (the year value derived from it is).
        target = None if actual.period else targets.get(key)
        rows.append(
            ReviewRow(
                actual=actual, target=target.value if target else None,
                previous=official_value(before.status, before.value) if before else None,
                rate=value_rate(
                    actual.indicator, value=actual.value, target=target.value if target else None, before=before,
                    rules=rules, target_revised_at=target.revised_at if target else None,
                ),
                evidence=evidence[actual.pk], history=history_lines(history[key], actual.indicator),
                period_label=period_label(actual.period, counts.get((actual.indicator.department_id, actual.year), 4))
                if actual.period else "",
            )
        )
    return rows


def _period_counts(actuals: list[Actual]) -> dict[tuple[int, int], int]:
    """(department, year) → its period count, for the period rows among `actuals` (no query when none is)."""
    wanted: dict[int, set[int]] = defaultdict(set)
    for actual in actuals:
        if actual.period:
            wanted[actual.year].add(actual.indicator.department_id)
    return {
        (department_id, year): count
        for year, departments in wanted.items()
        for department_id, count in department_period_counts(department_ids=departments, year=year).items()
    }


def history_indicator(indicator_id: int, *, user: User) -> Indicator:
    """The indicator whose history `user` may read (its organization in scope); Indicator.DoesNotExist otherwise."""
    return scoped(Indicator.objects.select_related("department"), user).get(pk=indicator_id)


def indicator_history(indicator_id: int) -> QuerySet[AuditEntry]:
    """Every audit entry of an indicator, newest first (to be paginated)."""
    return AuditEntry.objects.filter(indicator_id=indicator_id).select_related("user", "import_run").order_by(
        "-created_at", "-id"
    )

