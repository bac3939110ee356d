"""The early-warning page and the progress selector on the sample plan, reported by quarter in 2025."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import Role, User
from kpis import progress_views
from kpis.models import Actual, ActualStatus, Indicator, PeriodSetting, PeriodTarget
from kpis.progress import ProgressStatus
from kpis.progress_selectors import progress_rows
from tests.conftest import PASSWORD
from tests.scope_world import MARKER, build_world

pytestmark = pytest.mark.django_db

YEAR = 2025  # 2025 targets: 정무활동 11 (회, sum), 민간단체 33 (회, sum), 자원봉사 활동률 6 (%, last cumulative)


def quarter(indicator: Indicator, period: int, value: str, status: str = ActualStatus.SUBMITTED) -> Actual:
    return Actual.all_periods.create(indicator=indicator, year=YEAR, period=period, value=Decimal(value), status=status)


@pytest.fixture
def quarters(sample_plan, meetings, volunteering):
    """대외협력과 after two quarters: 정무활동 주의, 민간단체 정상, 자원봉사 활동률 부진."""
    PeriodSetting.objects.create(organization=sample_plan.organization, year=YEAR, frequency="quarter")
    quarter(meetings, 1, "2")
    quarter(meetings, 2, "3")  # 5 of 5.5 by now: 90.91 %
    partners = Indicator.objects.get(department__name="대외협력과", short_name="민간단체 및 출향도민 협력 강화")
    quarter(partners, 1, "9", ActualStatus.APPROVED)
    quarter(partners, 2, "9", ActualStatus.APPROVED)  # 18 of 16.5: 109.09 %
    quarter(volunteering, 1, "1.5", ActualStatus.APPROVED)
    quarter(volunteering, 2, "2")  # 2 of 3: 66.67 %
    quarter(volunteering, 3, "5", ActualStatus.DRAFT)  # a draft is the department's still: not counted
    return sample_plan


def by_name(rows):
    return {row.name: row for row in rows}


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_each_indicator_gets_a_status_and_a_projection_from_its_handed_in_quarters(quarters, evaluator):
    rows = by_name(progress_rows(user=evaluator, year=YEAR))
    meetings = rows["정무활동 및 당정협력 강화"].result
    assert (meetings.status, meetings.pace, meetings.projection) == (ProgressStatus.AT_RISK, Decimal("90.91"), 10)
    partners = rows["민간단체 및 출향도민 협력 강화"].result
    assert (partners.status, partners.projection) == (ProgressStatus.ON_TRACK, 36)
    volunteering = rows["자원봉사 활동률"].result
    assert volunteering.elapsed == 2  # the third quarter's draft does not count
    assert (volunteering.status, volunteering.pace, volunteering.projection) == (
        ProgressStatus.BEHIND, Decimal("66.67"), 4,
    )
    assert volunteering.working.startswith("2분기 누적 실적 2; 기간 목표 = 연간 목표 6 × 2/4 = 3;")


def test_departments_without_quarters_are_not_judged_but_listed(quarters, evaluator):
    rows = by_name(progress_rows(user=evaluator, year=YEAR))
    survey = rows["도정 핵심사업 인지도"].result
    assert survey.status is None and survey.reason == "아직 실적이 입력된 기간이 없습니다"


def test_a_year_reported_by_year_only_has_no_progress(quarters, evaluator):
    assert progress_rows(user=evaluator, year=YEAR + 1) == []


def test_per_period_targets_replace_the_pro_rated_ones(quarters, evaluator, meetings):
    PeriodTarget.objects.create(indicator=meetings, year=YEAR, period=1, value=Decimal(2))
    PeriodTarget.objects.create(indicator=meetings, year=YEAR, period=2, value=Decimal(2))
    result = by_name(progress_rows(user=evaluator, year=YEAR))["정무활동 및 당정협력 강화"].result
    assert result.expected == 4 and result.status is ProgressStatus.ON_TRACK


def test_a_department_user_reads_their_organization_as_on_the_scoreboard(quarters, other_dept_user):
    rows = progress_rows(user=other_dept_user, year=YEAR)
    assert {row.department_name for row in rows} == {"대외협력과", "소통기획과", "외국인국제정책과"}
    assert "자원봉사 활동률" in login(other_dept_user).get(f"/progress/{YEAR}/").content.decode()


def test_the_page_lists_the_warnings_with_their_working(quarters, evaluator):
    body = login(evaluator).get(f"/progress/{YEAR}/").content.decode()
    assert "정무활동 및 당정협력 강화" in body and "자원봉사 활동률" in body
    assert "민간단체 및 출향도민 협력 강화" not in body  # on track: not a warning
    assert "90.91%" in body and "부진" in body
    assert "산출 근거: 2분기 누적 실적 2; 기간 목표 = 연간 목표 6 × 2/4 = 3;" in body


def test_the_page_filters_by_status_and_bureau(quarters, evaluator):
    client = login(evaluator)
    on_track = client.get(f"/progress/{YEAR}/", {"status": "on_track"}).content.decode()
    assert "민간단체 및 출향도민 협력 강화" in on_track and "자원봉사 활동률" not in on_track
    behind = client.get(f"/progress/{YEAR}/", {"status": "behind", "bureau": quarters.pk}).content.decode()
    assert "자원봉사 활동률" in behind and "정무활동 및 당정협력 강화" not in behind
    unknown = client.get(f"/progress/{YEAR}/", {"status": "unknown"}).content.decode()
    assert "도정 핵심사업 인지도" in unknown


def test_a_bad_filter_falls_back_to_the_warnings(quarters, evaluator):
    response = login(evaluator).get(f"/progress/{YEAR}/", {"status": "<script>", "bureau": "x", "page": "zz"})
    assert response.status_code == 200
    assert "자원봉사 활동률" in response.content.decode()


def test_the_page_is_paginated(quarters, evaluator, monkeypatch):
    monkeypatch.setattr(progress_views, "PAGE_SIZE", 1)
    client = login(evaluator)
    first = client.get(f"/progress/{YEAR}/").content.decode()
    second = client.get(f"/progress/{YEAR}/", {"page": 2}).content.decode()
    assert "1 / 2쪽" in first
    assert ("정무활동 및 당정협력 강화" in first) != ("정무활동 및 당정협력 강화" in second)


def test_a_year_without_periods_says_so(quarters, evaluator):
    assert "기간별(분기·반기) 실적을 받는 성과지표가 없습니다" in login(evaluator).get(f"/progress/{YEAR + 1}/").content.decode()


def test_the_home_redirects_to_a_year(quarters, evaluator):
    response = login(evaluator).get("/progress/")
    assert response.status_code == 302 and response.url.startswith("/progress/")


def test_an_evaluator_of_a_never_sees_b(quarters, evaluator):
    world = build_world(quarters)
    PeriodSetting.objects.create(organization=world.b, year=YEAR, frequency="quarter")
    for indicator in Indicator.objects.filter(department__bureau=world.bureau):
        Actual.all_periods.create(indicator=indicator, year=YEAR, period=1, value=Decimal(0), status="approved")
    assert {row.organization_id for row in progress_rows(user=evaluator, year=YEAR)} == {world.a.pk}
    client = login(evaluator)
    for query in ({"status": "all"}, {"status": "all", "bureau": world.bureau.pk}, {"status": "behind"}):
        body = client.get(f"/progress/{YEAR}/", query).content.decode()
        assert MARKER not in body
    b_evaluator = User.objects.create_user(
        username="eval_b", password=PASSWORD, role=Role.EVALUATOR, organization=world.b
    )
    seen = progress_rows(user=b_evaluator, year=YEAR)
    assert seen and {row.organization_id for row in seen} == {world.b.pk}
    assert MARKER in login(b_evaluator).get(f"/progress/{YEAR}/", {"status": "all"}).content.decode()


def test_the_list_takes_a_fixed_number_of_queries(quarters, evaluator, django_assert_num_queries):
    # 1 period settings · 2 editions · 3 targets ⟕ indicator ⟕ department ⟕ bureau · 4 period values
    # · 5 per-period targets
    with django_assert_num_queries(5):
        rows = progress_rows(user=evaluator, year=YEAR)
    assert len(rows) == 9  # every indicator in force in 2025, three departments
    with django_assert_num_queries(1):
        assert progress_rows(user=evaluator, year=YEAR + 1) == []  # by year only


def test_the_scoreboard_shows_progress_by_bureau_during_the_year(quarters, evaluator):
    body = login(evaluator).get(f"/scores/{YEAR}/").content.decode()
    assert "기간별 진도 현황" in body and f"/progress/{YEAR}/" in body
    assert "기간별 진도 현황" not in login(evaluator).get(f"/scores/{YEAR + 1}/").content.decode()


def test_the_drilldown_shows_each_indicators_progress(quarters, evaluator, volunteering):
    body = login(evaluator).get(f"/scores/{YEAR}/departments/{volunteering.department_id}/").content.decode()
    assert "기간별 진도" in body and "66.67%" in body and "부진" in body
    assert "연말 예상(누적값 추세) 2 × 4/2 = 4" in body


def test_quarters_saved_and_submitted_through_the_services_move_the_page_and_the_cached_scoreboard(
    sample_plan, dept_user, evaluator, meetings
):
    from kpis.services.actuals import actual_save
    from kpis.services.workflow import actual_submit

    PeriodSetting.objects.create(organization=sample_plan.organization, year=YEAR, frequency="quarter")
    client = login(evaluator)
    board = f"/scores/{YEAR}/"
    assert "<td class=\"num\">1</td>" not in client.get(board).content.decode().split("기간별 진도 현황")[1].split("</table>")[0]
    for period, value in ((1, "1"), (2, "2")):  # 3 of 5.5 by now: 54.55 %, behind
        saved = actual_save(user=dept_user, indicator_id=meetings.pk, year=YEAR, inputs={"개최횟수": value}, period=period)
        actual_submit(user=dept_user, actual_id=saved.pk, expected_version=saved.version)
    body = client.get(f"/progress/{YEAR}/").content.decode()
    assert "정무활동 및 당정협력 강화" in body and "54.55%" in body
    summary = client.get(board).content.decode().split("기간별 진도 현황")[1].split("</table>")[0]
    assert "<td class=\"num\">1</td>" in summary  # one behind, no longer a stale cached count


def test_the_pages_state_the_thresholds_they_apply(quarters, evaluator, volunteering):
    client = login(evaluator)
    for url in (f"/progress/{YEAR}/", f"/scores/{YEAR}/departments/{volunteering.department_id}/"):
        assert "진도율 100% 이상 정상, 90% 이상 주의, 그 밖은 부진입니다." in client.get(url).content.decode()


def test_an_indicator_carried_into_the_next_plan_is_judged_once_on_the_edition_governing_the_year(quarters, evaluator):
    from imports.services import plan_import, renames_read
    from tests.imports.test_sample_variants import MAPPING, NEXT_YEAR

    plan_import(path=NEXT_YEAR, organization=quarters.organization, renames=renames_read(MAPPING))
    rows = progress_rows(user=evaluator, year=YEAR)
    assert len(rows) == 9 and {row.bureau_id for row in rows} == {quarters.pk}
    assert by_name(rows)["자원봉사 활동률"].result.status is ProgressStatus.BEHIND
