"""Reminder e-mails before the closing date: who gets them, when, and never twice a day."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.services import user_create_or_update
from kpis.models import Actual, ActualStatus, Department, EntryYear, Reminder
from kpis.services.actuals import actual_save
from kpis.services.policy import policy_revise
from kpis.services.reminders import outstanding_departments, reminders_send
from kpis.services.workflow import actual_reopen, actual_submit
from kpis.tasks import send_reminders
from tests.conftest import PASSWORD
from tests.factories import entry_year

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def user(username: str, department: str | None, email: str, role: str = "department"):
    return user_create_or_update(
        username=username, role=role, password=PASSWORD, department_name=department, validate=False, email=email
    )[0]


@pytest.fixture
def staff(sample_plan):
    user("kim", "대외협력과", "kim@example.go.kr")
    user("kang", "대외협력과", "kang@example.go.kr")
    user("lee", "소통기획과", "lee@example.go.kr")
    user("park", "외국인국제정책과", "")  # no address: nobody to remind
    user("eval", None, "eval@example.go.kr", role="evaluator")


def closing_in(days: int, year: int = 2024, **fields) -> EntryYear:
    return entry_year(year=year, closing_date=TODAY + timedelta(days=days), **fields)


def by_name(rows) -> dict[str, Reminder]:
    return {row.department.name: row for row in Reminder.objects.filter(pk__in=[r.pk for r in rows]).select_related("department")}


def test_departments_with_unreported_indicators_are_emailed_when_the_closing_date_is_near(staff):
    closing_in(10)
    rows = reminders_send(2024)
    reminded = by_name(rows)
    assert set(reminded) == {"대외협력과", "소통기획과"}
    assert reminded["대외협력과"].recipients == ["kang@example.go.kr", "kim@example.go.kr"]
    assert reminded["대외협력과"].unreported_count == 3
    assert reminded["소통기획과"].unreported_count == 3
    assert sorted(m.to[0] for m in mail.outbox) == ["kang@example.go.kr", "kim@example.go.kr", "lee@example.go.kr"]
    message = next(m for m in mail.outbox if m.to == ["kim@example.go.kr"])
    assert "대외협력과" in message.subject and (TODAY + timedelta(days=10)).strftime("%Y-%m-%d") in message.subject
    assert "아직 제출하지 않은 지표: 3개" in message.body
    assert all(len(m.to) == 1 for m in mail.outbox)  # colleagues do not see each other's addresses


def test_indicators_not_in_force_do_not_count(staff):
    # 외국인국제정책과 has targets of 0 in 2023 and 2024 for two of its three indicators.
    outstanding = {item.department_id: item for item in outstanding_departments(2024)}
    foreign = Department.objects.get(name="외국인국제정책과")
    assert outstanding[foreign.pk].unreported == 1
    assert foreign.pk not in {item.department_id for item in outstanding_departments(2023)}


def test_returned_and_draft_indicators_are_outstanding_but_submitted_ones_are_not(staff):
    closing_in(3, year=2023)
    Actual.objects.filter(indicator__short_name="도 대표 블로그 방문횟수", year=2023).update(status=ActualStatus.RETURNED)
    Actual.objects.filter(indicator__short_name="도정 핵심사업 인지도", year=2023).update(status=ActualStatus.DRAFT)
    Actual.objects.filter(indicator__short_name="자원봉사 활동률", year=2023).update(status=ActualStatus.SUBMITTED)
    reminded = by_name(reminders_send(2023))
    assert set(reminded) == {"소통기획과"}
    assert (reminded["소통기획과"].unreported_count, reminded["소통기획과"].returned_count) == (1, 1)
    assert "반려되어 다시 제출해야 하는 지표: 1개" in mail.outbox[0].body


def test_a_draft_saved_by_the_department_is_outstanding_until_submitted_even_in_provisional_mode(
    staff, admin_user, dept_user
):
    policy_revise(user=admin_user, year=2023, provisional=True)
    actual = Actual.objects.get(indicator__short_name="자원봉사 활동률", year=2023)
    actual = actual_reopen(user=admin_user, actual_id=actual.pk, comment="확인", expected_version=actual.version)
    cooperation = Department.objects.get(name="대외협력과")

    def outstanding() -> tuple[int, int] | None:
        item = next((i for i in outstanding_departments(2023) if i.department_id == cooperation.pk), None)
        return None if item is None else (item.unreported, item.returned)

    assert outstanding() == (0, 1)  # returned
    actual = actual_save(
        user=dept_user, indicator_id=actual.indicator_id, year=2023, expected_version=actual.version,
        inputs={"활동인원": "120000", "인구": "1760000"},
    )
    assert actual.status == ActualStatus.DRAFT and actual.value is not None
    assert outstanding() == (1, 0)  # a draft with a value is still the department's to do
    actual_submit(user=dept_user, actual_id=actual.pk, expected_version=actual.version)
    assert outstanding() is None  # with the evaluators now, counted as provisional


def test_a_department_is_not_reminded_twice_on_the_same_day(staff):
    closing_in(10)
    assert len(reminders_send(2024)) == 2
    sent = len(mail.outbox)
    assert reminders_send(2024) == []
    assert len(mail.outbox) == sent
    assert Reminder.objects.count() == 2
    # The next day they are reminded again.
    assert len(reminders_send(2024, today=TODAY + timedelta(days=1))) == 2
    assert Reminder.objects.count() == 4


@pytest.mark.parametrize(
    ("days", "fields"),
    [(15, {}), (-1, {}), (5, {"is_closed": True})],
    ids=["closing-too-far", "closing-date-passed", "year-closed"],
)
def test_nothing_is_sent_outside_the_window_or_for_a_closed_year(staff, days, fields):
    closing_in(days, **fields)
    assert reminders_send(2024) == []
    assert mail.outbox == []


def test_nothing_is_sent_for_a_year_without_a_closing_date(staff):
    assert reminders_send(2024) == []
    entry_year(year=2024)
    assert reminders_send(2024) == []
    assert mail.outbox == []


def test_the_window_can_be_widened(staff):
    closing_in(20)
    assert len(reminders_send(2024, window_days=30)) == 2


def test_the_daily_task_reminds_every_open_year_in_the_window(staff):
    closing_in(14)
    closing_in(30, year=2025)
    assert send_reminders.name == "kpis.tasks.send_reminders"
    assert send_reminders.delay().get() == 2
    assert set(Reminder.objects.values_list("year", flat=True)) == {2024}


def test_the_scoreboard_shows_who_was_reminded(client, staff, evaluator):
    closing_in(10)
    reminders_send(2024)
    client.force_login(evaluator)
    body = client.get("/scores/2024/").content.decode()
    assert "kang@example.go.kr, kim@example.go.kr" in body
    assert timezone.localtime().strftime("%m-%d") in body
