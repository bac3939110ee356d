"""A department's drill-down /scores/<year>/departments/<id>/: rates, bars, charts, budget beside performance."""
from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest

from kpis.models import Actual, ActualStatus, Department, Indicator, IndicatorKind, Target
from kpis.score_selectors import department_drilldown
from kpis.services.scores import scores_recompute

pytestmark = pytest.mark.django_db


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", text))).strip()


def section(body: str, element_id: str) -> str:
    start = body.index(f'id="{element_id}"')
    return body[start : body.index("</section>", start)]


@pytest.fixture
def cooperation(sample_plan) -> Department:
    scores_recompute(2023)
    return Department.objects.get(name="대외협력과")


def url(department: Department, year: int = 2023) -> str:
    return f"/scores/{year}/departments/{department.pk}/"


def test_each_indicator_shows_target_actual_rate_working_weight_and_contribution(client, evaluator, cooperation):
    client.force_login(evaluator)
    body = client.get(url(cooperation)).content.decode()
    table = squeeze(section(body, "indicators"))
    assert "정무활동 및 당정협력 강화 (회) 일반" in table
    assert "30 11 12 승인 109.09% 실적 12 / 목표 11 × 100 = 109.09%, 상한 120% 미적용 30.00% 32.73" in table
    assert "점수 (기여의 합) 102.73" in table


def test_the_contribution_bars_add_up_to_the_score(cooperation):
    page = department_drilldown(2023, cooperation.pk)
    assert [line.contribution for line in page.indicators] == [Decimal("32.73"), Decimal("30.00"), Decimal("40.00")]
    assert page.contribution_total == page.score == Decimal("102.73")


def test_the_page_draws_the_score_bars_and_a_five_year_chart_per_indicator(client, evaluator, cooperation):
    client.force_login(evaluator)
    body = client.get(url(cooperation)).content.decode()
    assert body.count('<svg class="chart chart--series"') == 3
    assert body.count('<svg class="chart chart--bars"') == 1
    assert 'aria-label="지표별 점수 기여: 합계 102.73점"' in body
    charts = section(body, "series")
    assert all(str(year) in charts for year in range(2023, 2028))
    assert "2023년 실적 12" in charts and "2027년 목표 11" in charts
    assert "<script" not in charts  # readable without JavaScript


def test_the_series_take_years_from_the_target_and_actual_rows(cooperation):
    page = department_drilldown(2023, cooperation.pk)
    line = page.indicators[0]
    assert line.years == (2023, 2024, 2025, 2026, 2027)
    assert line.targets == (Decimal(11),) * 5
    assert line.actuals == (Decimal(12), None, None, None, None)  # the 2024 "0" is a placeholder


def test_budget_beside_performance_per_policy_goal(client, evaluator, cooperation):
    page = department_drilldown(2023, cooperation.pk)
    (goal,) = page.goals
    assert goal.title == "정치권·도의회 및 민간단체 등 대내외 협력을 통한 도정 발전 견인"
    # Unit programs: 61 + 25 + 775 + 2,615 + 325 settled in 2023; none recorded for 2022.
    assert [(a.label, a.amount) for a in goal.amounts] == [("2022", None), ("2023 결산", Decimal(3801))]
    assert goal.change is None
    # The plan year: 4,035 (2024) → 4,206 (2025), beside the printed 4,430 of the document.
    assert [(a.label, a.amount) for a in goal.plan_amounts] == [("2024 예산", Decimal(4035)), ("2025 예산", Decimal(4206))]
    assert goal.plan_change == Decimal(171)
    assert goal.plan_change_rate == Decimal("4.24")
    assert goal.printed_budget == Decimal(4430)
    assert goal.weighted_rate == Decimal("102.73")
    assert goal.contribution == Decimal("102.73")
    client.force_login(evaluator)
    table = squeeze(section(client.get(url(cooperation)).content.decode(), "budget"))
    assert "— 3,801 — — 4,035 4,206 171 4.24% 4,430" in table
    assert "정무활동 및 당정협력 강화 109.09%" in table


def test_a_department_without_evaluable_indicators_says_why_and_still_charts(client, evaluator, cooperation):
    foreign = Department.objects.get(name="외국인국제정책과")
    client.force_login(evaluator)
    response = client.get(url(foreign))
    assert response.status_code == 200
    text = squeeze(response.content.decode())
    assert "평가 가능한 지표가 없습니다" in text
    assert "점수 없음" in response.content.decode()
    assert response.content.decode().count('<svg class="chart chart--series"') == 3


def test_an_unknown_department_is_not_found(client, evaluator):
    client.force_login(evaluator)
    assert client.get("/scores/2023/departments/999999/").status_code == 404


def test_a_stale_department_says_so(client, evaluator, cooperation):
    from kpis.models import DirtyScore

    DirtyScore.objects.create(department=cooperation, year=2023)
    client.force_login(evaluator)
    assert "재계산 대기" in client.get(url(cooperation)).content.decode()


def test_the_drilldown_takes_fourteen_queries_whatever_the_number_of_indicators(cooperation, django_assert_num_queries):
    # 1 department ⟕ bureau · 2 policy · 3 stored score · 4 indicators · 5 indicator scores · 6 targets
    # · 7 actuals · 8 dirty mark · 9 snapshot · 10 policy goals · 11 unit program sums · 12 reminder · 13 entry year
    with django_assert_num_queries(14):
        department_drilldown(2023, cooperation.pk)
    goal = cooperation.policy_goals.first()
    for n in range(12):
        indicator = Indicator.objects.create(
            department=cooperation, policy_goal=goal, name=f"(대외협력과)추가 지표 {n}(회)", short_name=f"추가 지표 {n}",
            unit="회", kind=IndicatorKind.GENERAL, weight=Decimal(10), order=10 + n,
        )
        Target.objects.bulk_create([Target(indicator=indicator, year=y, value=Decimal(5)) for y in range(2023, 2028)])
        Actual.objects.create(indicator=indicator, year=2023, value=Decimal(5), status=ActualStatus.APPROVED)
    scores_recompute(2023)
    with django_assert_num_queries(14):
        page = department_drilldown(2023, cooperation.pk)
    assert len(page.indicators) == 15
