"""The indicator admin: value domains edited there are checked and saved through indicator_update (audited)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.forms.models import model_to_dict

from kpis.models import Actual, AuditEntry, ChangeSource, DirtyScore, Indicator

pytestmark = pytest.mark.django_db
D = Decimal
EDITABLE = (
    "department", "policy_goal", "name", "short_name", "unit", "kind", "direction", "data_source", "target_rationale",
    "bsc_linked", "order", "band_tolerance", "value_min", "value_max", "value_places", "input_min", "input_max",
    "input_places", "display_places",
)


def change_url(indicator: Indicator) -> str:
    return f"/admin/kpis/indicator/{indicator.pk}/change/"


def form_data(indicator: Indicator, **changes) -> dict:
    """What the change form posts: the indicator's fields as shown, `changes` typed over them, and the targets
    inline as it stands (values unchanged, no reason)."""
    data = {name: "" if value is None else value for name, value in model_to_dict(indicator, fields=EDITABLE).items()}
    if not data["bsc_linked"]:
        del data["bsc_linked"]  # an unticked box is not posted
    targets = list(indicator.targets.order_by("year"))
    data.update({
        "targets-TOTAL_FORMS": len(targets), "targets-INITIAL_FORMS": len(targets), "targets-MIN_NUM_FORMS": 0,
        "targets-MAX_NUM_FORMS": 1000,
    })
    for index, target in enumerate(targets):
        data[f"targets-{index}-id"] = target.pk
        data[f"targets-{index}-indicator"] = indicator.pk
        data[f"targets-{index}-value"] = "" if target.value is None else target.value
    data.update(changes)
    return data


@pytest.fixture
def planner(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_domain_fields_are_editable_and_the_plan_fields_stay_read_only(planner, meetings):
    page = planner.get(change_url(meetings)).content.decode()

    for name in ("value_min", "value_max", "value_places", "input_min", "input_max", "input_places"):
        assert f'name="{name}"' in page
    for name in ("weight", "method_text", "formula"):
        assert f'name="{name}"' not in page


def test_a_planner_widens_a_domain_in_the_admin_and_it_is_audited(planner, admin_user, meetings):
    response = planner.post(change_url(meetings), form_data(meetings, value_min="-100", input_min="-100"))

    assert response.status_code == 302, response.content.decode()[:2000]
    indicator = Indicator.objects.get(pk=meetings.pk)
    assert (indicator.value_min, indicator.input_min) == (D(-100), D(-100))
    audit = AuditEntry.objects.filter(indicator=meetings, field__in=["value_min", "input_min"]).order_by("field")
    assert [(a.field, a.old_value, a.new_value, a.source, a.user_id) for a in audit] == [
        ("input_min", "0", "-100", ChangeSource.WEB, admin_user.pk),
        ("value_min", "0", "-100", ChangeSource.WEB, admin_user.pk),
    ]


def test_a_minimum_above_the_maximum_is_refused_beside_the_field(planner, meetings):
    before = AuditEntry.objects.count()

    response = planner.post(change_url(meetings), form_data(meetings, value_min="10", value_max="5"))

    assert response.status_code == 200
    assert "실적 최솟값 10이 실적 최댓값 5보다 큽니다." in response.content.decode()
    assert Indicator.objects.get(pk=meetings.pk).value_max is None
    assert AuditEntry.objects.count() == before


def test_narrowing_a_domain_keeps_stored_values_and_warns_about_them(planner, meetings):
    response = planner.post(change_url(meetings), form_data(meetings, value_max="11"), follow=True)

    assert Indicator.objects.get(pk=meetings.pk).value_max == D(11)
    assert Actual.objects.get(indicator=meetings, year=2023).value == D(12)
    assert "저장된 값 1건이 새 범위를 벗어납니다 (바꾸지 않습니다): 실적(2023) 12" in response.content.decode()


def test_a_direction_changed_in_the_admin_is_audited(planner, meetings):
    planner.post(change_url(meetings), form_data(meetings, direction="down"))

    entry = AuditEntry.objects.get(indicator=meetings, field="direction")
    assert (entry.old_value, entry.new_value) == ("up", "down")


def test_staff_who_are_not_planners_cannot_change_the_domain(client, meetings, evaluator):
    evaluator.is_staff = True
    evaluator.save()
    evaluator.user_permissions.add(*Permission.objects.filter(codename__in=["change_indicator", "view_indicator"]))
    client.force_login(evaluator)

    page = client.get(change_url(meetings)).content.decode()
    response = client.post(change_url(meetings), form_data(meetings, value_min="-100", data_source="부서 자료"))

    assert 'name="data_source"' in page and 'name="value_min"' not in page and 'name="direction"' not in page
    assert response.status_code == 302
    indicator = Indicator.objects.get(pk=meetings.pk)
    assert (indicator.data_source, indicator.value_min) == ("부서 자료", D(0))


def test_a_planner_sets_the_decimals_shown_and_the_scores_are_marked_for_recompute(planner, admin_user, meetings):
    DirtyScore.objects.all().delete()

    response = planner.post(change_url(meetings), form_data(meetings, display_places="1"))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Indicator.objects.get(pk=meetings.pk).figure(D(12)) == "12.0"
    audit = AuditEntry.objects.get(indicator=meetings, field="display_places")
    assert (audit.old_value, audit.new_value, audit.user_id) == ("", "1", admin_user.pk)
    # the stored working texts show the indicator's decimals: every year with a target is recomputed
    years = set(meetings.targets.values_list("year", flat=True))
    assert set(DirtyScore.objects.filter(department_id=meetings.department_id).values_list("year", flat=True)) >= years
