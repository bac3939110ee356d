"""The evaluators' scoreboard /scores/<year>/: ranking, counts, stale flag, filters, recompute."""
from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kpis import score_views
from kpis.models import (
    Actual,
    ActualStatus,
    Bureau,
    Department,
    DepartmentScore,
    DirtyScore,
    Indicator,
    IndicatorKind,
    Reminder,
    Target,
)
from kpis.score_selectors import PAGE_SIZE, _ordering, scoreboard_departments, scoreboard_page
from kpis.scoring import DepartmentResult, bureau_rollup
from kpis.services.actuals import actual_save
from kpis.services.policy import policy_current, policy_revise
from kpis.services.publication import scores_publish
from kpis.services.scores import scores_recompute
from kpis.tasks import recompute_year

pytestmark = pytest.mark.django_db

BOARD = "/scores/2023/"


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", text))).strip()


def rows_of(response) -> list[str]:
    """The scoreboard's body rows as plain text, top to bottom."""
    body = response.content.decode()
    table = body[body.index('<table class="data scoreboard">') :]
    tbody = table[table.index("<tbody>") : table.index("</tbody>")]
    return [squeeze(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", tbody, flags=re.DOTALL)]


def row_of(response, name: str) -> str:
    return next(row for row in rows_of(response) if name in row)


def returned_actual(short_name: str, year: int = 2023) -> Actual:
    """Arrange: the evaluator sent this approved actual back, so its department may change it."""
    Actual.objects.filter(indicator__short_name=short_name, year=year).update(status=ActualStatus.RETURNED)
    return Actual.objects.get(indicator__short_name=short_name, year=year)


def change_actual(user, actual: Actual, value: str) -> Actual:
    """Save a new value through the service, typed as the entry form would (a counted quantity or a value)."""
    names = actual.indicator.input_names
    return actual_save(
        user=user, indicator_id=actual.indicator_id, year=actual.year, expected_version=actual.version,
        **({"inputs": {names[0]: value}} if len(names) == 1 else {"value": value}),
    )


def add_departments(bureau: Bureau, count: int, *, score: Decimal = Decimal(90), year: int = 2023) -> list[Department]:
    """`count` departments, each with a stored score and two indicators with targets and actuals, in bulk."""
    start = Department.objects.count()
    departments = Department.objects.bulk_create(
        [Department(bureau=bureau, name=f"추가부서{start + i:05d}", order=100 + i) for i in range(count)]
    )
    policy = policy_current(year)
    now = timezone.now()
    DepartmentScore.objects.bulk_create(
        [
            DepartmentScore(
                department=d, year=year, score=score, completeness=Decimal(100), grade="A", total_weight=100,
                evaluated_weight=100, indicator_count=2, policy=policy, fingerprint="x", computed_at=now,
            )
            for d in departments
        ]
    )
    indicators = Indicator.objects.bulk_create(
        [
            Indicator(department=d, name=f"({d.name})지표{n}", short_name=f"지표{n}", kind=IndicatorKind.GENERAL,
                      weight=Decimal(50), order=n)
            for d in departments for n in range(2)
        ]
    )
    Target.objects.bulk_create([Target(indicator=i, year=y, value=Decimal(10)) for i in indicators for y in (year, year + 1)])
    Actual.objects.bulk_create(
        [Actual(indicator=i, year=year, value=Decimal(12), status=ActualStatus.APPROVED) for i in indicators]
    )
    return departments


# --- What the page shows ----------------------------------------------------------------------


def test_it_ranks_departments_by_stored_score_with_grade_and_completeness(client, evaluator):
    scores_recompute(2023)
    client.force_login(evaluator)
    response = client.get(BOARD)
    assert response.status_code == 200
    rows = rows_of(response)
    assert [row.split()[1] for row in rows] == ["대외협력과", "소통기획과", "외국인국제정책과"]
    assert rows[0].startswith("1 대외협력과 대외국제소통국 102.73 S 100.00%")
    assert rows[1].startswith("2 소통기획과 대외국제소통국 101.23 S 100.00%")
    assert rows[2].startswith("— 외국인국제정책과 대외국제소통국 — —")


def test_it_counts_indicators_by_status_treating_a_missing_actual_as_not_reported(client, evaluator):
    scores_recompute(2023)
    Actual.objects.filter(indicator__short_name="도정 핵심사업 인지도", year=2023).update(status=ActualStatus.SUBMITTED)
    Actual.objects.filter(indicator__short_name="도 대표 블로그 방문횟수", year=2023).update(status=ActualStatus.RETURNED)
    Actual.objects.filter(indicator__short_name="도정홍보 영상물 도민접촉률", year=2023).delete()
    client.force_login(evaluator)
    page = scoreboard_page(2023)
    comms = next(row for row in page.rows if row.name == "소통기획과")
    assert (comms.counts.not_reported, comms.counts.draft, comms.counts.submitted, comms.counts.approved,
            comms.counts.returned) == (1, 0, 1, 0, 1)
    cooperation = next(row for row in page.rows if row.name == "대외협력과")
    assert cooperation.counts.approved == 3 and cooperation.counts.total == 3
    # columns: rank, name, bureau, score, grade, completeness, then the five counts
    assert "1 0 1 0 1" in row_of(client.get(BOARD), "소통기획과")


def test_it_shows_the_weak_target_count_of_each_department(client, evaluator):
    scores_recompute(2023)
    page = scoreboard_page(2023)
    counts = {row.name: row.weak_count for row in page.rows}
    # 정무활동 (2024 target 11 ≤ 12) and 자원봉사 (6 ≤ 6); 블로그 (1,970,000 ≤ 2,056,074) and 접촉률 (86.5 ≤ 86.5)
    assert counts == {"대외협력과": 2, "소통기획과": 2, "외국인국제정책과": 0}


def test_bureau_rollups_follow_the_scoring_rules_over_stored_rows(client, evaluator, sample_plan):
    scores_recompute(2023)
    low = add_departments(sample_plan, 1, score=Decimal(80))[0]
    DepartmentScore.objects.filter(department=low).update(evaluated_weight=50)
    page = scoreboard_page(2023)
    expected = bureau_rollup(
        [
            DepartmentResult(
                score=row.score, completeness=None, grade=row.grade, reason="", total_weight=row.total_weight,
                evaluated_weight=row.evaluated_weight, rates=(), effective_weights={}, contributions={}, working="",
            )
            for row in DepartmentScore.objects.filter(year=2023)
        ]
    )
    (line,) = page.rollups
    assert line.name == "대외국제소통국"
    assert line.rollup == expected
    assert (expected.by_department, expected.by_weight) == (Decimal("94.65"), Decimal("97.58"))
    assert (expected.department_count, expected.evaluable_count) == (4, 3)
    assert page.overall == expected


def test_it_shows_who_was_reminded_and_when(client, evaluator, sample_plan):
    scores_recompute(2023)
    cooperation = Department.objects.get(name="대외협력과")
    Reminder.objects.create(department=cooperation, year=2023, recipients=["old@example.go.kr"], unreported_count=1)
    Reminder.objects.create(department=cooperation, year=2023, recipients=["kim@example.go.kr"], unreported_count=2)
    client.force_login(evaluator)
    row = row_of(client.get(BOARD), "대외협력과")
    assert "kim@example.go.kr" in row and "old@example.go.kr" not in row
    assert timezone.localtime().strftime("%m-%d") in row


# --- Stale flag ---------------------------------------------------------------------------------


def test_a_changed_actual_makes_the_department_stale_until_the_job_has_run(
    client, evaluator, dept_user, django_capture_on_commit_callbacks
):
    scores_recompute(2023)
    actual = returned_actual("정무활동 및 당정협력 강화")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # no worker runs: the dirty mark stays
        change_actual(dept_user, actual, "11")
    assert callbacks, "the save should wake a worker after commit"
    client.force_login(evaluator)

    stale = row_of(client.get(BOARD), "대외협력과")
    assert "재계산 대기" in stale
    assert "102.73" in stale  # the stored score until the job runs
    assert "최신" in row_of(client.get(BOARD), "소통기획과")

    recompute_year.delay(2023)  # eager in tests, as the worker would run it

    current = row_of(client.get(BOARD), "대외협력과")
    assert "최신" in current and "재계산 대기" not in current
    # The department's draft of 11 does not count: 32/32 (w30) and 6/6 (w40), completeness 70 %.
    assert "100.00 S 70.00%" in current
    assert not DirtyScore.objects.filter(year=2023).exists()


def test_a_department_without_a_stored_score_or_with_an_old_policy_is_stale(client, evaluator, admin_user):
    scores_recompute(2023)
    DepartmentScore.objects.filter(department__name="소통기획과").delete()
    policy_revise(user=admin_user, year=2023, cap=Decimal(100))
    DirtyScore.objects.all().delete()  # only the policy version tells now
    page = scoreboard_page(2023)
    reasons = {row.name: row.stale_reason for row in page.rows}
    assert reasons == {"대외협력과": "평가 기준 변경", "소통기획과": "점수 없음", "외국인국제정책과": "평가 기준 변경"}


# --- Sorting, filtering, pagination ------------------------------------------------------------------


def test_it_sorts_by_name_and_by_completeness(client, evaluator):
    scores_recompute(2023)
    DepartmentScore.objects.filter(department__name="소통기획과").update(completeness=Decimal(75))
    client.force_login(evaluator)
    by_name = [row.split()[1] for row in rows_of(client.get(BOARD, {"sort": "name"}))]
    assert by_name == ["대외협력과", "소통기획과", "외국인국제정책과"]
    by_completeness = [row.split()[1] for row in rows_of(client.get(BOARD, {"sort": "completeness"}))]
    assert by_completeness == ["대외협력과", "소통기획과", "외국인국제정책과"]
    # As a recompute would store and publish it (the page cache's version moves with the publication).
    DepartmentScore.objects.filter(department__name="대외협력과").update(
        completeness=Decimal(50), computed_at=timezone.now()
    )
    scores_publish(2023)
    by_completeness = [row.split()[1] for row in rows_of(client.get(BOARD, {"sort": "completeness"}))]
    assert by_completeness == ["소통기획과", "대외협력과", "외국인국제정책과"]


def test_it_filters_by_grade_and_by_bureau(client, evaluator, sample_plan):
    scores_recompute(2023)
    other = Bureau.objects.create(organization=sample_plan.organization, name="다른국", plan_year=2025)
    add_departments(other, 2)
    client.force_login(evaluator)
    assert [r.split()[1] for r in rows_of(client.get(BOARD, {"grade": "none"}))] == ["외국인국제정책과"]
    assert [r.split()[1] for r in rows_of(client.get(BOARD, {"grade": "S"}))] == ["대외협력과", "소통기획과"]
    in_other = rows_of(client.get(BOARD, {"bureau": other.pk}))
    assert len(in_other) == 2 and all("다른국" in row for row in in_other)
    assert len(rows_of(client.get(BOARD, {"bureau": sample_plan.pk}))) == 3
    # Unknown values fall back to the defaults rather than failing.
    assert client.get(BOARD, {"grade": "<x>", "sort": "evil", "bureau": "abc", "page": "z"}).status_code == 200


def test_it_pages_fifty_departments_at_a_time_keeping_the_filters(client, evaluator, sample_plan):
    scores_recompute(2023)
    add_departments(sample_plan, 60)
    client.force_login(evaluator)
    first = client.get(BOARD, {"grade": "A"})
    assert len(rows_of(first)) == PAGE_SIZE
    assert "grade=A&amp;page=2" in first.content.decode()
    second = client.get(BOARD, {"grade": "A", "page": 2})
    assert len(rows_of(second)) == 10
    assert "51–60 / 60" in squeeze(second.content.decode())


@pytest.mark.parametrize("sort", ["score", "completeness", "name"])
@pytest.mark.parametrize("unscored", [0, 5])
def test_pages_join_up_in_order_without_gaps_or_repeats(sample_plan, sort, unscored):
    """Pages are read off indexes from either end; they must add up to one full, ordered list."""
    scores_recompute(2023)
    high = add_departments(sample_plan, 30, score=Decimal(95))
    low = add_departments(sample_plan, 90, score=Decimal(80))
    DepartmentScore.objects.filter(department__in=low[:3]).update(score=None, grade="", completeness=None)
    DepartmentScore.objects.filter(department__in=low[10:40]).update(completeness=Decimal(60))
    DepartmentScore.objects.filter(department__in=high[-unscored:] if unscored else []).delete()
    listed = []
    for number in range(1, 4):
        listed.extend(row.department_id for row in scoreboard_page(2023, sort=sort, page=number).rows)
    if sort == "name":
        expected = list(Department.objects.order_by("name", "id").values_list("id", flat=True))
    else:
        rows = {r["department_id"]: r for r in DepartmentScore.objects.filter(year=2023).values()}

        def key(d):
            r = rows[d]
            first = (r["completeness"] is None, -(r["completeness"] or 0)) if sort == "completeness" else ()
            return (*first, r["score"] is None, -(r["score"] or 0), d)

        never = sorted(set(Department.objects.values_list("id", flat=True)) - set(rows))
        assert len(never) == unscored
        expected = sorted(rows, key=key) + never
    assert listed == expected


# --- Query counts ---------------------------------------------------------------------------------


def test_a_scoreboard_page_takes_fifteen_queries(sample_plan, django_assert_num_queries):
    scores_recompute(2023)
    # 1 policy · 2 bureaus · 3 entry year (of the one organization shown) · 4 dirty count · 5 matching departments counted · 6 their
    # scores summed · 7 the page (score join, top-N sort) · 8 ranks · 9 indicators · 10 targets ·
    # 11 actuals · 12 dirty marks of the page · 13 latest reminders · 14 snapshots · 15 roll-ups of
    # the page's bureaus
    for query in ({}, {"sort": "name"}, {"grade": "S"}, {"bureau_id": sample_plan.pk, "sort": "completeness"}):
        with django_assert_num_queries(15):
            scoreboard_page(2023, organization_ids=[sample_plan.organization_id], **query)


def test_the_scoreboard_query_count_does_not_grow_with_departments(client, evaluator, sample_plan):
    scores_recompute(2023)
    client.force_login(evaluator)
    client.get(BOARD)  # warm the session
    cache.clear()  # every measured page is built (a cache miss); served from the cache it is cheaper still
    with CaptureQueriesContext(connection) as few:
        assert client.get(BOARD).status_code == 200
    add_departments(sample_plan, 120)
    add_departments(Bureau.objects.create(organization=sample_plan.organization, name="다른국", plan_year=2025), 30)
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        response = client.get(BOARD)
    assert len(rows_of(response)) == PAGE_SIZE
    assert len(many.captured_queries) == len(few.captured_queries)
    cache.clear()
    with CaptureQueriesContext(connection) as last_page:
        assert len(rows_of(client.get(BOARD, {"page": 4}))) == 3
    assert len(last_page.captured_queries) == len(few.captured_queries)


# --- Who may do what ----------------------------------------------------------------------------------


def test_a_department_user_reads_the_scoreboard_without_buttons(client, dept_user):
    scores_recompute(2023)
    client.force_login(dept_user)
    body = client.get(BOARD).content.decode()
    assert "대외협력과" in body and "102.73" in body
    assert "재계산</button>" not in body and "결과 확정" not in body
    assert client.post(reverse("scores:recompute", args=[2023])).status_code == 403
    assert client.post(reverse("scores:finalise", args=[2023])).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, sample_plan):
    response = client.get(BOARD)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_scores_home_redirects_to_the_latest_scored_year(client, evaluator):
    scores_recompute(2023)
    client.force_login(evaluator)
    assert client.get("/scores/")["Location"] == BOARD


def test_a_year_out_of_range_is_not_found(client, evaluator):
    client.force_login(evaluator)
    assert client.get("/scores/1999/").status_code == 404


# --- Recompute button and progress ---------------------------------------------------------------------


def test_the_recompute_button_queues_the_year_job_after_commit(client, evaluator, django_capture_on_commit_callbacks):
    client.force_login(evaluator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("scores:recompute", args=[2023]))
    assert response.status_code == 302
    assert len(callbacks) == 1
    assert not DepartmentScore.objects.exists()  # nothing ran before commit
    callbacks[0]()  # the commit: eager Celery runs the job here
    assert DepartmentScore.objects.filter(year=2023).count() == 3
    assert client.session[score_views.JOB_KEY.format(year=2023)]


def test_the_page_polls_the_job_every_two_seconds_until_it_finishes(client, evaluator, monkeypatch, django_capture_on_commit_callbacks):
    client.force_login(evaluator)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("scores:recompute", args=[2023]))
    task_id = client.session[score_views.JOB_KEY.format(year=2023)]
    assert DirtyScore.objects.filter(year=2023).count() == 3  # marked by the plan import, not yet recomputed
    state = {"value": "PENDING"}
    monkeypatch.setattr(score_views, "job_state", lambda _task_id: state["value"])

    page = client.get(BOARD).content.decode()
    status_url = reverse("scores:recompute_status", args=[2023, task_id])
    assert f'hx-get="{status_url}"' in page and 'hx-trigger="every 2s"' in page
    assert '<button type="submit" class="primary" disabled>재계산</button>' in page

    running = client.get(status_url)
    assert 'hx-trigger="every 2s"' in running.content.decode()
    assert "재계산 대기 부서 3곳" in squeeze(running.content.decode())
    assert "HX-Refresh" not in running

    state["value"] = "SUCCESS"
    done = client.get(status_url)
    assert "hx-trigger" not in done.content.decode()
    assert "재계산을 마쳤습니다" in done.content.decode()
    assert done["HX-Refresh"] == "true"
    assert score_views.JOB_KEY.format(year=2023) not in client.session
    assert "hx-get" not in client.get(BOARD).content.decode()


def queued_job(client, evaluator, monkeypatch, django_capture_on_commit_callbacks, state: str = "PENDING") -> str:
    """Press 재계산 with no worker running the job; returns the progress line's URL."""
    client.force_login(evaluator)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("scores:recompute", args=[2023]))
    monkeypatch.setattr(score_views, "job_state", lambda _task_id: state)
    return reverse("scores:recompute_status", args=[2023, client.session[score_views.JOB_KEY.format(year=2023)]])


def test_a_job_without_a_responding_worker_says_so_and_that_it_will_be_retried(
    client, evaluator, monkeypatch, django_capture_on_commit_callbacks
):
    status_url = queued_job(client, evaluator, monkeypatch, django_capture_on_commit_callbacks)
    monkeypatch.setitem(recompute_year.app.conf, "task_always_eager", False)  # tasks go to workers; none has a heartbeat
    html = client.get(status_url).content.decode()
    line = squeeze(html)
    assert "재계산 지연 · 작업 처리기 응답 없음 · 자동 재시도 예정" in line
    assert "재계산 대기 부서 3곳" in line
    assert 'hx-trigger="every 2s"' in html  # it keeps watching: the sweeper finishes the work
    assert "작업 처리기 응답 없음" in client.get(BOARD).content.decode()


def test_a_job_running_longer_than_the_limit_turns_delayed(
    client, evaluator, monkeypatch, settings, django_capture_on_commit_callbacks
):
    status_url = queued_job(client, evaluator, monkeypatch, django_capture_on_commit_callbacks, state="STARTED")
    assert "지연" not in squeeze(client.get(status_url).content.decode())
    session = client.session
    session[score_views.JOB_STARTED_KEY.format(year=2023)] -= settings.RECOMPUTE_DELAYED_AFTER + 1
    session.save()
    line = squeeze(client.get(status_url).content.decode())
    assert "재계산 지연 · 자동 재시도 예정" in line and "응답 없음" not in line


def test_a_failed_job_ends_and_says_the_remaining_departments_are_retried(
    client, evaluator, monkeypatch, django_capture_on_commit_callbacks
):
    status_url = queued_job(client, evaluator, monkeypatch, django_capture_on_commit_callbacks, state="FAILURE")
    html = client.get(status_url).content.decode()
    line = squeeze(html)
    assert "hx-trigger" not in html
    assert "재계산 실패 (실패) · 자동 재시도 예정: 재계산 대기 부서 3곳은 자동으로 다시 계산됩니다" in line


def test_the_board_has_no_worker_notice_when_tasks_run_in_process(client, evaluator):
    client.force_login(evaluator)
    assert "작업 처리기 응답 없음" not in client.get(BOARD).content.decode()


def test_in_eager_mode_the_job_is_done_by_the_time_the_page_loads(client, evaluator, django_capture_on_commit_callbacks):
    client.force_login(evaluator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("scores:recompute", args=[2023]))
    body = client.get(BOARD).content.decode()
    assert "2023년 점수를 다시 계산했습니다" in body
    assert "hx-get" not in body
    assert "102.73" in body


def test_the_status_endpoint_rejects_a_malformed_task_id(client, evaluator):
    client.force_login(evaluator)
    assert client.get("/scores/2023/recompute/not-a-uuid/").status_code == 404


def test_ties_share_a_rank_across_pages_and_in_every_sort_order(client, evaluator, sample_plan):
    scores_recompute(2023)
    add_departments(sample_plan, 60, score=Decimal(90))
    by_score = scoreboard_page(2023)
    assert [row.rank for row in by_score.rows[:4]] == [1, 2, 3, 3]
    assert {row.rank for row in by_score.rows[2:]} == {3}
    second = scoreboard_page(2023, page=2)
    assert [row.rank for row in second.rows] == [3] * 12 + [None]  # the unscored department comes last
    by_name = scoreboard_page(2023, sort="name")
    ranks = {row.name: row.rank for row in by_name.rows}
    assert ranks["대외협력과"] == 1 and ranks["소통기획과"] == 2 and ranks["추가부서00003"] == 3
    only_a = scoreboard_page(2023, grade="A")
    assert {row.rank for row in only_a.rows} == {3}  # ranks are over every scored department, whatever the filter
    in_bureau = scoreboard_page(2023, bureau_id=sample_plan.pk, sort="completeness", page=2)
    assert [row.rank for row in in_bureau.rows] == [3] * 12 + [None]


def test_the_bureau_choices_escape_their_names(client, evaluator, sample_plan):
    Bureau.objects.create(organization=sample_plan.organization, name="<b>국</b>", plan_year=2025)
    client.force_login(evaluator)
    body = client.get(BOARD, {"bureau": sample_plan.pk}).content.decode()
    assert "&lt;b&gt;국&lt;/b&gt;" in body
    assert f'<option value="{sample_plan.pk}" selected>대외국제소통국</option>' in body


@pytest.mark.parametrize("sort", ["score", "name", "completeness"])
def test_deep_pages_read_from_the_other_end_give_the_same_order(sample_plan, sort):
    scores_recompute(2023)
    other = Bureau.objects.create(organization=sample_plan.organization, name="다른국", plan_year=2025)
    first, second = add_departments(sample_plan, 70), add_departments(other, 67)
    departments = first + second
    for n, department in enumerate(departments):  # many ties, some missing scores and completeness
        DepartmentScore.objects.filter(department=department).update(
            score=None if n % 11 == 0 else Decimal(80 + n % 7), completeness=None if n % 13 == 0 else Decimal(n % 5)
        )
    for mine, theirs in zip(first[:6], second[:6]):  # equal names in two bureaus: ties broken by id
        Department.objects.filter(pk=theirs.pk).update(name=mine.name)
    pages = [scoreboard_page(2023, sort=sort, page=n, page_size=20) for n in range(1, 8)]
    assert pages[0].num_pages == 7  # 3 + 137 departments
    paged = [row.department_id for page in pages for row in page.rows]
    qs = scoreboard_departments(2023)
    expected = list(qs.order_by(*_ordering(sort)).values_list("id", flat=True))
    assert paged == expected
    assert list(qs.order_by(*_ordering(sort, reverse=True)).values_list("id", flat=True)) == expected[::-1]
    if sort == "score":
        ranks = [row.rank for page in pages for row in page.rows]
        scores = [row.score for page in pages for row in page.rows]
        for position, (rank, score) in enumerate(zip(ranks, scores, strict=True)):
            if score is not None:
                assert rank == 1 + sum(1 for other in scores if other is not None and other > score), position
