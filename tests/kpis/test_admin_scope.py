"""The Django admin keeps to the organization scope: an admin of organization A finds none of organization B's rows
in the lists, change pages, foreign-key choices or list filters; a superuser of no organization sees both."""
from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client

from accounts.models import LoginFailure, Role, User
from kpis.admin_scope import ScopedAdminMixin
from kpis.models import Indicator, ScoringPolicy
from tests.scope_world import MARKER, SECOND, World, build_world

pytestmark = pytest.mark.django_db

# Records of no organization, shown to every admin.
UNSCOPED = {ScoringPolicy, LoginFailure}


@pytest.fixture
def world(sample_plan) -> World:
    return build_world(sample_plan)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


CHANGE_PAGES = {
    "bureau": lambda w: f"/admin/kpis/bureau/{w.bureau.pk}/change/",
    "department": lambda w: f"/admin/kpis/department/{w.department.pk}/change/",
    "indicator": lambda w: f"/admin/kpis/indicator/{w.indicator.pk}/change/",
    "actual": lambda w: f"/admin/kpis/actual/{w.actual.pk}/change/",
    "user": lambda w: f"/admin/accounts/user/{w.b_user.pk}/change/",
    "organization": lambda w: f"/admin/kpis/organization/{w.b.pk}/change/",
    "import run": lambda w: f"/admin/imports/importrun/{w.run.pk}/change/",
    "unit program": lambda w: f"/admin/budgets/unitprogram/{w.unit_program.pk}/change/",
}
LISTS = [
    "/admin/kpis/organization/", "/admin/kpis/bureau/", "/admin/kpis/department/", "/admin/kpis/indicator/",
    "/admin/kpis/actual/", "/admin/kpis/policygoal/", "/admin/accounts/user/", "/admin/imports/importrun/",
    "/admin/budgets/unitprogram/", "/admin/budgets/budgetprogram/",
]


def test_every_admin_of_the_project_is_scoped():
    registered = {model: model_admin for model, model_admin in admin.site._registry.items()
                  if model._meta.app_label in {"kpis", "budgets", "imports", "accounts", "reports", "knox"}}
    assert all(isinstance(model_admin, ScopedAdminMixin) for model_admin in registered.values())
    assert {model for model, model_admin in registered.items() if model_admin.scope_path is None} == UNSCOPED


@pytest.mark.parametrize("name", sorted(CHANGE_PAGES))
def test_bs_change_pages_are_absent_for_an_admin_of_a(world, admin_user, name):
    response = logged_in(admin_user).get(CHANGE_PAGES[name](world), follow=True)
    assert response.redirect_chain and response.redirect_chain[-1][0] == "/admin/"  # "does not exist"
    assert MARKER not in response.content.decode()


@pytest.mark.parametrize("url", LISTS)
def test_lists_and_their_filters_hold_none_of_b(world, admin_user, url):
    response = logged_in(admin_user).get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert MARKER not in page and SECOND not in page and world.b_user.username not in page


def test_foreign_key_choices_hold_none_of_b(world, admin_user):
    own = Indicator.objects.filter(department__bureau__organization=world.a).first()
    page = logged_in(admin_user).get(f"/admin/kpis/indicator/{own.pk}/change/").content.decode()
    assert own.department.name in page
    assert MARKER not in page
    # The user form's department choices: A's departments only.
    user_page = logged_in(admin_user).get(f"/admin/accounts/user/{admin_user.pk}/change/").content.decode()
    assert MARKER not in user_page and SECOND not in user_page


def test_a_superuser_of_no_organization_sees_both(world):
    root = User.objects.create_superuser(username="root", password="x-Strong-pass-1", role=Role.ADMIN)
    client = logged_in(root)
    assert MARKER in client.get(f"/admin/kpis/indicator/{world.indicator.pk}/change/").content.decode()
    assert SECOND in client.get("/admin/kpis/bureau/").content.decode()


def test_api_tokens_of_bs_users_are_not_listed_for_an_admin_of_a(world, admin_user):
    from knox.models import AuthToken

    own, _ = AuthToken.objects.create(user=admin_user)
    theirs, _ = AuthToken.objects.create(user=world.b_user)

    listed = logged_in(admin_user).get("/admin/knox/authtoken/").content.decode()

    assert own.digest in listed or admin_user.username in listed
    assert world.b_user.username not in listed and theirs.digest not in listed
