"""Changing an indicator's value domains: planners only, checked, audited; stored values are left alone."""
from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import InvalidInput, PermissionRefused
from kpis.domain import ValueDomain
from kpis.domain_selectors import outside_warning, values_outside_domains
from kpis.models import Actual, ActualStatus, AuditEntry, ChangeSource, Indicator, Target
from kpis.services.plan import DOMAIN_FIELDS, indicator_domain_errors, indicator_update

pytestmark = pytest.mark.django_db
D = Decimal


def test_a_planner_widens_a_domain_and_each_changed_field_is_audited(admin_user, meetings):
    indicator = indicator_update(
        user=admin_user, indicator_id=meetings.pk, value_domain=ValueDomain(D(-100), D(100), 1),
        input_domain=ValueDomain(D(-100), None, 0),
    )

    assert (indicator.value_min, indicator.value_max, indicator.value_places) == (D(-100), D(100), 1)
    assert (indicator.input_min, indicator.input_max, indicator.input_places) == (D(-100), None, 0)
    audit = AuditEntry.objects.filter(indicator=meetings, field__in=DOMAIN_FIELDS).order_by("field")
    assert [(a.field, a.old_value, a.new_value, a.source) for a in audit] == [
        ("input_min", "0", "-100", ChangeSource.WEB),
        ("value_max", "", "100", ChangeSource.WEB),
        ("value_min", "0", "-100", ChangeSource.WEB),
        ("value_places", "0", "1", ChangeSource.WEB),
    ]
    assert {a.user_id for a in audit} == {admin_user.pk}


def test_an_unchanged_domain_writes_no_audit_row(admin_user, meetings):
    before = AuditEntry.objects.count()

    indicator_update(user=admin_user, indicator_id=meetings.pk, value_domain=meetings.value_domain)

    assert AuditEntry.objects.count() == before


def test_a_department_user_cannot_change_a_domain(dept_user, meetings):
    with pytest.raises(PermissionRefused):
        indicator_update(user=dept_user, indicator_id=meetings.pk, value_domain=ValueDomain(D(-5), None, 0))

    assert Indicator.objects.get(pk=meetings.pk).value_min == 0


@pytest.mark.parametrize(
    ("prefix", "domain", "expected"),
    [
        ("value", ValueDomain(D(10), D(5), 0), {"value_min": ["실적 최솟값 10이 실적 최댓값 5보다 큽니다."]}),
        ("input", ValueDomain(D(1), D(0), 2), {"input_min": ["산식 입력값 최솟값 1이 산식 입력값 최댓값 0보다 큽니다."]}),
        ("value", ValueDomain(None, None, 5), {"value_places": ["실적 소수 자릿수는 0부터 4까지의 정수여야 합니다 (입력한 값: 5)."]}),
        ("value", ValueDomain(None, None, -1), {"value_places": ["실적 소수 자릿수는 0부터 4까지의 정수여야 합니다 (입력한 값: -1)."]}),
        ("value", ValueDomain(D("0.12345"), None, 4), {"value_min": ["실적 최솟값: '0.12345': 소수 넷째 자리까지 입력할 수 있습니다"]}),
        ("input", ValueDomain(None, D("1E+20"), 4), {
            "input_max": ["산식 입력값 최댓값: '100000000000000000000'은 너무 큰 숫자입니다 (1경 미만만 입력할 수 있습니다)"],
        }),
        ("value", ValueDomain(D(-100), D(-100), 0), {}),
    ],
)
def test_a_domain_is_checked_with_a_korean_message_naming_the_field(prefix, domain, expected):
    assert indicator_domain_errors(prefix=prefix, domain=domain) == expected


def test_a_refused_domain_changes_nothing(admin_user, meetings):
    before = AuditEntry.objects.count()

    with pytest.raises(InvalidInput) as refused:
        indicator_update(
            user=admin_user, indicator_id=meetings.pk, weight=D(25), value_domain=ValueDomain(D(10), D(5), 0),
        )

    assert refused.value.errors == {"value_min": ["실적 최솟값 10이 실적 최댓값 5보다 큽니다."]}
    assert Indicator.objects.get(pk=meetings.pk).weight == D(30)
    assert AuditEntry.objects.count() == before


def test_values_stored_outside_a_narrowed_domain_stay_and_are_reported(admin_user, meetings):
    Actual.objects.create(indicator=meetings, year=2025, value=D(32), inputs={"개최횟수": "32"},
                          status=ActualStatus.DRAFT)

    indicator = indicator_update(user=admin_user, indicator_id=meetings.pk, value_domain=ValueDomain(D(0), D(11), 0),
                                 input_domain=ValueDomain(D(0), D(20), 0))

    assert Actual.objects.get(indicator=meetings, year=2025).value == D(32)
    assert Actual.objects.get(indicator=meetings, year=2023).value == D(12)
    assert Target.objects.get(indicator=meetings, year=2023).value == D(11)
    outside = values_outside_domains({meetings.pk: (indicator.value_domain, indicator.input_domain)})[meetings.pk]
    assert outside_warning(outside) == (
        "저장된 값 3건이 새 범위를 벗어납니다 (바꾸지 않습니다): 실적(2023) 12, 실적(2025) 32, 실적(2025) 개최횟수 32"
    )


def test_a_warning_names_five_values_and_counts_the_rest(admin_user, meetings):
    indicator = indicator_update(user=admin_user, indicator_id=meetings.pk, value_domain=ValueDomain(D(0), D(5), 0))

    outside = values_outside_domains({meetings.pk: (indicator.value_domain, indicator.input_domain)})[meetings.pk]

    assert outside_warning(outside) == (
        "저장된 값 6건이 새 범위를 벗어납니다 (바꾸지 않습니다): 목표(2023) 11, 목표(2024) 11, 목표(2025) 11, "
        "목표(2026) 11, 목표(2027) 11 외 1건"
    )
