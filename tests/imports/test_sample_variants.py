"""The documents made from the sample: a second bureau's plan and the sample's 2026 edition."""

from __future__ import annotations

import importlib.util
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps

from imports.plan_diff import read_mapping
from imports.plan_document import PlanDocument, parse_plan_document
from imports.reconcile import reconcile
from imports.services import plan_import
from kpis.models import Bureau
from tests.conftest import SAMPLE_PLAN

SAMPLES = SAMPLE_PLAN.parent
SECOND = SAMPLES / "plan-culture-sports-tourism-bureau.txt"
NEXT_YEAR = SAMPLES / "plan-external-affairs-bureau-2026.txt"
MAPPING = SAMPLES / "plan-external-affairs-bureau-2026-mapping.csv"
D = Decimal


def _parse(path: Path) -> PlanDocument:
    return parse_plan_document(path.read_text(encoding="utf-8"), source_name=path.name)


def _names(doc: PlanDocument) -> dict[str, set[str]]:
    return {
        "bureau": {doc.bureau_name},
        "departments": {row.name for row in doc.headcount.rows},
        "teams": {team for row in doc.headcount.rows for team in row.teams},
        "goals": {block.title for block in doc.strategic_goals} | {row.title for row in doc.policy_goals},
        "indicators": {row.short_name for block in doc.strategic_goals for row in block.indicators},
    }


def test_the_committed_documents_are_what_the_script_makes(monkeypatch):
    spec = importlib.util.spec_from_file_location("make_variants", SAMPLES / "make_variants.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    made = module.make_all()
    assert set(made) == {SECOND, NEXT_YEAR, MAPPING}
    for path, content in made.items():
        assert path.read_text(encoding="utf-8") == content, f"{path.name}: run python samples/make_variants.py"


def test_the_second_bureau_document_passes_its_own_cross_checks():
    doc = _parse(SECOND)
    assert doc.bureau_name == "문화체육관광국"
    assert doc.plan_year == 2025
    assert reconcile(doc) == []


def test_the_second_bureau_shares_no_name_with_the_sample():
    second, sample = _names(_parse(SECOND)), _names(_parse(SAMPLE_PLAN))
    for what, names in second.items():
        assert names, what
        assert not names & sample[what], what


def test_the_second_bureau_has_other_figures_with_weights_still_summing_to_100():
    second, sample = _parse(SECOND), _parse(SAMPLE_PLAN)
    for block, original in zip(second.strategic_goals, sample.strategic_goals, strict=True):
        assert sum(row.weight for row in block.indicators) == 100
        assert [row.weight for row in block.indicators] != [row.weight for row in original.indicators]
        assert [row.targets for row in block.indicators] != [row.targets for row in original.indicators]
    assert second.budget.get("total").amount != sample.budget.get("total").amount


@pytest.mark.django_db
def test_the_second_bureau_imports_next_to_the_sample_without_disturbing_it(sample_plan):
    def sample_rows() -> dict[str, list[dict]]:
        return {
            model.__name__: list(model.objects.filter(**{lookup: sample_plan.id}).order_by("pk").values())
            for model, lookup in (
                (apps.get_model("kpis", "Department"), "bureau_id"),
                (apps.get_model("kpis", "Indicator"), "department__bureau_id"),
                (apps.get_model("kpis", "Target"), "indicator__department__bureau_id"),
                (apps.get_model("kpis", "Actual"), "indicator__department__bureau_id"),
                (apps.get_model("budgets", "UnitProgram"), "department__bureau_id"),
            )
        }

    before = sample_rows()
    first = plan_import(path=SECOND)
    again = plan_import(path=SECOND)

    assert first.discrepancies == []
    assert first.created > 0
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)
    assert sorted(Bureau.objects.values_list("name", flat=True)) == ["대외국제소통국", "문화체육관광국"]
    assert first.bureau is not None
    assert first.bureau.departments.count() == 3
    assert sample_rows() == before


def test_the_2026_edition_reads_as_the_next_year_of_the_sample():
    doc = _parse(NEXT_YEAR)
    assert doc.bureau_name == "대외국제소통국"
    assert doc.plan_year == 2026
    assert {unit.amounts[-1].label for block in doc.strategic_goals for unit in block.unit_programs} == {"'26예산"}
    for block in doc.strategic_goals:
        assert block.indicator_years == (2024, 2025, 2026, 2027, 2028)
        assert sum(row.weight for row in block.indicators) == 100
        for row in block.indicators:
            placeholder_2025 = next(cell for cell in row.actuals if cell.year == 2025)
            assert placeholder_2025.is_placeholder  # written during 2025: not reported yet
    blog = next(row for block in doc.strategic_goals for row in block.indicators if "블로그" in row.name)
    assert [(cell.year, cell.value) for cell in blog.actuals if cell.value is not None] == [(2024, D(1965000))]


def test_the_mapping_names_the_renamed_indicator():
    (rename,) = read_mapping(MAPPING.read_text(encoding="utf-8"))
    assert rename.department == "외국인국제정책과"
    assert rename.old_name == "(외국인국제정책과)자매우호결연지역 등 교류횟수(회)"
    assert rename.new_name == "(외국인국제정책과)자매우호결연지역 등 국제교류 횟수(회)"
