"""The scoring policy in force and its rules, as the recompute reads them.

Kept apart from kpis.services.policy (which revises policies and marks every department dirty, and
so wakes the workers): the workers' own code imports this module, never the dirty marks.
"""
from __future__ import annotations

from django.db import IntegrityError, transaction

from kpis.models import ScoringPolicy
from kpis.scoring import Rules

POLICY_FIELDS = (
    "cap", "floor", "lower_is_better", "range_tolerance", "unreported", "provisional", "grade_s", "grade_a",
    "grade_b", "grade_c",
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
        provisional=policy.provisional,
    )
