"""Periods: a year reported by quarter (or half), its year value derived by the indicator's rule, through the
same save and workflow services as yearly actuals."""
from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import InvalidInput, InvalidState, NotFound, PermissionRefused
from kpis.models import Actual, ActualStatus, AuditEntry, DirtyScore, Indicator, Organization
from kpis.period_rules import PeriodRule, period_rule_for, year_formula, year_value
from kpis.periods import indicator_period_counts, period_count, period_labels, period_values
from kpis.services.actuals import actual_save
from kpis.services.periods import period_setting_save
from kpis.services.workflow import actual_approve, actual_return, actual_submit

YEAR = 2025
D = Decimal


@pytest.mark.parametrize(
    ("rule", "values", "expected"),
    [
        (PeriodRule.SUM, [D(3), D(4), None, D(5)], D(12)),
        (PeriodRule.LAST, [D("2.5"), D("4.1"), None, None], D("4.1")),
        (PeriodRule.AVERAGE, [D(80), D(91), None, None], D("85.5")),
        (PeriodRule.SUM, [None, None], None),
        (PeriodRule.LAST, [], None),
    ],
)
def test_the_year_value_follows_the_rule(rule, values, expected):
    assert year_value(rule, values) == expected


def test_a_rate_defaults_to_its_last_cumulative_value_and_a_count_to_the_sum():
    assert period_rule_for("", "%") == PeriodRule.LAST
    assert period_rule_for("", "회") == PeriodRule.SUM
    assert period_rule_for("average", "%") == PeriodRule.AVERAGE


def test_the_excel_formula_states_the_same_rule():
    cells = ["M6", "P6"]
    assert year_formula(PeriodRule.SUM, cells, places=0) == '=IF(COUNT(M6,P6)=0,"",SUM(M6,P6))'
    assert year_formula(PeriodRule.LAST, cells, places=4) == '=IF(ISNUMBER(P6),P6,IF(ISNUMBER(M6),M6,""))'
    assert year_formula(PeriodRule.AVERAGE, cells, places=1) == '=IF(COUNT(M6,P6)=0,"",ROUND(AVERAGE(M6,P6),1))'


@pytest.fixture
def quarters(admin_user):
    """전북특별자치도 reports 2025 by quarter."""
    organization = Organization.objects.get()
    period_setting_save(user=admin_user, organization_id=organization.pk, year=YEAR, frequency="quarter")
    return organization


def year_row(indicator: Indicator) -> Actual:
    return Actual.objects.get(indicator=indicator, year=YEAR)


def save_meetings(user, meetings, period: int, count: str, version: int | None = None) -> Actual:
    return actual_save(
        user=user, indicator_id=meetings.pk, year=YEAR, period=period, inputs={"개최횟수": count},
        expected_version=version,
    )


def test_an_admin_sets_a_year_by_quarter(quarters, meetings):
    assert period_count(organization_id=quarters.pk, year=YEAR) == 4
    assert period_count(organization_id=quarters.pk, year=2024) == 0
    assert indicator_period_counts(indicator_ids=[meetings.pk], year=YEAR) == {meetings.pk: 4}
    assert period_labels(4) == ["1분기", "2분기", "3분기", "4분기"] and period_labels(2) == ["상반기", "하반기"]
    assert AuditEntry.objects.get(entity="period_setting").new_value == "quarter"


def test_only_an_admin_sets_periods(dept_user, sample_plan):
    with pytest.raises(PermissionRefused):
        period_setting_save(user=dept_user, organization_id=Organization.objects.get().pk, year=YEAR, frequency="half")


def test_counts_add_up_to_the_year_value(quarters, dept_user, meetings):
    save_meetings(dept_user, meetings, 1, "3")
    second = save_meetings(dept_user, meetings, 2, "4")

    assert second.period == 2 and second.value == D(4) and second.status == ActualStatus.DRAFT
    derived = year_row(meetings)
    assert derived.value == D(7) and derived.inputs == {"개최횟수": "7"}
    assert derived.status == ActualStatus.DRAFT and derived.version == 2
    assert {period: row.value for period, row in period_values(indicator_ids=[meetings.pk], year=YEAR)[meetings.pk].items()} == {
        1: D(3), 2: D(4)
    }
    assert DirtyScore.objects.filter(department_id=meetings.department_id, year=YEAR).exists()


def test_period_values_are_audited_and_versioned(quarters, dept_user, meetings):
    first = save_meetings(dept_user, meetings, 1, "3")
    again = save_meetings(dept_user, meetings, 1, "5", version=first.version)

    assert again.version == first.version + 1
    entries = AuditEntry.objects.filter(indicator=meetings, year=YEAR, entity="actual").order_by("id")
    assert [(entry.period, entry.action, entry.new_value) for entry in entries] == [
        (1, "create", "3"), (0, "derive", "3"), (1, "update", "5"), (0, "derive", "5"),
    ]


def test_a_running_rate_takes_its_last_quarter(quarters, dept_user, volunteering):
    for period, people in ((1, "30,000"), (2, "61,000")):
        actual_save(
            user=dept_user, indicator_id=volunteering.pk, year=YEAR, period=period,
            inputs={"활동인원": people, "인구": "1,754,757"},
        )
    derived = year_row(volunteering)
    assert derived.inputs == {"활동인원": "61000", "인구": "1754757"}
    assert derived.value == Actual.all_periods.get(indicator=volunteering, year=YEAR, period=2).value


def test_an_averaged_indicator_takes_the_mean(quarters, sample_plan, survey):
    comms = _comms_user()
    Indicator.objects.filter(pk=survey.pk).update(period_rule=PeriodRule.AVERAGE)
    for period, value in ((1, "80"), (2, "91.5")):
        actual_save(user=comms, indicator_id=survey.pk, year=YEAR, period=period, value=value)
    assert year_row(survey).value == D("85.75")


def _comms_user():
    from tests.conftest import _make_user

    return _make_user("dept_comms", "department", "소통기획과")


def test_a_periodic_year_refuses_a_typed_year_value(quarters, dept_user, meetings):
    with pytest.raises(InvalidInput) as refused:
        save_meetings(dept_user, meetings, 0, "12")
    assert refused.value.errors["value"] == [
        "2025년 실적은 분기별로 입력합니다. 연간 실적은 분기 실적에서 계산되므로 직접 입력할 수 없습니다."
    ]
    assert not Actual.all_periods.filter(indicator=meetings, year=YEAR).exists()


def test_a_yearly_year_refuses_a_period_and_a_quarter_year_a_fifth_one(quarters, dept_user, meetings):
    with pytest.raises(InvalidInput) as yearly:
        actual_save(user=dept_user, indicator_id=meetings.pk, year=2024, period=1, inputs={"개최횟수": "1"})
    assert "연간으로만" in yearly.value.errors["period"][0]
    with pytest.raises(InvalidInput) as fifth:
        save_meetings(dept_user, meetings, 5, "1")
    assert fifth.value.errors["period"] == ["기간은 1(1분기), 2(2분기), 3(3분기), 4(4분기) 중 하나여야 합니다."]


def test_a_period_value_keeps_the_value_domain(quarters, dept_user, meetings):
    with pytest.raises(InvalidInput) as refused:
        save_meetings(dept_user, meetings, 1, "2.5")
    assert "정수" in refused.value.errors["개최횟수"][0]


def test_the_year_is_approved_when_every_quarter_is(quarters, dept_user, evaluator, meetings):
    rows = [save_meetings(dept_user, meetings, period, str(period)) for period in (1, 2, 3, 4)]
    with pytest.raises(InvalidState) as year_submit:
        actual_submit(user=dept_user, actual_id=year_row(meetings).pk)
    assert "분기 실적을 하나씩 제출하세요" in year_submit.value.message

    submitted = [actual_submit(user=dept_user, actual_id=row.pk, expected_version=row.version) for row in rows]
    assert year_row(meetings).status == ActualStatus.SUBMITTED
    for row in submitted[:3]:
        actual_approve(user=evaluator, actual_id=row.pk, expected_version=row.version)
    assert year_row(meetings).status == ActualStatus.SUBMITTED
    actual_return(user=evaluator, actual_id=submitted[3].pk, comment="근거 부족", expected_version=submitted[3].version)
    assert year_row(meetings).status == ActualStatus.RETURNED
    fourth = save_meetings(dept_user, meetings, 4, "4", version=submitted[3].version + 1)
    fourth = actual_submit(user=dept_user, actual_id=fourth.pk, expected_version=fourth.version)
    actual_approve(user=evaluator, actual_id=fourth.pk, expected_version=fourth.version)

    derived = year_row(meetings)
    assert derived.status == ActualStatus.APPROVED and derived.value == D(10)
    audit = AuditEntry.objects.filter(indicator=meetings, year=YEAR, period=4, action="approve")
    assert audit.count() == 1


def test_periods_cannot_change_once_values_are_entered(quarters, admin_user, dept_user, meetings):
    save_meetings(dept_user, meetings, 1, "3")
    with pytest.raises(InvalidState):
        period_setting_save(user=admin_user, organization_id=quarters.pk, year=YEAR, frequency="half")


def test_an_unknown_organization_is_not_found(admin_user):
    with pytest.raises(NotFound):
        period_setting_save(user=admin_user, organization_id=99999, year=YEAR, frequency="quarter")


def test_the_review_queue_lists_quarters_not_the_derived_year(quarters, client, dept_user, evaluator, meetings):
    row = save_meetings(dept_user, meetings, 1, "3")
    actual_submit(user=dept_user, actual_id=row.pk, expected_version=row.version)
    client.force_login(evaluator)
    body = client.get("/review/").content.decode()
    assert "2025년 1분기" in body and f'value="{row.pk}:{row.version + 1}"' in body
    assert f'value="{year_row(meetings).pk}:' not in body


def test_scoring_reads_the_year_value_derived_from_approved_quarters(quarters, dept_user, evaluator, meetings):
    from kpis.models import IndicatorScore
    from kpis.services.scores import scores_recompute

    for period in (1, 2, 3, 4):
        row = save_meetings(dept_user, meetings, period, "3")
        row = actual_submit(user=dept_user, actual_id=row.pk, expected_version=row.version)
        actual_approve(user=evaluator, actual_id=row.pk, expected_version=row.version)
    scores_recompute(YEAR)
    score = IndicatorScore.objects.get(indicator=meetings, year=YEAR)
    assert score.raw_rate == D("109.09")  # 12 (four quarters of 3) against the target of 11


def test_the_history_names_each_quarter_and_the_derived_year_in_korean(quarters, client, dept_user, meetings):
    import re
    from html import unescape

    from django.urls import reverse

    save_meetings(dept_user, meetings, 2, "4")
    client.force_login(dept_user)
    body = client.get(reverse("entry:history", args=[meetings.pk])).content.decode()
    text = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body[body.index("<table"):body.index("</table>")])))
    assert "2025년 2분기 실적 입력" in text and "2025년 연간 실적 계산(기간 실적에서)" in text
    assert "실적 값: 없음 → 4" in text


def test_a_year_by_half_takes_two_periods(admin_user, dept_user, meetings):
    organization = Organization.objects.get()
    period_setting_save(user=admin_user, organization_id=organization.pk, year=YEAR, frequency="half")
    assert period_count(organization_id=organization.pk, year=YEAR) == 2
    save_meetings(dept_user, meetings, 1, "5")
    save_meetings(dept_user, meetings, 2, "6")
    assert year_row(meetings).value == D(11)
    with pytest.raises(InvalidInput) as third:
        save_meetings(dept_user, meetings, 3, "1")
    assert third.value.errors["period"] == ["기간은 1(상반기), 2(하반기) 중 하나여야 합니다."]
    with pytest.raises(InvalidInput) as typed:
        save_meetings(dept_user, meetings, 0, "11")
    assert "반기 실적에서 계산되므로" in typed.value.errors["value"][0]


def test_a_year_with_year_values_cannot_be_turned_into_quarters(admin_user, sample_plan):
    organization = Organization.objects.get()
    with pytest.raises(InvalidState) as refused:  # the sample's 2023 actuals are reported
        period_setting_save(user=admin_user, organization_id=organization.pk, year=2023, frequency="quarter")
    assert refused.value.message == "2023년 연간 실적이 이미 입력되어 있어 기간 구분을 바꿀 수 없습니다."
    assert period_count(organization_id=organization.pk, year=2023) == 0
