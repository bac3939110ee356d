"""What counts: one rule for every score, count and reminder, table-driven without a database."""
from __future__ import annotations

import pytest

from kpis.models import ActualStatus
from kpis.scoring import Standing, classify_actual

COUNTED, PROVISIONAL, AWAITING, OUTSTANDING = (
    Standing.COUNTED, Standing.PROVISIONAL, Standing.AWAITING, Standing.OUTSTANDING,
)


@pytest.mark.parametrize(
    ("status", "has_value", "provisional", "expected"),
    [
        # Approved values always count.
        (ActualStatus.APPROVED, True, False, COUNTED),
        (ActualStatus.APPROVED, True, True, COUNTED),
        # Submitted values count only when the policy admits them, and then as provisional.
        (ActualStatus.SUBMITTED, True, False, AWAITING),
        (ActualStatus.SUBMITTED, True, True, PROVISIONAL),
        # Drafts and returned values never count, whatever the policy: they are outstanding.
        (ActualStatus.DRAFT, True, False, OUTSTANDING),
        (ActualStatus.DRAFT, True, True, OUTSTANDING),
        (ActualStatus.RETURNED, True, False, OUTSTANDING),
        (ActualStatus.RETURNED, True, True, OUTSTANDING),
        (ActualStatus.NOT_REPORTED, True, True, OUTSTANDING),  # a placeholder value is no report
        (ActualStatus.NOT_REPORTED, False, False, OUTSTANDING),
        # No value, no count, whatever the status says.
        (ActualStatus.APPROVED, False, False, OUTSTANDING),
        (ActualStatus.SUBMITTED, False, True, OUTSTANDING),
        # No actual row at all.
        (None, False, True, OUTSTANDING),
        ("unknown", True, True, OUTSTANDING),
    ],
)
def test_it_classifies_an_actual_by_status_value_and_policy(status, has_value, provisional, expected):
    assert classify_actual(status, has_value, provisional=provisional) is expected


@pytest.mark.parametrize(
    ("standing", "in_score"),
    [(COUNTED, True), (PROVISIONAL, True), (AWAITING, False), (OUTSTANDING, False)],
)
def test_only_counted_and_provisional_values_are_in_the_score(standing, in_score):
    assert standing.in_score is in_score


def test_every_status_the_model_knows_is_classified_as_the_domain_says():
    """The pure module names statuses by their stored values; a renamed status would fail here."""
    under_provisional = {status: classify_actual(status, True, provisional=True) for status in ActualStatus.values}
    assert under_provisional == {
        "not_reported": OUTSTANDING, "draft": OUTSTANDING, "submitted": PROVISIONAL, "approved": COUNTED,
        "returned": OUTSTANDING,
    }
