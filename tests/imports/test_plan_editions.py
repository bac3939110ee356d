"""Plan editions: several bureaus' documents in one (organization, plan year), and next year's plan beside this one.

The 2026 document is the sample with its budget headers moved a year on ('23결산 '24예산 '25예산 →
'24결산 '25예산 '26예산) and its target years with them (23…27 → 24…28); a second bureau's document is
the sample under another bureau's name.
"""
from __future__ import annotations

import re
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from imports.services import PlanImportRefused, Rename, plan_import
from kpis.models import (
    Actual,
    ActualStatus,
    Bureau,
    Department,
    DepartmentScore,
    Indicator,
    Organization,
    OrganizationKind,
    Target,
)
from kpis.score_selectors import bureau_rollups, scoreboard_page
from kpis.services.scores import score_inputs_load, scores_recompute, scores_recompute_range, year_chunks
from tests.conftest import SAMPLE_PLAN

pytestmark = pytest.mark.django_db

JEONBUK = "전북특별자치도"


def variant(tmp_path: Path, name: str, *, plan_year: int = 2025, replace: tuple[tuple[str, str], ...] = ()) -> Path:
    text = SAMPLE_PLAN.read_text(encoding="utf-8")
    if plan_year == 2026:
        text = text.replace("'23결산\t'24예산\t'25예산", "'24결산\t'25예산\t'26예산")
        text = re.sub(r"구분\t23\t24\t25\t26\t(\t*)27", r"구분\t24\t25\t26\t27\t\g<1>28", text)
    for old, new in replace:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_into(organization: str, path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import_plan", str(path), "--organization", organization, *args, stdout=out)
    return out.getvalue()


def rows_of(bureau: Bureau) -> list[tuple]:
    """Everything a bureau's import writes that another import must leave alone."""
    indicators = Indicator.objects.filter(department__bureau=bureau)
    return [
        *Department.objects.filter(bureau=bureau).order_by("pk").values_list("pk", "name", "current_headcount"),
        *indicators.order_by("pk").values_list("pk", "name", "weight", "previous_id"),
        *Target.objects.filter(indicator__in=indicators).order_by("pk").values_list("pk", "year", "value"),
        *Actual.objects.filter(indicator__in=indicators).order_by("pk").values_list("pk", "year", "value", "status"),
    ]


@pytest.fixture
def jeonbuk(db) -> Organization:
    return Organization.objects.create(name=JEONBUK, kind=OrganizationKind.PROVINCIAL)


# --- the command's organization and plan year ---------------------------------------------------------------


def test_an_unknown_organization_is_refused_naming_the_known_ones(jeonbuk):
    with pytest.raises(CommandError, match="기관 '전주시'를 찾을 수 없습니다. 등록된 기관: 전북특별자치도"):
        import_into("전주시", SAMPLE_PLAN)
    assert not Bureau.objects.exists()


def test_a_plan_year_other_than_the_document_s_is_refused_naming_both(jeonbuk):
    with pytest.raises(CommandError, match="문서의 계획 연도는 2025년.*2026년으로 가져오라고"):
        import_into(JEONBUK, SAMPLE_PLAN, "--plan-year", "2026")
    assert not Bureau.objects.exists()
    with pytest.raises(PlanImportRefused):
        plan_import(path=SAMPLE_PLAN, organization=jeonbuk, plan_year=2024)


def test_the_plan_year_comes_from_the_document_s_budget_headers(jeonbuk, tmp_path):
    import_into(JEONBUK, SAMPLE_PLAN, "--plan-year", "2025", "--quiet")
    import_into(JEONBUK, variant(tmp_path, "plan-2026.txt", plan_year=2026), "--quiet")
    assert sorted(Bureau.objects.values_list("plan_year", flat=True)) == [2025, 2026]


def test_a_city_is_created_under_its_province_when_asked(jeonbuk):
    import_into("전주시", SAMPLE_PLAN, "--create-organization", "--kind", "기초", "--parent", JEONBUK, "--quiet")
    jeonju = Organization.objects.get(name="전주시")
    assert (jeonju.get_kind_display(), jeonju.parent) == ("기초", jeonbuk)
    assert Bureau.objects.get().organization == jeonju


def test_a_dry_run_creates_no_organization_either(db):
    out = import_into(JEONBUK, SAMPLE_PLAN, "--create-organization", "--dry-run")
    assert "미리보기" in out
    assert not Organization.objects.exists() and not Bureau.objects.exists()


# --- several bureaus, several organizations -----------------------------------------------------------------


def test_two_bureaus_documents_import_into_one_edition_each_idempotent(jeonbuk, tmp_path):
    second = variant(tmp_path, "plan-culture.txt", replace=(("대외국제소통국", "문화체육관광국"),))
    plan_import(path=SAMPLE_PLAN, organization=jeonbuk)
    first_bureau = Bureau.objects.get(name="대외국제소통국")
    before = rows_of(first_bureau)
    result = plan_import(path=second, organization=jeonbuk)
    assert result.bureau.name == "문화체육관광국" and result.bureau.plan_year == 2025
    assert rows_of(first_bureau) == before  # the second bureau disturbs nothing of the first
    assert Department.objects.filter(name="대외협력과").count() == 2  # one per bureau
    again = [plan_import(path=path, organization=jeonbuk) for path in (SAMPLE_PLAN, second)]
    assert [(run.created, run.updated, run.deleted) for run in again] == [(0, 0, 0), (0, 0, 0)]
    assert rows_of(first_bureau) == before
    assert set(Bureau.objects.values_list("organization__name", "plan_year")) == {(JEONBUK, 2025)}


def test_the_same_bureau_name_in_two_organizations_stays_apart(jeonbuk):
    jeonju = Organization.objects.create(name="전주시", kind=OrganizationKind.LOCAL, parent=jeonbuk)
    plan_import(path=SAMPLE_PLAN, organization=jeonbuk)
    bureau = Bureau.objects.get()
    before = rows_of(bureau)
    plan_import(path=SAMPLE_PLAN, organization=jeonju)
    assert rows_of(bureau) == before
    assert sorted(Bureau.objects.values_list("organization__name", flat=True)) == ["전북특별자치도", "전주시"]


# --- next year's plan ---------------------------------------------------------------------------------------


def test_next_year_s_plan_is_a_new_edition_linked_to_this_year_s(jeonbuk, tmp_path):
    plan_import(path=SAMPLE_PLAN, organization=jeonbuk)
    old_bureau = Bureau.objects.get()
    volunteering = Indicator.objects.get(short_name="자원봉사 활동률")
    # A value a department user entered on this year's plan: it stays where it is.
    Actual.objects.filter(indicator=volunteering, year=2024).update(value=Decimal("6.5"), status=ActualStatus.APPROVED)
    before = rows_of(old_bureau)
    out = import_into(JEONBUK, variant(tmp_path, "plan-2026.txt", plan_year=2026))
    new_bureau = Bureau.objects.get(plan_year=2026)
    assert new_bureau.pk != old_bureau.pk and new_bureau.organization == jeonbuk
    assert rows_of(old_bureau) == before
    new_indicators = Indicator.objects.filter(department__bureau=new_bureau).select_related("previous__department")
    assert len(new_indicators) == 9
    for indicator in new_indicators:
        assert indicator.previous.department.bureau_id == old_bureau.pk
        assert (indicator.previous.department.name, indicator.previous.short_name) == (
            indicator.department.name, indicator.short_name,
        )
    assert volunteering.next_editions.get().department.bureau == new_bureau
    assert "■ 전년도 계획의 지표와 이음 9건" in out
    new_targets = Target.objects.filter(indicator__department__bureau=new_bureau)
    assert set(new_targets.values_list("year", flat=True)) == {2024, 2025, 2026, 2027, 2028}
    assert Actual.objects.get(indicator=volunteering, year=2024).value == Decimal("6.5")


def test_a_renamed_indicator_is_linked_through_the_mapping_file(jeonbuk, tmp_path):
    plan_import(path=SAMPLE_PLAN, organization=jeonbuk)
    renamed = variant(tmp_path, "plan-2026.txt", plan_year=2026, replace=(("자원봉사 활동률", "자원봉사 참여율"),))
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("이전 지표명,새 지표명,부서명\n자원봉사 활동률,자원봉사 참여율,대외협력과\n", encoding="utf-8")
    import_into(JEONBUK, renamed, "--mapping", str(mapping), "--quiet")
    new = Indicator.objects.get(short_name="자원봉사 참여율")
    assert new.previous == Indicator.objects.get(short_name="자원봉사 활동률")


def test_without_a_mapping_a_renamed_indicator_starts_a_new_series(jeonbuk):
    plan_import(path=SAMPLE_PLAN, organization=jeonbuk)
    text = SAMPLE_PLAN.read_text(encoding="utf-8").replace("'23결산\t'24예산\t'25예산", "'24결산\t'25예산\t'26예산")
    result = plan_import(text=text.replace("자원봉사 활동률", "자원봉사 참여율"), organization=jeonbuk,
                         renames=[Rename(department="", old_name="없는 지표", new_name="자원봉사 참여율")])
    assert Indicator.objects.get(short_name="자원봉사 참여율").previous is None
    assert len(result.links) == 8


# --- which edition a year's scoreboard shows -----------------------------------------------------------------


def test_each_year_s_scoreboard_shows_each_department_once_from_the_edition_governing_it(jeonbuk, tmp_path):
    plan_import(path=SAMPLE_PLAN, organization=jeonbuk)
    scores_recompute(2026)  # computed on the 2025 plan, before the 2026 plan exists
    plan_import(path=variant(tmp_path, "plan-2026.txt", plan_year=2026), organization=jeonbuk)
    editions = dict(Bureau.objects.values_list("plan_year", "pk"))
    for year in (2023, 2024, 2025, 2026, 2027):
        scores_recompute(year)
        page = scoreboard_page(year, sort="name")
        names = [row.name.replace(" ", "") for row in page.rows]
        assert sorted(names) == ["대외협력과", "소통기획과", "외국인국제정책과"], year
        expected = editions[2026] if year >= 2026 else editions[2025]
        assert {row.bureau_id for row in page.rows} == {expected}, year
        assert page.bureaus == [(expected, "대외국제소통국")]
        overall, lines = bureau_rollups(year)
        assert overall.rollup.department_count == 3 and [line.bureau_id for line in lines] == [expected]
        scored = set(DepartmentScore.objects.filter(year=year).values_list("department__bureau_id", flat=True))
        assert scored == {expected}, year  # the recompute scores the governing edition only


def test_a_year_s_chunks_share_the_governing_edition_s_departments_and_load_no_other_edition(jeonbuk, tmp_path):
    plan_import(path=SAMPLE_PLAN, organization=jeonbuk)
    plan_import(path=variant(tmp_path, "plan-2026.txt", plan_year=2026), organization=jeonbuk)
    governing = {2025: set(), 2026: set()}
    for pk, plan_year in Department.objects.values_list("pk", "bureau__plan_year"):
        governing[plan_year].add(pk)
    for year, plan_year in ((2025, 2025), (2026, 2026)):
        chunks = year_chunks(year, 2)
        # each chunk scores some of the year's three departments; last year's edition is nobody's share
        assert [scores_recompute_range(year, first, last, force=True) for first, last in chunks] == [1, 2], year
        for first, last in chunks:
            loaded = score_inputs_load(year, None, provisional=False, first_id=first, last_id=last)
            assert loaded and set(loaded) <= governing[plan_year], (year, first, last)


def test_an_import_naming_no_organization_goes_to_the_installation_s_own(db, settings):
    settings.KPI_DEFAULT_ORGANIZATION = "전북특별자치도"
    assert plan_import(path=SAMPLE_PLAN).bureau.organization.name == "전북특별자치도"
    assert plan_import(path=SAMPLE_PLAN).created == 0
    assert Organization.objects.count() == 1


def test_the_sample_s_2026_edition_links_kept_and_renamed_indicators_and_leaves_the_added_one_new(jeonbuk):
    samples = SAMPLE_PLAN.parent
    import_into(JEONBUK, SAMPLE_PLAN, "--quiet")
    out = import_into(
        JEONBUK, samples / "plan-external-affairs-bureau-2026.txt", "--plan-year", "2026",
        "--mapping", str(samples / "plan-external-affairs-bureau-2026-mapping.csv"),
    )
    new = {
        indicator.short_name: indicator
        for indicator in Indicator.objects.filter(department__bureau__plan_year=2026).select_related("previous")
    }
    assert new["자매우호결연지역 등 국제교류 횟수"].previous.short_name == "자매우호결연지역 등 교류횟수"
    assert new["고향사랑기부 모금액"].previous is None  # added this year
    linked = {name for name, indicator in new.items() if indicator.previous is not None}
    assert len(linked) == len(new) - 1 == 8
    assert "■ 전년도 계획의 지표와 이음 8건" in out
    retired = Indicator.objects.get(department__bureau__plan_year=2025, short_name="민간단체 및 출향도민 협력 강화")
    assert not retired.next_editions.exists()
