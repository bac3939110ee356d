"""The scoreboard's cached fragments: served again while nothing changed, rebuilt as soon as anything
a page shows changes, and never mixing one user's controls into another's page."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from celery.backends.base import DisabledBackend
from celery.exceptions import ChordError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.celery import app as celery_app
from kpis import score_views
from kpis.board_cache import board_version
from kpis.models import (
    Actual,
    ActualStatus,
    Bureau,
    Department,
    DepartmentScore,
    EntryYear,
    Reminder,
    ScorePublication,
)
from kpis.services.finalise import year_finalise
from kpis.services.policy import policy_revise
from kpis.services.publication import scores_recompute_started
from kpis.services.scores import department_recompute, scores_recompute, year_chunks
from kpis.services.workflow import actual_reopen
from kpis.tasks import recompute_year_chunk, recompute_year_done, year_chord_end
from tests.factories import OrganizationFactory, entry_year
from tests.kpis.test_scoreboard import BOARD, add_departments, change_actual, returned_actual, row_of, rows_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def builds(monkeypatch):
    """How many times a page was built from the database rather than served from the cache."""
    count = {"n": 0}
    original = score_views.scoreboard_page

    def counting(*args, **kwargs):
        count["n"] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(score_views, "scoreboard_page", counting)
    return count


def test_a_page_read_again_is_served_from_the_cache_with_the_same_rows(client, evaluator, builds):
    scores_recompute(2023)
    client.force_login(evaluator)
    client.get("/")  # the session exists before anything is measured
    with CaptureQueriesContext(connection) as built:
        first = client.get(BOARD)
    with CaptureQueriesContext(connection) as served:
        again = client.get(BOARD)
    assert builds["n"] == 1
    assert rows_of(again) == rows_of(first)
    assert "102.73" in row_of(again, "대외협력과")
    # Session, user and the version query; none of the page's fifteen.
    assert len(served.captured_queries) <= 4 < len(built.captured_queries)


def test_each_filter_sort_and_page_is_its_own_entry(client, evaluator, builds, sample_plan):
    scores_recompute(2023)
    add_departments(sample_plan, 60)
    client.force_login(evaluator)
    queries = [{}, {"page": 2}, {"sort": "name"}, {"grade": "A"}, {"bureau": sample_plan.pk}]
    for query in queries:
        client.get(BOARD, query)
    assert builds["n"] == len(queries)
    by_name = rows_of(client.get(BOARD, {"sort": "name"}))
    assert by_name[0].split()[1] == "대외협력과" and builds["n"] == len(queries)
    assert len(rows_of(client.get(BOARD, {"page": 2}))) == 13


def test_a_page_past_the_end_is_served_but_not_kept(client, evaluator, builds):
    scores_recompute(2023)
    client.force_login(evaluator)
    for _ in range(2):
        assert len(rows_of(client.get(BOARD, {"page": 999}))) == 3  # the last page
    assert builds["n"] == 2


def test_controls_follow_the_user_not_the_cached_page(client, evaluator, dept_user, admin_user):
    scores_recompute(2023)
    client.force_login(evaluator)
    assert "재계산</button>" in client.get(BOARD).content.decode()
    client.force_login(dept_user)
    body = client.get(BOARD).content.decode()
    assert "재계산</button>" not in body and "결과 확정" not in body and "102.73" in body
    client.force_login(admin_user)
    assert "결과 확정</button>" in client.get(BOARD).content.decode()


# --- Every change a page shows is seen on the next request ------------------------------------------


def test_a_saved_actual_shows_as_stale_then_its_recomputed_score(
    client, evaluator, dept_user, django_capture_on_commit_callbacks
):
    scores_recompute(2023)
    client.force_login(evaluator)
    assert "최신" in row_of(client.get(BOARD), "대외협력과")
    actual = returned_actual("정무활동 및 당정협력 강화")
    with django_capture_on_commit_callbacks(execute=False):
        change_actual(dept_user, actual, "11")
    assert "재계산 대기" in row_of(client.get(BOARD), "대외협력과")
    scores_recompute(2023)
    row = row_of(client.get(BOARD), "대외협력과")
    assert "최신" in row and "100.00 S 70.00%" in row  # the draft of 11 is left out


def status_cells(response, name: str) -> list[str]:
    """The five status counts of a department's row: not reported, draft, submitted, approved, returned."""
    body = response.content.decode()
    row = next(r for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.DOTALL) if name in r)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.DOTALL)][4:9]


def test_an_actual_sent_back_moves_to_the_returned_count(client, evaluator, admin_user):
    scores_recompute(2023)
    client.force_login(evaluator)
    before = status_cells(client.get(BOARD), "대외협력과")
    actual = Actual.objects.get(indicator__short_name="정무활동 및 당정협력 강화", year=2023)
    assert actual.status == ActualStatus.APPROVED
    actual_reopen(user=admin_user, actual_id=actual.pk, comment="근거 자료 보완", expected_version=actual.version)
    after = status_cells(client.get(BOARD), "대외협력과")
    assert int(after[3]) == int(before[3]) - 1 and int(after[4]) == int(before[4]) + 1


def test_a_new_policy_a_reminder_a_new_department_and_finalising_show_at_once(client, evaluator, admin_user, sample_plan):
    scores_recompute(2023)
    client.force_login(evaluator)
    client.get(BOARD)

    policy_revise(user=admin_user, year=2023, cap=Decimal(100))
    assert "재계산 대기" in row_of(client.get(BOARD), "대외협력과")  # the new policy marked every department
    scores_recompute(2023)

    Reminder.objects.create(
        department=Department.objects.get(name="소통기획과"), year=2023, recipients=["lee@example.go.kr"],
        unreported_count=1,
    )
    assert "lee@example.go.kr" in row_of(client.get(BOARD), "소통기획과")

    add_departments(sample_plan, 1, score=Decimal(50))
    assert len(rows_of(client.get(BOARD))) == 4

    year_finalise(user=admin_user, organization_id=admin_user.organization_id, year=2023)
    assert "확정" in client.get(BOARD).content.decode().split("</h1>")[0]


def test_the_version_moves_with_the_entry_window_and_with_the_date(monkeypatch):
    first, second = OrganizationFactory(name="갑도"), OrganizationFactory(name="을도")
    before = board_version(2023)
    assert board_version(2023) == before
    entry_year(year=2023, closing_date=timezone.localdate(), organization=first)
    after_window = board_version(2023)
    assert after_window != before
    window = entry_year(year=2023, organization=second)  # a second organization's window of the same year
    two_windows = board_version(2023)
    EntryYear.objects.filter(pk=window.pk).update(is_closed=True)  # closing it alone moves the version
    after_window = board_version(2023)
    assert after_window != two_windows
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda: tomorrow)
    assert board_version(2023) != after_window


def test_a_second_page_reuses_the_year_parts_built_for_the_first(client, evaluator, sample_plan):
    """Counts, roll-ups and filter choices are read once per data version, not once per page."""
    scores_recompute(2023)
    other = Bureau.objects.create(organization=sample_plan.organization, name="다른국", plan_year=2025)
    add_departments(other, 60, score=Decimal(70))
    client.force_login(evaluator)
    client.get("/")
    with CaptureQueriesContext(connection) as first:
        page_one = client.get(BOARD)
    with CaptureQueriesContext(connection) as second:
        page_two = client.get(BOARD, {"page": 2})
    # the year's policy, bureaus, entry window, dirty count, department count, score sums, the
    # ranks, the roll-ups (page one read every bureau's) and the progress during the year (kpis.progress)
    assert len(second.captured_queries) == len(first.captured_queries) - 9
    assert "대외협력과" in row_of(page_one, "대외협력과") and len(rows_of(page_two)) == 13
    # the roll-up table of page two still shows its bureau, from the every-bureau roll-up
    body = page_two.content.decode()
    assert "실국별 점수" in body and "다른국" in body.split('<table class="data rollups">')[1].split("</table>")[0]


# --- During a year recompute on the workers -----------------------------------------------------------

RUNNING_TASK = "6f0c3d1e-0000-4000-8000-000000000001"
IN_PROGRESS = "재계산이 끝날 때까지 직전 결과를 보여 줍니다"


def test_a_page_read_during_a_year_recompute_shows_the_last_complete_result_until_it_ends(
    client, evaluator, dept_user, django_capture_on_commit_callbacks, monkeypatch
):
    scores_recompute(2023)
    client.force_login(evaluator)
    actual = returned_actual("정무활동 및 당정협력 강화")
    with django_capture_on_commit_callbacks(execute=False):  # no worker picks the save up by itself
        change_actual(dept_user, actual, "11")
    before = client.get(BOARD)
    assert "102.73" in row_of(before, "대외협력과") and "재계산 대기" in row_of(before, "대외협력과")
    assert IN_PROGRESS not in before.content.decode()

    monkeypatch.setattr(score_views, "job_state", lambda task_id: "STARTED")
    scores_recompute_started(2023, task_id=RUNNING_TASK)
    for first_id, last_id in year_chunks(2023, 2):
        recompute_year_chunk(2023, first_id, last_id)  # both chunks stored; the chord's end not yet run
    assert DepartmentScore.objects.get(department__name="대외협력과", year=2023).score == Decimal("100.00")

    during = client.get(BOARD)
    assert rows_of(during) == rows_of(before)  # the last complete result, stale flag included
    assert IN_PROGRESS in during.content.decode() and "재계산 계산 중" in during.content.decode()

    recompute_year_done.apply(args=([3], 2023), task_id=RUNNING_TASK)
    monkeypatch.setattr(score_views, "job_state", lambda task_id: "SUCCESS")
    after = client.get(BOARD)
    row = row_of(after, "대외협력과")
    assert "100.00 S 70.00%" in row and "최신" in row  # the draft of 11 is left out
    assert IN_PROGRESS not in after.content.decode()


def test_a_save_during_a_year_recompute_shows_at_once_and_so_does_its_department_recompute(
    client, evaluator, dept_user, django_capture_on_commit_callbacks, monkeypatch
):
    scores_recompute(2023)
    client.force_login(evaluator)
    client.get(BOARD)
    monkeypatch.setattr(score_views, "job_state", lambda task_id: "STARTED")
    scores_recompute_started(2023, task_id=RUNNING_TASK)
    first_id, last_id = year_chunks(2023, 2)[0]
    recompute_year_chunk(2023, first_id, last_id, True)  # one chunk stored, the other still running

    actual = returned_actual("정무활동 및 당정협력 강화")
    with django_capture_on_commit_callbacks(execute=False):
        change_actual(dept_user, actual, "11")
    assert "재계산 대기" in row_of(client.get(BOARD), "대외협력과")

    department_recompute(actual.indicator.department_id, 2023)  # what the save's wake-up message runs
    page = client.get(BOARD)
    row = row_of(page, "대외협력과")
    assert "100.00 S 70.00%" in row and "최신" in row
    assert IN_PROGRESS in page.content.decode()  # the year recompute is still running


def test_a_recompute_that_stores_the_same_results_keeps_every_cached_page(client, evaluator, builds):
    scores_recompute(2023)
    client.force_login(evaluator)
    first = client.get(BOARD)
    scores_recompute(2023, force=True)  # every row written again, every result the same
    assert rows_of(client.get(BOARD)) == rows_of(first) and builds["n"] == 1


def test_a_failed_chunk_publishes_what_the_other_chunks_stored_and_ends_the_progress_line(
    client, evaluator, dept_user, django_capture_on_commit_callbacks, monkeypatch
):
    scores_recompute(2023)
    client.force_login(evaluator)
    actual = returned_actual("정무활동 및 당정협력 강화")
    with django_capture_on_commit_callbacks(execute=False):
        change_actual(dept_user, actual, "11")
    client.get(BOARD)
    monkeypatch.setattr(score_views, "job_state", lambda task_id: "STARTED")
    scores_recompute_started(2023, task_id=RUNNING_TASK)
    recompute_year_chunk(2023, None, None)  # the chunk that succeeded stored a new result

    # What Celery's result backend does when another chunk of the chord fails: the errback runs.
    end = year_chord_end(2023, {})
    end.freeze(RUNNING_TASK)
    try:
        raise ChordError("a chunk failed")
    except ChordError as exc:  # Celery calls it while handling the chunk's error
        DisabledBackend(celery_app).chord_error_from_stack(end, exc)

    monkeypatch.setattr(score_views, "job_state", lambda task_id: "FAILURE")
    page = client.get(BOARD)
    assert "100.00 S 70.00%" in row_of(page, "대외협력과") and IN_PROGRESS not in page.content.decode()
    assert ScorePublication.objects.get(year=2023).recompute_task_id == ""
