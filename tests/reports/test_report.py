"""The 성과보고서 page and its xlsx: built once by the report builder, scoped, frozen once a year is finalised."""
from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from io import BytesIO

import pytest
from openpyxl import load_workbook

from accounts.services import user_create_or_update
from core.numbers import format_figure
from kpis.models import DepartmentScore, IndicatorScore, Organization
from kpis.services.finalise import year_finalise
from kpis.services.scores import scores_recompute
from reports.models import ReportEntry
from reports.report.builder import performance_report
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", text))).strip()


@pytest.fixture
def scored(sample_plan):
    scores_recompute(2023)
    return sample_plan


def url(bureau, suffix: str = "") -> str:
    return f"/reports/performance/2023/bureaus/{bureau.pk}/{suffix}"


def test_the_page_shows_the_report_in_the_plans_order(client, evaluator, scored):
    client.force_login(evaluator)
    response = client.get(url(scored))
    assert response.status_code == 200
    text = squeeze(response.content.decode())
    assert "2023년 전북특별자치도 대외국제소통국 성과보고서" in text
    assert "2023년 점수 102.73 · 등급 S" in text and "2023년 점수 101.23 · 등급 S" in text
    assert "목표 11 11 11 11 11 실적 12 — — — — 달성률 109.09% — — — —" in text
    assert "2023년: 실적 12 / 목표 11 × 100 = 109.09%, 상한 120% 미적용" in text
    assert "평가 기준 v1" in text
    assert text.index("1. 대외협력과") < text.index("2. 외국인국제정책과") < text.index("3. 소통기획과")


def test_an_evaluator_of_another_organization_gets_404(client, scored):
    Organization.objects.create(name="전라남도")
    other, _ = user_create_or_update(
        username="evaluator_b", role="evaluator", password=PASSWORD, validate=False, organization_name="전라남도",
    )
    client.force_login(other)
    for suffix in ("", "report.pdf", "report.xlsx"):
        assert client.get(url(scored, suffix)).status_code == 404
    organization = Organization.objects.get(name="전북특별자치도")
    assert client.get(f"/reports/performance/2023/organizations/{organization.pk}/").status_code == 404


def test_the_xlsx_holds_the_pages_figures(client, evaluator, scored):
    client.force_login(evaluator)
    page = squeeze(client.get(url(scored)).content.decode())
    response = client.get(url(scored, "report.xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content))["성과지표"]
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    assert len(rows) == 9 * 3  # nine indicators: target, actual, rate
    for row in rows:
        name, kind, cells = row[4], row[7], row[8:13]
        texts = [
            "—" if value is None or value == "" else format_figure(Decimal(str(value)), 2 if kind == "달성률(%)" else None)
            + ("%" if kind == "달성률(%)" else "")
            for value in cells
        ]
        label = {"목표": "목표", "실적": "실적", "달성률(%)": "달성률"}[kind]
        assert f"{label} {' '.join(texts)}" in page, (name, kind, texts)
    overview = {row[1]: row[4] for row in load_workbook(BytesIO(response.content))["개요"].iter_rows(min_row=5, values_only=True)}
    assert overview == {"대외협력과": 102.73, "외국인국제정책과": None, "소통기획과": 101.23}


def test_the_report_prints_the_entries_and_the_execution(client, evaluator, scored, meetings):
    ReportEntry.objects.create(
        indicator=meetings, year=2023, analysis="당정협의회를 분기마다 열었습니다.", improvement_plan="=상시 협의 체계",
    )
    client.force_login(evaluator)
    text = squeeze(client.get(url(scored)).content.decode())
    assert "당정협의회를 분기마다 열었습니다." in text
    workbook = load_workbook(BytesIO(client.get(url(scored, "report.xlsx")).content))
    entries = {row[2]: row for row in workbook["미달성 사유·개선계획"].iter_rows(min_row=5, values_only=True)}
    assert entries["정무활동 및 당정협력 강화"][5] == "=상시 협의 체계"  # text, never a formula
    assert workbook["미달성 사유·개선계획"]["F5"].data_type == "s"
    budget = [row for row in workbook["예산·집행"].iter_rows(min_row=5, values_only=True)]
    assert budget and all(row[6] is None or isinstance(row[6], (int, float)) for row in budget)


def test_a_finalised_year_reports_the_frozen_results(admin_user, scored):
    year_finalise(user=admin_user, organization_id=scored.organization_id, year=2023)
    # A later recompute (say after an exceptional correction) changes the stored results; the report does not.
    DepartmentScore.objects.filter(year=2023, department__name="대외협력과").update(score=Decimal("90.00"), grade="A")
    IndicatorScore.objects.filter(year=2023, indicator__short_name="정무활동 및 당정협력 강화").update(rate=Decimal(50))
    report = performance_report(year=2023, organization_ids=None, bureau_id=scored.pk)
    cooperation = report.bureaus[0].departments[0]
    assert (cooperation.name, cooperation.score, cooperation.grade) == ("대외협력과", Decimal("102.73"), "S")
    assert cooperation.indicators[0].rate == Decimal("109.09")
    assert report.finalised and report.basis.startswith("2023년 확정 결과 기준 · 평가 기준 v1 · 확정 시각")


def test_the_bureau_page_links_to_the_report(client, evaluator, scored):
    client.force_login(evaluator)
    body = client.get(f"/bureaus/{scored.pk}/").content.decode()
    assert f'href="/reports/performance/2023/bureaus/{scored.pk}/"' in body


def test_the_builder_reads_a_fixed_number_of_queries_per_department(scored, django_assert_num_queries):
    # 1 bureaus · 2 entry year · 3 departments · 4 their teams · 14 per department for its drill-down
    # (kpis.score_selectors.department_drilldown) · 1 policy goals with strategic goals · 2 editions and stored
    # rates of the other years · 1 entries · 2 execution (budget programs, amounts) · 1 bureau budget summary.
    with django_assert_num_queries(4 + 14 * 3 + 7):
        performance_report(year=2023, organization_ids=None, bureau_id=scored.pk)


def test_the_organization_report_holds_its_bureaus_and_the_scoreboard_links_to_it(client, evaluator, scored):
    client.force_login(evaluator)
    organization = Organization.objects.get(name="전북특별자치도")
    address = f"/reports/performance/2023/organizations/{organization.pk}/"
    assert f'href="{address}"' in client.get("/scores/2023/").content.decode()
    text = squeeze(client.get(address).content.decode())
    assert "2023년 전북특별자치도 성과보고서" in text and "Ⅰ. 대외국제소통국 개요" in text
    assert client.get(address + "report.xlsx").status_code == 200
