"""Finalising a year freezes the official result; later edits never change it, the pages show both."""
from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest

from core.errors import InvalidState, PermissionRefused
from kpis.models import (
    Actual,
    ActualStatus,
    AuditEntry,
    Department,
    DepartmentScore,
    EntryYear,
    ScoreSnapshot,
)
from kpis.services.actuals import actual_save
from kpis.services.finalise import year_finalise
from kpis.services.policy import policy_revise
from kpis.services.scores import scores_recompute
from kpis.services.workflow import actual_approve, actual_submit

pytestmark = pytest.mark.django_db


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", text))).strip()


def snapshot(name: str) -> ScoreSnapshot:
    return ScoreSnapshot.objects.get(department__name=name, year=2023)


def change_actual_by_exception(user, reviewer, short_name: str, value: str) -> None:
    """An admin corrects an actual after finalisation (returned to them first); a reviewer approves it."""
    Actual.objects.filter(indicator__short_name=short_name, year=2023).update(status=ActualStatus.RETURNED)
    actual = Actual.objects.select_related("indicator").get(indicator__short_name=short_name, year=2023)
    names = actual.indicator.input_names
    saved = actual_save(
        user=user, indicator_id=actual.indicator_id, year=2023, expected_version=actual.version,
        **({"inputs": {names[0]: value}} if len(names) == 1 else {"value": value}),
    )
    submitted = actual_submit(user=user, actual_id=saved.pk, expected_version=saved.version)
    actual_approve(user=reviewer, actual_id=saved.pk, expected_version=submitted.version)


def test_finalising_recomputes_then_snapshots_every_department(admin_user):
    # Nothing computed yet: the import left every department-year dirty.
    assert not DepartmentScore.objects.exists()
    assert year_finalise(user=admin_user, organization_id=admin_user.organization_id, year=2023) == 3
    cooperation, comms, foreign = snapshot("대외협력과"), snapshot("소통기획과"), snapshot("외국인국제정책과")
    assert (cooperation.score, cooperation.grade, cooperation.rank) == (Decimal("102.73"), "S", 1)
    assert (comms.score, comms.rank) == (Decimal("101.23"), 2)
    assert (foreign.score, foreign.rank) == (None, None)
    assert "목표" in foreign.reason
    assert cooperation.finalised_by == admin_user
    assert cooperation.policy_data["cap"] == "120.00" and cooperation.policy_data["version"] == 1
    first = cooperation.indicators[0]
    assert first["name"] == "정무활동 및 당정협력 강화"
    assert (first["target"], first["actual"], first["rate"], first["contribution"]) == ("11.0000", "12.0000", "109.09", "32.73")
    assert first["actual_raw_text"] == "12" and "109.09" in first["working"]
    assert comms.indicators[0]["supplementary"] == "86.3100"
    entry_year = EntryYear.objects.get(year=2023)
    assert entry_year.finalised_at == cooperation.finalised_at
    assert AuditEntry.objects.filter(entity="year", action="finalise", year=2023).count() == 1


def test_only_an_admin_may_finalise(evaluator):
    with pytest.raises(PermissionRefused):
        year_finalise(user=evaluator, organization_id=evaluator.organization_id, year=2023)
    assert not ScoreSnapshot.objects.exists()
    assert not EntryYear.objects.filter(finalised_at__isnull=False).exists()


def test_a_year_is_finalised_once(admin_user):
    year_finalise(user=admin_user, organization_id=admin_user.organization_id, year=2023)
    with pytest.raises(InvalidState):
        year_finalise(user=admin_user, organization_id=admin_user.organization_id, year=2023)
    assert ScoreSnapshot.objects.count() == 3


def test_a_failure_while_snapshotting_leaves_nothing_behind(admin_user, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ScoreSnapshot.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        year_finalise(user=admin_user, organization_id=admin_user.organization_id, year=2023)
    assert not ScoreSnapshot.objects.exists()
    assert not DepartmentScore.objects.exists()  # the recompute rolled back with it
    assert not EntryYear.objects.filter(year=2023, finalised_at__isnull=False).exists()


def test_later_edits_never_change_the_snapshot_and_the_pages_show_both(client, admin_user, evaluator):
    year_finalise(user=admin_user, organization_id=admin_user.organization_id, year=2023)
    frozen = {s.department_id: (s.score, s.indicators, s.policy_data) for s in ScoreSnapshot.objects.all()}

    change_actual_by_exception(admin_user, evaluator, "정무활동 및 당정협력 강화", "11")
    policy_revise(user=admin_user, year=2023, cap=Decimal(100))
    scores_recompute(2023)

    assert DepartmentScore.objects.get(department__name="대외협력과", year=2023).score == Decimal("100.00")
    assert {s.department_id: (s.score, s.indicators, s.policy_data) for s in ScoreSnapshot.objects.all()} == frozen
    assert snapshot("대외협력과").score == Decimal("102.73")

    client.force_login(evaluator)
    board = squeeze(client.get("/scores/2023/").content.decode())
    assert "확정 102.73 · 현재 100.00" in board
    assert "확정 101.23 · 현재 100.00" in board
    cooperation = Department.objects.get(name="대외협력과")
    drill = squeeze(client.get(f"/scores/2023/departments/{cooperation.pk}/").content.decode())
    assert "확정 102.73 · 현재 100.00" in drill
    assert "현재 점수가 확정 점수와 다릅니다" in drill
    assert "100.00% 확정 109.09%" in drill  # the indicator's live rate beside its frozen one


def test_when_nothing_changed_the_page_shows_the_frozen_score_once(client, admin_user, evaluator):
    year_finalise(user=admin_user, organization_id=admin_user.organization_id, year=2023)
    client.force_login(evaluator)
    board = squeeze(client.get("/scores/2023/").content.decode())
    assert "확정 102.73" in board and "현재" not in board.split("확정 102.73", 1)[1][:20]


def test_the_admin_finalises_from_the_scoreboard_after_a_confirm_dialog(client, admin_user):
    client.force_login(admin_user)
    body = client.get("/scores/2023/").content.decode()
    assert "결과 확정</button>" in body and "confirm(" in body
    response = client.post("/scores/2023/finalise/", follow=True)
    assert "2023년 결과를 확정했습니다 (3개 부서)" in response.content.decode()
    assert "결과 확정</button>" not in response.content.decode()
    again = client.post("/scores/2023/finalise/", follow=True)
    assert "이미 확정되었습니다" in again.content.decode()


def test_an_evaluator_sees_no_finalise_button_and_is_refused(client, evaluator):
    client.force_login(evaluator)
    assert "결과 확정</button>" not in client.get("/scores/2023/").content.decode()
    assert client.post("/scores/2023/finalise/").status_code == 403
    assert not ScoreSnapshot.objects.exists()
