"""Each organization has its own entry window per year: closing, finalising and reopening organization A's year
leaves organization B's open and writable, and A's admin can neither finalise, reopen nor close B's year."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Role, User
from core.errors import InvalidState, NotFound, YearClosed
from kpis.models import AuditEntry, Department, DepartmentScore, EntryYear, Indicator, ScoreSnapshot
from kpis.services.finalise import year_finalise, year_reopen
from kpis.services.permissions import require_year_open, require_years_open
from kpis.services.plan import target_set
from kpis.services.reminders import reminders_send
from kpis.years import year_is_finalised
from tests.conftest import PASSWORD
from tests.factories import entry_year
from tests.scope_world import World, build_world

pytestmark = pytest.mark.django_db

FINALISED = 2023  # the sample's year with actuals and scores


@pytest.fixture
def world(sample_plan) -> World:
    return build_world(sample_plan)


@pytest.fixture
def admin_b(world) -> User:
    return User.objects.create_user(username="admin_b", password=PASSWORD, role=Role.ADMIN, organization=world.b)


def a_twin(world: World) -> Indicator:
    """A's indicator of the same plan line as B's `world.indicator`."""
    return Indicator.objects.get(
        department__bureau__organization=world.a, order=world.indicator.order,
        department__order=world.indicator.department.order,
    )


def test_finalising_a_freezes_and_recomputes_a_alone(world, admin_user, admin_b):
    assert year_finalise(user=admin_user, organization_id=world.a.pk, year=FINALISED) == 3

    frozen = set(ScoreSnapshot.objects.filter(year=FINALISED).values_list("department__bureau__organization_id", flat=True))
    assert frozen == {world.a.pk}
    assert not DepartmentScore.objects.filter(year=FINALISED, department__bureau__organization=world.b).exists()
    assert year_is_finalised(world.a.pk, FINALISED) and not year_is_finalised(world.b.pk, FINALISED)
    # B's targets of the year still change; A's are refused as finalised.
    target_set(user=admin_b, indicator_id=world.indicator.pk, year=FINALISED, value=Decimal(7), reason="정정")
    with pytest.raises(InvalidState):
        target_set(user=admin_user, indicator_id=a_twin(world).pk, year=FINALISED, value=Decimal(7), reason="정정")
    # B finalises its own year later, with its own snapshots; A's stay as they were.
    a_snapshots = list(ScoreSnapshot.objects.filter(department__bureau__organization=world.a).values_list("pk", "score"))
    assert year_finalise(user=admin_b, organization_id=world.b.pk, year=FINALISED) == 3
    assert list(ScoreSnapshot.objects.filter(department__bureau__organization=world.a).values_list("pk", "score")) == (
        a_snapshots
    )


def test_reopening_a_leaves_b_finalised(world, admin_user, admin_b):
    year_finalise(user=admin_user, organization_id=world.a.pk, year=FINALISED)
    year_finalise(user=admin_b, organization_id=world.b.pk, year=FINALISED)

    year_reopen(user=admin_user, organization_id=world.a.pk, year=FINALISED, reason="감사 결과 정정")

    assert not year_is_finalised(world.a.pk, FINALISED) and year_is_finalised(world.b.pk, FINALISED)


def test_closing_a_leaves_bs_departments_open(world, admin_user):
    entry_year(2025, organization=world.a, is_closed=True, closed_reason="갑 마감")
    own = Department.objects.filter(bureau__organization=world.a).first()

    require_year_open(world.department.pk, 2025)  # B's department: open
    with pytest.raises(YearClosed, match="갑 마감"):
        require_year_open(own.pk, 2025)
    with pytest.raises(YearClosed):
        require_years_open([world.department.pk, own.pk], 2025)


def test_an_admin_of_a_cannot_finalise_or_reopen_bs_year(world, admin_user):
    before = AuditEntry.objects.count()
    with pytest.raises(NotFound):
        year_finalise(user=admin_user, organization_id=world.b.pk, year=FINALISED)
    assert not EntryYear.objects.filter(organization=world.b).exists()
    assert not ScoreSnapshot.objects.exists()

    window = entry_year(FINALISED, organization=world.b, finalised_at=timezone.now())
    with pytest.raises(NotFound):
        year_reopen(user=admin_user, organization_id=world.b.pk, year=FINALISED, reason="남의 연도")
    window.refresh_from_db()
    assert window.finalised_at is not None
    assert AuditEntry.objects.count() == before


def test_the_scoreboard_finalises_the_organization_it_shows(client, world, admin_user):
    client.force_login(admin_user)

    assert client.post(f"/scores/{FINALISED}/finalise/").status_code == 302

    assert year_is_finalised(world.a.pk, FINALISED) and not year_is_finalised(world.b.pk, FINALISED)


def test_an_admin_of_a_cannot_close_bs_year_in_the_admin(client, world, admin_user):
    window = entry_year(2025, organization=world.b)
    client.force_login(admin_user)
    change = f"/admin/kpis/entryyear/{window.pk}/change/"

    assert client.get(change).status_code == 302  # absent: the admin sends A's admin back to its index
    client.post(change, {"organization": world.b.pk, "year": 2025, "is_closed": "on"})
    window.refresh_from_db()
    assert not window.is_closed
    refused = client.post("/admin/kpis/entryyear/add/", {"organization": world.b.pk, "year": 2026, "is_closed": "on"})
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    assert not EntryYear.objects.filter(organization=world.b, year=2026).exists()
    # A's own year closes there: the add form offers A alone, chosen already.
    form = client.get("/admin/kpis/entryyear/add/").content.decode()
    assert f'<option value="{world.a.pk}" selected>' in form and world.b.name not in form
    assert client.post("/admin/kpis/entryyear/add/", {"organization": world.a.pk, "year": 2026, "is_closed": "on"}).status_code == 302
    assert EntryYear.objects.get(organization=world.a, year=2026).is_closed


def test_reminders_follow_each_organizations_own_closing_date(world, dept_user):
    User.objects.filter(pk__in=[dept_user.pk, world.b_user.pk]).update(email="someone@example.go.kr")
    today = timezone.localdate()
    entry_year(2024, organization=world.b, closing_date=today + timedelta(days=3))
    entry_year(2024, organization=world.a, closing_date=today + timedelta(days=60))  # A's is far off

    reminded = reminders_send(2024, today=today)

    assert {row.department_id for row in reminded} == {world.b_user.department_id}
    assert [message.subject for message in mail.outbox] == [
        f"[성과지표] 2024년 실적 입력 마감 {today + timedelta(days=3):%Y-%m-%d} 안내 — {world.department.name}"
    ]
