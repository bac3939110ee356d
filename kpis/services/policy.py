"""Scoring policy versions: the newest version of a year is in force."""
from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from accounts.models import User
from kpis.models import Department, ScoringPolicy
from kpis.services.dirty import dirty_mark
from kpis.services.permissions import require_admin
from kpis.services.policy_rules import POLICY_FIELDS, policy_current, policy_rules

__all__ = ["POLICY_FIELDS", "policy_current", "policy_revise", "policy_rules"]


@transaction.atomic
def policy_revise(*, user: User, year: int, note: str = "", **changes: Decimal | str | bool | None) -> ScoringPolicy:
    """Save changed rules as a new version (old versions stay to explain past results).

    Every department's score of the year is marked dirty, so the workers recompute it.
    """
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
