"""Changing the plan: indicator weight, formula, direction and targets (admins only)."""
from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from accounts.models import User
from core.errors import InvalidInput, NotFound
from kpis.domain import domain_for_unit
from kpis.formulas import FormulaError, MethodKind, classify_method
from kpis.models import ChangeSource, Indicator, Target
from kpis.services.audit import audit_record, audit_write
from kpis.services.dirty import dirty_mark
from kpis.services.permissions import require_admin


def indicator_domain_defaults(unit: str) -> dict[str, Decimal | int | None]:
    """The value domain fields of a new indicator measured in `unit` (its inputs get the same)."""
    domain = domain_for_unit(unit)
    return {
        "value_min": domain.minimum, "value_max": domain.maximum, "value_places": domain.places,
        "input_min": domain.minimum, "input_max": domain.maximum, "input_places": domain.places,
    }


def method_validate(text: str) -> tuple[str, list[str]]:
    """Return (formula, variables) for a method text, or raise a field error naming position and token."""
    try:
        method = classify_method(text)
    except FormulaError as exc:
        raise InvalidInput({"method_text": [exc.message]}) from exc
    if method.kind == MethodKind.DIRECT or method.formula is None:
        return "", []
    return method.formula.source, list(method.inputs)


@transaction.atomic
def indicator_update(
    *, user: User | None, indicator_id: int, weight: Decimal | None = None, method_text: str | None = None,
    direction: str | None = None, source: str = ChangeSource.WEB, import_run_id: int | None = None,
    check_permission: bool = True,
) -> Indicator:
    if check_permission:
        require_admin(user)
    indicator = Indicator.objects.select_for_update().filter(pk=indicator_id).first()
    if indicator is None:
        raise NotFound("성과지표를 찾을 수 없습니다.")
    entries = []
    common = {
        "user": user, "source": source, "entity": "indicator", "action": "update",
        "department_id": indicator.department_id, "indicator_id": indicator.pk, "import_run_id": import_run_id,
    }
    changed_score_inputs = False
    if weight is not None and weight != indicator.weight:
        if weight < 0:
            raise InvalidInput({"weight": ["가중치는 0 이상이어야 합니다."]})
        entries.append(audit_record(field="weight", old=indicator.weight, new=weight, **common))
        indicator.weight = weight
        changed_score_inputs = True
    if method_text is not None and method_text != indicator.method_text:
        formula, variables = method_validate(method_text)
        entries.append(audit_record(field="formula", old=indicator.method_text, new=method_text, **common))
        indicator.method_text, indicator.formula, indicator.formula_variables = method_text, formula, variables
    if direction is not None and direction != indicator.direction:
        entries.append(audit_record(field="direction", old=indicator.direction, new=direction, **common))
        indicator.direction = direction
        changed_score_inputs = True
    indicator.full_clean()
    indicator.save()
    audit_write(entries)
    if changed_score_inputs:
        years = set(indicator.targets.values_list("year", flat=True)) | set(
            indicator.actuals.values_list("year", flat=True)
        )
        dirty_mark((indicator.department_id, year) for year in years)
    return indicator


@transaction.atomic
def target_set(
    *, user: User | None, indicator_id: int, year: int, value: Decimal | None, source: str = ChangeSource.WEB,
    import_run_id: int | None = None, check_permission: bool = True,
) -> Target:
    if check_permission:
        require_admin(user)
    indicator = Indicator.objects.filter(pk=indicator_id).first()
    if indicator is None:
        raise NotFound("성과지표를 찾을 수 없습니다.")
    target, created = Target.objects.get_or_create(indicator=indicator, year=year, defaults={"value": value})
    old = None if created else target.value
    if not created and old == value:
        return target
    target.value = value
    target.save(update_fields=["value"])
    audit_write(
        [
            audit_record(
                user=user, source=source, entity="target", action="create" if created else "update", field="value",
                old=old, new=value, department_id=indicator.department_id, indicator_id=indicator.pk, year=year,
                import_run_id=import_run_id,
            )
        ]
    )
    dirty_mark([(indicator.department_id, year)])
    return target
