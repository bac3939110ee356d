"""Per-period targets: planners set them in the admin, through one audited service."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role, User
from core.errors import InvalidInput, InvalidState, NotFound, PermissionRefused
from kpis.audit_labels import event_label, field_label, history_lines
from kpis.models import AuditEntry, EntryYear, Organization, PeriodSetting, PeriodTarget
from kpis.services.period_targets import period_target_set
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

YEAR = 2025


@pytest.fixture
def halves(sample_plan):
    return PeriodSetting.objects.create(organization=sample_plan.organization, year=YEAR, frequency="half")


def test_a_planner_sets_a_periods_target_and_it_is_audited(halves, admin_user, volunteering):
    period_target_set(user=admin_user, indicator_id=volunteering.pk, year=YEAR, period=1, value=Decimal("2.5"))
    period_target_set(
        user=admin_user, indicator_id=volunteering.pk, year=YEAR, period=1, value=Decimal(3), reason="상반기 행사 반영"
    )
    assert PeriodTarget.objects.get(indicator=volunteering, year=YEAR, period=1).value == 3
    entries = list(AuditEntry.objects.filter(entity="period_target").order_by("id"))
    assert [(e.action, e.old_value, e.new_value, e.period, e.comment) for e in entries] == [
        ("create", "", "2.5", 1, ""), ("update", "2.5", "3", 1, "상반기 행사 반영"),
    ]
    [line] = history_lines(entries[1:], volunteering)
    assert (line.event, line.period, line.comment) == ("기간 목표 수정", "상반기", "상반기 행사 반영")
    assert entries[0].user == admin_user and entries[0].indicator_id == volunteering.pk
    assert (event_label("period_target", "update"), field_label("period_target", "value")) == ("기간 목표 수정", "기간 목표값")


def test_an_unchanged_value_writes_nothing(halves, admin_user, volunteering):
    for _ in range(2):
        period_target_set(user=admin_user, indicator_id=volunteering.pk, year=YEAR, period=2, value=Decimal(6))
    assert AuditEntry.objects.filter(entity="period_target").count() == 1


def test_a_department_user_cannot_set_one(halves, dept_user, volunteering):
    with pytest.raises(PermissionRefused):
        period_target_set(user=dept_user, indicator_id=volunteering.pk, year=YEAR, period=1, value=Decimal(1))
    assert not PeriodTarget.objects.exists()


def test_an_admin_of_another_organization_finds_no_such_indicator(halves, volunteering):
    other = Organization.objects.create(name="전라남도")
    admin_b = User.objects.create_user(username="admin_b", password=PASSWORD, role=Role.ADMIN, organization=other)
    with pytest.raises(NotFound):
        period_target_set(user=admin_b, indicator_id=volunteering.pk, year=YEAR, period=1, value=Decimal(1))
    assert not AuditEntry.objects.filter(entity="period_target").exists()


@pytest.mark.parametrize(
    ("year", "period", "message"),
    [
        (YEAR, 3, "기간은 1(상반기), 2(하반기) 중 하나여야 합니다."),
        (YEAR, 0, "기간은 1(상반기), 2(하반기) 중 하나여야 합니다."),
        (YEAR + 1, 1, "2026년은 기간별(분기·반기)로 실적을 받지 않는 연도입니다."),
    ],
)
def test_a_period_the_year_does_not_have_is_refused(halves, admin_user, volunteering, year, period, message):
    with pytest.raises(InvalidInput) as refused:
        period_target_set(user=admin_user, indicator_id=volunteering.pk, year=year, period=period, value=Decimal(1))
    assert refused.value.errors == {"period": [message]}
    assert not PeriodTarget.objects.exists()


def test_a_finalised_year_is_refused(halves, admin_user, volunteering):
    EntryYear.objects.create(organization=halves.organization, year=YEAR, finalised_at=timezone.now())
    with pytest.raises(InvalidState):
        period_target_set(user=admin_user, indicator_id=volunteering.pk, year=YEAR, period=1, value=Decimal(1))


def test_the_admin_saves_through_the_service(halves, admin_user, volunteering, client):
    client.force_login(admin_user)
    data = {"indicator": volunteering.pk, "year": YEAR, "period": 1, "value": "2.5", "reason": ""}
    response = client.post("/admin/kpis/periodtarget/add/", data)
    assert response.status_code == 302
    assert PeriodTarget.objects.get().value == Decimal("2.5")
    assert AuditEntry.objects.filter(entity="period_target", source="admin").count() == 1


def test_the_admin_shows_a_bad_period_beside_the_field_and_saves_nothing(halves, admin_user, volunteering, client):
    client.force_login(admin_user)
    data = {"indicator": volunteering.pk, "year": YEAR, "period": 4, "value": "2.5"}
    response = client.post("/admin/kpis/periodtarget/add/", data)
    assert response.status_code == 200
    assert "기간은 1(상반기), 2(하반기) 중 하나여야 합니다." in response.content.decode()
    assert not PeriodTarget.objects.exists() and not AuditEntry.objects.filter(entity="period_target").exists()


def test_the_admin_offers_only_its_own_organizations_indicators(halves, volunteering, client):
    from accounts.services import user_create_or_update

    Organization.objects.create(name="전라남도")
    admin_b, _ = user_create_or_update(
        username="admin_b", role="admin", password=PASSWORD, validate=False, organization_name="전라남도"
    )
    PeriodTarget.objects.create(indicator=volunteering, year=YEAR, period=1, value=Decimal(1))
    client.force_login(admin_b)
    assert "자원봉사" not in client.get("/admin/kpis/periodtarget/").content.decode()
    data = {"indicator": volunteering.pk, "year": YEAR, "period": 2, "value": "2.5"}
    response = client.post("/admin/kpis/periodtarget/add/", data)
    assert response.status_code == 200  # the form refuses the choice; no 500
    assert PeriodTarget.objects.count() == 1 and not AuditEntry.objects.filter(entity="period_target").exists()
