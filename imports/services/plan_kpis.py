"""Indicators, targets and actuals of one strategic goal, audited and marked for rescoring."""

from __future__ import annotations

from core.errors import InvalidState
from imports.plan_document import IndicatorRow, StrategicGoalBlock
from kpis.models import Actual, ActualStatus, ChangeSource, Department, Indicator, PolicyGoal, Target
from kpis.services.plan import indicator_domain_defaults, target_revises, target_year_check

from .plan_session import PlanSession

# Indicator fields whose changes are audited: they move scores.
AUDITED_INDICATOR_FIELDS = ("weight", "formula", "method_text")


def write_indicators(
    session: PlanSession, dept: Department, policy_goal: PolicyGoal, block: StrategicGoalBlock
) -> None:
    """Indicators by (department, printed name); fields the document does not carry are left alone."""
    current = {ind.name: ind for ind in Indicator.objects.filter(department=dept)}
    for order, row in enumerate(block.indicators, start=1):
        values = {
            "policy_goal_id": policy_goal.pk,
            "short_name": row.short_name,
            "unit": row.unit,
            "kind": row.kind,
            "weight": row.weight,
            "method_text": row.method_text,
            "formula": row.formula,
            "formula_variables": list(row.formula_variables),
            "data_source": row.data_source,
            "target_rationale": row.rationale,
            "bsc_linked": row.bsc_linked,
            "order": order,
        }
        existing = current.pop(row.name, None)
        if existing is None:  # the document carries no value domain: a new indicator's comes from its unit
            values.update(indicator_domain_defaults(row.unit))
        indicator, changes, created = session.save(
            "indicators",
            Indicator,
            existing,
            {"department": dept, "name": row.name},
            values,
            line=row.line,
        )
        for name in AUDITED_INDICATOR_FIELDS:
            if name in changes and not (created and changes[name][1] in ("", None)):
                old, new = changes[name]
                session.log(
                    "indicator",
                    "create" if created else "update",
                    department=dept,
                    indicator=indicator,
                    year=None,
                    field_name=name,
                    old=old,
                    new=new,
                )
        if "weight" in changes:
            session.mark_dirty(dept, {cell.year for cell in row.targets} | {cell.year for cell in row.actuals})
        write_targets(session, dept, indicator, row)
        write_actuals(session, dept, indicator, row)
    session.note_missing(Indicator.objects.filter(pk__in=[i.pk for i in current.values()]), f"{dept.name} 성과지표")


def write_targets(session: PlanSession, dept: Department, indicator: Indicator, row: IndicatorRow) -> None:
    """One target per printed year; a year gone from the document is reported, not deleted."""
    current = {target.year: target for target in indicator.targets.all()}
    for cell in row.targets:
        existing = current.pop(cell.year, None)
        old = None if existing is None else existing.value
        if existing is None or old != cell.value:  # Decimals compare by value (11.0000 == 11)
            try:  # a finalised year refuses any target change, as on every channel
                target_year_check(cell.year, organization_id=dept.bureau.organization_id)
            except InvalidState as exc:
                raise session.invalid(f"{indicator.name}: {exc.message}", row.line) from exc
        target, changes, created = session.save(
            "targets",
            Target,
            existing,
            {"indicator": indicator, "year": cell.year},
            {"value": cell.value},
            line=row.line,
        )
        if changes and target_revises(old, cell.value):
            session.revise_target(target, old, indicator)
            target.save(update_fields=["revised_at"])
        if changes:
            session.log(
                "target",
                "create" if created else "update",
                department=dept,
                indicator=indicator,
                year=cell.year,
                field_name="value",
                old=changes["value"][0],
                new=cell.value,
                comment=session.reason.strip() if target_revises(old, cell.value) else "",
            )
            session.mark_dirty(dept, [cell.year])
    for target in current.values():
        session.stale.append(f"성과지표 '{indicator.name}' {target.year}년 목표가 문서에 없습니다 (남겨 둠)")


def write_actuals(session: PlanSession, dept: Department, indicator: Indicator, row: IndicatorRow) -> None:
    """Actuals the plan owns (source 'plan'); placeholders are stored as not reported."""
    current = {actual.year: actual for actual in indicator.actuals.all()}
    for cell in row.actuals:
        existing = current.pop(cell.year, None)
        if existing is not None and existing.source != ChangeSource.PLAN:
            # Entered or reviewed through the application since: the plan must not overwrite it.
            session.kept.append(
                f"{indicator.name} {cell.year}년 실적은 문서('{cell.raw_text}') 대신 입력된 값을 유지했습니다"
            )
            continue
        status = ActualStatus.NOT_REPORTED if cell.is_placeholder else ActualStatus.APPROVED
        values = {
            "value": cell.value,
            "supplementary_value": cell.supplementary,
            "raw_text": cell.raw_text,
            "status": status,
            "source": ChangeSource.PLAN,
            "placeholder_reason": cell.placeholder_reason,
        }
        # A changed actual gets a new version, as with every writer (optimistic locking on version).
        bump = (
            {"updated_by": session.user, "version": lambda actual: actual.version + 1}
            if existing
            else {"updated_by": session.user}
        )
        _, changes, created = session.save(
            "actuals",
            Actual,
            existing,
            {"indicator": indicator, "year": cell.year},
            values,
            line=row.actual_line,
            on_change=bump,
        )
        for name in ("value", "supplementary_value", "status"):
            if name in changes and (not created or name == "value"):
                session.log(
                    "actual",
                    "create" if created else "update",
                    department=dept,
                    indicator=indicator,
                    year=cell.year,
                    field_name=name,
                    old=changes[name][0],
                    new=changes[name][1],
                    comment=cell.placeholder_reason,
                )
        if changes:
            session.mark_dirty(dept, [cell.year])
    for actual in current.values():
        session.stale.append(f"성과지표 '{indicator.name}' {actual.year}년 실적이 문서에 없습니다 (남겨 둠)")
