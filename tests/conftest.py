"""Shared fixtures: the real sample plan and the personas who use it."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

SAMPLE_PLAN = Path(__file__).resolve().parent.parent / "samples" / "plan-external-affairs-bureau.txt"
SAMPLE_ORGANIZATION = "전북특별자치도"  # the sample's government; `make run` imports it there too
PASSWORD = "correct-horse-battery-42"
IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str) -> None:
    """A test that needs an absent service skips locally and fails in CI."""
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


SNAPSHOT_APPS = ("kpis", "budgets", "imports")


@pytest.fixture(scope="session")
def sample_plan_rows(django_db_setup, django_db_blocker) -> list[tuple[type, list[dict]]]:
    """Every row the real importer writes for the sample document, by model: imported once per session, in a
    transaction that is rolled back."""
    from django.apps import apps
    from django.db import transaction

    from imports.services import plan_import
    from kpis.models import Organization

    with django_db_blocker.unblock(), transaction.atomic():
        organization, _ = Organization.objects.get_or_create(name=SAMPLE_ORGANIZATION)
        plan_import(path=SAMPLE_PLAN, organization=organization)
        rows = [
            (model, list(model.objects.order_by("pk").values()))
            for app in SNAPSHOT_APPS for model in apps.get_app_config(app).get_models()
        ]
        transaction.set_rollback(True)
    return [(model, model_rows) for model, model_rows in rows if model_rows]


@pytest.fixture
def sample_plan(db, sample_plan_rows):
    """The sample document as the real importer writes it into 전북특별자치도's 2025 edition; returns the bureau.

    A test in a transaction gets the rows of the session's one import, restored with bulk_create. A
    transactional test (its writes commit, and their on-commit work such as scoring runs) imports the
    document itself. The importer's own tests call `plan_import` directly.
    """
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from imports.services import plan_import
    from kpis.models import Bureau, Organization

    if not connection.in_atomic_block:
        organization, _ = Organization.objects.get_or_create(name=SAMPLE_ORGANIZATION)
        return plan_import(path=SAMPLE_PLAN, organization=organization).bureau
    with transaction.atomic():
        for model, rows in sample_plan_rows:
            model.objects.bulk_create([model(**row) for row in rows])
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [model for model, _ in sample_plan_rows]):
                cursor.execute(sql)
    return Bureau.objects.get()


def _make_user(username: str, role: str, department: str | None = None):
    """A persona of the sample's organization."""
    from accounts.services import user_create_or_update

    user, _ = user_create_or_update(
        username=username, role=role, password=PASSWORD, department_name=department, validate=False,
        organization_name=SAMPLE_ORGANIZATION,
    )
    return user


@pytest.fixture
def dept_user(sample_plan):
    """A department user of 대외협력과."""
    return _make_user("dept_cooperation", "department", "대외협력과")


@pytest.fixture
def other_dept_user(sample_plan):
    """A department user of 소통기획과, who must never change 대외협력과's data."""
    return _make_user("dept_comms", "department", "소통기획과")


@pytest.fixture
def evaluator(sample_plan):
    return _make_user("evaluator", "evaluator")


@pytest.fixture
def admin_user(sample_plan):
    return _make_user("planner_admin", "admin")


@pytest.fixture
def volunteering(sample_plan):
    """대외협력과's 자원봉사 활동률, measured by 활동인원/인구*100."""
    from kpis.models import Indicator

    return Indicator.objects.get(department__name="대외협력과", short_name="자원봉사 활동률")


@pytest.fixture
def meetings(sample_plan):
    """대외협력과's 정무활동 및 당정협력 강화, a single counted quantity (개최횟수)."""
    from kpis.models import Indicator

    return Indicator.objects.get(department__name="대외협력과", short_name="정무활동 및 당정협력 강화")


@pytest.fixture
def survey(sample_plan):
    """소통기획과's 도정 핵심사업 인지도, a direct value (설문조사 결과)."""
    from kpis.models import Indicator

    return Indicator.objects.get(department__name="소통기획과", short_name="도정 핵심사업 인지도")


@pytest.fixture(autouse=True)
def fresh_throttle_counters():
    """Throttle counters and scoreboard fragments live in the cache, which outlives a test's rollback."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def client_for(user):
    """A DRF test client authenticated as the user."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client
