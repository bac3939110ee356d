"""What counts (반영 여부): the one rule that says whether an actual is part of a score.

An evaluation scores approved (승인) values. The year's scoring policy may admit submitted (제출)
values as provisional (잠정), labelled so on every page, export and API response. Drafts (작성 중)
and returned (반려) values never count: for completeness, the status counts and the reminders they
are outstanding, like an actual never reported (미보고). Nor does a status without a value.

The recompute (scores and baselines), the scoreboard's status counts, the drill-down, weak-target
checks, reminders and finalised snapshots all ask ``classify_actual``.
"""
from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

# The values of kpis.models.ActualStatus (this module stays free of the ORM).
APPROVED = "approved"
SUBMITTED = "submitted"


class Standing(StrEnum):
    COUNTED = "counted"  # an approved value: in the score
    PROVISIONAL = "provisional"  # a submitted value the policy admits: in the score, labelled 잠정
    AWAITING = "awaiting"  # a submitted value the policy does not admit: with the evaluators, not in the score
    OUTSTANDING = "outstanding"  # not reported, a draft, returned, or no value: the department's to do

    @property
    def in_score(self) -> bool:
        return self is Standing.COUNTED or self is Standing.PROVISIONAL


def classify_actual(status: str | None, has_value: bool, *, provisional: bool) -> Standing:
    """Where an actual of ``status`` stands under a policy that does (or does not) admit submitted values."""
    if not has_value:
        return Standing.OUTSTANDING
    if status == APPROVED:
        return Standing.COUNTED
    if status == SUBMITTED:
        return Standing.PROVISIONAL if provisional else Standing.AWAITING
    return Standing.OUTSTANDING


def official_value(status: str | None, value: Decimal | None) -> Decimal | None:
    """A figure as shown where only an official one belongs (last year beside this year's entry, an export's
    last year, a plan's last reported actual): the approved value, never a draft, submitted or returned one."""
    return value if classify_actual(status, value is not None, provisional=False) is Standing.COUNTED else None
