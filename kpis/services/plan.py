"""Changing the plan: indicator weight, formula, direction, value domains and targets (admins only).

A changed target keeps its old value (TargetRevision, with a required reason); finalised years refuse changes.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.errors import InvalidInput, InvalidState, NotFound
from core.korean import with_josa
from core.numbers import format_number
from kpis.domain import MAX_PLACES, ValueDomain, ValueRefused, domain_for_unit, value_check
from kpis.formulas import FormulaError, MethodKind, classify_method
from kpis.models import ChangeSource, Indicator, Target, TargetRevision
from kpis.services.audit import audit_record, audit_write
from kpis.services.dirty import dirty_mark
from kpis.services.permissions import require_admin, require_department_in_scope
from kpis.years import year_is_finalised


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
    if check_permission:  # an admin changes the plan of their own organization(s) only
        require_department_in_scope(user, indicator.department_id, "성과지표")
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


REASON_REQUIRED = "목표를 바꾸는 사유를 입력하세요."


def target_year_check(year: int, *, organization_id: int) -> None:
    """Refuse a target change in a year the indicator's organization has finalised (every channel asks here,
    through `target_set`); another organization's finalised year does not matter."""
    if year_is_finalised(organization_id, year):
        raise InvalidState(
            f"확정된 연도의 목표는 바꿀 수 없습니다 ({year}년 결과 확정됨). "
            "관리자가 사유를 적어 확정을 해제한 뒤 바꾸세요."
        )


def target_revises(old: Decimal | None, new: Decimal | None) -> bool:
    """A change is a revision when the target had a value and gets a different one (None included)."""
    return old is not None and (new is None or Decimal(old) != Decimal(new))


def target_reason(reason: str | None) -> str:
    """The reason for a revision, trimmed; refused when blank."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": [REASON_REQUIRED]})
    return reason


def target_revision(
    target: Target, *, old: Decimal, user: User | None, source: str, reason: str, now: datetime,
    import_run_id: int | None = None,
) -> TargetRevision:
    """The (unsaved) record of `target` revised from `old` to its current value; marks the target revised at
    `now`. The one construction of a revision (`target_set`, the plan document writer)."""
    target.revised_at = now
    return TargetRevision(
        target=target, indicator_id=target.indicator_id, year=target.year, old_value=old, new_value=target.value,
        changed_by=user if getattr(user, "pk", None) else None, changed_at=now, source=source,
        import_run_id=import_run_id, reason=reason,
    )


@transaction.atomic
def target_set(
    *, user: User | None, indicator_id: int, year: int, value: Decimal | None, source: str = ChangeSource.WEB,
    import_run_id: int | None = None, check_permission: bool = True, reason: str = "",
) -> Target:
    """Set the target of `year`; unchanged, nothing is written.

    A target that had a value keeps it as a TargetRevision (who, when, source, `reason` — required then);
    setting a target that had none is audited but is no revision. A finalised year refuses any change.
    """
    if check_permission:
        require_admin(user)
    indicator = Indicator.objects.select_related("department__bureau").filter(pk=indicator_id).first()
    if indicator is None:
        raise NotFound("성과지표를 찾을 수 없습니다.")
    if check_permission:  # an admin changes the targets of their own organization(s) only
        require_department_in_scope(user, indicator.department_id, "성과지표")
    target = Target.objects.select_for_update().filter(indicator=indicator, year=year).first()
    old = None if target is None else target.value
    if target is not None and old == value:
        return target
    target_year_check(year, organization_id=indicator.department.bureau.organization_id)
    revised = target_revises(old, value)
    reason = target_reason(reason) if revised else (reason or "").strip()
    created = target is None
    if created:
        target = Target.objects.create(indicator=indicator, year=year, value=value)
    else:
        target.value = value
        revision = target_revision(
            target, old=old, user=user, source=source, reason=reason, now=timezone.now(), import_run_id=import_run_id,
        ) if revised else None
        target.save(update_fields=["value", "revised_at"])
        if revision is not None:
            revision.save()
    audit_write(
        [
            audit_record(
                user=user, source=source, entity="target", action="create" if created else "update", field="value",
                old=old, new=value, department_id=indicator.department_id, indicator_id=indicator.pk, year=year,
                import_run_id=import_run_id, comment=reason,
            )
        ]
    )
    dirty_mark([(indicator.department_id, year)])
    return target
