"""The 2025 → 2026 plan diff of a bureau: in import_plan's dry run and as a page for planners and evaluators.

The 2026 sample (samples/plan-external-affairs-bureau-2026.txt with its mapping) raises one target (정무활동),
lowers one below its last reported actual (블로그 방문횟수), adds one indicator, retires one and renames one.
"""
from __future__ import annotations

import html
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from imports.services import plan_import, renames_read
from kpis.models import Bureau, Organization, OrganizationKind
from tests.conftest import SAMPLE_ORGANIZATION, SAMPLE_PLAN
from tests.imports.test_sample_variants import MAPPING, NEXT_YEAR

pytestmark = pytest.mark.django_db

ADDED = "(대외협력과)고향사랑기부 모금액(백만원)"
RETIRED = "(대외협력과)민간단체 및 출향도민 협력 강화(회)"
OLD_NAME = "(외국인국제정책과)자매우호결연지역 등 교류횟수(회)"
NEW_NAME = "(외국인국제정책과)자매우호결연지역 등 국제교류 횟수(회)"
EXPECTED = [
    "계획 비교: 대외국제소통국 2025년 → 대외국제소통국 2026년",
    "[새로 생긴 성과지표 1개]",
    f"- '{ADDED}'",
    "[없어진 성과지표 1개]",
    f"- '{RETIRED}'",
    "[이름이 바뀐 성과지표 1개]",
    f"    '{OLD_NAME}'에서 '{NEW_NAME}'로 바뀌었습니다",
    "    2026년 목표 11 → 12 (올림)",
    "    2026년 목표 1,970,000 → 1,950,000 (내림)",
    "    2026년 목표 1,950,000이 2024년 실적 1,965,000 이하입니다",
]


def dry_run(path, *args: str) -> str:
    out = StringIO()
    call_command("import_plan", str(path), "--organization", SAMPLE_ORGANIZATION, "--dry-run", *args, stdout=out)
    return out.getvalue()


def test_a_new_plan_year_s_dry_run_prints_the_diff_against_last_year_s_edition(sample_plan):
    out = dry_run(NEXT_YEAR, "--mapping", str(MAPPING))

    lines = out.splitlines()
    for line in EXPECTED:
        assert line in lines, line
    assert "[대응표에서 찾지 못한 행" not in out
    assert not re.search(r"이\(가\)|\(으\)로|을\(를\)|은\(는\)", out)
    assert list(Bureau.objects.values_list("plan_year", flat=True)) == [2025]  # a dry run writes nothing


def test_without_the_mapping_the_dry_run_suggests_the_rename(sample_plan):
    out = dry_run(NEXT_YEAR)

    assert "[이름이 바뀐 것으로 보이는 성과지표 1건 (대응표에 없음)]" in out
    assert "[새로 생긴 성과지표 2개]" in out


def test_a_re_import_of_the_same_plan_year_keeps_its_report_without_a_diff(sample_plan):
    out = dry_run(SAMPLE_PLAN)

    assert "미리보기" in out
    assert "계획 비교:" not in out


def test_a_first_edition_has_nothing_to_compare_with(db):
    Organization.objects.create(name=SAMPLE_ORGANIZATION, kind=OrganizationKind.PROVINCIAL)

    assert "계획 비교:" not in dry_run(NEXT_YEAR)


# --- the page ---------------------------------------------------------------------------------------------


@pytest.fixture
def editions(sample_plan):
    organization = Organization.objects.get(name=SAMPLE_ORGANIZATION)
    new = plan_import(path=NEXT_YEAR, organization=organization, renames=renames_read(MAPPING)).bureau
    return sample_plan, new


def _text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_the_diff_page_shows_the_same_diff_from_the_database_without_a_mapping_file(client, evaluator, editions):
    _, new = editions
    client.force_login(evaluator)

    response = client.get(reverse("plans:diff", args=[new.pk]))

    assert response.status_code == 200
    text = _text(response)
    for title in ("새로 생긴 성과지표 1개", "없어진 성과지표 1개", "이름이 바뀐 성과지표 1개", "느슨한 목표"):
        assert title in text
    assert ADDED in text and RETIRED in text
    assert f"'{OLD_NAME}'에서 '{NEW_NAME}'로 바뀌었습니다" in text
    assert "2026년 목표 11 → 12 (올림)" in text
    assert "2026년 목표 1,970,000 → 1,950,000 (내림)" in text
    assert "2026년 목표 1,950,000이 2024년 실적 1,965,000 이하입니다" in text
    assert "이름이 바뀐 것으로 보이는" not in text  # the links (Indicator.previous) name the rename


def test_the_editions_page_lists_each_bureau_s_editions_with_a_diff_link(client, admin_user, editions):
    old, new = editions
    client.force_login(admin_user)

    response = client.get(reverse("plans:list"))

    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("plans:diff", args=[new.pk]) in body
    assert reverse("plans:diff", args=[old.pk]) not in body  # the first edition has nothing to compare with
    assert "2025년" in _text(response) and "2026년" in _text(response)


def test_the_first_edition_s_diff_page_says_there_is_nothing_before_it(client, evaluator, editions):
    old, _ = editions
    client.force_login(evaluator)

    response = client.get(reverse("plans:diff", args=[old.pk]))

    assert response.status_code == 200
    assert "이전 계획이 없습니다" in _text(response)


def test_department_users_may_not_read_the_plan_pages(client, dept_user, editions):
    _, new = editions
    client.force_login(dept_user)

    assert client.get(reverse("plans:list")).status_code == 403
    assert client.get(reverse("plans:diff", args=[new.pk])).status_code == 403


def test_an_evaluator_of_another_organization_gets_404_with_nothing_of_the_plan(client, evaluator, editions):
    _, new = editions
    elsewhere = Organization.objects.create(name="전주시", kind=OrganizationKind.LOCAL)
    evaluator.organization = elsewhere
    evaluator.save(update_fields=["organization"])
    client.force_login(evaluator)

    response = client.get(reverse("plans:diff", args=[new.pk]))
    listing = client.get(reverse("plans:list"))

    assert response.status_code == 404
    assert "대외국제소통국" not in response.content.decode()
    assert "대외국제소통국" not in listing.content.decode()


def test_the_page_reads_in_a_fixed_number_of_queries(client, evaluator, editions, django_assert_max_num_queries):
    _, new = editions
    client.force_login(evaluator)

    with django_assert_max_num_queries(15):  # session, user, bureau, previous, two snapshots of 4, the base page
        assert client.get(reverse("plans:diff", args=[new.pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("plans:list")).status_code == 200

