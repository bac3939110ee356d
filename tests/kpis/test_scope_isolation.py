"""Scope isolation: an evaluator or admin of organization A, given organization B's ids, gets 403 or 404 from every
API operation and every page, sees none of B's data and writes no audit row; A's own ids work; the national viewer
reads both and writes nothing.

The URL patterns are walked, so a new endpoint or page without a case here fails `test_every_..._is_covered`.
"""
from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Role, User
from kpis.models import Actual, AuditEntry, Department
from reports.models import ReportEntry, ReportEntryStatus
from tests.conftest import PASSWORD, client_for
from tests.scope_world import MARKER, SECOND, YEAR, World, build_world, url_names, workbook_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(sample_plan) -> World:
    return build_world(sample_plan)


@pytest.fixture
def national_viewer(world) -> User:
    return User.objects.create_user(username="national", password=PASSWORD, role=Role.VIEWER)


# --- the API ------------------------------------------------------------------------------------

LISTS = {
    "api:department-list": "/api/v1/departments/",
    "api:strategic-goal-list": "/api/v1/strategic-goals/",
    "api:policy-goal-list": "/api/v1/policy-goals/",
    "api:indicator-list": "/api/v1/indicators/",
    "api:unit-program-list": "/api/v1/unit-programs/",
    "api:budget-program-list": "/api/v1/budget-programs/",
    "api:actual-list": "/api/v1/actuals/",
    "api:score-list": f"/api/v1/scores/?year={YEAR}",
    "api:import-list": "/api/v1/imports/",
    "api:organization-list": "/api/v1/organizations/",
}
# B's object through each detail route (GET): 404.
DETAILS = {
    "api:department-detail": lambda w: f"/api/v1/departments/{w.department.pk}/",
    "api:strategic-goal-detail": lambda w: f"/api/v1/strategic-goals/{w.strategic_goal.pk}/",
    "api:policy-goal-detail": lambda w: f"/api/v1/policy-goals/{w.policy_goal.pk}/",
    "api:indicator-detail": lambda w: f"/api/v1/indicators/{w.indicator.pk}/",
    "api:unit-program-detail": lambda w: f"/api/v1/unit-programs/{w.unit_program.pk}/",
    "api:budget-program-detail": lambda w: f"/api/v1/budget-programs/{w.budget_program.pk}/",
    "api:actual-detail": lambda w: f"/api/v1/actuals/{w.actual.pk}/",
    "api:score-detail": lambda w: f"/api/v1/scores/{w.department.pk}/?year={YEAR}",
    "api:import-detail": lambda w: f"/api/v1/imports/{w.run.pk}/",
    "api:organization-detail": lambda w: f"/api/v1/organizations/{w.b.pk}/",
    "api:import-errors": lambda w: f"/api/v1/imports/{w.run.pk}/errors.xlsx",
    "api:export-actuals": lambda w: f"/api/v1/exports/actuals.xlsx?year={YEAR}&department={w.department.pk}",
}
def b_entry(w: World) -> ReportEntry:
    """A submitted report entry of B's indicator."""
    entry, _ = ReportEntry.objects.get_or_create(
        indicator=w.indicator, year=YEAR,
        defaults={"analysis": MARKER, "status": ReportEntryStatus.SUBMITTED, "updated_by": w.b_user, "submitted_by": w.b_user},
    )
    return entry


DETAILS.update({
    "api:report-entry-detail": lambda w: f"/api/v1/report-entries/{b_entry(w).pk}/",
    "api:execution-detail": lambda w: f"/api/v1/execution/{w.department.pk}/?year={YEAR}",
})


# Writes naming B's objects: (method, url, body).
WRITES = {
    "api:actual-list": lambda w: ("post", "/api/v1/actuals/", {"indicator": w.indicator.pk, "year": YEAR, "value": "1"}),
    "api:actual-detail": lambda w: ("patch", f"/api/v1/actuals/{w.actual.pk}/", {"version": w.actual.version, "value": "2"}),
    "api:actual-approve": lambda w: ("post", f"/api/v1/actuals/{w.actual.pk}/approve/", {"version": w.actual.version}),
    "api:actual-return": lambda w: (
        "post", f"/api/v1/actuals/{w.actual.pk}/return/", {"version": w.actual.version, "comment": "다시"}
    ),
    "api:actual-submit": lambda w: ("post", f"/api/v1/actuals/{w.actual.pk}/submit/", {"version": w.actual.version}),
    "api:import-confirm": lambda w: ("post", f"/api/v1/imports/{w.run.pk}/confirm/", {}),
    "api:report-entry-list": lambda w: (
        "post", "/api/v1/report-entries/", {"indicator": w.indicator.pk, "year": YEAR, "analysis": "x"}
    ),
    "api:report-entry-submit": lambda w: ("post", f"/api/v1/report-entries/{b_entry(w).pk}/submit/", {"version": 1}),
    "api:report-entry-approve": lambda w: ("post", f"/api/v1/report-entries/{b_entry(w).pk}/approve/", {"version": 1}),
    "api:report-entry-return": lambda w: (
        "post", f"/api/v1/report-entries/{b_entry(w).pk}/return/", {"version": 1, "comment": "다시"}
    ),
    "api:execution-settled": lambda w: (
        "post", "/api/v1/execution/settled/", {"amounts": [{"budget_program": w.budget_program.pk, "year": YEAR, "amount": "1"}]}
    ),
}
# Whole-organization exports: the workbook holds none of B's names.
EXPORTS = {
    "api:export-actuals": f"/api/v1/exports/actuals.xlsx?year={YEAR}",
    "api:export-plan": "/api/v1/exports/plan.xlsx",
}
# Uploads are exercised in tests/imports/test_scope_isolation.py.
UPLOADS = {"api:import-actuals", "api:import-plan"}
# No object of any organization: authentication, the schema and its docs; the year's recompute (the scores are
# per department and the same whoever starts it; the viewer's refusal is tested below).
EXEMPT = {"api:token", "api:token-logout", "api:token-logout-all", "api:schema", "api:docs", "api:score-recompute"}


def test_every_api_operation_is_covered():
    covered = set(LISTS) | set(DETAILS) | set(WRITES) | set(EXPORTS) | UPLOADS | EXEMPT
    assert url_names(api=True) - covered == set()


def result_ids(body: dict) -> set[int]:
    rows = body.get("results", [])
    return {row.get("id") or row.get("department_id") for row in rows}


@pytest.mark.parametrize("name", sorted(LISTS))
def test_an_evaluator_of_a_lists_nothing_of_b(world, evaluator, name):
    client = client_for(evaluator)
    response = client.get(LISTS[name])
    assert response.status_code == 200
    assert MARKER not in response.content.decode()
    assert SECOND not in response.content.decode()
    own = client.get(LISTS[name]).json()
    assert own["results"], "A's own rows are listed"


@pytest.mark.parametrize("name", sorted(set(LISTS) - {"api:import-list", "api:organization-list"}))
def test_the_organization_filter_out_of_scope_gives_an_empty_list(world, evaluator, name):
    join = "&" if "?" in LISTS[name] else "?"
    client = client_for(evaluator)
    assert client.get(f"{LISTS[name]}{join}organization={world.b.pk}").json()["count"] == 0
    assert client.get(f"{LISTS[name]}{join}organization={world.a.pk}").json()["count"] > 0


@pytest.mark.parametrize("name", sorted(DETAILS))
def test_an_evaluator_of_a_gets_404_for_bs_objects(world, evaluator, name):
    response = client_for(evaluator).get(DETAILS[name](world))
    assert response.status_code == 404
    assert MARKER not in response.content.decode(errors="replace")


@pytest.mark.parametrize("name", sorted(WRITES))
@pytest.mark.parametrize("role", ["evaluator", "admin_user"])
def test_writes_on_bs_objects_are_refused_without_an_audit_row(world, request, name, role):
    user = request.getfixturevalue(role)
    method, url, body = WRITES[name](world)
    before = (AuditEntry.objects.count(), list(Actual.objects.filter(indicator__department__bureau=world.bureau)
                                              .values_list("pk", "value", "status", "version")))
    response = getattr(client_for(user), method)(url, body, format="json")
    assert response.status_code in (403, 404), response.content
    assert MARKER not in response.content.decode()
    after = (AuditEntry.objects.count(), list(Actual.objects.filter(indicator__department__bureau=world.bureau)
                                             .values_list("pk", "value", "status", "version")))
    assert after == before


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_whole_organization_exports_hold_only_as_rows(world, admin_user, name):
    response = client_for(admin_user).get(EXPORTS[name])
    assert response.status_code == 200
    text = workbook_text(response.content)
    assert MARKER not in text
    assert "대외협력과" in text  # A's own department is there


def test_as_own_objects_work(world, evaluator):
    client = client_for(evaluator)
    own = Department.objects.filter(bureau__organization=world.a, indicators__isnull=False).first()
    assert client.get(f"/api/v1/departments/{own.pk}/").status_code == 200
    assert client.get(f"/api/v1/scores/{own.pk}/", {"year": YEAR}).status_code == 200
    assert client.get("/api/v1/actuals/", {"organization": world.a.pk, "plan_year": YEAR}).status_code == 200


def test_the_plan_year_filter(world, evaluator):
    client = client_for(evaluator)
    assert client.get("/api/v1/indicators/", {"plan_year": YEAR}).json()["count"] > 0
    assert client.get("/api/v1/indicators/", {"plan_year": YEAR + 1}).json()["count"] == 0
    assert client.get("/api/v1/scores/", {"year": YEAR, "plan_year": YEAR + 1}).json()["count"] == 0


def test_the_organization_and_plan_year_filters_are_in_the_schema(world, evaluator):
    schema = client_for(evaluator).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in ("/api/v1/departments/", "/api/v1/indicators/", "/api/v1/actuals/", "/api/v1/scores/"):
        names = {parameter["name"] for parameter in schema["paths"][path]["get"]["parameters"]}
        assert {"organization", "plan_year"} <= names, path


# --- the national viewer ------------------------------------------------------------------------


def test_the_national_viewer_reads_both_organizations(world, national_viewer):
    client = client_for(national_viewer)
    assert client.get(f"/api/v1/departments/{world.department.pk}/").status_code == 200
    assert client.get("/api/v1/departments/", {"organization": world.b.pk}).json()["count"] > 0
    assert client.get("/api/v1/departments/", {"organization": world.a.pk}).json()["count"] > 0
    assert client.get(f"/api/v1/scores/{world.department.pk}/", {"year": YEAR}).status_code == 200
    assert client.get(f"/api/v1/actuals/{world.actual.pk}/").status_code == 200


@pytest.mark.parametrize("name", sorted(WRITES))
def test_the_national_viewer_writes_nothing(world, national_viewer, name):
    method, url, body = WRITES[name](world)
    before = AuditEntry.objects.count()
    response = getattr(client_for(national_viewer), method)(url, body, format="json")
    assert response.status_code in (403, 404)
    assert AuditEntry.objects.count() == before


def test_the_national_viewer_cannot_recompute(world, national_viewer):
    assert client_for(national_viewer).post("/api/v1/scores/recompute/", {"year": YEAR}, format="json").status_code == 403


# --- pages --------------------------------------------------------------------------------------

# Pages naming one of B's objects: (method, url, form data).
PAGES = {
    # Users of one organization have nothing to compare (403); switching to B is refused (404).
    "scores:compare": lambda w: ("get", f"/scores/{YEAR}/compare/", {}),
    "scores:organization_switch": lambda w: ("post", "/organization/", {"organization": w.b.pk}),
    "entry:page": lambda w: ("get", f"/entry/{w.department.pk}/{YEAR}/", {}),
    "entry:save": lambda w: ("post", f"/entry/{w.department.pk}/{YEAR}/{w.indicator.pk}/save/", {"value": "1"}),
    "entry:submit": lambda w: ("post", f"/entry/{w.department.pk}/{YEAR}/{w.indicator.pk}/submit/", {}),
    "entry:preview": lambda w: ("post", f"/entry/{w.department.pk}/{YEAR}/{w.indicator.pk}/preview/", {"value": "1"}),
    "entry:decide": lambda w: (
        "post", f"/review/{w.actual.pk}/decide/", {"decision": "approve", "version": w.actual.version}
    ),
    "entry:approve_many": lambda w: ("post", "/review/approve/", {"pick": f"{w.actual.pk}:{w.actual.version}"}),
    "entry:history": lambda w: ("get", f"/indicators/{w.indicator.pk}/history/", {}),
    "entry:evidence": lambda w: ("get", f"/evidence/{w.evidence.pk}/", {}),
    "imports:detail": lambda w: ("get", f"/imports/{w.run.pk}/", {}),
    "imports:confirm": lambda w: ("post", f"/imports/{w.run.pk}/confirm/", {}),
    "imports:errors": lambda w: ("get", f"/imports/{w.run.pk}/errors.xlsx", {}),
    "imports:actuals_export": lambda w: ("get", "/imports/actuals/export/", {"year": YEAR, "department": w.department.pk}),
    "scores:department": lambda w: ("get", f"/scores/{YEAR}/departments/{w.department.pk}/", {}),
    "scores:department_export": lambda w: ("get", f"/scores/{YEAR}/departments/{w.department.pk}/export.xlsx", {}),
    "kpis:bureau_detail": lambda w: ("get", f"/bureaus/{w.bureau.pk}/", {}),
    "kpis:department_detail": lambda w: ("get", f"/departments/{w.department.pk}/", {}),
    "plans:diff": lambda w: ("get", f"/plans/{w.bureau.pk}/diff/", {}),
    "report:bureau": lambda w: ("get", f"/reports/performance/{YEAR}/bureaus/{w.bureau.pk}/", {}),
    "report:bureau_pdf": lambda w: ("get", f"/reports/performance/{YEAR}/bureaus/{w.bureau.pk}/report.pdf", {}),
    "report:bureau_xlsx": lambda w: ("get", f"/reports/performance/{YEAR}/bureaus/{w.bureau.pk}/report.xlsx", {}),
    "report:organization": lambda w: ("get", f"/reports/performance/{YEAR}/organizations/{w.b.pk}/", {}),
    "report:organization_pdf": lambda w: ("get", f"/reports/performance/{YEAR}/organizations/{w.b.pk}/report.pdf", {}),
    "report:organization_xlsx": lambda w: (
        "get", f"/reports/performance/{YEAR}/organizations/{w.b.pk}/report.xlsx", {}
    ),
    "reports:entries": lambda w: ("get", f"/reports/entries/{w.department.pk}/{YEAR}/", {}),
    "reports:entry_save": lambda w: (
        "post", f"/reports/entries/{w.department.pk}/{YEAR}/{w.indicator.pk}/save/", {"analysis": "x"}
    ),
    "reports:decide": lambda w: ("post", f"/reports/review/{b_entry(w).pk}/decide/", {"decision": "approve"}),
    "reports:execution": lambda w: ("get", f"/reports/execution/{w.department.pk}/{YEAR}/", {}),
    "reports:execution_save": lambda w: (
        "post", f"/reports/execution/{w.department.pk}/{YEAR}/save/", {f"settled_{w.budget_program.pk}": "1"}
    ),
}
# Pages listing an organization's rows: 200 without B's names.
PAGE_LISTS = {
    "kpis:home": "/",
    "entry:review": "/review/?status=submitted",
    "imports:history": "/imports/history/",
    "scores:board": f"/scores/{YEAR}/",
    "plans:list": "/plans/",
    "progress:warnings": f"/progress/{YEAR}/?status=all",
    "reports:review": "/reports/review/?status=submitted",
}
PAGE_EXPORTS = {"scores:export": f"/scores/{YEAR}/export.xlsx", "imports:plan_export": "/imports/plan/export/"}
PAGE_UPLOADS = {"imports:actuals_upload", "imports:plan_upload"}  # tests/imports/test_scope_isolation.py
# No object of any organization: sign-in, health, redirects to one's own pages, the year-wide recompute,
# finalise and reopen (they act on the organization the page shows, always one the admin sees: B's are refused in
# tests/kpis/test_entry_years_per_organization.py), the recompute's progress.
PAGE_EXEMPT = {
    "accounts:login", "accounts:logout", "healthz", "readyz", "favicon", "entry:mine", "scores:home",
    "reports:entries_mine",
    "scores:recompute", "scores:recompute_status", "scores:finalise", "scores:reopen", "progress:home",
}


def test_every_page_is_covered():
    covered = set(PAGES) | set(PAGE_LISTS) | set(PAGE_EXPORTS) | PAGE_UPLOADS | PAGE_EXEMPT
    assert url_names(api=False) - covered == set()


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("role", ["evaluator", "admin_user"])
def test_pages_with_bs_ids_are_404_without_an_audit_row(world, request, name, role):
    method, url, data = PAGES[name](world)
    before = AuditEntry.objects.count()
    response = getattr(logged_in(request.getfixturevalue(role)), method)(url, data)
    assert response.status_code in (403, 404), (url, response.status_code)
    assert MARKER not in response.content.decode(errors="replace")
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("name", sorted(PAGE_LISTS))
def test_list_pages_show_none_of_b(world, admin_user, name):
    response = logged_in(admin_user).get(PAGE_LISTS[name])
    assert response.status_code == 200
    assert MARKER not in response.content.decode()


@pytest.mark.parametrize("name", sorted(PAGE_EXPORTS))
def test_page_exports_hold_none_of_b(world, admin_user, name):
    response = logged_in(admin_user).get(PAGE_EXPORTS[name])
    assert response.status_code == 200
    assert MARKER not in workbook_text(response.content)


def test_as_own_pages_work(world, evaluator):
    client = logged_in(evaluator)
    own = Department.objects.filter(bureau__organization=world.a, indicators__isnull=False).first()
    for url in (f"/departments/{own.pk}/", f"/bureaus/{own.bureau_id}/", f"/scores/{YEAR}/departments/{own.pk}/",
                f"/entry/{own.pk}/{YEAR}/"):
        assert client.get(url).status_code == 200, url


def test_the_national_viewer_opens_bs_pages(world, national_viewer):
    client = logged_in(national_viewer)
    for url in (f"/departments/{world.department.pk}/", f"/scores/{YEAR}/departments/{world.department.pk}/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert MARKER in response.content.decode()
    assert MARKER in client.get(f"/scores/{YEAR}/").content.decode()


def test_the_national_viewer_reads_the_queue_exports_and_history_of_both(world, national_viewer):
    client = logged_in(national_viewer)
    assert MARKER in client.get("/review/?status=submitted").content.decode()
    api = client_for(national_viewer)
    assert MARKER in workbook_text(api.get("/api/v1/exports/actuals.xlsx", {"year": YEAR}).content)
    assert MARKER in workbook_text(api.get("/api/v1/exports/plan.xlsx").content)
    assert world.run.pk in {run["id"] for run in api.get("/api/v1/imports/").json()["results"]}


def test_the_national_viewer_cannot_decide_finalise_or_upload(world, national_viewer):
    client = logged_in(national_viewer)
    before = AuditEntry.objects.count()
    decide = client.post(f"/review/{world.actual.pk}/decide/", {"decision": "approve", "version": world.actual.version})
    assert decide.status_code == 403
    assert client.post(f"/scores/{YEAR}/recompute/").status_code == 403
    assert client.post(f"/scores/{YEAR}/finalise/").status_code == 403
    upload = client_for(national_viewer).post("/api/v1/imports/plan/", {"file": b""}, format="multipart")
    assert upload.status_code in (400, 403)
    assert AuditEntry.objects.count() == before


def test_an_admin_of_a_cannot_change_bs_plan_or_targets(world, admin_user):
    from decimal import Decimal

    from core.errors import NotFound
    from kpis.services.plan import indicator_update, target_set

    before = AuditEntry.objects.count()
    with pytest.raises(NotFound):
        target_set(user=admin_user, indicator_id=world.indicator.pk, year=YEAR, value=Decimal(999), reason="시험")
    with pytest.raises(NotFound):
        indicator_update(user=admin_user, indicator_id=world.indicator.pk, weight=Decimal(1))
    assert AuditEntry.objects.count() == before


def test_a_department_user_reads_their_own_organization_only(world, dept_user):
    client = client_for(dept_user)
    assert client.get(f"/api/v1/departments/{world.department.pk}/").status_code == 404
    assert MARKER not in client.get("/api/v1/indicators/").content.decode()
    own = client.get("/api/v1/departments/", {"organization": world.a.pk}).json()
    assert own["count"] > 1  # every department of the organization, not only the user's
    b_client = client_for(world.b_user)
    assert b_client.get(f"/api/v1/departments/{world.department.pk}/").status_code == 200
    assert b_client.get("/api/v1/departments/", {"organization": world.a.pk}).json()["count"] == 0
    page = logged_in(world.b_user).get(f"/scores/{YEAR}/")
    assert MARKER in page.content.decode() and "대외협력과<" not in page.content.decode()
