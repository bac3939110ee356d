"""Changing the plan: indicator weight, formula, direction, value domains and targets (admins only)."""
from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from accounts.models import User
from core.errors import InvalidInput, NotFound
from core.korean import with_josa
from core.numbers import format_number
from kpis.domain import MAX_PLACES, ValueDomain, ValueRefused, domain_for_unit, value_check
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


DOMAIN_PREFIXES = ("value", "input")  # the reported value's domain, the formula inputs' domain
DOMAIN_PARTS = ("min", "max", "places")
DOMAIN_FIELDS = tuple(f"{prefix}_{part}" for prefix in DOMAIN_PREFIXES for part in DOMAIN_PARTS)


def domain_field_label(name: str) -> str:
    """The Korean name of a domain field, as the admin shows it: 'value_min' → '실적 최솟값'."""
    return str(Indicator._meta.get_field(name).verbose_name)


def indicator_domain_errors(*, prefix: str, domain: ValueDomain) -> dict[str, list[str]]:
    """What is wrong with a domain a planner set, by field ('value_min', …); empty when nothing is.

    Places run from 0 (whole numbers) to MAX_PLACES; a bound is stored like a value (DECIMAL(20, 4)); the
    minimum may not exceed the maximum. The admin form and `indicator_update` both ask here.
    """
    def label(part: str) -> str:
        return domain_field_label(f"{prefix}_{part}")

    errors: dict[str, list[str]] = {}
    places = domain.places
    if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= MAX_PLACES:
        errors[f"{prefix}_places"] = [
            f"{with_josa(label('places'), '은/는')} 0부터 {MAX_PLACES}까지의 정수여야 합니다 (입력한 값: {places})."
        ]
    for part, bound in (("min", domain.minimum), ("max", domain.maximum)):
        if bound is None:
            continue
        try:
            value_check(bound, ValueDomain())
        except ValueRefused as exc:
            errors[f"{prefix}_{part}"] = [f"{label(part)}: {exc.message}"]
    if not errors and domain.minimum is not None and domain.maximum is not None and domain.minimum > domain.maximum:
        minimum = f"{label('min')} {format_number(domain.minimum)}"
        errors[f"{prefix}_min"] = [
            f"{with_josa(minimum, '이/가')} {label('max')} {format_number(domain.maximum)}보다 큽니다."
        ]
    return errors


def method_validate(text: str) -> tuple[str, list[str]]:
    """Return (formula, variables) for a method text, or raise a field error naming position and token."""
    try:
        method = classify_method(text)
    except FormulaError as exc:
        raise InvalidInput({"method_text": [exc.message]}) from exc
    if method.kind == MethodKind.DIRECT or method.formula is None:
        return "", []
    return method.formula.source, list(method.inputs)


KEEP = object()  # an argument left as it is (where None is a value)


@transaction.atomic
def indicator_update(
    *, user: User | None, indicator_id: int, weight: Decimal | None = None, method_text: str | None = None,
    direction: str | None = None, value_domain: ValueDomain | None = None, input_domain: ValueDomain | None = None,
    display_places: int | None | object = KEEP,
    source: str = ChangeSource.WEB, import_run_id: int | None = None, check_permission: bool = True,
) -> Indicator:
    """Change what is given (None: keep; for `display_places`, whose None means "as entered", KEEP), with one
    audit row per changed field.

    A changed value or input domain applies to values saved from now on: values already stored outside it
    stay as they are (`kpis.domain_selectors.values_outside_domains` lists them for a warning).
    """
    if check_permission:
        require_admin(user)
    domains = {
        prefix: domain for prefix, domain in zip(DOMAIN_PREFIXES, (value_domain, input_domain)) if domain is not None
    }
    errors: dict[str, list[str]] = {}
    for prefix, domain in domains.items():
        errors.update(indicator_domain_errors(prefix=prefix, domain=domain))
    if errors:
        raise InvalidInput(errors)
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
    if display_places is not KEEP and display_places != indicator.display_places:
        # Stored working texts show the indicator's decimals: rewrite them at the next recompute.
        entries.append(audit_record(field="display_places", old=indicator.display_places, new=display_places, **common))
        indicator.display_places = display_places
        changed_score_inputs = True
    for prefix, domain in domains.items():
        for part, new in zip(DOMAIN_PARTS, (domain.minimum, domain.maximum, domain.places)):
            name = f"{prefix}_{part}"
            if getattr(indicator, name) != new:
                entries.append(audit_record(field=name, old=getattr(indicator, name), new=new, **common))
                setattr(indicator, name, new)
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
