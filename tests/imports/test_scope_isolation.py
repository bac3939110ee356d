"""Scope isolation of the Excel flows: an admin of organization A cannot export, upload into or read the import
history of organization B (which holds the same sample plan), and nothing of B changes or is audited."""
from __future__ import annotations

import pytest

from accounts.models import Role, User
from imports.models import ImportKind, ImportRun
from kpis.models import Actual, AuditEntry, Target
from tests.conftest import PASSWORD, client_for
from tests.fixtures.workbooks import edit, plan_target_cell, upload, upload_plan
from tests.scope_world import MARKER, YEAR, World, build_world, workbook_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(sample_plan) -> World:
    return build_world(sample_plan)


@pytest.fixture
def admin_b(world) -> User:
    return User.objects.create_user(username="admin_b", password=PASSWORD, role=Role.ADMIN, organization=world.b)


def b_state(world: World) -> tuple:
    return (
        AuditEntry.objects.count(),
        list(Actual.objects.filter(indicator__department__bureau=world.bureau).order_by("pk").values_list(
            "pk", "value", "status", "version")),
        list(Target.objects.filter(indicator__department__bureau=world.bureau).order_by("pk").values_list("pk", "value")),
    )


def test_an_admin_of_a_cannot_export_bs_department(world, admin_user):
    response = client_for(admin_user).get("/api/v1/exports/actuals.xlsx", {"year": YEAR, "department": world.department.pk})
    assert response.status_code == 404
    whole = client_for(admin_user).get("/api/v1/exports/actuals.xlsx", {"year": YEAR})
    assert MARKER not in workbook_text(whole.content)


def test_an_admin_of_b_exports_b_alone(world, admin_b):
    whole = client_for(admin_b).get("/api/v1/exports/actuals.xlsx", {"year": YEAR})
    text = workbook_text(whole.content)
    assert MARKER in text
    plan = workbook_text(client_for(admin_b).get("/api/v1/exports/plan.xlsx").content)
    assert MARKER in plan


def test_bs_actuals_workbook_uploaded_by_an_admin_of_a_changes_nothing(world, admin_user, admin_b):
    exported = client_for(admin_b).get(
        "/api/v1/exports/actuals.xlsx", {"year": YEAR, "department": world.department.pk}
    ).content
    before = b_state(world)
    response = upload(client_for(admin_user), exported)
    body = response.json()
    assert body.get("status") in (None, "failed") or response.status_code in (400, 403, 404)
    if "id" in body:
        confirmed = client_for(admin_user).post(f"/api/v1/imports/{body['id']}/confirm/", {}, format="json")
        assert confirmed.status_code in (400, 403, 404, 409)
    assert b_state(world) == before


def test_bs_plan_workbook_uploaded_by_an_admin_of_a_changes_nothing(world, admin_user, admin_b):
    exported = client_for(admin_b).get("/api/v1/exports/plan.xlsx").content
    changed = edit(exported, {plan_target_cell(exported, world.indicator.short_name, YEAR): 999}, sheet="성과지표")
    before = b_state(world)
    body = upload_plan(client_for(admin_user), changed).json()
    assert not body["summary"].get("can_confirm")
    confirmed = client_for(admin_user).post(f"/api/v1/imports/{body['id']}/confirm/", {"reason": "시험"}, format="json")
    assert confirmed.status_code in (400, 403, 404, 409)
    assert b_state(world) == before


def test_as_own_plan_workbook_still_previews(world, admin_user):
    exported = client_for(admin_user).get("/api/v1/exports/plan.xlsx").content
    assert MARKER not in workbook_text(exported)
    response = upload_plan(client_for(admin_user), exported)
    assert response.status_code == 201
    assert response.json()["summary"]["total"] > 0


def test_the_import_history_keeps_to_the_organization(world, admin_user, admin_b):
    a_ids = {run["id"] for run in client_for(admin_user).get("/api/v1/imports/").json()["results"]}
    b_ids = {run["id"] for run in client_for(admin_b).get("/api/v1/imports/").json()["results"]}
    assert world.run.pk not in a_ids
    assert world.run.pk in b_ids
    assert client_for(admin_user).get(f"/api/v1/imports/{world.run.pk}/").status_code == 404
    assert client_for(admin_b).get(f"/api/v1/imports/{world.run.pk}/").status_code == 200


def test_the_upload_page_does_not_name_bs_department(world, admin_user):
    client = client_for(admin_user)
    client.force_login(admin_user)
    response = client.get("/imports/actuals/", {"department": world.department.pk, "year": YEAR})
    assert response.status_code == 200
    assert MARKER not in response.content.decode()


def test_every_run_records_its_organization(world, admin_user, admin_b):
    documents = ImportRun.objects.filter(kind=ImportKind.PLAN_DOCUMENT)
    assert {run.organization_id for run in documents} == {world.a.pk, world.b.pk}  # plan_import: the edition's
    b_actuals = client_for(admin_b).get("/api/v1/exports/actuals.xlsx", {"year": YEAR, "department": world.department.pk})
    actuals_run = ImportRun.objects.get(pk=upload(client_for(admin_b), b_actuals.content).json()["id"])
    assert (actuals_run.kind, actuals_run.organization) == (ImportKind.ACTUALS_WORKBOOK, world.b)
    plan_run = ImportRun.objects.get(
        pk=upload_plan(client_for(admin_b), client_for(admin_b).get("/api/v1/exports/plan.xlsx").content).json()["id"]
    )
    assert (plan_run.kind, plan_run.organization) == (ImportKind.PLAN_WORKBOOK, world.b)
    # A refused upload is still the uploader's: A's admin sending B's workbook leaves a failed run of A.
    refused = upload(client_for(admin_user), b_actuals.content).json()
    assert ImportRun.objects.get(pk=refused["id"]).organization == world.a
    # Each organization's history lists its own runs only.
    assert actuals_run.pk not in {run["id"] for run in client_for(admin_user).get("/api/v1/imports/").json()["results"]}
    assert actuals_run.pk in {run["id"] for run in client_for(admin_b).get("/api/v1/imports/").json()["results"]}
