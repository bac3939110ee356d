"""Pages per organization: the header's switcher, the scoreboard and home of the organization chosen,
the comparison across organizations and one organization's recompute — with two governments whose
bureaus share a name (the sample imported into 전북특별자치도 and into 전주시)."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from imports.services import plan_import
from kpis.current import SESSION_KEY, current_organization
from kpis.models import Department, DepartmentScore, Organization, OrganizationKind
from kpis.score_selectors import bureau_rollups, department_ranks
from kpis.services.scores import scores_recompute
from kpis.tasks import recompute_year
from tests.conftest import SAMPLE_PLAN, _make_user

pytestmark = pytest.mark.django_db

YEAR = 2024


@pytest.fixture
def jeonbuk(sample_plan) -> Organization:
    return sample_plan.organization


@pytest.fixture
def jeonju(jeonbuk) -> Organization:
    """전주시 under the province, with the same bureau (대외국제소통국) and one department renamed."""
    organization = Organization.objects.create(name="전주시", kind=OrganizationKind.LOCAL, parent=jeonbuk)
    plan_import(path=SAMPLE_PLAN, organization=organization)
    Department.objects.filter(bureau__organization=organization, name="대외협력과").update(name="전주대외협력과")
    return organization


@pytest.fixture
def province_evaluator(jeonbuk, jeonju):
    """전북특별자치도's evaluator, given its cities and counties."""
    user = _make_user("province_evaluator", "evaluator")
    user.sees_child_organizations = True
    user.save(update_fields=["sees_child_organizations"])
    return user


@pytest.fixture
def national_viewer(jeonbuk, jeonju):
    user = _make_user("national_viewer", "evaluator")
    user.role, user.organization = Role.VIEWER, None
    user.save(update_fields=["role", "organization"])
    return user


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def switch(client, organization, next_url="/"):
    return client.post(reverse("scores:organization_switch"), {"organization": organization.pk, "next": next_url})


# --- switcher ----------------------------------------------------------------------------------


def test_a_user_of_one_organization_sees_its_name_and_no_switcher(client, evaluator, jeonju):
    client.force_login(evaluator)
    page = client.get(reverse("kpis:home")).content.decode()
    assert "전북특별자치도" in page
    assert 'name="organization"' not in page


def test_a_province_evaluator_switches_between_its_organizations(client, province_evaluator, jeonju):
    client.force_login(province_evaluator)
    page = client.get(reverse("kpis:home")).content.decode()
    assert '<label for="org-switcher-select">기관</label>' in page
    assert re.search(r'<option value="\d+" selected>전북특별자치도</option>', page), "starts on its own organization"
    assert ">전주시</option>" in page
    response = switch(client, jeonju, reverse("scores:board", args=[YEAR]))
    assert response.status_code == 302
    assert response["Location"] == reverse("scores:board", args=[YEAR])
    assert client.session[SESSION_KEY] == jeonju.pk
    assert "전주시 2024년 부서별 성과 점수" in text_of(client.get(response["Location"]))


def test_the_switcher_refuses_an_organization_out_of_scope_and_a_foreign_next(client, province_evaluator, jeonju):
    elsewhere = Organization.objects.create(name="부산광역시")
    client.force_login(province_evaluator)
    assert switch(client, elsewhere).status_code == 404
    assert SESSION_KEY not in client.session
    response = switch(client, jeonju, "https://evil.example/")
    assert response["Location"] == reverse("kpis:home")


def test_a_session_value_out_of_scope_is_ignored(rf, evaluator, jeonju):
    request = rf.get("/")
    request.user = evaluator
    request.session = {SESSION_KEY: jeonju.pk}  # say, left over from before the user's scope narrowed
    assert current_organization(request).name == "전북특별자치도"


def test_the_national_viewer_starts_on_the_first_organization_by_name(rf, national_viewer):
    request = rf.get("/")
    request.user = national_viewer
    request.session = {}
    assert current_organization(request).name == "전북특별자치도"  # 전북… sorts before 전주시


# --- per organization ---------------------------------------------------------------------------


def test_the_scoreboard_shows_the_current_organizations_departments_only(client, province_evaluator, jeonju):
    scores_recompute(YEAR)
    client.force_login(province_evaluator)
    own = text_of(client.get(reverse("scores:board", args=[YEAR])))
    assert "전북특별자치도 2024년 부서별 성과 점수" in own
    assert "대외협력과" in own and "전주대외협력과" not in own
    switch(client, jeonju)
    response = client.get(reverse("scores:board", args=[YEAR]))
    assert "전주대외협력과" in text_of(response)
    assert "<title>전주시 2024년 부서별 성과 점수 · 성과지표 관리</title>" in response.content.decode()
    # Each organization ranks its own departments: the same scores in two governments share rank 1 in each.
    assert department_ranks(YEAR, [jeonju.pk]).keys() == set(
        DepartmentScore.objects.filter(year=YEAR, department__bureau__organization=jeonju, score__isnull=False)
        .values_list("department_id", flat=True))


def test_the_bureau_of_the_same_name_rolls_up_per_organization(jeonbuk, jeonju):
    bureau = jeonju.bureaus.get(name="대외국제소통국")
    Department.objects.create(bureau=bureau, name="전주신설과")
    scores_recompute(YEAR)
    departments = Department.objects.filter(bureau__organization=jeonbuk).count()
    overall, lines = bureau_rollups(YEAR, organization_ids=[jeonbuk.pk])
    assert [(line.name, line.rollup.department_count) for line in lines] == [("대외국제소통국", departments)]
    overall, lines = bureau_rollups(YEAR, organization_ids=[jeonju.pk])
    assert [(line.name, line.rollup.department_count) for line in lines] == [("대외국제소통국", departments + 1)]
    assert overall.rollup.department_count == departments + 1


def test_the_comparison_link_opens_that_organizations_scoreboard(client, province_evaluator, jeonju):
    client.force_login(province_evaluator)
    page = text_of(client.get(reverse("scores:board", args=[YEAR]) + f"?organization={jeonju.pk}"))
    assert "전주시 2024년 부서별 성과 점수" in page
    elsewhere = Organization.objects.create(name="부산광역시")
    assert client.get(reverse("scores:board", args=[YEAR]) + f"?organization={elsewhere.pk}").status_code == 404


def test_the_export_holds_the_current_organization_only(client, province_evaluator, jeonju):
    from io import BytesIO

    from openpyxl import load_workbook

    scores_recompute(YEAR)
    client.force_login(province_evaluator)
    switch(client, jeonju)
    response = client.get(reverse("scores:export", args=[YEAR]))
    cells = {
        str(cell.value) for sheet in load_workbook(BytesIO(response.content)).worksheets
        for row in sheet.iter_rows() for cell in row if cell.value is not None
    }
    assert "전주대외협력과" in cells
    assert "대외협력과" not in cells


def test_home_shows_the_current_organizations_plan(client, province_evaluator, jeonju):
    client.force_login(province_evaluator)
    assert "전북특별자치도" in text_of(client.get(reverse("kpis:home")))
    switch(client, jeonju)
    page = text_of(client.get(reverse("kpis:home")))
    assert "전주시" in page and "전주대외협력과" in page


# --- comparison -------------------------------------------------------------------------------


def test_the_comparison_has_one_row_per_visible_organization(client, province_evaluator, jeonju):
    scores_recompute(YEAR)
    Organization.objects.create(name="부산광역시")  # not the province evaluator's
    client.force_login(province_evaluator)
    response = client.get(reverse("scores:compare", args=[YEAR]))
    assert response.status_code == 200
    lines = response.context["lines"]
    assert [line.name for line in lines] == ["전북특별자치도", "전주시"]
    departments = Department.objects.filter(bureau__organization=jeonju).count()
    assert lines[1].department_count == departments
    assert lines[1].kind == "기초"
    assert sum(count for _, count in lines[1].grades) + lines[1].ungraded == departments
    page = text_of(response)
    assert "2024년 기관 비교" in page and "전주시 점수표" in page and "부산광역시" not in page


def test_the_national_viewer_compares_every_organization_sorted(client, national_viewer):
    Organization.objects.create(name="부산광역시")
    client.force_login(national_viewer)
    response = client.get(reverse("scores:compare", args=[YEAR]), {"sort": "departments"})
    names = [line.name for line in response.context["lines"]]
    assert set(names) == {"전북특별자치도", "전주시", "부산광역시"}
    assert names[-1] == "부산광역시"  # no departments: last by department count


def test_the_comparison_runs_a_fixed_number_of_queries(client, national_viewer, django_assert_max_num_queries):
    client.force_login(national_viewer)
    client.get(reverse("scores:compare", args=[YEAR]))
    with django_assert_max_num_queries(5):  # session, user, data version, the header's organizations; the table cached
        client.get(reverse("scores:compare", args=[YEAR]))
    for number in range(20):  # twenty more organizations, with a bureau each: the same queries
        organization = Organization.objects.create(name=f"기관{number:02d}")
        organization.bureaus.create(name="기획조정실", plan_year=2025)
    with django_assert_max_num_queries(11):  # built again (a new version): the version and the comparison's own
        response = client.get(reverse("scores:compare", args=[YEAR]))
    assert len(response.context["lines"]) == 22


def test_the_comparison_shows_a_new_organization_and_new_scores_after_it_was_read(client, national_viewer, jeonbuk):
    client.force_login(national_viewer)
    url = reverse("scores:compare", args=[2023])  # the sample's scored year
    before = {line.name: line for line in client.get(url).context["lines"]}
    assert before[jeonbuk.name].scored_count == 0 and "부산광역시" not in before
    Organization.objects.create(name="부산광역시")
    scores_recompute(2023)
    after = {line.name: line for line in client.get(url).context["lines"]}
    assert "부산광역시" in after
    scored = DepartmentScore.objects.filter(year=2023, department__bureau__organization=jeonbuk).exclude(score=None)
    assert after[jeonbuk.name].scored_count == scored.count() > 0


def test_a_user_of_one_organization_cannot_compare(client, evaluator):
    client.force_login(evaluator)
    assert client.get(reverse("scores:compare", args=[YEAR])).status_code == 403


# --- recompute ----------------------------------------------------------------------------------


def test_an_organizations_recompute_touches_only_its_departments(jeonbuk, jeonju):
    scores_recompute(YEAR, organization_id=jeonju.pk)
    scored = set(DepartmentScore.objects.filter(year=YEAR).values_list("department__bureau__organization_id", flat=True))
    assert scored == {jeonju.pk}
    assert recompute_year.apply(args=(YEAR,), kwargs={"organization_id": jeonbuk.pk}).get() == (
        Department.objects.filter(bureau__organization=jeonbuk).count()
    )


def test_the_recompute_button_recomputes_the_current_organization(
    client, province_evaluator, jeonju, django_capture_on_commit_callbacks
):
    client.force_login(province_evaluator)
    switch(client, jeonju)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("scores:recompute", args=[YEAR])).status_code == 302
    scored = set(DepartmentScore.objects.filter(year=YEAR).values_list("department__bureau__organization_id", flat=True))
    assert scored == {jeonju.pk}


def test_a_department_keeps_one_rank_within_its_organization_whoever_reads_it(jeonbuk, jeonju):
    scores_recompute(2023)  # the year the sample reports actuals for, in both governments
    everyone = department_ranks(2023)  # the API's and the finalised snapshots' reading

    for organization in (jeonbuk, jeonju):
        own = department_ranks(2023, [organization.pk])  # the organization's own scoreboard
        assert own and own.items() <= everyone.items()
        assert min(own.values()) == 1  # each government's best department is first, whatever the other's scores
