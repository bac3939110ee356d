"""How the scoreboard reads one page of departments off an index, in any sort, from either end."""
from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, F, Q, Sum

from kpis.editions import GoverningEditions
from kpis.models import Department, DepartmentScore
from kpis.score_selectors.shared import NO_GRADE, _rollup
from kpis.scoring import BureauRollup


def _ordering(sort: str, *, reverse: bool = False) -> list:
    """ORDER BY of a sort, or its exact mirror image (every key flipped, nulls moved to the front).

    Equal values are in plan order (department id), as the scoreboard indexes keep them.
    """
    score_key = F("ys__score").asc(nulls_first=True) if reverse else F("ys__score").desc(nulls_last=True)
    id_key = "-id" if reverse else "id"
    if sort == "name":
        return ["-name" if reverse else "name", id_key]
    if sort == "completeness":
        completeness_key = (
            F("ys__completeness").asc(nulls_first=True) if reverse else F("ys__completeness").desc(nulls_last=True)
        )
        return [completeness_key, score_key, id_key]
    return [score_key, id_key]


def _index_order(sort: str, *, reverse: bool) -> list:
    """`_ordering` over the scores table itself: the key order of its PostgreSQL indexes."""
    keys = ["completeness", "score"] if sort == "completeness" else ["score"]
    if reverse:
        return [*(F(key).asc(nulls_first=True) for key in keys), "-department_id"]
    return [*(F(key).desc(nulls_last=True) for key in keys), "department_id"]


def _python_order(sort: str):
    """Python mirror of `_index_order`, to put a page read by id back in order (numbers only)."""
    if sort == "completeness":
        return lambda row: (
            row["score_id"] is None, row["completeness"] is None, -(row["completeness"] or 0),
            row["score"] is None, -(row["score"] or 0), row["id"],
        )
    return lambda row: (row["score_id"] is None, row["score"] is None, -(row["score"] or 0), row["id"])


def _page_ids(sort: str, scores_qs, *, start: int, count: int, stored: int, year: int, editions: GoverningEditions):
    """Department ids of one national page, read off an index rather than sorting every department.

    By name: the (name, id) index of departments. By score or completeness: stored scores first in
    the index order, then departments with no stored score yet, by id. Returned as a sliced
    subquery, so the page stays one query; deep pages are read from the other end of the index,
    so a read never walks past more than half of the rows. Only a page that reaches past the
    stored scores (departments never computed) needs a second, listed read.
    """
    if sort == "name":
        scores_qs, column = editions.filter(Department.objects.all()), "id"  # `stored` is then every department
        forward, backward = ["name", "id"], ["-name", "-id"]
    else:
        column = "department_id"
        forward, backward = _index_order(sort, reverse=False), _index_order(sort, reverse=True)
    if start + count <= stored:
        if start + count > stored // 2:
            tail = stored - start - count
            return scores_qs.order_by(*backward).values(column)[tail : tail + count]
        return scores_qs.order_by(*forward).values(column)[start : start + count]
    ids: list[int] = []
    if start < stored:
        ids = list(scores_qs.order_by(*forward).values_list(column, flat=True)[start:stored])
    skip = max(start - stored, 0)
    unscored = editions.filter(Department.objects.all()).exclude(id__in=DepartmentScore.objects.filter(year=year).values("department_id"))
    ids.extend(unscored.order_by("id").values_list("id", flat=True)[skip : skip + count - len(ids)])
    return ids


def _matching_scores(year: int, *, bureau_id: int | None, grade: str, organization_ids: Iterable[int] | None = None):
    """The year's stored scores of the matching departments (of `organization_ids`; None: all): one table, no join
    unless by bureau or organization."""
    qs = DepartmentScore.objects.filter(year=year)
    if organization_ids is not None:
        qs = qs.filter(department__bureau__organization_id__in=list(organization_ids))
    if bureau_id is not None:
        qs = qs.filter(department__bureau_id=bureau_id)
    if grade and grade != NO_GRADE:
        qs = qs.filter(grade=grade)
    return qs


def _summary(
    scores_qs, *, bureau_id: int | None, grade: str, editions: GoverningEditions
) -> tuple[int, BureauRollup, int]:
    """Number of matching departments and their roll-up; two cheap queries instead of a 25k-row join.

    Departments are counted on their own table; sums come from the scores table. With the
    "no score" filter there is nothing to sum, and the count is departments minus scored ones.
    The third value is the number of stored score rows that match.
    """
    departments = editions.filter(Department.objects.all())
    if bureau_id is not None:
        departments = departments.filter(bureau_id=bureau_id)
    department_count = departments.count()
    row = scores_qs.aggregate(
        rows=Count("id"),
        score_sum=Sum("score"),
        score_count=Count("score"),
        weighted_sum=Sum(F("score") * F("evaluated_weight"), filter=Q(score__isnull=False)),
        weight_sum=Sum("evaluated_weight", filter=Q(score__isnull=False)),
    )
    if grade == NO_GRADE:
        total = department_count - row["score_count"]
        return total, BureauRollup(None, None, total, 0), row["rows"]
    total = row["rows"] if grade else department_count
    rollup = _rollup(row["score_sum"], row["score_count"], row["weighted_sum"], row["weight_sum"], total)
    return total, rollup, row["rows"]
