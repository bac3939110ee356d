"""Form fields a browser would never send: the entry and review forms answer them, never with a server error."""
from __future__ import annotations

import pytest
from django.urls import reverse

from kpis.models import Actual, ActualStatus
from kpis.services.actuals import actual_save
from kpis.services.workflow import actual_submit

pytestmark = pytest.mark.django_db
YEAR = 2024
ODD_VERSIONS = ["²", "١٢", "1²", "99999999999999999999999", "-1", " "]


def saved(user, indicator) -> Actual:
    """A draft of 10 over the sample's 2024 placeholder."""
    seen = Actual.objects.get(indicator=indicator, year=YEAR).version
    return actual_save(user=user, indicator_id=indicator.pk, year=YEAR, inputs={"개최횟수": "10"}, expected_version=seen)


def save_url(indicator) -> str:
    return reverse("entry:save", args=[indicator.department_id, YEAR, indicator.pk])


@pytest.mark.parametrize("version", ODD_VERSIONS)
def test_an_odd_version_in_the_entry_form_is_a_refusal_not_a_server_error(client, dept_user, meetings, version):
    saved(dept_user, meetings)
    client.force_login(dept_user)

    response = client.post(save_url(meetings), {"version": version, "in_0": "12", "action": "save"}, follow=True)

    assert response.status_code == 200
    # The version the user saw is unknown: a conflict, told as their own earlier save (they made the draft).
    assert "이미 저장된 변경입니다" in response.content.decode()
    assert Actual.objects.get(indicator=meetings, year=YEAR).value == 10


@pytest.mark.parametrize("version", ODD_VERSIONS)
def test_an_odd_version_in_the_submit_form_is_answered_on_the_page(client, dept_user, meetings, version):
    saved(dept_user, meetings)
    client.force_login(dept_user)
    url = reverse("entry:submit", args=[meetings.department_id, YEAR, meetings.pk])

    response = client.post(url, {"version": version}, follow=True)

    assert response.status_code == 200


@pytest.mark.parametrize("version", ODD_VERSIONS)
def test_an_odd_version_in_the_review_form_is_answered_on_the_page(client, dept_user, evaluator, meetings, version):
    draft = saved(dept_user, meetings)
    actual_submit(user=dept_user, actual_id=draft.pk, expected_version=draft.version)
    client.force_login(evaluator)

    response = client.post(reverse("entry:decide", args=[draft.pk]), {"version": version, "decision": "approve"},
                           follow=True)

    assert response.status_code == 200
    assert Actual.objects.get(pk=draft.pk).status in (ActualStatus.SUBMITTED, ActualStatus.APPROVED)
