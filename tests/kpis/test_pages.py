"""The read-only pages: home, bureau overview, department page, login and logout."""
from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kpis.models import Department, Indicator, Target
from kpis.selectors import bureau_overview, department_page
from kpis.templatetags.kpi_format import amount, pct, signed
from tests.conftest import PASSWORD
from tests.factories import BureauFactory, DepartmentFactory, UserFactory, grow_department, small_plan

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def squeeze(text: str) -> str:
    """Tags, entities and runs of whitespace removed, so assertions read like the rendered text."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", text)))


def fragment(page: str, element_id: str) -> str:
    """The markup of the element with this id, up to its closing tag (no nesting of the same tag)."""
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"', page)
    assert match, f"no element #{element_id}"
    tag = match.group(1)
    end = page.index(f"</{tag}>", match.end())
    return page[match.start() : end]


def department(name: str) -> Department:
    return Department.objects.get(name__in=[name, name.replace("과", " 과")])


@pytest.fixture
def viewer(client):
    """An evaluator logged in over a small hand-built plan (no importer needed)."""
    plan = small_plan()
    client.force_login(UserFactory(username="viewer"))
    return plan


# --- Number display ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("4708.000"), "4,708"),
        (Decimal("1960000.0000"), "1,960,000"),
        (Decimal("88.5000"), "88.5"),
        (Decimal("86.31"), "86.31"),
        (Decimal("0E-3"), "0"),
        (Decimal("-0"), "0"),
        (Decimal(-24), "-24"),
        (1200, "1,200"),
        (None, ""),
    ],
)
def test_amount_strips_trailing_zeros_and_separates_thousands(value, expected):
    assert amount(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal(-24), "△24"), (Decimal("-1234.500"), "△1,234.5"), (Decimal(377), "377"), (Decimal(0), "0")],
)
def test_signed_writes_negatives_with_a_triangle(value, expected):
    assert signed(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("8.7"), "8.70%"),
        (Decimal("-6.26"), "△6.26%"),
        (Decimal("-25.046"), "△25.05%"),
        (Decimal(100), "100.00%"),
        (Decimal("-0.001"), "0.00%"),
        (None, "—"),
    ],
)
def test_pct_keeps_two_places_and_marks_negatives(value, expected):
    assert pct(value) == expected


def test_the_number_filters_refuse_floats():
    with pytest.raises(TypeError):
        amount(1.5)


# --- Login required, login, logout -------------------------------------------


@pytest.mark.parametrize("name", ["kpis:home", "kpis:bureau_detail", "kpis:department_detail"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, name):
    bureau = BureauFactory()
    dept = DepartmentFactory(bureau=bureau)
    args = {"kpis:home": [], "kpis:bureau_detail": [bureau.id], "kpis:department_detail": [dept.id]}[name]
    url = reverse(name, args=args)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


def test_the_login_page_is_in_korean(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    page = html(response)
    assert '<html lang="ko">' in page
    for text in ("성과지표 관리", "아이디", "비밀번호", "로그인"):
        assert text in page
    assert "js/htmx.min.js" in page
    assert "로그아웃" not in page  # no navigation for anonymous visitors


def test_a_wrong_password_shows_a_korean_error(client):
    UserFactory(username="viewer")
    response = client.post(reverse("accounts:login"), {"username": "viewer", "password": "not-the-password"})
    assert response.status_code == 200
    assert "아이디 또는 비밀번호가 올바르지 않습니다" in html(response)


def test_the_right_password_logs_in_and_lands_on_the_home_page(client):
    UserFactory(username="viewer")
    response = client.post(reverse("accounts:login"), {"username": "viewer", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("kpis:home")


def test_the_login_page_says_when_the_session_expired_and_only_once(client):
    session = client.session
    session["idle_logout"] = True
    session.save()
    first = client.get(reverse("accounts:login"))
    assert "자동으로 로그아웃되었습니다" in html(first)
    second = client.get(reverse("accounts:login"))
    assert "자동으로 로그아웃되었습니다" not in html(second)


def test_logout_is_a_post_form_with_csrf_in_the_header(client, viewer):
    page = html(client.get(reverse("kpis:home")))
    form = re.search(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', page, re.DOTALL)
    assert form and form.group(1) == reverse("accounts:logout")
    assert "csrfmiddlewaretoken" in form.group(2)
    assert "로그아웃" in form.group(2)


def test_logout_works_by_post_and_not_by_get(client, viewer):
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert client.get(reverse("kpis:home")).status_code == 302


# --- Pages over the hand-built plan --------------------------------------------


def test_the_header_shows_the_user_and_the_role(client, viewer):
    page = html(client.get(reverse("kpis:home")))
    assert "viewer" in page
    assert "평가자" in page


def test_home_shows_the_overview_when_there_is_one_bureau(client, viewer):
    response = client.get(reverse("kpis:home"))
    assert response.status_code == 200
    text = squeeze(html(response))
    assert "대외국제소통국" in text
    assert "15,700" in text
    assert reverse("kpis:department_detail", args=[viewer.department.id]) in html(response)


def test_home_lists_every_bureau_when_there_are_several(client, viewer):
    other = BureauFactory(name="도민안전실")
    DepartmentFactory(bureau=other, name="안전정책과")
    page = html(client.get(reverse("kpis:home")))
    assert reverse("kpis:bureau_detail", args=[viewer.bureau.id]) in page
    assert reverse("kpis:bureau_detail", args=[other.id]) in page
    assert "안전정책과" in page


def test_unknown_ids_are_not_found(client, viewer):
    assert client.get(reverse("kpis:bureau_detail", args=[999999])).status_code == 404
    assert client.get(reverse("kpis:department_detail", args=[999999])).status_code == 404


def test_the_department_page_shows_computed_budget_columns_beside_differing_document_figures(client, viewer):
    page = html(client.get(reverse("kpis:department_detail", args=[viewer.department.id])))
    text = squeeze(fragment(page, "budget"))
    assert "계 4,708 100.00% 4,331 100.00% 377 8.70%" in text
    # 136 − 181 = −45 and −45 / 181 = −24.86 %; the document printed △25.05 % (from 천원 amounts).
    assert "인력운영비 136 2.89% 181 4.18% △45 △24.86% 문서 △25.05%" in text


def test_the_department_page_shows_targets_actuals_and_not_reported_years(client, viewer):
    page = html(client.get(reverse("kpis:department_detail", args=[viewer.department.id])))
    survey = Indicator.objects.get(short_name="도정 핵심사업 인지도")
    text = squeeze(fragment(page, f"indicator-{survey.id}"))
    assert "목표 88.5 88.6 88.6 88.6 88.6" in text
    assert "실적 88.5(86.31) 미보고" in text
    assert "연동" in text


def test_the_department_page_shows_unit_programs_with_their_budget_lines_and_overviews(client, viewer):
    page = html(client.get(reverse("kpis:department_detail", args=[viewer.department.id])))
    text = squeeze(fragment(page, "units"))
    assert "'23결산 '24예산 '25예산" in text
    assert "자원봉사활동 진흥 일반회계 2,615 2,799 2,927 2" in text
    assert "국비 50% · 도비 20% · 시군비 30%" in text
    assert "<details" in page


def test_the_department_selector_runs_a_fixed_number_of_queries(viewer, django_assert_num_queries):
    # 1 department + bureau, 2 teams, 3 its strategic goals, 4 their policy goals,
    # 5 indicators, 6 targets, 7 actuals, 8 budget summary lines,
    # 9 unit programs, 10 their amounts, 11 budget programs, 12 their amounts.
    user = UserFactory()
    with django_assert_num_queries(12):
        department_page(department_id=viewer.department.id, user=user)


def test_the_bureau_selector_runs_a_fixed_number_of_queries(viewer, django_assert_num_queries):
    # 1 bureau, 2 departments, 3 their teams, 4 strategic goals (+ department), 5 policy goals,
    # 6 each department's 계 amount, 7 the bureau's budget summary lines.
    user = UserFactory()
    with django_assert_num_queries(7):
        bureau_overview(bureau_id=viewer.bureau.id, user=user)


def test_the_department_page_query_count_does_not_grow_with_its_rows(client, viewer, django_assert_num_queries):
    url = reverse("kpis:department_detail", args=[viewer.department.id])
    client.get(url)  # the first request after login stamps the session once
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    grow_department(viewer.department, viewer.policy_goal, extra=8)
    with django_assert_num_queries(len(before.captured_queries)):
        page = html(client.get(url))
    assert page.count('class="indicator"') == 10
    assert page.count('class="unit-program"') == 9


def test_the_bureau_page_query_count_does_not_grow_with_its_departments(client, viewer, django_assert_num_queries):
    url = reverse("kpis:bureau_detail", args=[viewer.bureau.id])
    client.get(url)  # the first request after login stamps the session once
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for _ in range(4):
        DepartmentFactory(bureau=viewer.bureau)
    with django_assert_num_queries(len(before.captured_queries)):
        client.get(url)


# --- Pages over the real sample (imported through imports.services.plan_import) ------------


def test_home_shows_the_bureau_of_the_sample(client, evaluator):
    client.force_login(evaluator)
    text = squeeze(html(client.get(reverse("kpis:home"))))
    assert "대외국제소통국" in text
    assert "15,700" in text


def test_the_bureau_page_shows_the_sample_budget_and_its_three_departments(client, evaluator, sample_plan):
    client.force_login(evaluator)
    response = client.get(reverse("kpis:bureau_detail", args=[sample_plan.id]))
    assert response.status_code == 200
    page = html(response)
    budget = squeeze(page)
    assert "계 15,700 100.00% 14,833 100.00% 867 5.85%" in budget
    assert "인력운영비 357" in budget and "△24" in budget
    for dept in sample_plan.departments.all():
        assert reverse("kpis:department_detail", args=[dept.id]) in page
    assert "대외협력과" in budget and "소통기획과" in budget and "외국인국제정책" in budget
    assert "'더 특별한 전복' 실현을 위한 대외·소통·협력 강화" in budget
    assert "정치권·도의회 및 민간단체 등 대내외 협력을 통한 도정 발전 견인" in budget


def test_the_department_page_shows_the_budget_summary_of_the_sample(client, dept_user):
    client.force_login(dept_user)
    page = html(client.get(reverse("kpis:department_detail", args=[department("대외협력과").id])))
    text = squeeze(fragment(page, "budget"))
    assert "계 4,708 100.00% 4,331 100.00% 377 8.70%" in text
    assert "인력운영비 136 2.89% 181 4.18% △45 △24.86%" in text
    assert "△25.05%" in text  # the document's own figure, shown beside ours


def test_the_department_page_shows_every_target_of_the_sample(client, evaluator, sample_plan):
    client.force_login(evaluator)
    departments = list(sample_plan.departments.all())
    assert len(departments) == 3
    checked = 0
    for dept in departments:
        page = html(client.get(reverse("kpis:department_detail", args=[dept.id])))
        for indicator in Indicator.objects.filter(department=dept):
            row = squeeze(fragment(page, f"indicator-{indicator.id}"))
            targets = Target.objects.filter(indicator=indicator).order_by("year")
            expected = " ".join(amount(t.value) for t in targets if t.value is not None)
            assert f"목표 {expected}" in row, (indicator.name, row)
            checked += targets.count()
    assert checked == 9 * 5


def test_the_department_page_shows_supplementary_actuals_and_unreported_years(client, evaluator):
    client.force_login(evaluator)
    page = html(client.get(reverse("kpis:department_detail", args=[department("소통기획과").id])))
    text = squeeze(fragment(page, "indicators"))
    assert "88.5(86.31)" in text
    assert "86.5(85.95)" in text
    assert "2,056,074" in text
    # The 2024 actuals read 0 in the plan: not reported yet, never a zero.
    for indicator in Indicator.objects.filter(department__name="소통기획과"):
        row = squeeze(fragment(page, f"indicator-{indicator.id}"))
        assert re.search(r"실적 [\d,.()]+ 미보고", row), row


def test_the_department_page_shows_headcount_and_team_names(client, dept_user):
    client.force_login(dept_user)
    page = html(client.get(reverse("kpis:department_detail", args=[department("대외협력과").id])))
    text = squeeze(fragment(page, "org"))
    assert "19 2 4 13 19" in text
    for team in ("정무기획팀", "의정협력팀", "민간지원팀", "고향사랑기부팀"):
        assert team in text


def test_the_department_page_shows_unit_programs_and_parsed_funding_shares(client, dept_user):
    client.force_login(dept_user)
    page = html(client.get(reverse("kpis:department_detail", args=[department("대외협력과").id])))
    text = squeeze(fragment(page, "units"))
    assert "'23결산 '24예산 '25예산" in text
    assert "자원봉사활동 진흥 일반회계 2,615 2,799 2,927" in text
    assert "국비 50% · 도비 20% · 시군비 30%" in text
    assert "정치권과 연계협력 강화를 통한 정책 공조" in text
    assert "2025년01월01일 ~ 2029년12월31일" in text


def test_the_department_page_of_the_sample_runs_a_fixed_number_of_queries(
    client, dept_user, django_assert_num_queries
):
    client.force_login(dept_user)
    url = reverse("kpis:department_detail", args=[department("대외협력과").id])
    client.get(url)  # the first request after force_login stamps the session once
    # 1 session, 2 user (auth middleware, read by the idle-timeout middleware),
    # 3–14 the selector's twelve queries (see test_the_department_selector_runs_a_fixed_number_of_queries),
    # 15 the user's department name in the header. (The idle-timeout stamp is rewritten at most
    # once a minute, so a page read again does not save the session.)
    with django_assert_num_queries(15):
        assert client.get(url).status_code == 200


def test_a_department_user_sees_their_department_in_the_header_and_a_link_to_it(client, dept_user):
    client.force_login(dept_user)
    page = html(client.get(reverse("kpis:home")))
    header = page[page.index("<header") : page.index("</header>")]
    assert "부서 담당자 · 대외협력과" in squeeze(header)
    assert f'href="{reverse("kpis:department_detail", args=[dept_user.department_id])}"' in header
    assert "실적 검토" not in header


def test_an_evaluator_gets_a_link_to_the_review_queue(client, evaluator):
    client.force_login(evaluator)
    header = html(client.get(reverse("kpis:home"))).split("</header>")[0]
    assert f'href="{reverse("entry:review")}"' in header
    assert "내 부서" not in header
