"""The one ranking's reader: every scored department of a year, ranked by kpis.scoring.competition_ranks."""
from __future__ import annotations

from kpis.models import DepartmentScore
from kpis.scoring import competition_ranks


def department_ranks(year: int, organization_id: int | None = None) -> dict[int, int]:
    """Rank of every department with a stored score in ``year``, by department id; one query.

    Over all departments of the year, whatever page, filter or sort shows them: the scoreboard,
    the API (list and detail), the exports and finalised snapshots all read their ranks here.
    With `organization_id`, over that organization's departments only (its own scoreboard's ranks).
    """
    scores = DepartmentScore.objects.filter(year=year, score__isnull=False)
    if organization_id is not None:
        scores = scores.filter(department__bureau__organization_id=organization_id)
    scores = scores.values_list("department_id", "score")
    return competition_ranks(dict(scores))
