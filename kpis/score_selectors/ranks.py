"""The one ranking's reader: every scored department of a year, ranked by kpis.scoring.competition_ranks within
its organization (a government ranks its own departments; another government's never shift them)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from kpis.models import DepartmentScore
from kpis.scoring import competition_ranks


def department_ranks(year: int, organization_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Rank of every department with a stored score in ``year`` among its organization's, by department id; one
    query.

    Whatever page, filter or sort shows them: the scoreboard, the API (list and detail), the exports and
    finalised snapshots all read their ranks here, so a department has one rank everywhere.
    `organization_ids` only limits which organizations are read (None: all).
    """
    scores = DepartmentScore.objects.filter(year=year, score__isnull=False)
    if organization_ids is not None:
        scores = scores.filter(department__bureau__organization_id__in=list(organization_ids))
    by_organization: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for department_id, score, organization_id in scores.values_list(
        "department_id", "score", "department__bureau__organization_id"
    ):
        by_organization[organization_id][department_id] = score
    ranks: dict[int, int] = {}
    for scored in by_organization.values():
        ranks.update(competition_ranks(scored))
    return ranks
