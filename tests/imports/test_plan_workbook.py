"""The plan workbook: export of the whole plan, and the admin's upload of weights, formulas and targets."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core.korean import with_josa
from imports import workbook_layout as L
from imports.plan_workbook.layout import DOMAIN_COLUMNS, INDICATOR_SHEET, P_METHOD, P_WEIGHT, year_columns
from kpis.domain import ValueDomain
from kpis.models import Actual, AuditEntry, ChangeSource, Indicator, Target, TargetRevision
from kpis.services.plan import indicator_update, target_set
from tests.factories import entry_year
from tests.fixtures.workbooks import db_state

pytestmark = pytest.mark.django_db
D = Decimal
EXPORT_URL = "/api/v1/exports/plan.xlsx"
UPLOAD_URL = "/api/v1/imports/plan/"
YEARS = [2023, 2024, 2025, 2026, 2027]


@pytest.fixture
def planner(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def exported(planner) -> bytes:
    response = planner.get(EXPORT_URL)
    assert response.status_code == 200
    return response.content


def row_of(ws, short_name: str) -> int:
    return next(row[0].row for row in ws.iter_rows(min_row=2) if row[2].value == short_name)


def cell(column: int, row: int) -> str:
    return L.cell_ref(column, row)


def target_cell(year: int, row: int) -> str:
    return cell(year_columns(YEARS)[year][0], row)


def edited(data: bytes, func) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    func(wb[INDICATOR_SHEET])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def post(client, data: bytes):
    handle = io.BytesIO(data)
    handle.name = "계획.xlsx"
    return client.post(UPLOAD_URL, {"file": handle})


def test_planners_and_evaluators_export_the_whole_plan_on_four_sheets(client, evaluator):
    client.force_login(evaluator)
    wb = load_workbook(io.BytesIO(client.get(EXPORT_URL).content))

    assert wb.sheetnames == ["조직", "예산현황", "세부사업", "성과지표", "_meta"]
    assert wb["_meta"].sheet_state == "hidden"
    assert [c.value for c in wb["조직"][1]][:3] == ["실국", "부서", "팀"]
    assert {row[1].value for row in wb["조직"].iter_rows(min_row=2)} == {"대외협력과", "외국인국제정책과", "소통기획과"}
    assert wb["예산현황"].max_row > 1 and wb["세부사업"].max_row > 1
    ws = wb[INDICATOR_SHEET]
    assert [c.value for c in ws[1]][6:18] == [
        "가중치", "측정산식 또는 측정방법", "자료수집 방법/출처", "실적 최솟값", "실적 최댓값", "실적 소수 자릿수",
        "산식 입력값 최솟값", "산식 입력값 최댓값", "산식 입력값 소수 자릿수", "목표(2023)", "실적(2023)", "목표(2024)",
    ]
    assert ws.max_row - 1 == Indicator.objects.count()
    blog = row_of(ws, "도 대표 블로그 방문횟수")
    assert ws[target_cell(2023, blog)].value == 1960000
    assert ws.cell(blog, year_columns(YEARS)[2023][1]).value == 2056074


def test_a_department_user_cannot_export_the_plan_workbook(client, dept_user):
    client.force_login(dept_user)

    response = client.get(EXPORT_URL)

    assert response.status_code == 403


def test_an_admin_changes_weight_formula_and_targets_through_preview_and_confirm(planner, exported, admin_user):
    ws = load_workbook(io.BytesIO(exported))[INDICATOR_SHEET]
    count_row = row_of(ws, "정무활동 및 당정협력 강화")

    def change(sheet):
        sheet[cell(P_WEIGHT, count_row)] = 25
        sheet[cell(P_METHOD, count_row)] = "개최횟수+간담회횟수"
        sheet[target_cell(2026, count_row)] = 12

    response = post(planner, edited(exported, change))
    body = response.json()
    assert response.status_code == 201 and body["errors"] == []
    row = next(r for r in body["rows"] if r["row"] == count_row)
    assert [(c["label"], c["old"], c["new"]) for c in row["changes"]] == [
        ("가중치", "30", "25"), ("측정산식", "개최횟수", "개최횟수+간담회횟수"), ("목표(2026)", "11", "12"),
    ]
    assert body["summary"]["warnings"] == ["대외협력과의 가중치 합계가 95입니다 (100이어야 합니다)."]
    assert Indicator.objects.get(short_name="정무활동 및 당정협력 강화").weight == D("30")  # not yet

    assert body["summary"]["target_revisions"] == 1  # the 2026 target had a value: a reason is required
    refused = planner.post(f"/api/v1/imports/{body['id']}/confirm/", {}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"reason": ["목표를 바꾸는 사유를 입력하세요."]}
    assert Target.objects.get(indicator__short_name="정무활동 및 당정협력 강화", year=2026).value == D("11")

    confirmed = planner.post(
        f"/api/v1/imports/{body['id']}/confirm/", {"reason": "도의회 예산 심의 반영"}, content_type="application/json",
    )

    assert confirmed.status_code == 200 and confirmed.json()["status"] == "applied"
    indicator = Indicator.objects.get(short_name="정무활동 및 당정협력 강화")
    revision = TargetRevision.objects.get(indicator=indicator, year=2026)
    assert (revision.old_value, revision.new_value, revision.changed_by, revision.source, revision.reason) == (
        D("11"), D("12"), admin_user, ChangeSource.PLAN_WORKBOOK, "도의회 예산 심의 반영",
    )
    assert revision.import_run_id == body["id"]
    assert (indicator.weight, indicator.method_text, indicator.formula_variables) == (
        D("25"), "개최횟수+간담회횟수", ["개최횟수", "간담회횟수"],
    )
    assert Target.objects.get(indicator=indicator, year=2026).value == D("12")
    audit = AuditEntry.objects.filter(import_run_id=body["id"])
    assert set(audit.values_list("field", flat=True)) == {"weight", "formula", "value"}
    assert set(audit.values_list("source", flat=True)) == {ChangeSource.PLAN_WORKBOOK}
    assert set(audit.values_list("user_id", flat=True)) == {admin_user.pk}


def test_an_unchanged_plan_workbook_changes_nothing(planner, exported):
    before = db_state()

    body = post(planner, exported).json()

    assert body["summary"]["changed"] == 0 and not body["summary"]["can_confirm"]
    assert db_state() == before


def test_only_admins_upload_a_plan_workbook(client, evaluator, exported):
    client.force_login(evaluator)
    before = db_state()

    response = post(client, exported)

    assert response.status_code == 400 and response.json()["detail"] == "파일: 관리자만 할 수 있는 작업입니다."
    assert db_state() == before


def test_a_bad_formula_or_number_is_refused_naming_the_cell(planner, exported):
    ws = load_workbook(io.BytesIO(exported))[INDICATOR_SHEET]
    count_row = row_of(ws, "정무활동 및 당정협력 강화")

    def change(sheet):
        sheet[cell(P_METHOD, count_row)] = "개최횟수+"
        sheet[cell(P_WEIGHT, count_row)] = "서른"
        sheet[target_cell(2025, count_row)] = "△3"

    before = db_state()
    body = post(planner, edited(exported, change)).json()

    texts = [e["text"] for e in body["errors"]]
    assert f"성과지표!{cell(P_WEIGHT, count_row)}: '서른'은 숫자가 아닙니다" in texts
    assert any(t.startswith(f"성과지표!{cell(P_METHOD, count_row)}: 측정산식을 읽을 수 없습니다") for t in texts)
    assert f"성과지표!{target_cell(2025, count_row)}: '△3'은 0 이상이어야 합니다" in texts
    assert planner.post(f"/api/v1/imports/{body['id']}/confirm/").status_code == 409
    assert db_state() == before


def test_a_formula_typed_as_the_method_without_a_cached_value_is_refused(planner, exported):
    """openpyxl (like a script) saves a formula without its result: read as empty, it would erase the method."""
    ws = load_workbook(io.BytesIO(exported))[INDICATOR_SHEET]
    rate_row = row_of(ws, "자원봉사 활동률")

    def change(sheet):
        sheet[cell(P_METHOD, rate_row)] = "=활동인원/인구*100"

    before = db_state()
    body = post(planner, edited(exported, change)).json()

    assert [e["text"] for e in body["errors"]] == [
        (f"성과지표!{cell(P_METHOD, rate_row)}: 측정산식 칸의 수식 '=활동인원/인구*100'에 저장된 계산 결과가 없습니다. "
        "수식이 아니라 글자로 입력하거나 엑셀에서 계산해 저장하세요.")
    ]
    assert body["summary"]["can_confirm"] is False
    assert db_state() == before


def test_a_row_changed_on_the_server_since_export_is_refused(planner, exported, admin_user):
    ws = load_workbook(io.BytesIO(exported))[INDICATOR_SHEET]
    count_row = row_of(ws, "정무활동 및 당정협력 강화")
    indicator = Indicator.objects.get(short_name="정무활동 및 당정협력 강화")
    target_set(user=admin_user, indicator_id=indicator.pk, year=2027, value=D("15"), reason="추경")
    before = db_state()

    body = post(planner, edited(exported, lambda sheet: sheet.__setitem__(target_cell(2026, count_row), 12))).json()

    assert body["errors"][0]["text"].startswith(f"성과지표!A{count_row}: 내려받은 뒤 서버에서 이 지표")
    assert db_state() == before


def test_an_edited_id_is_refused(planner, exported):
    ws = load_workbook(io.BytesIO(exported))[INDICATOR_SHEET]
    count_row = row_of(ws, "정무활동 및 당정협력 강화")
    other = Indicator.objects.get(short_name="자원봉사 활동률").pk

    body = post(planner, edited(exported, lambda sheet: sheet.__setitem__(f"A{count_row}", other))).json()

    assert body["errors"][0]["text"].startswith(f"성과지표!A{count_row}: 지표ID {with_josa(str(other), '이/가')} 이 행의 지표명")


def test_an_actuals_workbook_is_not_a_plan_workbook(planner, sample_plan):
    actuals = planner.get("/api/v1/exports/actuals.xlsx", {"year": 2025}).content

    response = post(planner, actuals)

    assert "계획 엑셀 파일이 아닙니다" in response.json()["detail"]


def test_the_plan_pages_download_and_upload(planner, exported):
    assert planner.get("/imports/plan/export/").status_code == 200
    assert "계획 엑셀 내려받기" in planner.get("/imports/plan/").content.decode()
    handle = io.BytesIO(exported)
    handle.name = "계획.xlsx"

    response = planner.post("/imports/plan/", {"file": handle})

    assert response.status_code == 302
    page = planner.get(response["Location"])
    assert page.status_code == 200 and "계획 엑셀" in page.content.decode()


# --- value domains ---------------------------------------------------------------------------


def domain_cell(name: str, row: int) -> str:
    return cell(DOMAIN_COLUMNS[name], row)


def test_the_export_shows_each_indicators_value_domains_for_planners_to_edit(exported):
    ws = load_workbook(io.BytesIO(exported))[INDICATOR_SHEET]
    count_row, rate_row = row_of(ws, "정무활동 및 당정협력 강화"), row_of(ws, "자원봉사 활동률")

    shown = [[ws[domain_cell(name, row)].value for name in DOMAIN_COLUMNS] for row in (count_row, rate_row)]

    assert shown == [[0, None, 0, 0, None, 0], [0, None, 4, 0, None, 4]]
    assert not ws[domain_cell("value_min", count_row)].protection.locked
    places = next(v for v in ws.data_validations.dataValidation if v.type == "whole")
    assert (places.formula1, places.formula2) == ("0", "4")
    assert domain_cell("value_places", 2) in str(places.sqref) and domain_cell("input_places", 2) in str(places.sqref)


def test_a_planner_widens_a_domain_in_the_workbook_and_a_negative_target_of_the_same_row_is_read_against_it(
    planner, exported, admin_user,
):
    ws = load_workbook(io.BytesIO(exported))[INDICATOR_SHEET]
    count_row = row_of(ws, "정무활동 및 당정협력 강화")

    def change(sheet):
        sheet[domain_cell("value_min", count_row)] = "△100"
        sheet[domain_cell("input_min", count_row)] = -100
        sheet[target_cell(2026, count_row)] = "△5"

    body = post(planner, edited(exported, change)).json()

    assert body["errors"] == []
    row = next(r for r in body["rows"] if r["row"] == count_row)
    assert [(c["label"], c["old"], c["new"]) for c in row["changes"]] == [
        ("실적 최솟값", "0", "-100"), ("산식 입력값 최솟값", "0", "-100"), ("목표(2026)", "11", "-5"),
    ]
    confirmed = planner.post(f"/api/v1/imports/{body['id']}/confirm/", {"reason": "음수 목표 허용"}, content_type="application/json")
    assert confirmed.status_code == 200
    indicator = Indicator.objects.get(pk=row["indicator_id"])
    assert (indicator.value_min, indicator.input_min) == (D(-100), D(-100))
    assert Target.objects.get(indicator=indicator, year=2026).value == D(-5)
    audit = AuditEntry.objects.filter(import_run_id=body["id"], entity="indicator")
    assert sorted(audit.values_list("field", "old_value", "new_value", "source", "user_id")) == [
        ("input_min", "0", "-100", ChangeSource.PLAN_WORKBOOK, admin_user.pk),
        ("value_min", "0", "-100", ChangeSource.PLAN_WORKBOOK, admin_user.pk),
    ]


def test_a_negative_target_is_refused_while_the_domain_stays_as_it_is(planner, exported):
    ws = load_workbook(io.BytesIO(exported))[INDICATOR_SHEET]
    count_row = row_of(ws, "정무활동 및 당정협력 강화")

    body = post(planner, edited(exported, lambda sheet: sheet.__setitem__(target_cell(2026, count_row), -5))).json()

    assert [e["text"] for e in body["errors"]] == [f"성과지표!{target_cell(2026, count_row)}: '-5'는 0 이상이어야 합니다"]


def test_a_domain_that_breaks_the_rule_is_refused_naming_the_cell(planner, exported):
    ws = load_workbook(io.BytesIO(exported))[INDICATOR_SHEET]
    count_row, rate_row = row_of(ws, "정무활동 및 당정협력 강화"), row_of(ws, "자원봉사 활동률")

    def change(sheet):
        sheet[domain_cell("value_min", count_row)] = 10
        sheet[domain_cell("value_max", count_row)] = 5
        sheet[domain_cell("value_places", rate_row)] = 5
        sheet[domain_cell("input_places", rate_row)] = None
        sheet[domain_cell("input_max", rate_row)] = "백"

    before = db_state()
    body = post(planner, edited(exported, change)).json()

    assert sorted(e["text"] for e in body["errors"]) == sorted([
        f"성과지표!{domain_cell('value_min', count_row)}: 실적 최솟값 10이 실적 최댓값 5보다 큽니다.",
        f"성과지표!{domain_cell('value_places', rate_row)}: '5'는 4 이하여야 합니다",
        f"성과지표!{domain_cell('input_places', rate_row)}: 산식 입력값 소수 자릿수를 입력하세요 (0~4, 0: 정수만).",
        f"성과지표!{domain_cell('input_max', rate_row)}: '백'은 숫자가 아닙니다",
    ])
    assert db_state() == before


def test_a_narrowed_domain_keeps_stored_values_outside_it_and_warns(planner, exported):
    ws = load_workbook(io.BytesIO(exported))[INDICATOR_SHEET]
    count_row = row_of(ws, "정무활동 및 당정협력 강화")

    body = post(planner, edited(exported, lambda sheet: sheet.__setitem__(domain_cell("value_max", count_row), 10))).json()

    assert body["errors"] == [] and body["summary"]["can_confirm"]
    assert body["summary"]["warnings"] == [(
        f"{count_row}행 정무활동 및 당정협력 강화: 저장된 값 6건이 새 범위를 벗어납니다 (바꾸지 않습니다): "
        "목표(2023) 11, 목표(2024) 11, 목표(2025) 11, 목표(2026) 11, 목표(2027) 11 외 1건"
    )]
    assert planner.post(f"/api/v1/imports/{body['id']}/confirm/", {}, content_type="application/json").status_code == 200
    indicator = Indicator.objects.get(short_name="정무활동 및 당정협력 강화")
    assert indicator.value_max == D(10)
    assert Target.objects.get(indicator=indicator, year=2026).value == D(11)
    assert Actual.objects.get(indicator=indicator, year=2023).value == D(12)


def test_a_domain_changed_on_the_server_since_export_makes_an_edited_row_a_conflict(planner, exported, admin_user):
    ws = load_workbook(io.BytesIO(exported))[INDICATOR_SHEET]
    count_row = row_of(ws, "정무활동 및 당정협력 강화")
    indicator = Indicator.objects.get(short_name="정무활동 및 당정협력 강화")
    indicator_update(user=admin_user, indicator_id=indicator.pk, value_domain=ValueDomain(D(0), D(1000), 0))
    before = db_state()

    body = post(planner, edited(exported, lambda sheet: sheet.__setitem__(target_cell(2026, count_row), 12))).json()

    assert body["errors"][0]["text"] == (
        f"성과지표!A{count_row}: 내려받은 뒤 서버에서 이 지표(가중치·산식·값 범위·목표)가 바뀌었습니다. "
        "덮어쓰지 않습니다. 계획 엑셀을 새로 내려받아 고치세요."
    )
    assert db_state() == before


def test_a_plan_workbook_of_the_template_before_the_domain_columns_is_refused(planner, exported):
    data = load_workbook(io.BytesIO(exported))
    data["_meta"]["B1"] = 2
    out = io.BytesIO()
    data.save(out)

    response = post(planner, out.getvalue())

    assert "이전 양식(버전 2)으로 만든 파일입니다" in response.json()["detail"]


def test_a_target_of_a_finalised_year_is_refused_at_preview_and_a_reason_is_asked_on_the_page(planner, exported):
    from django.utils import timezone

    from kpis.models import EntryYear

    ws = load_workbook(io.BytesIO(exported))[INDICATOR_SHEET]
    count_row = row_of(ws, "정무활동 및 당정협력 강화")
    entry_year(year=2023, finalised_at=timezone.now())

    body = post(planner, edited(exported, lambda sheet: sheet.__setitem__(target_cell(2023, count_row), 12))).json()

    assert body["summary"]["can_confirm"] is False
    assert body["summary"]["warnings"][0].startswith("확정된 연도의 목표는 바꿀 수 없습니다 (2023년 결과 확정됨)")
    EntryYear.objects.filter(year=2023).update(finalised_at=None)
    body = post(planner, edited(exported, lambda sheet: sheet.__setitem__(target_cell(2023, count_row), 12))).json()
    page = planner.get(f"/imports/{body['id']}/").content.decode()
    assert '<label for="revision-reason">변경 사유 (필수: 이미 있는 목표 1개를 바꿉니다)</label>' in page
    applied = planner.post(f"/imports/{body['id']}/confirm/", {"reason": "화면에서 적은 사유"})
    assert applied.status_code == 302
    assert TargetRevision.objects.get().reason == "화면에서 적은 사유"
