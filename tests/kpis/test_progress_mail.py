"""The weekly progress summary and the reminders name each department's indicators at risk or behind."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts.services import user_create_or_update
from kpis.models import Actual, ActualStatus, EntryYear, Indicator, PeriodSetting
from kpis.services.progress_summary import progress_summaries_send, progress_summary_due
from kpis.services.reminders import reminders_send
from kpis.tasks import send_progress_summaries
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

YEAR = 2025
MONDAY = date(2025, 7, 7)


def user(username: str, department: str | None, email: str, role: str = "department"):
    return user_create_or_update(
        username=username, role=role, password=PASSWORD, department_name=department, validate=False, email=email
    )[0]


@pytest.fixture
def quarters(sample_plan, meetings, volunteering):
    """대외협력과 two quarters in: 정무활동 주의 (5 of 5.5), 민간단체 정상, 자원봉사 활동률 부진 (2 of 3)."""
    PeriodSetting.objects.create(organization=sample_plan.organization, year=YEAR, frequency="quarter")
    partners = Indicator.objects.get(department__name="대외협력과", short_name="민간단체 및 출향도민 협력 강화")
    for indicator, values in ((meetings, ("2", "3")), (partners, ("9", "9")), (volunteering, ("1.5", "2"))):
        for period, value in enumerate(values, start=1):
            Actual.all_periods.create(
                indicator=indicator, year=YEAR, period=period, value=Decimal(value), status=ActualStatus.APPROVED
            )
    user("kim", "대외협력과", "kim@example.go.kr")
    user("kang", "대외협력과", "kang@example.go.kr")
    user("lee", "소통기획과", "lee@example.go.kr")
    user("park", "외국인국제정책과", "")  # no address: nobody to write to
    user("eval", None, "eval@example.go.kr", role="evaluator")
    return sample_plan


def to(address: str):
    return [message for message in mail.outbox if message.to == [address]]


def test_each_department_gets_its_summary_naming_the_indicators_at_risk(quarters):
    sent = progress_summaries_send(YEAR, MONDAY)
    assert {item.department_name: item.warnings for item in sent} == {"대외협력과": 2, "소통기획과": 0}
    assert sorted(m.to[0] for m in mail.outbox) == ["kang@example.go.kr", "kim@example.go.kr", "lee@example.go.kr"]
    [message] = to("kim@example.go.kr")
    assert message.subject == "[성과지표] 2025년 진도 주간 요약 (2025-07-07) — 대외협력과: 주의·부진 2개"
    assert "- 정상 1개, 주의 1개, 부진 1개, 판단 불가 0개" in message.body
    assert "- 자원봉사 활동률: 부진 — 진도율 66.67%, 연말 예상 4 (연간 목표 6)" in message.body
    assert "- 정무활동 및 당정협력 강화: 주의 — 진도율 90.91%, 연말 예상 10 (연간 목표 11)" in message.body
    assert "산출 근거: 2분기 누적 실적 2; 기간 목표 = 연간 목표 6 × 2/4 = 3;" in message.body
    assert message.body.index("자원봉사 활동률: 부진") < message.body.index("정무활동 및 당정협력 강화: 주의")
    assert "민간단체" not in message.body  # on track: counted, not named


def test_a_department_with_nothing_reported_hears_so_and_sees_no_other_departments_indicators(quarters):
    progress_summaries_send(YEAR, MONDAY)
    [message] = to("lee@example.go.kr")
    assert "주의·부진인 지표가 없습니다." in message.body
    assert "도정 핵심사업 인지도: 판단 불가 — 아직 실적이 입력된 기간이 없습니다" in message.body
    assert "자원봉사" not in message.body and "정무활동" not in message.body


def test_nothing_is_sent_for_a_year_reported_by_year_only(quarters):
    assert progress_summaries_send(YEAR + 1, MONDAY) == []
    assert mail.outbox == []


def test_another_organizations_departments_are_left_out_when_one_is_named(quarters):
    assert progress_summaries_send(YEAR, MONDAY, organization_ids=[quarters.organization_id + 999]) == []


def test_the_weekly_task_covers_each_organizations_open_years_reported_by_period(quarters):
    organization_id = quarters.organization_id
    assert progress_summary_due(MONDAY) == {YEAR: [organization_id]}
    assert progress_summary_due(date(2024, 12, 30)) == {}  # 2025 has not begun
    EntryYear.objects.create(organization_id=organization_id, year=YEAR, is_closed=True)
    assert progress_summary_due(MONDAY) == {}
    assert send_progress_summaries() == 0 and mail.outbox == []
    EntryYear.objects.filter(year=YEAR).update(is_closed=False)
    assert send_progress_summaries() == 2  # today is after 2025: the year has begun


def test_the_command_sends_and_reports(quarters, capsys):
    call_command("progress_summary", "--year", str(YEAR), "--organization", quarters.organization.name)
    out = capsys.readouterr().out
    assert "2025년 진도 요약: 2개 부서" in out and "대외협력과: 주의·부진 2개, 받는 사람 2명" in out
    assert len(mail.outbox) == 3


def test_the_command_refuses_an_unknown_organization(quarters):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="기관을 찾을 수 없습니다: 없는 도"):
        call_command("progress_summary", "--year", str(YEAR), "--organization", "없는 도")
    assert mail.outbox == []


def test_the_reminder_names_the_indicators_at_risk(quarters):
    EntryYear.objects.create(
        organization_id=quarters.organization_id, year=YEAR, closing_date=timezone.localdate() + timedelta(days=5)
    )
    reminders_send(YEAR)
    [message] = to("kim@example.go.kr")
    assert "- 기간별 진도가 주의·부진인 지표: 2개" in message.body
    assert "  · 자원봉사 활동률: 부진 — 진도율 66.67%, 연말 예상 4 (연간 목표 6)" in message.body
    [other] = to("lee@example.go.kr")
    assert "진도" not in other.body


def test_the_command_without_a_year_sends_every_open_year_reported_by_period(quarters, capsys):
    call_command("progress_summary")
    assert "2025년 진도 요약: 2개 부서" in capsys.readouterr().out
    mail.outbox.clear()
    EntryYear.objects.create(organization_id=quarters.organization_id, year=YEAR, finalised_at=timezone.now())
    call_command("progress_summary")
    assert "진행 중인 연도가 없습니다" in capsys.readouterr().out and mail.outbox == []


def test_a_second_run_in_the_same_week_sends_nothing_and_the_next_week_sends_again(quarters):
    first = progress_summaries_send(YEAR, MONDAY)
    assert len(first) == 2 and len(mail.outbox) == 3

    assert progress_summaries_send(YEAR, MONDAY + timedelta(days=4)) == []  # Friday: a retried task, a rerun
    assert len(mail.outbox) == 3

    assert len(progress_summaries_send(YEAR, MONDAY + timedelta(days=7))) == 2
    assert len(mail.outbox) == 6


def test_the_command_sends_again_this_week_only_when_forced(quarters, capsys):
    name = quarters.organization.name
    progress_summaries_send(YEAR)
    call_command("progress_summary", "--year", str(YEAR), "--organization", name)
    assert "0개 부서" in capsys.readouterr().out and len(mail.outbox) == 3

    call_command("progress_summary", "--year", str(YEAR), "--organization", name, "--force")
    assert "2개 부서" in capsys.readouterr().out and len(mail.outbox) == 6
