"""A periodic year's year row, derived from its period rows; and the admins' choice of periods per year.

For an indicator whose organization reports a year by period, every write to a period row (a save on
any channel, a workflow step) re-derives the year row (period 0) in the same transaction: its value and
formula inputs by the indicator's rule (`kpis.period_rules.year_value`), its status from the periods'
(`year_status`). The year row is what scoring reads; it is never typed (kpis/services/actuals.py refuses).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from core.errors import InvalidInput, InvalidState, NotFound, YearClosed
from core.numbers import plain_text
from kpis.domain import VALUE_FIELD, value_round
from kpis.models import Actual, ActualStatus, ChangeSource, Indicator, Organization, PeriodSetting
from kpis.period_rules import PERIOD_COUNTS, PeriodFrequency, PeriodRule, frequency_label, period_label, year_value
from kpis.periods import department_period_counts
from kpis.scope import organization_of_department, sees_organization
from kpis.services.audit import audit_record, audit_write
from kpis.services.dirty import dirty_mark
from kpis.services.permissions import require_admin, require_year_open
from kpis.years import year_is_finalised

DERIVE_FIELDS = (
    "department_id", "unit", "period_rule", "formula_variables", "value_min", "value_max", "value_places",
    "input_min", "input_max", "input_places",
)
YEAR_SAVED_FIELDS = [
    "value", "inputs", "status", "supplementary_value", "raw_text", "placeholder_reason", "source", "updated_by",
    "updated_at", "version",
]


def period_refusal(period: int, count: int, year: int) -> dict[str, list[str]]:
    """Why an actual of `period` cannot be typed in a year reported in `count` periods ({} when it can)."""
    if period == 0 and count:
        unit = frequency_label(count)
        return {VALUE_FIELD: [
            f"{year}년 실적은 {unit}별로 입력합니다. 연간 실적은 {unit} 실적에서 계산되므로 직접 입력할 수 없습니다."
        ]}
    if period and not count:
        return {"period": [f"{year}년 실적은 연간으로만 입력합니다. 기간은 0(연간)이어야 합니다."]}
    if period < 0 or period > count:
        labels = ", ".join(f"{number}({period_label(number, count)})" for number in range(1, count + 1))
        return {"period": [f"기간은 {labels} 중 하나여야 합니다."]}
    return {}


@dataclass(frozen=True)
class YearState:
    value: Decimal | None
    inputs: dict[str, str]
    status: str


def year_status(statuses: Iterable[str], count: int, *, any_value: bool) -> str:
    """The year row's status from its periods' (`count` expected; a missing period counts as unreported).

    Approved when every period is approved, submitted when every one is submitted or approved, returned
    when one is returned, otherwise a draft (or unreported while no period holds a value).
    """
    statuses = list(statuses)
    statuses += [ActualStatus.NOT_REPORTED] * (count - len(statuses))
    if not any_value:
        return ActualStatus.NOT_REPORTED
    if all(status == ActualStatus.APPROVED for status in statuses):
        return ActualStatus.APPROVED
    if all(status in (ActualStatus.SUBMITTED, ActualStatus.APPROVED) for status in statuses):
        return ActualStatus.SUBMITTED
    if any(status == ActualStatus.RETURNED for status in statuses):
        return ActualStatus.RETURNED
    return ActualStatus.DRAFT


def year_state(indicator: Indicator, count: int, periods: Mapping[int, Actual]) -> YearState:
    """What the year row holds for these period rows (period → row) under the indicator's rule."""
    rule = indicator.year_rule
    ordered = [periods.get(period) for period in range(1, count + 1)]
    values = [row.value if row is not None else None for row in ordered]
    value = year_value(rule, values)
    if value is not None:
        value = value_round(value, indicator.value_domain)
    inputs: dict[str, str] = {}
    for name in indicator.input_names:
        figures = [Decimal(row.inputs[name]) if row is not None and name in row.inputs else None for row in ordered]
        figure = year_value(rule, figures)
        if figure is not None:
            inputs[name] = plain_text(value_round(figure, indicator.input_domain))
    status = year_status(
        [row.status for row in ordered if row is not None], count, any_value=value is not None
    )
    return YearState(value=value, inputs=inputs, status=status)


def year_rows_derive(
    *, user: User | None, year: int, indicator_ids: Iterable[int], source: str, now: Any,
    import_run_id: int | None = None,
) -> set[tuple[int, int]]:
    """Re-derive the year rows of these indicators (those of a periodic year); returns the (department, year)
    pairs whose year row changed, for the caller's dirty mark. Runs in the caller's transaction."""
    indicators = Indicator.objects.only(*DERIVE_FIELDS).in_bulk(set(indicator_ids))
    counts = department_period_counts(department_ids={i.department_id for i in indicators.values()}, year=year)
    periodic = [pk for pk, indicator in indicators.items() if counts.get(indicator.department_id)]
    if not periodic:
        return set()
    year_rows: dict[int, Actual] = {}
    periods: dict[int, dict[int, Actual]] = {}
    for row in Actual.all_periods.select_for_update().filter(indicator_id__in=periodic, year=year):
        if row.period == 0:
            year_rows[row.indicator_id] = row
        else:
            periods.setdefault(row.indicator_id, {})[row.period] = row
    creates, updates, entries, dirty = [], [], [], set()
    for pk in periodic:
        indicator = indicators[pk]
        state = year_state(indicator, counts[indicator.department_id], periods.get(pk, {}))
        current = year_rows.get(pk)
        old = (None, {}, ActualStatus.NOT_REPORTED) if current is None else (
            current.value, dict(current.inputs), current.status
        )
        if old == (state.value, state.inputs, state.status):
            continue
        if current is None:
            current = Actual(indicator_id=pk, year=year, period=0, version=0)
            creates.append(current)
        else:
            updates.append(current)
        current.value, current.inputs, current.status = state.value, state.inputs, state.status
        # What a plan document wrote there (its text, a placeholder's reason) no longer describes the value.
        current.supplementary_value, current.raw_text, current.placeholder_reason = None, "", ""
        current.source, current.updated_by, current.updated_at = source, user, now
        current.version += 1
        changes = {
            name: (before, after)
            for name, before, after in zip(("value", "inputs", "status"), old, (state.value, state.inputs, state.status))
            if before != after
        }
        main = next(iter(changes))
        entries.append(audit_record(
            user=user, source=source, entity="actual", action="derive", field=main, old=changes[main][0],
            new=changes[main][1], department_id=indicator.department_id, indicator_id=pk, year=year,
            import_run_id=import_run_id, changes=changes,
        ))
        dirty.add((indicator.department_id, year))
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction stays usable to report the refusal
            Actual.all_periods.bulk_create(creates)
    except IntegrityError:  # another save of the same indicator-year created its year row meanwhile
        raise InvalidState(
            "같은 지표의 다른 기간 실적이 동시에 저장되었습니다. 아무것도 저장하지 않았습니다. 다시 저장하세요."
        ) from None
    Actual.all_periods.bulk_update(updates, YEAR_SAVED_FIELDS)
    audit_write(entries)
    return dirty


def period_setting_refusal(*, organization_id: int, year: int) -> str:
    """Why the organization's periods of `year` can no longer change ("" when they can): period values are
    entered, or year values (which a year by period would no longer let anyone type, nor derive from periods)."""
    actuals = Actual.all_periods.filter(indicator__department__bureau__organization_id=organization_id, year=year)
    if actuals.filter(period__gt=0).exists():
        return f"{year}년 기간별 실적이 이미 입력되어 있어 기간 구분을 바꿀 수 없습니다."
    if actuals.filter(period=0, value__isnull=False).exists():
        return f"{year}년 연간 실적이 이미 입력되어 있어 기간 구분을 바꿀 수 없습니다."
    return ""


def period_rule_refusal(indicator: Indicator) -> str:
    """Why the indicator's rule cannot change ("" when it can): it would change the year value of a closed or
    finalised year that holds period values."""
    years = sorted(set(
        Actual.all_periods.filter(indicator_id=indicator.pk, period__gt=0).values_list("year", flat=True)
    ))
    organization_id = organization_of_department(indicator.department_id)
    for year in years:
        if year_is_finalised(organization_id, year):
            return f"{year}년 결과가 확정되어 집계 방식을 바꿀 수 없습니다 (연간 실적이 바뀝니다)."
        try:
            require_year_open(indicator.department_id, year)
        except YearClosed as exc:
            return f"{exc.message} 집계 방식을 바꾸면 {year}년 연간 실적이 바뀝니다."
    return ""


@transaction.atomic
def indicator_period_rule_set(*, user: User, indicator_id: int, rule: str, source: str = ChangeSource.WEB) -> None:
    """Set how an indicator's year value follows from its periods ("" : by its unit); audited, and the year rows
    of its periodic years re-derived at once (a year by period never shows a value of the old rule)."""
    require_admin(user)
    if rule and rule not in PeriodRule.values:
        choices = ", ".join(label for _, label in PeriodRule.choices)
        raise InvalidInput({"period_rule": [f"집계 방식은 {choices} 중 하나이거나 비워 두어야 합니다."]})
    indicator = Indicator.objects.select_for_update().filter(pk=indicator_id).first()
    if indicator is None:
        raise NotFound("성과지표를 찾을 수 없습니다.")
    if indicator.period_rule == rule:
        return
    refusal = period_rule_refusal(indicator)
    if refusal:
        raise InvalidState(refusal)
    audit_write([audit_record(
        user=user, source=source, entity="indicator", action="update", field="period_rule",
        old=indicator.period_rule, new=rule, department_id=indicator.department_id, indicator_id=indicator.pk,
    )])
    Indicator.objects.filter(pk=indicator.pk).update(period_rule=rule)
    years = Actual.all_periods.filter(indicator_id=indicator.pk, period__gt=0).values_list("year", flat=True)
    now = timezone.now()
    dirty: set[tuple[int, int]] = set()
    for year in sorted(set(years)):
        dirty |= year_rows_derive(user=user, year=year, indicator_ids=[indicator.pk], source=source, now=now)
    dirty_mark(dirty)


@transaction.atomic
def period_setting_save(*, user: User, organization_id: int, year: int, frequency: str) -> PeriodSetting | None:
    """Set how `year` is reported in the organization: by quarter, by half, or ("") by year only; audited.

    Refused once period values of the year exist in the organization (they would lose their meaning).
    """
    require_admin(user)
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None or not sees_organization(user, organization.pk):
        raise NotFound("기관을 찾을 수 없습니다.")
    if frequency and frequency not in PERIOD_COUNTS:
        choices = ", ".join(label for _, label in PeriodFrequency.choices)
        raise InvalidInput({"frequency": [f"기간 구분은 {choices} 중 하나이거나 비워 두어야 합니다."]})
    current = PeriodSetting.objects.filter(organization=organization, year=year).first()
    old = current.frequency if current else ""
    if old == frequency:
        return current
    refusal = period_setting_refusal(organization_id=organization.pk, year=year)
    if refusal:
        raise InvalidState(refusal)
    if frequency:
        current, _ = PeriodSetting.objects.update_or_create(
            organization=organization, year=year, defaults={"frequency": frequency, "updated_by": user}
        )
    elif current is not None:
        current.delete()
        current = None
    audit_write([audit_record(
        user=user, source=ChangeSource.ADMIN, entity="period_setting", action="update", field="frequency",
        old=old, new=frequency, year=year, comment=organization.name,
    )])
    return current
