"""One ranking: the same competition ranks on the scoreboard, the API, the exports and finalised results."""
from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from kpis.models import Department, DepartmentScore, ScoreSnapshot
from kpis.score_selectors import department_ranks, scoreboard_page
from kpis.services.finalise import year_finalise
from kpis.services.scores import scores_recompute
from tests.conftest import client_for
from tests.kpis.test_scoreboard import add_departments

pytestmark = pytest.mark.django_db


@pytest.fixture
def tie(sample_plan) -> dict[str, int | None]:
    """Two added departments at 120.00, then 대외협력과 and 소통기획과 tied at 102.73, 외국인국제정책과 unscored."""
    scores_recompute(2023)
    first, second = add_departments(sample_plan, 2)
    scores_recompute(2023)  # the added departments' 12/10 and 12/10 → 120.00 (capped)
    # A tie as a recompute could store it; its fingerprint stays valid, so finalising keeps it.
    DepartmentScore.objects.filter(department__name="소통기획과", year=2023).update(score=Decimal("102.73"))
    return {first.name: 1, second.name: 1, "대외협력과": 3, "소통기획과": 3, "외국인국제정책과": None}


def by_name(ranks: dict[int, int | None]) -> dict[str, int | None]:
    names = dict(Department.objects.values_list("pk", "name"))
    return {names[pk]: rank for pk, rank in ranks.items()}


def test_the_ranks_of_a_tie_are_the_same_on_the_page_the_api_the_export_and_the_snapshot(
    client, tie, evaluator, admin_user
):
    expected = tie
    ids = dict(Department.objects.values_list("name", "pk"))
    assert by_name(department_ranks(2023)) == {name: rank for name, rank in expected.items() if rank is not None}

    # The page, in every sort, filter and page size: ranks of the whole year, not of what is shown.
    for options in ({}, {"sort": "name"}, {"sort": "completeness", "page_size": 2}, {"grade": "S"}):
        size = options.get("page_size", 50)
        rows = [
            row for number in range(1, 4)
            for row in scoreboard_page(2023, **{**options, "page_size": size, "page": number}).rows
        ]
        shown = {row.name: row.rank for row in rows}
        assert shown == {name: rank for name, rank in expected.items() if name in shown}, options
    assert len({row.name for row in scoreboard_page(2023, sort="name", page_size=2, page=3).rows}) == 1

    # The API list and every detail.
    body = client_for(evaluator).get("/api/v1/scores/", {"year": 2023}).json()
    assert {row["department_name"]: row["rank"] for row in body["results"]} == expected
    for name, rank in expected.items():
        detail = client_for(evaluator).get(f"/api/v1/scores/{ids[name]}/", {"year": 2023}).json()
        assert detail["rank"] == rank, name

    # The export, whole and filtered.
    client.force_login(evaluator)
    for query in ({}, {"grade": "S"}, {"sort": "name"}):
        sheet = load_workbook(BytesIO(client.get("/scores/2023/export.xlsx", query).content))["점수표"]
        exported = {row[2]: row[0] for row in sheet.iter_rows(min_row=5, values_only=True) if row[2]}
        assert exported == {name: rank for name, rank in expected.items() if name in exported}, query
        assert len(exported) == (4 if "grade" in query else 5)  # grade S leaves out the unscored one

    # Finalised: the snapshot keeps the same ranks, and the page shows them beside the live ones.
    year_finalise(user=admin_user, organization_id=admin_user.organization_id, year=2023)
    assert {s.department.name: s.rank for s in ScoreSnapshot.objects.select_related("department")} == expected
    assert {row.name: row.frozen.rank for row in scoreboard_page(2023).rows} == expected
