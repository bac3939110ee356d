"""The admin's scoring policy form saves through the policy service: a new version, audited by who, all dirty."""
from __future__ import annotations

from decimal import Decimal

import pytest

from kpis.models import Department, DirtyScore, ScoringPolicy
from kpis.services.policy import policy_current
from kpis.services.scores import scores_recompute

pytestmark = pytest.mark.django_db


def form(policy: ScoringPolicy, **changes) -> dict:
    data = {
        "year": policy.year, "cap": policy.cap, "floor": policy.floor, "lower_is_better": policy.lower_is_better,
        "range_tolerance": policy.range_tolerance, "unreported": policy.unreported, "grade_s": policy.grade_s,
        "grade_a": policy.grade_a, "grade_b": policy.grade_b, "grade_c": policy.grade_c, "note": policy.note,
    }
    if policy.provisional:
        data["provisional"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_editing_a_policy_in_the_admin_saves_a_new_version_and_marks_every_department(client, admin_user):
    scores_recompute(2023)
    first = policy_current(2023)
    assert not DirtyScore.objects.filter(year=2023).exists()
    client.force_login(admin_user)

    response = client.post(
        f"/admin/kpis/scoringpolicy/{first.pk}/change/", form(first, provisional="on", note="제출 실적 잠정 반영")
    )

    assert response.status_code == 302
    new = ScoringPolicy.objects.get(year=2023, version=2)
    assert (new.provisional, new.note, new.created_by) == (True, "제출 실적 잠정 반영", admin_user)
    first.refresh_from_db()
    assert (first.version, first.provisional) == (1, False)  # the old version stays to explain old results
    assert set(DirtyScore.objects.filter(year=2023).values_list("department_id", flat=True)) == set(
        Department.objects.values_list("pk", flat=True)
    )
    assert client.get("/admin/kpis/scoringpolicy/").status_code == 200


def test_adding_a_policy_for_a_new_year_starts_after_its_default(client, admin_user):
    client.force_login(admin_user)
    response = client.post("/admin/kpis/scoringpolicy/add/", form(ScoringPolicy(year=2024), cap=Decimal(100)))
    assert response.status_code == 302
    assert list(ScoringPolicy.objects.filter(year=2024).values_list("version", "cap")) == [
        (2, Decimal("100.00")), (1, Decimal("120.00")),
    ]


def test_a_bad_policy_is_refused_by_the_form_and_saves_nothing(client, admin_user):
    first = policy_current(2023)
    client.force_login(admin_user)
    response = client.post(f"/admin/kpis/scoringpolicy/{first.pk}/change/", form(first, cap=Decimal(-1)))
    assert response.status_code == 200  # the form again, with its error
    assert ScoringPolicy.objects.filter(year=2023).count() == 1
