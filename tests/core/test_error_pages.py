"""What a user sees when something goes wrong: Korean pages in the site layout with a way back, never
Django's English pages; the API answers in JSON; evaluator and admin pages refuse others with 403."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.staticfiles import finders
from django.template import loader
from django.test import Client, RequestFactory

from core.site_views import server_error
from imports.models import ImportKind, ImportRun, ImportStatus
from kpis.models import Department

ROOT = Path(__file__).resolve().parent.parent.parent
HOME_LINK = 'href="/"'
BACK_LINK = "이전 화면으로"


def assert_korean_page(response, status: int, heading: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert '<html lang="ko">' in page and f"{heading}</h1>" in page
    assert 'class="site-header"' in page  # the site layout
    assert HOME_LINK in page and BACK_LINK in page
    assert "Page not found" not in page and "Using the URLconf" not in page and "Forbidden" not in page
    return page


def test_an_unknown_address_is_the_korean_404_page_with_the_menu(client, dept_user):
    client.force_login(dept_user)

    page = assert_korean_page(client.get("/no-such-page/"), 404, "페이지를 찾을 수 없습니다")

    assert 'class="site-nav"' in page and "실적 입력" in page


def test_another_users_import_is_the_korean_404_page(client, dept_user, other_dept_user):
    run = ImportRun.objects.create(
        kind=ImportKind.ACTUALS_WORKBOOK, user=other_dept_user, file_name="other.xlsx", status=ImportStatus.PREVIEWED,
        department=Department.objects.get(name="소통기획과"), organization_id=other_dept_user.organization_id, year=2024,
    )
    client.force_login(dept_user)

    page = assert_korean_page(client.get(f"/imports/{run.pk}/"), 404, "페이지를 찾을 수 없습니다")

    assert "other.xlsx" not in page


@pytest.mark.parametrize("path", ["/review/", "/imports/plan/"])
def test_a_department_user_opening_an_evaluator_page_is_told_they_have_no_permission(client, dept_user, path):
    client.force_login(dept_user)

    assert_korean_page(client.get(path), 403, "권한이 없습니다")


def test_the_403_page_says_why_when_the_refusal_gives_a_reason(client, dept_user):
    client.force_login(dept_user)

    page = client.get("/imports/plan/").content.decode()

    assert "계획 엑셀은 관리자와 평가자만 다룰 수 있습니다." in page


def test_a_signed_in_user_who_is_not_an_admin_gets_the_403_page_at_the_admin(client, evaluator):
    client.force_login(evaluator)

    response = client.get("/admin/", follow=True)

    page = assert_korean_page(response, 403, "권한이 없습니다")
    assert "관리 화면은 관리자만 쓸 수 있습니다." in page
    assert 'name="password"' not in page


def test_an_admin_opens_the_admin_and_a_visitor_gets_its_login_form(client, admin_user):
    assert 'name="password"' in client.get("/admin/", follow=True).content.decode()

    client.force_login(admin_user)

    assert client.get("/admin/").status_code == 200


def test_a_bad_request_is_the_korean_400_page(client, dept_user, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 2

    response = client.post("/accounts/login/", {"username": "a", "password": "b", "extra": "c"})

    assert_korean_page(response, 400, "잘못된 요청입니다")


def test_a_server_error_is_the_korean_500_page(dept_user):
    client = Client(raise_request_exception=False)
    client.force_login(dept_user)

    with mock.patch("kpis.views.render", side_effect=RuntimeError("template bug")):
        response = client.get("/")

    page = assert_korean_page(response, 500, "요청을 처리하지 못했습니다")
    assert "template bug" not in page and "Retry-After" not in response


@pytest.mark.parametrize(("template", "context"), [("500.html", None), ("503.html", {"message": "잠시 후"})])
def test_the_500_and_503_pages_render_without_a_request_or_the_database(template, context):
    page = loader.render_to_string(template, context)  # no db fixture: any query would raise here

    assert 'class="site-header"' in page and HOME_LINK in page
    assert 'class="site-nav"' not in page  # no user: no menu


def test_api_paths_keep_answering_in_json(client, dept_user):
    client.force_login(dept_user)

    for path in ("/api/v1/no-such-endpoint/", "/api/no-such-version/"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json() == {"detail": "요청한 주소를 찾을 수 없습니다.", "code": "not_found"}


def test_an_api_server_error_outside_a_view_is_json(rf: RequestFactory):
    try:
        raise RuntimeError("middleware bug")
    except RuntimeError:
        response = server_error(rf.get("/api/v1/actuals/"))

    assert response.status_code == 500 and response["Content-Type"] == "application/json"


@pytest.mark.parametrize("persona", ["dept_user", "evaluator"])
def test_only_admins_see_the_admin_link(client, persona, request):
    client.force_login(request.getfixturevalue(persona))

    page = client.get("/").content.decode()

    assert 'href="/admin/"' not in page and ">관리</a>" not in page


def test_an_admin_sees_the_admin_link_and_the_plan_workbook_in_the_menu(client, admin_user):
    client.force_login(admin_user)

    page = client.get("/").content.decode()

    assert 'href="/admin/">관리</a>' in page and 'href="/imports/plan/"' in page


def test_a_department_user_has_no_plan_workbook_link(client, dept_user):
    client.force_login(dept_user)

    assert 'href="/imports/plan/"' not in client.get("/").content.decode()


def test_the_favicon_is_linked_and_its_old_address_answers(client, dept_user):
    client.force_login(dept_user)

    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/").content.decode()
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.svg"
    assert finders.find("favicon.svg")


def test_make_run_shows_the_korean_pages_because_local_settings_have_debug_off():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_DEBUG"}
    code = "import config.settings.local as s; print(s.DEBUG, s.WHITENOISE_USE_FINDERS)"

    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)

    assert result.stdout.split() == ["False", "True"]


def test_a_form_sent_without_its_security_token_is_the_korean_page(dept_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(dept_user)

    response = client.post("/accounts/logout/")

    assert_korean_page(response, 403, "보안 확인에 실패해 보내지 않았습니다")
