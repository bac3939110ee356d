"""Series across plan editions: the 2026 plan's drill-down, chart and weak-target check read the years only
the 2025 plan holds through each indicator's `previous` link, and nothing entered on the 2025 plan moves.

The 2025 sample is imported, 대외협력과 enters its 2024 and 2025 meetings (정무활동) through the service and
an evaluator approves them; then the 2026 document comes in with its mapping (one indicator renamed).
"""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from imports.services import plan_import, renames_read
from kpis.models import Actual, ActualStatus, Department, Indicator, Organization
from kpis.score_selectors import department_drilldown, scoreboard_page
from kpis.services.actuals import actual_save
from kpis.services.workflow import actual_approve, actual_submit
from tests.conftest import SAMPLE_ORGANIZATION
from tests.imports.test_sample_variants import MAPPING, NEXT_YEAR

pytestmark = pytest.mark.django_db

D = Decimal
MEETINGS = "정무활동 및 당정협력 강화"


def enter(dept_user, evaluator, indicator: Indicator, year: int, count: str) -> Actual:
    current = Actual.objects.filter(indicator=indicator, year=year).first()
    saved = actual_save(
        user=dept_user, indicator_id=indicator.pk, year=year, inputs={"개최횟수": count},
        expected_version=current.version if current else None,
    )
    submitted = actual_submit(user=dept_user, actual_id=saved.pk, expected_version=saved.version)
    return actual_approve(user=evaluator, actual_id=submitted.pk, expected_version=submitted.version)


@pytest.fixture
def editions(sample_plan, dept_user, evaluator):
    old_meetings = Indicator.objects.get(department__bureau=sample_plan, short_name=MEETINGS)
    entered = [enter(dept_user, evaluator, old_meetings, year, count) for year, count in ((2024, "13"), (2025, "14"))]
    before = list(Actual.objects.order_by("pk").values_list("pk", "indicator_id", "year", "value", "status", "version"))
    organization = Organization.objects.get(name=SAMPLE_ORGANIZATION)
    new_bureau = plan_import(path=NEXT_YEAR, organization=organization, renames=renames_read(MAPPING)).bureau
    return {"old": sample_plan, "new": new_bureau, "old_meetings": old_meetings, "entered": entered, "before": before}


def line_of(page, name: str):
    return next(line for line in page.indicators if line.name == name)


def test_actuals_entered_on_last_year_s_plan_stay_where_they_are(editions):
    entered = editions["entered"]
    after = {row[0]: row for row in Actual.objects.values_list("pk", "indicator_id", "year", "value", "status", "version")}

    for row in editions["before"]:  # every actual of the 2025 plan: same row, same indicator, same value
        assert after[row[0]] == row
    for actual in entered:
        actual.refresh_from_db()
        assert actual.indicator_id == editions["old_meetings"].pk and actual.status == ActualStatus.APPROVED
    assert [actual.value for actual in entered] == [D(13), D(14)]


def test_the_2026_drill_down_series_continues_through_the_2025_plan(editions):
    department = Department.objects.get(bureau=editions["new"], name="대외협력과")

    line = line_of(department_drilldown(2026, department.pk), MEETINGS)
    series = dict(zip(line.years, zip(line.targets, line.actuals, strict=True), strict=True))

    assert line.years == (2023, 2024, 2025, 2026, 2027, 2028)
    assert series[2023] == (D(11), D(12))  # a year only the 2025 plan holds
    assert series[2024] == (D(11), D(13))  # the actual entered on the 2025 plan, not the 2026 document's copy
    assert series[2025] == (D(11), D(14))  # the 2026 document has a placeholder for it
    assert series[2026] == (D(12), None)  # the 2026 plan governs 2026 onwards: its raised target


def test_the_weak_target_check_compares_the_new_target_with_last_year_s_actual(editions):
    department = Department.objects.get(bureau=editions["new"], name="대외협력과")

    line = line_of(department_drilldown(2026, department.pk), MEETINGS)

    messages = [flag.message for flag in line.weak]
    assert "2026년 목표 12가 2025년 실적 14 이하입니다" in messages  # 2025's actual lives on the 2025 plan
    assert "2025년 목표 11이 2024년 실적 13 이하입니다" in messages


def test_a_renamed_indicator_s_series_carries_the_old_name_s_actuals(editions):
    department = Department.objects.get(bureau=editions["new"], name="외국인국제정책과")
    renamed = Indicator.objects.get(department=department, short_name="자매우호결연지역 등 국제교류 횟수")
    old_2023 = Actual.objects.get(indicator=renamed.previous, year=2023)
    assert Actual.objects.filter(indicator=renamed, year=2023).count() == 0  # the 2026 plan starts in 2024

    line = line_of(department_drilldown(2026, department.pk), renamed.short_name)

    assert dict(zip(line.years, line.actuals, strict=True))[2023] == old_2023.value


def test_an_added_indicator_has_only_its_own_years(editions):
    department = Department.objects.get(bureau=editions["new"], name="대외협력과")

    line = line_of(department_drilldown(2026, department.pk), "고향사랑기부 모금액")

    assert line.years == (2024, 2025, 2026, 2027, 2028)


def test_the_drill_down_reads_the_chain_in_the_same_number_of_queries(editions):
    old = Department.objects.get(bureau=editions["old"], name="대외협력과")
    new = Department.objects.get(bureau=editions["new"], name="대외협력과")

    counts = []
    for year, department in ((2025, old), (2026, new)):
        with CaptureQueriesContext(connection) as queries:
            department_drilldown(year, department.pk)
        counts.append(len(queries))

    assert counts[0] == counts[1] == 14


def test_the_drill_down_page_charts_the_years_of_both_plans(client, evaluator, editions):
    department = Department.objects.get(bureau=editions["new"], name="대외협력과")
    client.force_login(evaluator)

    body = client.get(reverse("scores:department", args=[2026, department.pk])).content.decode()

    chart = body[body.index("<svg"):]
    assert ">2023<" in chart and ">2028<" in chart


def test_the_scoreboard_counts_the_same_weak_targets_as_the_drill_down(editions):
    board = scoreboard_page(2026, sort="name")

    for row in board.rows:
        drilldown = department_drilldown(2026, row.department_id)
        assert row.weak_count == drilldown.weak_count, row.name
    assert {row.bureau_id for row in board.rows} == {editions["new"].pk}
    assert any(row.weak_count for row in board.rows)
