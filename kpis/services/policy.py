"""Scoring policy versions: the newest version of a year is in force."""
from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction

from kpis.models import Department, ScoringPolicy
from kpis.scoring import Rules
from kpis.services.dirty import dirty_mark
from kpis.services.permissions import require_admin

POLICY_FIELDS = (
    "cap", "floor", "lower_is_better", "range_tolerance", "unreported", "grade_s", "grade_a", "grade_b", "grade_c",
)


def policy_current(year: int) -> ScoringPolicy:
    """The policy in force for a year; a year without one gets the documented default (v1)."""
    policy = ScoringPolicy.objects.filter(year=year).order_by("-version").first()
    if policy is not None:
        return policy
    try:
        with transaction.atomic():
            return ScoringPolicy.objects.create(year=year, version=1, note="기본 평가 기준")
    except IntegrityError:
        return ScoringPolicy.objects.filter(year=year).order_by("-version").first()


def policy_rules(policy: ScoringPolicy) -> Rules:
    return Rules(
        cap=policy.cap,
        floor=policy.floor,
        lower_is_better=policy.lower_is_better,
        range_tolerance=policy.range_tolerance,
        unreported=policy.unreported,
        grade_bands=(("S", policy.grade_s), ("A", policy.grade_a), ("B", policy.grade_b), ("C", policy.grade_c)),
    )


@transaction.atomic
def policy_revise(*, user, year: int, note: str = "", **changes: Decimal | str | None) -> ScoringPolicy:
    """Save changed rules as a new version (old versions stay to explain past results)."""
    require_admin(user)
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"unknown policy fields: {sorted(unknown)}")
    current = policy_current(year)
    new = ScoringPolicy(year=year, version=current.version + 1, created_by=user, note=note)
    for name in POLICY_FIELDS:
        setattr(new, name, changes.get(name, getattr(current, name)))
    new.full_clean()
    new.save()
    dirty_mark((pk, year) for pk in Department.objects.values_list("pk", flat=True))
    return new
