"""Two governments holding the same sample plan, for the scope isolation tests.

Organization A (전북특별자치도) is the `sample_plan` fixture's; organization B (전라남도) gets the same document
imported through the real importer, so both hold a bureau of the same name. B's departments and indicators then
carry a marker (MARKER) in their names, so a body that shows any of B's plan data can be caught by text.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.urls import URLPattern, URLResolver, get_resolver
from openpyxl import load_workbook

from accounts.models import Role, User
from budgets.models import BudgetProgram, UnitProgram
from imports.models import ImportKind, ImportRun
from imports.services import plan_import
from kpis.models import (
    Actual,
    ActualStatus,
    Bureau,
    Department,
    Evidence,
    Indicator,
    Organization,
    OrganizationKind,
    PolicyGoal,
    StrategicGoal,
)
from tests.conftest import PASSWORD, SAMPLE_PLAN

SECOND = "전라남도"
MARKER = "을도"
YEAR = 2025


@dataclass
class World:
    a: Organization
    b: Organization
    bureau: Bureau  # B's bureau, named like A's
    department: Department
    indicator: Indicator
    strategic_goal: StrategicGoal
    policy_goal: PolicyGoal
    unit_program: UnitProgram
    budget_program: BudgetProgram
    actual: Actual  # submitted, awaiting review
    evidence: Evidence
    run: ImportRun
    b_user: User  # a department user of B

    @property
    def ids(self) -> dict[str, int]:
        return {
            "bureau": self.bureau.pk, "department": self.department.pk, "indicator": self.indicator.pk,
            "strategic_goal": self.strategic_goal.pk, "policy_goal": self.policy_goal.pk,
            "unit_program": self.unit_program.pk, "budget_program": self.budget_program.pk,
            "actual": self.actual.pk, "evidence": self.evidence.pk, "run": self.run.pk,
        }


def build_world(sample_plan: Bureau) -> World:
    a = sample_plan.organization
    b = Organization.objects.create(name=SECOND, kind=OrganizationKind.PROVINCIAL)
    bureau = plan_import(path=SAMPLE_PLAN, organization=b).bureau
    assert bureau.name == sample_plan.name and bureau.organization_id != sample_plan.organization_id
    Department.objects.filter(bureau=bureau).update(name=Concat(F("name"), Value(f" {MARKER}")))
    Indicator.objects.filter(department__bureau=bureau).update(short_name=Concat(Value(f"{MARKER} "), F("short_name")))
    department = Department.objects.filter(bureau=bureau, indicators__isnull=False).order_by("order", "id").first()
    indicator = department.indicators.order_by("order", "id").first()
    b_user = User.objects.create_user(
        username="dept_b", password=PASSWORD, role=Role.DEPARTMENT, department=department, organization=b
    )
    actual, _ = Actual.objects.update_or_create(
        indicator=indicator, year=YEAR,
        defaults={"value": indicator.targets.filter(year=YEAR).values_list("value", flat=True).first() or 1,
                  "status": ActualStatus.SUBMITTED, "updated_by": b_user, "submitted_by": b_user},
    )
    evidence = Evidence.objects.create(
        actual=actual, file=ContentFile(b"%PDF-1.4 B", name="b.pdf"), original_name=f"{MARKER}.pdf",
        content_type="application/pdf", size=10, uploaded_by=b_user,
    )
    run = ImportRun.objects.create(
        kind=ImportKind.ACTUALS_WORKBOOK, user=b_user, department=department, organization=b, year=YEAR,
        file_name=f"{MARKER}.xlsx",
    )
    unit_program = UnitProgram.objects.filter(department__bureau=bureau).first()
    return World(
        a=a, b=b, bureau=bureau, department=department, indicator=indicator,
        strategic_goal=StrategicGoal.objects.filter(bureau=bureau).first(),
        policy_goal=PolicyGoal.objects.filter(department__bureau=bureau).first(),
        unit_program=unit_program,
        budget_program=BudgetProgram.objects.filter(unit_program__department__bureau=bureau).first(),
        actual=actual, evidence=evidence, run=run, b_user=b_user,
    )


def url_names(prefix: str = "", *, api: bool) -> set[str]:
    """Every named URL pattern of the site: the API's (under api/v1/) or the pages' (the rest but the admin)."""
    names: set[str] = set()

    def walk(patterns, route: str, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route + str(pattern.pattern), pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                full = route + str(pattern.pattern)
                if full.startswith("admin/") or full.startswith("api/v1/") != api:
                    continue
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "", None)
    return names


def workbook_text(content: bytes) -> str:
    """Every cell of every sheet, as one text (to look for another organization's names)."""
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    parts = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            parts.extend(str(value) for value in row if value is not None)
    return "\n".join(parts)
