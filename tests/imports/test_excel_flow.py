"""The Excel pages as a department user and an admin use them: confirm saves drafts and says so, confirm and
submit in one step (all or nothing), previews with errors called errors, the history's filters and pages,
and the department picked from a list."""
from __future__ import annotations

import io
import re
from decimal import Decimal
from io import StringIO
from unittest import mock
from urllib.parse import quote

import pytest
from django.core.management import call_command

from core.errors import InvalidState
from imports.models import ImportKind, ImportRun, ImportStatus
from kpis.models import Actual, ActualStatus, AuditEntry, ChangeSource, DirtyScore, Indicator
from kpis.scope import own_organization_id
from kpis.services import workflow
from tests.fixtures.workbooks import db_state, department, edit, upload

pytestmark = pytest.mark.django_db
YEAR = 2025
D = Decimal
# 대외협력과's rows in its 2025 workbook: 개최횟수 (L6), 교류횟수 (L7), 활동인원/인구*100 (L8, N8).
FILLED = {"L6": 12, "L7": 33, "L8": 3000, "N8": 50000}


def page_upload(client, data: bytes, department_id: int) -> int:
    """Upload through the page, as the browser does; returns the run the page redirects to."""
    handle = io.BytesIO(data)
    handle.name = "실적.xlsx"
    response = client.post("/imports/actuals/", {"file": handle, "department": department_id, "year": YEAR})
    assert response.status_code == 302, response.content[:300]
    return int(re.search(r"/imports/(\d+)/$", response["Location"]).group(1))


def page_confirm(client, run_id: int, *, submit: bool = False):
    return client.post(f"/imports/{run_id}/confirm/", {"then": "submit"} if submit else {}, follow=True)


def statuses() -> dict[str, str]:
    return dict(Actual.objects.filter(year=YEAR).values_list("indicator__short_name", "status"))


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- confirm: drafts, or drafts submitted at once ---------------------------------------------


def test_confirm_saves_drafts_and_says_they_still_have_to_be_submitted(editor, exported, cooperation):
    run_id = page_upload(editor, edit(exported, FILLED), cooperation.pk)

    page = text(page_confirm(editor, run_id))

    assert set(statuses().values()) == {ActualStatus.DRAFT}
    assert "값은 '작성 중'으로 저장되었습니다" in page and "제출해야 평가자에게 전달됩니다" in page
    assert f'href="/entry/{cooperation.pk}/{YEAR}/"' in page  # where they are submitted


def test_the_preview_offers_confirm_and_confirm_then_submit(editor, exported, cooperation):
    run_id = page_upload(editor, edit(exported, FILLED), cooperation.pk)

    page = text(editor.get(f"/imports/{run_id}/"))

    assert ">확인하고 반영</button>" in page
    assert 'name="then" value="submit">반영 후 제출</button>' in page


def test_confirm_and_submit_submits_every_saved_row_in_one_step(editor, exported, cooperation, dept_user):
    run_id = page_upload(editor, edit(exported, FILLED), cooperation.pk)

    page = text(page_confirm(editor, run_id, submit=True))

    assert set(statuses().values()) == {ActualStatus.SUBMITTED} and len(statuses()) == 3
    assert set(Actual.objects.filter(year=YEAR).values_list("submitted_by", flat=True)) == {dept_user.pk}
    submits = AuditEntry.objects.filter(action="submit", year=YEAR)
    assert submits.count() == 3 and set(submits.values_list("source", flat=True)) == {ChangeSource.EXCEL}
    assert DirtyScore.objects.filter(department=cooperation, year=YEAR).exists()
    assert "3개 행을 반영하고 3개 실적을 제출했습니다" in page and "반영한 값 3건을 제출했습니다" in page
    run = ImportRun.objects.get(pk=run_id)
    assert run.status == ImportStatus.APPLIED and run.summary["submitted"] == 3


def test_a_refused_submission_saves_nothing_and_leaves_the_preview_to_confirm_as_drafts(editor, exported, cooperation):
    run_id = page_upload(editor, edit(exported, FILLED), cooperation.pk)
    refused = Indicator.objects.get(short_name="자원봉사 활동률")
    real_submit = workflow.actual_submit

    def submit_refusing_one(*, user, actual_id, **kwargs):
        if Actual.objects.get(pk=actual_id).indicator_id == refused.pk:
            raise InvalidState("'작성 중' 상태에서는 제출할 수 없습니다.")
        return real_submit(user=user, actual_id=actual_id, **kwargs)

    before = db_state()
    with mock.patch("imports.actuals_import.actual_submit", side_effect=submit_refusing_one):
        page = text(page_confirm(editor, run_id, submit=True))

    assert db_state() == before  # the two rows saved and submitted before it are rolled back too
    assert "8행을 제출하지 못해 아무것도 저장하지 않았습니다" in page
    assert ImportRun.objects.get(pk=run_id).status == ImportStatus.PREVIEWED
    page_confirm(editor, run_id)
    assert set(statuses().values()) == {ActualStatus.DRAFT} and len(statuses()) == 3


# --- the history ----------------------------------------------------------------------------------


def test_a_preview_with_errors_is_called_an_error_in_the_history_and_on_its_page(editor, exported, cooperation):
    bad = page_upload(editor, edit(exported, {"L6": 12, "L7": "12회"}), cooperation.pk)
    good = page_upload(editor, edit(exported, {"L6": 12}), cooperation.pk)

    history = text(editor.get("/imports/history/"))

    rows = dict(re.findall(r'<a href="/imports/(\d+)/">\d+</a>.*?<span class="status-label[^"]*">([^<]+)</span>', history))
    assert rows == {str(bad): "오류", str(good): "미리보기"}
    assert "상태: <strong>오류</strong>" in text(editor.get(f"/imports/{bad}/"))
    assert editor.get(f"/api/v1/imports/{bad}/").json()["status_label"] == "오류"


def _runs(user, count: int, **fields) -> list[ImportRun]:
    return [ImportRun.objects.create(kind=ImportKind.ACTUALS_WORKBOOK, user=user, file_name=f"f{n}.xlsx",
                                     organization_id=own_organization_id(user), **fields)
            for n in range(count)]


def shown_ids(response) -> set[int]:
    return {int(n) for n in re.findall(r'<a href="/imports/(\d+)/">', response.content.decode())}


def test_the_history_is_filtered_by_department_year_and_status(client, admin_user, sample_plan):
    client.force_login(admin_user)
    cooperation, comms = department("대외협력과"), department("소통기획과")
    applied = _runs(admin_user, 2, department=cooperation, year=2024, status=ImportStatus.APPLIED)
    errors = _runs(admin_user, 1, department=cooperation, year=2024, summary={"errors": 2})
    previews = _runs(admin_user, 1, department=cooperation, year=2025)
    others = _runs(admin_user, 2, department=comms, year=2024, status=ImportStatus.FAILED, summary={"errors": 1})

    def ids(runs):
        return {run.pk for run in runs}

    def shown(**params):
        return shown_ids(client.get("/imports/history/", params))

    assert shown(department=cooperation.pk) == ids(applied + errors + previews)
    assert shown(year=2024) == ids(applied + errors + others)
    assert shown(status="failed") == ids(errors + others)
    assert shown(status="previewed") == ids(previews)
    assert shown(department=cooperation.pk, year=2024, status="failed") == ids(errors)
    assert shown(year="abc") == set(ImportRun.objects.values_list("pk", flat=True))  # a bad value: no filter


def test_the_history_is_paginated_and_its_page_links_keep_the_filters(client, admin_user, django_assert_max_num_queries):
    client.force_login(admin_user)
    cooperation = department("대외협력과")
    runs = _runs(admin_user, 55, department=cooperation, year=2024)
    _runs(admin_user, 3, department=cooperation, year=2023)

    # session, user, count, the page of runs with their users and departments, the department list, and the
    # idle-timeout middleware's session update (with its savepoint pair): none per run
    with django_assert_max_num_queries(8):
        first = client.get("/imports/history/", {"year": 2024})
    second = client.get("/imports/history/", {"year": 2024, "page": 2})

    assert len(shown_ids(first)) == 50 and len(shown_ids(second)) == 5
    assert shown_ids(first) | shown_ids(second) == {run.pk for run in runs}
    assert "55건 중 1–50번째" in text(first) and 'href="?year=2024&amp;page=2">다음 쪽</a>' in first.content.decode()


def test_a_department_user_sees_their_own_departments_runs_without_a_department_filter(client, dept_user, other_dept_user):
    mine = _runs(dept_user, 1, department=department("대외협력과"), year=2024)
    _runs(other_dept_user, 1, department=department("소통기획과"), year=2024)
    client.force_login(dept_user)

    response = client.get("/imports/history/")

    assert shown_ids(response) == {mine[0].pk}
    assert 'name="department"' not in response.content.decode()
    assert 'name="year"' in response.content.decode() and 'name="status"' in response.content.decode()


# --- the department, picked from a list -----------------------------------------------------------


def test_an_admin_picks_the_departments_workbook_from_a_list(client, admin_user, sample_plan):
    client.force_login(admin_user)

    page = text(client.get("/imports/actuals/"))

    assert "부서 id" not in page
    select = re.search(r'<select name="department"[^>]*>(.*?)</select>', page).group(1)
    assert '<option value="" selected>전체 부서</option>' in select
    cooperation = department("대외협력과")
    assert f'<option value="{cooperation.pk}">대외협력과 (대외국제소통국)</option>' in select
    assert '<label for="id_department">부서' in page


def test_the_department_chosen_in_the_list_is_the_workbook_downloaded(client, admin_user, sample_plan):
    client.force_login(admin_user)
    comms = department("소통기획과")

    response = client.get("/imports/actuals/export/", {"year": YEAR, "department": comms.pk})

    assert response.status_code == 200
    assert quote("실적입력_소통기획과_2025.xlsx") in response["Content-Disposition"]


def test_a_department_user_has_no_department_list(editor, cooperation):
    page = text(editor.get("/imports/actuals/"))

    assert "<select" not in page and f'<input type="hidden" name="department" value="{cooperation.pk}">' in page


# --- the same confirm-and-submit on the API and the command ---------------------------------------


def test_the_api_confirms_and_submits_in_one_step(editor, exported, cooperation):
    body = upload(editor, edit(exported, FILLED)).json()

    confirmed = editor.post(f"/api/v1/imports/{body['id']}/confirm/", {"submit": True}, content_type="application/json")

    assert confirmed.status_code == 200, confirmed.content[:300]
    assert confirmed.json()["summary"]["submitted"] == 3
    assert set(statuses().values()) == {ActualStatus.SUBMITTED}


def test_the_command_confirms_and_submits_with_submit(exported, dept_user, cooperation, tmp_path):
    path = tmp_path / "실적.xlsx"
    path.write_bytes(edit(exported, FILLED))
    out = StringIO()

    call_command("import_actuals", str(path), "--user", dept_user.username, "--submit", stdout=out)

    assert set(statuses().values()) == {ActualStatus.SUBMITTED}
    assert "제출 3개" in out.getvalue()
