"""Checks across a previewed plan workbook's rows, after each row is read: the weights of a department, the
stored values a narrowed domain leaves out, and targets of a year their organization finalised."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.errors import InvalidState
from imports import workbook_layout as L
from imports.plan_workbook.layout import CHANGED, stored_domain
from kpis.domain_selectors import outside_warning, values_outside_domains
from kpis.models import Department, Indicator
from kpis.services.plan import target_year_check


def domain_warnings(rows: list[dict[str, Any]]) -> list[str]:
    """Stored values that a domain narrowed by the file leaves outside: kept as they are, named in a warning."""
    changed = {row["indicator_id"]: row for row in rows if row["status"] == CHANGED and row["domains"]}
    if not changed:
        return []
    indicators = Indicator.objects.in_bulk(list(changed))
    domains = {}
    for pk, row in changed.items():
        value_domain, input_domain = indicators[pk].value_domain, indicators[pk].input_domain
        if "value" in row["domains"]:
            value_domain = stored_domain(row["domains"]["value"])
        if "input" in row["domains"]:
            input_domain = stored_domain(row["domains"]["input"])
        domains[pk] = (value_domain, input_domain)
    warnings = []
    for pk, outside in values_outside_domains(domains).items():
        row = changed[pk]
        warning = f"{row['row']}행 {row['name']}: {outside_warning(outside)}"
        row["messages"].append(outside_warning(outside))
        warnings.append(warning)
    return warnings


def organizations_of(rows: list[dict[str, Any]]) -> dict[int, int]:
    """The organization of each row's indicator, by indicator id; one query."""
    ids = {row["indicator_id"] for row in rows if row["indicator_id"] is not None}
    if not ids:
        return {}
    return dict(Indicator.objects.filter(pk__in=ids).values_list("pk", "department__bureau__organization_id"))


def finalised_years_refused(rows: list[dict[str, Any]], organizations: dict[int, int]) -> list[str]:
    """Why the changed targets of a year their organization finalised cannot be applied (the rule `target_set`
    applies)."""
    changed = [
        (row["indicator_id"], change["year"]) for row in rows if row["status"] == CHANGED for change in row["changes"]
        if change["field"] == "target"
    ]
    refused = []
    for organization_id, year in sorted({(organizations[indicator_id], year) for indicator_id, year in changed}):
        try:
            target_year_check(year, organization_id=organization_id)
        except InvalidState as exc:
            if exc.message not in refused:
                refused.append(exc.message)
    return refused


def weight_warnings(rows: list[dict[str, Any]]) -> list[str]:
    """Weights of a department should add up to 100 once the file is applied."""
    changed = {row["indicator_id"]: Decimal(row["weight"]) for row in rows if row.get("weight") is not None}
    if not changed:
        return []
    departments = set(Indicator.objects.filter(pk__in=changed).values_list("department_id", flat=True))
    warnings = []
    for department in Department.objects.filter(pk__in=departments).prefetch_related("indicators").order_by("name"):
        total = sum((changed.get(i.pk, i.weight) for i in department.indicators.all()), Decimal(0))
        if total != 100:
            warnings.append(f"{department.name}의 가중치 합계가 {L.number_text(total)}입니다 (100이어야 합니다).")
    return warnings

