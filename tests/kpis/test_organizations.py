"""Organizations: bureaus of the same name in two governments, users' organizations and what they may see."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from accounts.models import Role, User
from accounts.services import organization_of_user, user_create_or_update
from kpis.editions import governing_plan_year, organization_plan_year
from kpis.models import Bureau, Organization, OrganizationKind
from kpis.scope import visible_organization_ids
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def jeonbuk(sample_plan) -> Organization:
    return sample_plan.organization


@pytest.fixture
def jeonju(jeonbuk) -> Organization:
    return Organization.objects.create(name="전주시", kind=OrganizationKind.LOCAL, parent=jeonbuk)


def test_the_sample_sits_in_jeonbuk_as_a_province(sample_plan):
    assert (sample_plan.organization.name, sample_plan.organization.get_kind_display()) == ("전북특별자치도", "광역")
    assert (sample_plan.name, sample_plan.plan_year) == ("대외국제소통국", 2025)


def test_two_organizations_hold_a_bureau_of_the_same_name(sample_plan, jeonju):
    other = Bureau.objects.create(organization=jeonju, name="대외국제소통국", plan_year=2025)
    assert Bureau.objects.filter(name="대외국제소통국").count() == 2
    assert other.organization.parent == sample_plan.organization


def test_a_bureau_name_is_unique_within_one_organization_and_plan_year(sample_plan):
    Bureau.objects.create(organization=sample_plan.organization, name="대외국제소통국", plan_year=2026)
    with pytest.raises(IntegrityError), transaction.atomic():
        Bureau.objects.create(organization=sample_plan.organization, name="대외국제소통국", plan_year=2025)


def test_a_standard_code_is_unique_only_when_set(db):
    Organization.objects.create(name="가", code=None)
    Organization.objects.create(name="나", code=None)
    Organization.objects.create(name="다", code="6450000")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(name="라", code="6450000")


@pytest.mark.parametrize(
    ("plan_years", "year", "governing"),
    [
        ({2025}, 2023, 2025), ({2025}, 2024, 2025), ({2025}, 2027, 2025),
        ({2025, 2026}, 2024, 2025), ({2025, 2026}, 2025, 2025), ({2025, 2026}, 2026, 2026),
        ({2025, 2026}, 2030, 2026), ({2025, 2027}, 2026, 2025), (set(), 2025, None),
    ],
)
def test_the_edition_governing_a_year(plan_years, year, governing):
    assert governing_plan_year(plan_years, year) == governing


def test_an_organization_s_governing_edition_moves_on_when_next_year_s_plan_arrives(sample_plan, jeonju):
    jeonbuk = sample_plan.organization
    assert [organization_plan_year(jeonbuk.pk, year) for year in (2023, 2026)] == [2025, 2025]
    Bureau.objects.create(organization=jeonbuk, name="대외국제소통국", plan_year=2026)
    assert [organization_plan_year(jeonbuk.pk, year) for year in (2023, 2024, 2025, 2026, 2027)] == [
        2025, 2025, 2025, 2026, 2026,
    ]
    assert organization_plan_year(jeonju.pk, 2025) is None


# --- users ------------------------------------------------------------------------------------------------


def test_a_department_user_belongs_to_the_department_s_organization(dept_user, jeonbuk):
    assert dept_user.organization == jeonbuk
    assert visible_organization_ids(dept_user) == {jeonbuk.pk}


def test_a_department_user_of_another_organization_is_refused(sample_plan, jeonju):
    with pytest.raises(ValidationError, match="'대외협력과'를 찾을 수 없습니다"):
        user_create_or_update(
            username="kim", role=Role.DEPARTMENT, password=PASSWORD, department_name="대외협력과",
            organization_name="전주시", validate=False,
        )
    department = sample_plan.departments.get(name="대외협력과")
    with pytest.raises(ValidationError, match="'대외협력과'는 '전북특별자치도' 소속입니다"):
        organization_of_user(department=department, organization=jeonju)


def test_an_evaluator_sees_its_organization_and_its_cities_only_when_given_them(evaluator, jeonbuk, jeonju):
    assert visible_organization_ids(evaluator) == {jeonbuk.pk}
    evaluator.sees_child_organizations = True
    assert visible_organization_ids(evaluator) == {jeonbuk.pk, jeonju.pk}


def test_a_city_evaluator_does_not_see_its_province(jeonju, jeonbuk):
    user, _ = user_create_or_update(
        username="jeonju_eval", role=Role.EVALUATOR, password=PASSWORD, organization_name="전주시",
        sees_child_organizations=True, validate=False,
    )
    assert visible_organization_ids(user) == {jeonju.pk}


def test_the_national_viewer_sees_every_organization_and_a_user_of_none_sees_nothing(db):
    viewer, _ = user_create_or_update(username="nation", role=Role.VIEWER, password=PASSWORD, validate=False)
    assert viewer.get_role_display() == "전국 조회"
    assert visible_organization_ids(viewer) is None
    nobody, _ = user_create_or_update(username="nobody", role=Role.EVALUATOR, password=PASSWORD, validate=False)
    assert visible_organization_ids(nobody) == set()


def test_create_user_sets_the_organization(jeonbuk, jeonju):
    out = StringIO()
    call_command(
        "create_user", "park", "--role", "evaluator", "--organization", "전북특별자치도", "--with-child-organizations",
        "--password", PASSWORD, stdout=out,
    )
    user = User.objects.get(username="park")
    assert (user.organization, user.sees_child_organizations) == (jeonbuk, True)
    assert "[전북특별자치도]" in out.getvalue()


def test_create_user_refuses_an_unknown_organization_naming_the_known_ones(jeonbuk):
    with pytest.raises(CommandError, match="등록된 기관: 전북특별자치도"):
        call_command(
            "create_user", "park", "--role", "evaluator", "--organization", "없는시", "--password", PASSWORD,
            stdout=StringIO(),
        )
    assert not User.objects.filter(username="park").exists()


def test_the_user_admin_aligns_a_department_user_s_organization(client, admin_user, dept_user, jeonju):
    client.force_login(admin_user)
    response = client.get(f"/admin/accounts/user/{dept_user.pk}/change/")
    assert response.status_code == 200
    assert "하위 기관 포함" in response.content.decode()


def test_the_organization_admin_lists_organizations_in_korean(client, admin_user, jeonju):
    admin_user.sees_child_organizations = True  # the province's admin, given its cities and counties
    admin_user.save()
    client.force_login(admin_user)
    page = client.get("/admin/kpis/organization/").content.decode()
    assert "전주시" in page and "기초" in page
