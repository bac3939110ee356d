"""The plan workbook's 세부사업 sheet: planners fill in 결산 amounts, previewed, validated and applied like the rest."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from budgets.models import AmountKind, BudgetProgramAmount
from imports import workbook_layout as L
from imports.plan_workbook.layout import G_NAME, PROGRAM_SHEET, amount_title
from kpis.models import AuditEntry, ChangeSource
from tests.fixtures.workbooks import db_state

pytestmark = pytest.mark.django_db
D = Decimal
EXPORT_URL = "/api/v1/exports/plan.xlsx"
UPLOAD_URL = "/api/v1/imports/plan/"
COORDINATORS = "자원봉사 코디네이터 지원·육성(시군)"


@pytest.fixture
def planner(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def exported(planner) -> bytes:
    return planner.get(EXPORT_URL).content


def column_of(ws, title: str) -> int:
    return next(c.column for c in ws[1] if c.value == title)


def row_of(ws, name: str) -> int:
    return next(row[0].row for row in ws.iter_rows(min_row=2) if row[G_NAME - 1].value == name)


def with_settled(data: bytes, name: str, value) -> tuple[bytes, str]:
    wb = load_workbook(io.BytesIO(data))
    ws = wb[PROGRAM_SHEET]
    ref = L.cell_ref(column_of(ws, amount_title(2024, "settled")), row_of(ws, name))
    ws[ref] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), ref


def post(client, data: bytes):
    handle = io.BytesIO(data)
    handle.name = "계획.xlsx"
    return client.post(UPLOAD_URL, {"file": handle})


def test_the_program_sheet_has_a_settled_column_beside_each_years_budget(exported):
    ws = load_workbook(io.BytesIO(exported))[PROGRAM_SHEET]
    titles = [c.value for c in ws[1]]
    assert titles[0] == "세부사업ID"
    assert titles[10:] == [
        "2023년 결산(백만원)", "2024년 예산(백만원)", "2024년 결산(백만원)", "2025년 예산(백만원)", "2025년 결산(백만원)",
    ]
    row = row_of(ws, COORDINATORS)
    assert ws.cell(row, column_of(ws, "2024년 예산(백만원)")).value == 650
    assert ws.cell(row, column_of(ws, "2024년 결산(백만원)")).value is None


def test_a_settled_amount_is_previewed_then_applied_with_audit(planner, exported, admin_user):
    data, _ref = with_settled(exported, COORDINATORS, 640)

    body = post(planner, data).json()

    assert body["errors"] == [] and body["summary"]["can_confirm"]
    row = next(r for r in body["rows"] if r.get("sheet") == PROGRAM_SHEET and r["status"] == "changed")
    assert row["name"] == f"세부사업: {COORDINATORS}"
    assert [(c["label"], c["old"], c["new"]) for c in row["changes"]] == [("2024년 결산(백만원)", "", "640")]
    assert not BudgetProgramAmount.objects.filter(kind=AmountKind.SETTLED, year=2024).exists()  # not yet

    confirmed = planner.post(f"/api/v1/imports/{body['id']}/confirm/", {}, content_type="application/json")

    assert confirmed.status_code == 200 and confirmed.json()["status"] == "applied"
    amounts = BudgetProgramAmount.objects.filter(budget_program__name=COORDINATORS, year=2024)
    assert sorted((a.kind, a.amount) for a in amounts) == [(AmountKind.BUDGET, D(650)), (AmountKind.SETTLED, D(640))]
    audit = AuditEntry.objects.get(entity="budget_amount")
    assert (audit.source, audit.import_run_id, audit.user_id, audit.new_value) == (
        ChangeSource.PLAN_WORKBOOK, body["id"], admin_user.pk, "640",
    )


def test_a_bad_settled_cell_is_named_by_sheet_and_cell_and_nothing_is_saved(planner, exported):
    before = db_state()
    data, ref = with_settled(exported, COORDINATORS, "약 640")

    body = post(planner, data).json()

    assert body["summary"]["can_confirm"] is False
    [error] = body["errors"]
    assert error["address"] == f"{PROGRAM_SHEET}!{ref}"
    assert "2024년 결산(백만원)" in error["message"] and "약 640" in error["message"]
    assert db_state() == before


def test_a_negative_settled_amount_is_refused_at_its_cell(planner, exported):
    data, ref = with_settled(exported, COORDINATORS, -5)

    [error] = post(planner, data).json()["errors"]

    assert error["address"] == f"{PROGRAM_SHEET}!{ref}" and "0 이상" in error["message"]
