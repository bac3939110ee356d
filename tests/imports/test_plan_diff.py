"""The plan diff between the sample (2025) and its 2026 edition, from documents and from the database."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from imports.plan_diff import (
    EditionSnapshot,
    MappingError,
    PlanDiff,
    diff_sections,
    plan_diff,
    read_mapping,
    render_lines,
    snapshot_from_database,
    snapshot_from_document,
)
from imports.plan_document import parse_plan_document
from kpis.models import Actual, ActualStatus
from tests.conftest import SAMPLE_PLAN
from tests.imports.test_sample_variants import MAPPING, NEXT_YEAR

D = Decimal
MEETINGS = "(대외협력과)정무활동 및 당정협력 강화(회)"
BLOG = "(소통기획과)도 대표 블로그 방문횟수(회)"
ADDED = "(대외협력과)고향사랑기부 모금액(백만원)"
RETIRED = "(대외협력과)민간단체 및 출향도민 협력 강화(회)"
OLD_NAME = "(외국인국제정책과)자매우호결연지역 등 교류횟수(회)"
NEW_NAME = "(외국인국제정책과)자매우호결연지역 등 국제교류 횟수(회)"


def _snapshot(path) -> EditionSnapshot:
    return snapshot_from_document(parse_plan_document(path.read_text(encoding="utf-8"), source_name=path.name))


@pytest.fixture(scope="module")
def old() -> EditionSnapshot:
    return _snapshot(SAMPLE_PLAN)


@pytest.fixture(scope="module")
def new() -> EditionSnapshot:
    return _snapshot(NEXT_YEAR)


@pytest.fixture(scope="module")
def mapping():
    return read_mapping(MAPPING.read_text(encoding="utf-8"))


def _names(rows) -> list[str]:
    return [row.name for row in rows]


def _target_moves(diff: PlanDiff) -> dict[str, set[bool]]:
    return {item.new.name: {change.raised for change in item.targets} for item in diff.changed if item.targets}


def test_with_the_mapping_it_finds_one_raised_one_weak_one_added_one_retired_one_renamed(old, new, mapping):
    diff = plan_diff(old, new, mapping)

    assert _names(diff.added) == [ADDED]
    assert _names(diff.retired) == [RETIRED]
    assert [(item.old.name, item.new.name) for item in diff.renamed] == [(OLD_NAME, NEW_NAME)]
    assert diff.suggestions == ()
    assert _target_moves(diff) == {MEETINGS: {True}, BLOG: {False}}
    meetings = next(item for item in diff.changed if item.new.name == MEETINGS)
    assert [(c.year, c.old, c.new) for c in meetings.targets] == [(2026, D(11), D(12)), (2027, D(11), D(12))]
    assert {flag.indicator.name for flag in diff.weak} == {BLOG}
    assert next((f.year, f.target, f.actual_year, f.actual) for f in diff.weak) == (2026, D(1950000), 2024, D(1965000))
    assert not any(item.weight or item.formula or item.unit or item.direction for item in diff.changed)
    assert diff.unmatched_mapping == ()


def test_without_the_mapping_the_rename_is_an_added_and_a_retired_indicator_with_a_suggestion(old, new):
    diff = plan_diff(old, new)

    assert _names(diff.added) == [ADDED, NEW_NAME]
    assert _names(diff.retired) == [RETIRED, OLD_NAME]
    assert diff.renamed == ()
    ((suggestion),) = diff.suggestions
    assert (suggestion.retired.name, suggestion.added.name) == (OLD_NAME, NEW_NAME)


def test_a_mapping_row_that_names_no_indicator_is_reported_not_applied(old, new):
    (rename,) = read_mapping("이전 지표명,새 지표명,부서명\n없는 지표,다른 지표,대외협력과\n")

    diff = plan_diff(old, new, [rename])

    assert diff.unmatched_mapping == (rename,)
    assert "[대응표에서 찾지 못한 행 1건]" in render_lines(diff)


def test_a_mapping_may_name_indicators_by_their_short_names(old, new):
    (rename,) = read_mapping(
        "이전 지표명,새 지표명,부서명\n자매우호결연지역 등 교류횟수,자매우호결연지역 등 국제교류 횟수,외국인국제정책 과\n"
    )

    assert [item.new.name for item in plan_diff(old, new, [rename]).renamed] == [NEW_NAME]


def test_a_mapping_without_its_header_is_refused():
    with pytest.raises(MappingError, match="1행"):
        read_mapping("old,new,department\na,b,c\n")


def test_weight_formula_unit_and_direction_changes_are_found(old):
    row = next(row for row in old.indicators if row.name == MEETINGS)
    changed = replace(row, weight=D(40), method_text="개최횟수+참석횟수", unit="건", direction="down")
    before = replace(old, indicators=(replace(row, direction="up"),))
    after = replace(old, indicators=(changed,))

    (item,) = plan_diff(before, after).changed

    assert item.weight == (D(30), D(40))
    assert item.formula == ("개최횟수", "개최횟수+참석횟수")
    assert item.unit == ("회", "건")
    assert item.direction == ("up", "down")
    details = diff_sections(plan_diff(before, after))[0].items[0].details
    assert details == ("가중치 30 → 40", "측정산식 '개최횟수' → '개최횟수+참석횟수'", "단위 '회' → '건'", "방향 상향 → 하향")


def test_a_less_is_better_target_above_the_last_actual_is_weak(old):
    row = replace(
        next(row for row in old.indicators if row.name == MEETINGS),
        direction="down",
        targets=((2025, D(13)), (2026, D(10))),
        last_actual=(2023, D(12)),
    )
    edition = replace(old, indicators=(row,))

    diff = plan_diff(edition, edition)

    assert [(flag.year, flag.target) for flag in diff.weak] == [(2025, D(13))]
    assert "    2025년 목표 13이 2023년 실적 12 이상입니다" in render_lines(diff)


def test_the_sample_itself_already_has_targets_at_its_last_actual(old):
    # 2023's actuals of 12 meetings and 86.5 % contact rate against 2025–2027 targets of 11 and 86.5.
    weak = {flag.indicator.name for flag in plan_diff(old, old).weak}

    assert MEETINGS in weak
    assert "(소통기획과)도정홍보 영상물 도민접촉률(%)" in weak


def test_the_rendering_is_korean_with_the_right_particles(old, new, mapping):
    lines = render_lines(plan_diff(old, new, mapping))
    text = "\n".join(lines)

    assert lines[0] == "계획 비교: 대외국제소통국 2025년 → 대외국제소통국 2026년"
    assert "[새로 생긴 성과지표 1개]" in lines
    assert "[없어진 성과지표 1개]" in lines
    assert f"    '{OLD_NAME}'에서 '{NEW_NAME}'로 바뀌었습니다" in lines
    assert "    2026년 목표 11 → 12 (올림)" in lines
    assert "    2026년 목표 1,970,000 → 1,950,000 (내림)" in lines
    assert "    2026년 목표 1,950,000이 2024년 실적 1,965,000 이하입니다" in lines
    assert not re.search(r"이\(가\)|\(으\)로|을\(를\)|은\(는\)|와\(과\)", text)
    suggested = "\n".join(render_lines(plan_diff(old, new)))
    assert f"없어진 '{OLD_NAME}'와 새 '{NEW_NAME}'가 비슷합니다" in suggested


def test_an_edition_against_itself_has_nothing_to_say(old):
    unreported = replace(old, indicators=tuple(replace(row, last_actual=None) for row in old.indicators))

    diff = plan_diff(unreported, unreported)

    assert diff.is_empty
    assert render_lines(diff)[-1] == "바뀐 성과지표가 없습니다."


@pytest.mark.django_db
def test_the_database_edition_gives_the_same_diff_as_its_document(sample_plan, new, mapping, django_assert_max_num_queries):
    # bureaus, indicators with departments, targets, actuals
    with django_assert_max_num_queries(4):
        stored = snapshot_from_database([sample_plan.id])

    from_database = plan_diff(stored, new, mapping)
    from_document = plan_diff(_snapshot(SAMPLE_PLAN), new, mapping)

    assert render_lines(from_database) == render_lines(from_document)


@pytest.mark.django_db
def test_the_database_edition_counts_only_approved_actuals(sample_plan, new):
    blog = Actual.objects.get(indicator__name=BLOG, year=2023)
    Actual.objects.filter(indicator__name=BLOG, year=2024).update(value=D(2000000), status=ActualStatus.DRAFT)

    row = next(row for row in snapshot_from_database([sample_plan.id]).indicators if row.name == BLOG)

    assert row.last_actual == (2023, blog.value)
    assert row.direction == "up"


def test_the_command_prints_the_diff_with_the_mapping():
    out = StringIO()

    call_command("plan_diff", str(SAMPLE_PLAN), str(NEXT_YEAR), "--mapping", str(MAPPING), stdout=out)

    assert "[이름이 바뀐 성과지표 1개]" in out.getvalue()
    assert "[느슨한 목표 3건]" in out.getvalue()


def test_the_command_names_an_unreadable_document(tmp_path):
    broken = tmp_path / "broken.txt"
    broken.write_text("대외국제소통국\n", encoding="utf-8")

    with pytest.raises(CommandError, match="broken.txt"):
        call_command("plan_diff", str(SAMPLE_PLAN), str(broken))
