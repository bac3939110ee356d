"""Migration 0012 moves an existing installation (one government, one plan) into one organization, nothing lost.

The database is taken back to kpis 0011 (and accounts 0002, which depends on nothing newer), populated
through the historical models the way the code of that time wrote it (a bureau, its departments, an
indicator with targets and actuals, a score, a department user), then migrated forward to the newest state.
"""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("kpis", "0011_indicator_display_places"), ("accounts", "0002_initial")]

# Transactional: schema changes cannot run inside the test's transaction, and the `finally` below
# migrates forward again so that later tests find the newest schema.
pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def _newest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _populate(apps) -> dict[str, int]:
    """One bureau's plan as the single-organization code wrote it."""
    Bureau = apps.get_model("kpis", "Bureau")
    Department = apps.get_model("kpis", "Department")
    Indicator = apps.get_model("kpis", "Indicator")
    Target = apps.get_model("kpis", "Target")
    Actual = apps.get_model("kpis", "Actual")
    ScoringPolicy = apps.get_model("kpis", "ScoringPolicy")
    DepartmentScore = apps.get_model("kpis", "DepartmentScore")
    User = apps.get_model("accounts", "User")
    now = datetime(2025, 3, 1, tzinfo=UTC)
    bureau = Bureau.objects.create(name="대외국제소통국", plan_year=2025, source_document="plan.txt")
    cooperation = Department.objects.create(bureau=bureau, name="대외협력과", order=1)
    Department.objects.create(bureau=bureau, name="소통기획과", order=2)
    meetings = Indicator.objects.create(
        department=cooperation, name="(대외협력과)정무활동 및 당정협력 강화(회)", short_name="정무활동 및 당정협력 강화",
        unit="회", kind="general", weight=Decimal(30), direction="up", method_text="개최횟수",
    )
    for year in range(2023, 2028):
        Target.objects.create(indicator=meetings, year=year, value=Decimal(11))
    Actual.objects.create(indicator=meetings, year=2023, value=Decimal(12), status="approved", source="plan")
    Actual.objects.create(indicator=meetings, year=2024, value=Decimal(10), status="submitted", source="web")
    policy = ScoringPolicy.objects.create(year=2023, version=1)
    DepartmentScore.objects.create(
        department=cooperation, year=2023, score=Decimal("109.09"), grade="S", policy=policy, fingerprint="f",
        computed_at=now, total_weight=Decimal(30), evaluated_weight=Decimal(30), indicator_count=1,
    )
    User.objects.create(username="dept_cooperation", role="department", department=cooperation)
    User.objects.create(username="evaluator", role="evaluator")
    return {"bureau": bureau.pk, "department": cooperation.pk, "indicator": meetings.pk}


def test_migrating_an_existing_installation_puts_everything_in_one_organization_with_nothing_lost(settings):
    settings.KPI_DEFAULT_ORGANIZATION = "전북특별자치도"
    try:
        ids = _populate(_migrate(BEFORE))
        _migrate(_newest())
        from accounts.models import User
        from kpis.models import Actual, Bureau, Department, DepartmentScore, Indicator, Organization, Target

        organization = Organization.objects.get()
        assert (organization.name, organization.get_kind_display()) == ("전북특별자치도", "광역")
        bureau = Bureau.objects.get()
        assert (bureau.pk, bureau.organization, bureau.plan_year) == (ids["bureau"], organization, 2025)
        assert list(Department.objects.order_by("order").values_list("name", flat=True)) == ["대외협력과", "소통기획과"]
        indicator = Indicator.objects.get()
        assert (indicator.pk, indicator.previous) == (ids["indicator"], None)
        assert list(Target.objects.values_list("year", "value")) == [(year, Decimal(11)) for year in range(2023, 2028)]
        assert sorted(Actual.objects.values_list("year", "value", "status")) == [
            (2023, Decimal(12), "approved"), (2024, Decimal(10), "submitted"),
        ]
        assert DepartmentScore.objects.get().score == Decimal("109.09")
        users = {user.username: user for user in User.objects.all()}
        assert users["dept_cooperation"].department_id == ids["department"]
        assert users["dept_cooperation"].organization == organization
        assert users["evaluator"].organization == organization  # the one organization it evaluated
    finally:
        _migrate(_newest())


def test_an_empty_installation_gets_no_organization():
    try:
        _migrate(BEFORE)
        _migrate(_newest())
        from kpis.models import Organization

        assert not Organization.objects.exists()
    finally:
        _migrate(_newest())


def test_the_migration_goes_back_to_unique_bureau_names():
    try:
        apps = _migrate(BEFORE)
        _populate(apps)
        _migrate(_newest())
        apps = _migrate(BEFORE)
        assert apps.get_model("kpis", "Bureau").objects.get().name == "대외국제소통국"
    finally:
        _migrate(_newest())


BEFORE_WINDOWS = [("kpis", "0013_target_revisions"), ("imports", "0006_importrow_run_constrained")]


def test_the_shared_entry_window_becomes_each_organizations_and_import_runs_get_theirs():
    """Entry windows per organization (kpis 0014): the one shared row is copied to every organization; an import
    run gets its department's organization (imports 0007)."""
    try:
        apps = _migrate(BEFORE_WINDOWS)
        Organization = apps.get_model("kpis", "Organization")
        first = Organization.objects.create(name="전북특별자치도", kind="provincial")
        second = Organization.objects.create(name="전라남도", kind="provincial")
        closing = datetime(2025, 3, 1, tzinfo=UTC)
        apps.get_model("kpis", "EntryYear").objects.create(
            year=2024, closing_date=closing.date(), is_closed=True, closed_reason="평가 종료", finalised_at=closing
        )
        bureau = apps.get_model("kpis", "Bureau").objects.create(
            organization=second, name="대외국제소통국", plan_year=2025, source_document="plan.txt"
        )
        department = apps.get_model("kpis", "Department").objects.create(bureau=bureau, name="대외협력과", order=1)
        run = apps.get_model("imports", "ImportRun").objects.create(
            kind="actuals_workbook", file_name="실적.xlsx", department=department
        )
        _migrate(_newest())
        from imports.models import ImportRun
        from kpis.models import EntryYear

        windows = EntryYear.objects.order_by("organization_id").values_list(
            "organization_id", "year", "closing_date", "is_closed", "closed_reason", "finalised_at"
        )
        assert list(windows) == [
            (first.pk, 2024, closing.date(), True, "평가 종료", closing),
            (second.pk, 2024, closing.date(), True, "평가 종료", closing),
        ]
        assert ImportRun.objects.get(pk=run.pk).organization_id == second.pk
    finally:
        _migrate(_newest())
