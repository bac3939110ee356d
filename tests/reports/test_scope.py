"""Report entries of another organization (B) stay out of A's lists: the API list and the review list."""
from __future__ import annotations

import pytest
from django.test import Client

from reports.models import ReportEntry, ReportEntryStatus
from reports.services import report_entry_save, report_entry_submit
from tests.conftest import client_for
from tests.scope_world import MARKER, YEAR, build_world


@pytest.fixture
def entries(sample_plan, dept_user, meetings):
    world = build_world(sample_plan)
    ReportEntry.objects.create(
        indicator=world.indicator, year=YEAR, analysis=MARKER, status=ReportEntryStatus.SUBMITTED,
        updated_by=world.b_user, submitted_by=world.b_user,
    )
    own = report_entry_save(user=dept_user, indicator_id=meetings.pk, year=YEAR, analysis="A의 분석")
    return world, report_entry_submit(user=dept_user, entry_id=own.pk)


def test_the_api_lists_only_the_organizations_own_entries(entries, evaluator):
    _world, own = entries
    body = client_for(evaluator).get("/api/v1/report-entries/", {"status": "submitted"}).json()
    assert [row["id"] for row in body["results"]] == [own.pk]
    assert MARKER not in str(body)


def test_the_review_list_shows_only_the_organizations_own_entries(entries, evaluator):
    client = Client()
    client.force_login(evaluator)
    text = client.get("/reports/review/").content.decode()
    assert "A의 분석" in text and MARKER not in text
