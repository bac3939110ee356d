"""Reads for the entry page (constant query counts); the review queue and history read kpis.review."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q

from accounts.models import User
from core.numbers import format_amount
from kpis.domain import VALUE_FIELD
from kpis.models import Actual, ActualStatus, Department, Evidence, Indicator, Target
from kpis.period_rules import frequency_label, period_label
from kpis.periods import period_count
from kpis.scope import scoped
from kpis.scoring import official_value


@dataclass(frozen=True)
class EntryField:
    """One figure the form asks for: its form key, its label, what it holds now and its rule in words."""

    key: str
    label: str
    value: str
    rule: str


@dataclass
class EntryRow:
    """One indicator on the entry page. `typed` holds what the user typed in a save that was refused or is
    waiting for confirmation (form key → text, and "note"); `warning` the plausibility question; `writable`
    whether this user may change this department's year at all (the status decides the rest)."""

    indicator: Indicator
    inputs: tuple[str, ...]
    target: Decimal | None
    previous_actual: Decimal | None
    actual: Actual | None
    evidence: list[Evidence] = field(default_factory=list)
    typed: dict[str, str] | None = None
    warning: dict[str, str] | None = None
    writable: bool = False
    period: int = 0
    period_label: str = ""
    # In a year reported by period: the row of each period (the year row itself is derived, never a form).
    periods: list[EntryRow] = field(default_factory=list)

    @property
    def frequency(self) -> str:
        """분기 or 반기, for a year reported by period."""
        return frequency_label(len(self.periods))

    @property
    def dom_id(self) -> str:
        """The row's key in element ids, anchors and the session: the indicator id, and `-pN` for a period."""
        return f"{self.indicator.pk}-p{self.period}" if self.period else str(self.indicator.pk)

    @property
    def status(self) -> str:
        return self.actual.status if self.actual else ActualStatus.NOT_REPORTED

    @property
    def status_label(self) -> str:
        return dict(ActualStatus.choices)[self.status]

    @property
    def version(self) -> int:
        return self.actual.version if self.actual else 0

    @property
    def editable(self) -> bool:
        return self.status in (ActualStatus.NOT_REPORTED, ActualStatus.DRAFT, ActualStatus.RETURNED)

    @property
    def locked(self) -> bool:
        """Shown as read, not as a form: submitted or approved, a closed year, a user who only reads, or the
        year row of a year reported by period."""
        return not (self.writable and self.editable) or bool(self.periods)

    @property
    def input_values(self) -> dict[str, str]:
        return dict(self.actual.inputs) if self.actual else {}

    @property
    def stored_inputs(self) -> list[tuple[str, str]]:
        """(name, stored figure as text) of the formula's inputs, for a locked row."""
        values = self.input_values
        return [(name, values.get(name, "")) for name in self.inputs]

    @property
    def note(self) -> str:
        if self.typed is not None:
            return self.typed.get("note", "")
        return self.actual.note if self.actual else ""

    @property
    def review_comment(self) -> str:
        """The reviewer's comment the department reads: on an approved or a returned value."""
        if self.actual and self.status in (ActualStatus.APPROVED, ActualStatus.RETURNED):
            return self.actual.review_comment
        return ""

    @property
    def fields(self) -> list[EntryField]:
        """The formula's inputs (each under the input domain), or the one value typed directly (value domain).

        After a refused or unconfirmed save each field holds exactly what was typed, never the stored value."""
        if self.inputs:
            rule = self.indicator.input_domain.describe()
            values = self.input_values
            return [
                EntryField(key, name, self._shown(key, str(values.get(name, ""))), rule)
                for key, name in ((f"in_{index}", name) for index, name in enumerate(self.inputs))
            ]
        value = self.actual.value if self.actual else None
        shown = "" if value is None else format_amount(value)
        return [EntryField(VALUE_FIELD, "실적 값", self._shown(VALUE_FIELD, shown), self.indicator.value_domain.describe())]

    def _shown(self, key: str, stored: str) -> str:
        return stored if self.typed is None else self.typed.get(key, "")

    def other_errors(self, errors: dict[str, list[str]]) -> list[tuple[str, str]]:
        """(field, message) of the refusals that belong to no field shown (a computed value, an unknown input)."""
        shown = {field.key for field in self.fields} | {"note"}
        return [(key, message) for key, messages in errors.items() if key not in shown for message in messages]


def entry_department(department_id: int, *, user: User) -> Department:
    """The department whose entry page `user` may open: one of an organization they see (their own department for a
    department user's writes, decided by the permissions). Department.DoesNotExist otherwise, one query."""
    return scoped(Department.objects.select_related("bureau"), user, "bureau__organization_id").get(pk=department_id)


def entry_indicator(indicator_id: int, department_id: int, *, user: User) -> Indicator:
    """An indicator of that department within `user`'s scope; Indicator.DoesNotExist otherwise, one query."""
    return scoped(Indicator.objects.all(), user).get(pk=indicator_id, department_id=department_id)


def entry_rows(department: Department, year: int, *, writable: bool = False) -> list[EntryRow]:
    """Five queries: the year's periods, indicators, targets of the year, actuals of the year (with its periods')
    and the prior year, evidence. `department` comes with its bureau."""
    count = period_count(organization_id=department.bureau.organization_id, year=year)
    indicators = list(Indicator.objects.filter(department=department).order_by("order", "id"))
    ids = [i.pk for i in indicators]
    targets = dict(Target.objects.filter(indicator_id__in=ids, year=year).values_list("indicator_id", "value"))
    actuals = {
        (a.indicator_id, a.year, a.period): a
        for a in Actual.all_periods.filter(indicator_id__in=ids, year__in=(year, year - 1))
        .filter(Q(period=0) | Q(year=year)).prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at"))
        )
    }
    rows = []
    for indicator in indicators:
        current = actuals.get((indicator.pk, year, 0))
        previous = actuals.get((indicator.pk, year - 1, 0))
        row = EntryRow(
            indicator=indicator, inputs=indicator.input_names, target=targets.get(indicator.pk),
            previous_actual=official_value(previous.status, previous.value) if previous else None,
            actual=current, evidence=list(current.evidence.all()) if current else [], writable=writable,
        )
        for period in range(1, count + 1):
            actual = actuals.get((indicator.pk, year, period))
            row.periods.append(EntryRow(
                indicator=indicator, inputs=indicator.input_names, target=None, previous_actual=None, actual=actual,
                evidence=list(actual.evidence.all()) if actual else [], writable=writable, period=period,
                period_label=period_label(period, count),
            ))
        rows.append(row)
    return rows

