"""A lost database: every channel answers 503 with Retry-After and a Korean message, and saves nothing."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from unittest import mock

import pytest
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.test import Client

from core.outage import OUTAGE_MESSAGE, RETRY_AFTER_SECONDS
from kpis.models import Actual, AuditEntry
from tests.conftest import client_for

YEAR = 2024
API = "/api/v1/actuals"


@contextlib.contextmanager
def database_down(*, sparing: tuple[str, ...] = ()) -> Iterator[None]:
    """Every statement fails as the driver fails on a dropped server connection, except those naming a table
    in `sparing` (to get past the session and user reads of the middleware to the view)."""
    execute = CursorWrapper.execute

    def failing(self, sql, params=None):
        if any(table in sql for table in sparing):
            return execute(self, sql, params)
        with self.db.wrap_database_errors:  # what Django does with a driver's error: a django.db OperationalError
            raise self.db.Database.OperationalError("server closed the connection unexpectedly")

    with mock.patch.object(CursorWrapper, "execute", failing):
        yield


def assert_outage_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert OUTAGE_MESSAGE in response.content.decode()


def test_an_api_read_is_a_503_in_the_apis_error_shape(dept_user):
    with database_down():
        response = client_for(dept_user).get(API + "/", {"year": YEAR})

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json() == {"detail": OUTAGE_MESSAGE, "code": "database_unavailable"}


def test_an_api_save_during_an_outage_is_a_503_and_saves_nothing(dept_user, meetings):
    actual = Actual.objects.get(indicator=meetings, year=YEAR)
    audit_rows = AuditEntry.objects.count()

    with database_down(sparing=("kpis_indicator", "kpis_department", "accounts_")):
        response = client_for(dept_user).post(
            API + "/", {"indicator": meetings.pk, "year": YEAR, "inputs": {"개최횟수": "12"}, "version": actual.version},
            format="json",
        )

    assert response.status_code == 503 and response.json()["code"] == "database_unavailable"
    assert Actual.objects.get(pk=actual.pk).version == actual.version
    assert AuditEntry.objects.count() == audit_rows


def test_a_page_whose_view_loses_the_database_is_the_korean_503_page(client, dept_user):
    client.force_login(dept_user)

    with database_down(sparing=("django_session", "accounts_user")):
        response = client.get("/")

    assert_outage_page(response)


def test_a_page_whose_middleware_loses_the_database_is_the_korean_503_page(dept_user):
    client = Client(raise_request_exception=False)  # the error is raised reading the session, before any view
    client.force_login(dept_user)

    with database_down():
        response = client.get("/")

    assert_outage_page(response)


def test_an_unknown_api_path_during_an_outage_is_json(dept_user):
    client = Client(raise_request_exception=False)
    client.force_login(dept_user)

    with database_down():
        response = client.get("/api/v1/nothing-here/")

    assert response.status_code == 503 and response.json()["code"] == "database_unavailable"


def test_other_server_errors_are_not_called_an_outage(client, dept_user):
    client = Client(raise_request_exception=False)
    client.force_login(dept_user)

    with mock.patch("kpis.views.render", side_effect=RuntimeError("template bug")):
        response = client.get("/")

    assert response.status_code == 500 and "Retry-After" not in response


@pytest.mark.django_db(transaction=True)  # the connection itself is closed and reopened, outside a test transaction
def test_a_postgresql_server_that_is_not_there_is_a_503_then_service_resumes(django_user_model):
    if connection.vendor != "postgresql":
        pytest.skip("points the PostgreSQL connection at a port where no server listens")
    from accounts.services import user_create_or_update

    user, _ = user_create_or_update(username="outage_dept", role="admin", password="x" * 12, validate=False)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    api = client_for(user)
    settings_dict = connection.settings_dict
    saved_host, saved_port = settings_dict["HOST"], settings_dict["PORT"]
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", "1"  # nothing listens on port 1
    try:
        page = client.get("/")
        api_response = api.get(API + "/", {"year": YEAR})
    finally:
        connection.close()
        settings_dict["HOST"], settings_dict["PORT"] = saved_host, saved_port

    assert_outage_page(page)
    assert api_response.status_code == 503 and api_response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert api.get(API + "/", {"year": YEAR}).status_code == 200
