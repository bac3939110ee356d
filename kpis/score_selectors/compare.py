"""The comparison across organizations: one row per visible organization, in a fixed number of queries."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, Q

from kpis.editions import governing_editions
from kpis.models import Organization
from kpis.score_selectors.shared import GRADES, _rollup_aggregates, _rollup_of, scoreboard_departments

COMPARE_SORTS = {"name": "기관명", "score": "가중 평균 점수", "completeness": "완결성", "departments": "부서 수"}


@dataclass(frozen=True)
class OrganizationLine:
    id: int
    name: str
    kind: str
    department_count: int
    scored_count: int
    score: Decimal | None  # weighted by evaluated weight (the bureau roll-up's rule)
    completeness: Decimal | None  # mean over scored departments
    grades: tuple[tuple[str, int], ...]  # (grade, departments) in GRADES order
    ungraded: int


def organization_comparison(
    year: int, organization_ids: Iterable[int] | None, *, sort: str = "name"
) -> list[OrganizationLine]:
    """Every visible organization (`organization_ids`; None: all) with its year's roll-up; three queries.

    1 organizations · 2 the editions governing the year · 3 departments ⟕ score grouped by organization.
    """
    organizations = Organization.objects.order_by("name")
    if organization_ids is not None:
        organizations = organizations.filter(pk__in=list(organization_ids))
    organizations = list(organizations.values_list("id", "name", "kind"))
    kinds = dict(Organization._meta.get_field("kind").choices)
    ids = [pk for pk, _, _ in organizations]
    grouped = (
        scoreboard_departments(year, editions=governing_editions(year))
        .filter(bureau__organization_id__in=ids)
        .values("bureau__organization_id")
        .annotate(
            **_rollup_aggregates(),
            completeness_avg=Avg("ys__completeness"),
            **{f"grade_{grade}": Count("id", filter=Q(ys__grade=grade)) for grade in GRADES},
        )
        .order_by()
    )
    by_organization = {row["bureau__organization_id"]: row for row in grouped}
    lines = []
    for pk, name, kind in organizations:
        row = by_organization.get(pk)
        rollup = _rollup_of(row) if row else None
        grades = tuple((grade, row[f"grade_{grade}"] if row else 0) for grade in GRADES)
        completeness = row["completeness_avg"] if row else None
        lines.append(OrganizationLine(
            id=pk, name=name, kind=kinds.get(kind, kind),
            department_count=rollup.department_count if rollup else 0,
            scored_count=rollup.evaluable_count if rollup else 0,
            score=rollup.by_weight if rollup else None,
            completeness=None if completeness is None else Decimal(completeness).quantize(Decimal("0.1")),
            grades=grades,
            ungraded=(rollup.department_count if rollup else 0) - sum(n for _, n in grades),
        ))
    return _sorted(lines, sort)


def _sorted(lines: list[OrganizationLine], sort: str) -> list[OrganizationLine]:
    if sort == "score":
        return sorted(lines, key=lambda line: (line.score is None, -(line.score or 0), line.name))
    if sort == "completeness":
        return sorted(lines, key=lambda line: (line.completeness is None, -(line.completeness or 0), line.name))
    if sort == "departments":
        return sorted(lines, key=lambda line: (-line.department_count, line.name))
    return lines
