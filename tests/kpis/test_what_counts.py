"""What counts, everywhere: drafts and returned values never count; submitted ones only as provisional (잠정).

The sample's 대외협력과 scores 102.73 on approved values (11/12 w30, 32/32 w30, 6/6 w40); its
정무활동 및 당정협력 강화 is reopened for a correction of 30 (272.73 %, capped at 120 %), which
would make it 106.00 and first, above 소통기획과's 101.23, if the correction counted.
"""
from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from kpis.models import Actual, Department, DepartmentScore, IndicatorScore, ScoreSnapshot
from kpis.score_selectors import department_drilldown, scoreboard_page
from kpis.services.actuals import actual_save
from kpis.services.finalise import year_finalise
from kpis.services.policy import policy_revise
from kpis.services.scores import scores_recompute
from kpis.services.workflow import actual_approve, actual_reopen, actual_submit
from tests.conftest import client_for
from tests.kpis.test_scoreboard import BOARD, row_of, squeeze

pytestmark = pytest.mark.django_db

MEETINGS = "정무활동 및 당정협력 강화"
API = "/api/v1/scores"


def meetings_actual() -> Actual:
    return Actual.objects.select_related("indicator").get(indicator__short_name=MEETINGS, year=2023)


def reopen(admin_user) -> Actual:
    """The approved 12 goes back to the department (반려), as an admin reopens it for a correction."""
    actual = meetings_actual()
    return actual_reopen(user=admin_user, actual_id=actual.pk, comment="근거 보완", expected_version=actual.version)


def draft(dept_user, value: str = "30") -> Actual:
    actual = meetings_actual()
    return actual_save(
        user=dept_user, indicator_id=actual.indicator_id, year=2023, inputs={"개최횟수": value},
        expected_version=actual.version,
    )


def submitted(dept_user) -> Actual:
    actual = draft(dept_user)
    return actual_submit(user=dept_user, actual_id=actual.pk, expected_version=actual.version)


def api_row(user, name: str) -> dict:
    body = client_for(user).get(API + "/", {"year": 2023}).json()
    return next(row for row in body["results"] if row["department_name"] == name)


def api_detail(user, name: str) -> dict:
    department = Department.objects.get(name=name)
    return client_for(user).get(f"{API}/{department.pk}/", {"year": 2023}).json()


def board_row(client, user, name: str) -> str:
    client.force_login(user)
    return row_of(client.get(BOARD), name)


def cooperation_score() -> DepartmentScore:
    return DepartmentScore.objects.get(department__name="대외협력과", year=2023)


@pytest.fixture
def scored(sample_plan):
    scores_recompute(2023)


def test_a_returned_value_and_the_departments_draft_count_nowhere(client, scored, admin_user, dept_user, evaluator):
    reopen(admin_user)
    scores_recompute(2023)
    # Without 정무활동 (w30): 32/32 and 6/6 → 100.00 over 70 of 100 weight; second behind 101.23.
    assert board_row(client, evaluator, "대외협력과").startswith("2 대외협력과 대외국제소통국 100.00 S 70.00%")

    draft(dept_user, "30")  # 272.73 %: first place if it counted
    scores_recompute(2023)

    stored = cooperation_score()
    assert (stored.score, stored.completeness, stored.provisional) == (Decimal("100.00"), Decimal("70.00"), False)
    row = board_row(client, evaluator, "대외협력과")
    assert row.startswith("2 대외협력과 대외국제소통국 100.00 S 70.00%")
    assert "잠정" not in row
    counts = next(r for r in scoreboard_page(2023).rows if r.name == "대외협력과").counts
    assert (counts.not_reported, counts.draft, counts.submitted, counts.approved, counts.returned) == (0, 1, 0, 2, 0)
    assert counts.outstanding == 1

    listed = api_row(evaluator, "대외협력과")
    assert (listed["score"], listed["completeness"], listed["rank"], listed["provisional"]) == (
        "100.00", "70.00", 2, False,
    )
    assert api_row(evaluator, "소통기획과")["rank"] == 1
    detail = api_detail(evaluator, "대외협력과")
    assert (detail["score"], detail["rank"]) == ("100.00", 2)
    meetings = next(line for line in detail["indicators"] if line["indicator_name"] == MEETINGS)
    assert (meetings["actual"], meetings["rate"], meetings["actual_status"], meetings["provisional"]) == (
        None, None, "draft", False,
    )

    line = next(line for line in department_drilldown(2023, stored.department_id).indicators if line.name == MEETINGS)
    assert (line.actual, line.rate, line.status) == (None, None, "draft")
    assert line.actuals[0] is None  # nor is the draft drawn as 2023's actual
    drill = squeeze(client.get(f"/scores/2023/departments/{stored.department_id}/").content.decode())
    assert "미반영 작성 중" in drill


def test_submitted_values_count_only_in_provisional_mode_and_are_labelled_everywhere(
    client, scored, admin_user, dept_user, evaluator
):
    reopen(admin_user)
    actual = submitted(dept_user)
    scores_recompute(2023)
    assert (cooperation_score().score, cooperation_score().provisional) == (Decimal("100.00"), False)
    counts = next(r for r in scoreboard_page(2023).rows if r.name == "대외협력과").counts
    assert (counts.submitted, counts.approved, counts.outstanding) == (1, 2, 0)

    policy_revise(user=admin_user, year=2023, provisional=True, note="제출 실적 잠정 반영")
    scores_recompute(2023)

    # (30 × 120 + 30 × 100 + 40 × 100) / 100 = 106.00, first, and provisional.
    stored = cooperation_score()
    assert (stored.score, stored.completeness, stored.provisional) == (Decimal("106.00"), Decimal("100.00"), True)
    rate = IndicatorScore.objects.get(indicator__short_name=MEETINGS, year=2023)
    assert (rate.rate, rate.provisional) == (Decimal("120.00"), True)
    assert not IndicatorScore.objects.filter(year=2023, provisional=True).exclude(pk=rate.pk).exists()
    assert not DepartmentScore.objects.filter(year=2023, provisional=True).exclude(pk=stored.pk).exists()

    client.force_login(evaluator)
    page = client.get(BOARD)
    assert row_of(page, "대외협력과").startswith("1 대외협력과 대외국제소통국 106.00 잠정 S 100.00%")
    assert "잠정" not in row_of(page, "소통기획과")
    assert "제출 실적 잠정 반영" in squeeze(page.content.decode())

    drill = squeeze(client.get(f"/scores/2023/departments/{stored.department_id}/").content.decode())
    assert "106.00 잠정" in drill and "잠정 점수입니다" in drill
    assert "30 제출 120.00% 잠정" in drill  # the indicator's actual, status and rate

    board = load_workbook(BytesIO(client.get("/scores/2023/export.xlsx").content))["점수표"]
    assert (board["C5"].value, board["D5"].value, board["E5"].value) == ("대외협력과", 106, "잠정")
    assert board["E6"].value is None and "잠정" in board["A2"].value
    sheet = load_workbook(BytesIO(client.get(f"/scores/2023/departments/{stored.department_id}/export.xlsx").content))
    indicators = sheet["지표별 점수"]
    assert indicators["H6"].value == "제출 (잠정)" and indicators["L3"].value == "잠정"

    listed = api_row(evaluator, "대외협력과")
    assert (listed["score"], listed["rank"], listed["provisional"]) == ("106.00", 1, True)
    assert api_row(evaluator, "소통기획과")["provisional"] is False
    detail = api_detail(evaluator, "대외협력과")
    assert detail["provisional"] is True
    assert [line["provisional"] for line in detail["indicators"]] == [True, False, False]

    # Approved, the same value counts for good: no longer provisional.
    actual_approve(user=evaluator, actual_id=actual.pk, expected_version=actual.version)
    scores_recompute(2023)
    assert (cooperation_score().score, cooperation_score().provisional) == (Decimal("106.00"), False)
    assert api_row(evaluator, "대외협력과")["provisional"] is False


def test_finalising_snapshots_the_same_definition(scored, admin_user, dept_user, other_dept_user):
    reopen(admin_user)
    submitted(dept_user)
    survey = Actual.objects.get(indicator__short_name="도정 핵심사업 인지도", year=2023)
    actual_reopen(user=admin_user, actual_id=survey.pk, comment="표본 확인", expected_version=survey.version)
    policy_revise(user=admin_user, year=2023, provisional=True)

    year_finalise(user=admin_user, organization_id=admin_user.organization_id, year=2023)

    cooperation = ScoreSnapshot.objects.get(department__name="대외협력과", year=2023)
    assert (cooperation.score, cooperation.rank, cooperation.provisional) == (Decimal("106.00"), 1, True)
    assert cooperation.policy_data["provisional"] == "True"
    frozen = next(item for item in cooperation.indicators if item["name"] == MEETINGS)
    assert (frozen["actual"], frozen["actual_status"], frozen["rate"], frozen["provisional"]) == (
        "30.0000", "submitted", "120.00", True,
    )
    # 소통기획과 without its returned 88.5 (w40): (25 × 104.90 + 35 × 100) / 60 = 102.04, completeness 60.
    comms = ScoreSnapshot.objects.get(department__name="소통기획과", year=2023)
    assert (comms.score, comms.completeness, comms.rank, comms.provisional) == (
        Decimal("102.04"), Decimal("60.00"), 2, False,
    )
    returned = next(item for item in comms.indicators if item["name"] == "도정 핵심사업 인지도")
    assert (returned["actual"], returned["entered_actual"], returned["actual_status"], returned["rate"]) == (
        None, "88.5000", "returned", None,
    )
    stored = {row.department_id: (row.score, row.completeness, row.provisional) for row in DepartmentScore.objects.all()}
    assert {s.department_id: (s.score, s.completeness, s.provisional) for s in ScoreSnapshot.objects.all()} == stored
