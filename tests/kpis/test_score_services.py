"""Stored scores of the sample plan, recomputed through the service and the tasks."""
from __future__ import annotations

from decimal import Decimal

from django.core.management import call_command
from django.db import connection

from kpis.models import (
    Actual,
    ActualStatus,
    DepartmentScore,
    Direction,
    DirtyScore,
    Indicator,
    IndicatorKind,
    IndicatorScore,
    Target,
)
from kpis.services.policy import policy_current, policy_revise
from kpis.services.scores import (
    department_recompute,
    inputs_fingerprint,
    score_inputs_load,
    scores_recompute,
    scores_recompute_range,
    year_chunks,
)
from kpis.tasks import recompute_year


def score_of(name: str, year: int = 2023) -> DepartmentScore:
    return DepartmentScore.objects.get(department__name=name, year=year)


def test_default_policy_scores_2023_as_the_evaluators_do(sample_plan):
    scores_recompute(2023)
    assert score_of("대외협력과").score == Decimal("102.73")
    assert score_of("소통기획과").score == Decimal("101.23")
    assert score_of("대외협력과").grade == "S"
    assert score_of("대외협력과").completeness == Decimal("100.00")


def test_a_department_whose_targets_are_zero_is_not_evaluable_and_says_so(sample_plan):
    scores_recompute(2023)
    foreign = score_of("외국인국제정책과")
    assert foreign.score is None
    assert foreign.grade == ""
    assert "목표" in foreign.reason
    rates = IndicatorScore.objects.filter(indicator__department__name="외국인국제정책과", year=2023)
    assert rates.count() == 3
    assert all(r.rate is None and "목표" in r.reason for r in rates)


def test_each_indicator_rate_carries_its_working(sample_plan):
    scores_recompute(2023)
    rate = IndicatorScore.objects.get(indicator__short_name="정무활동 및 당정협력 강화", year=2023)
    assert rate.rate == Decimal("109.09")
    assert "12" in rate.working and "11" in rate.working and "109.09" in rate.working


def test_a_100_percent_cap_lowers_the_cooperation_score_to_100(sample_plan, admin_user):
    policy_revise(user=admin_user, year=2023, cap=Decimal(100), note="상한 100%")
    scores_recompute(2023)
    assert score_of("대외협력과").score == Decimal("100.00")
    assert score_of("소통기획과").score == Decimal("100.00")
    assert score_of("대외협력과").policy.version == 2


def test_unreported_counts_as_zero_or_is_left_out_with_completeness(sample_plan, admin_user):
    blog = Actual.objects.get(indicator__short_name="도 대표 블로그 방문횟수", year=2023)
    Actual.objects.filter(pk=blog.pk).update(value=None, status=ActualStatus.NOT_REPORTED)

    scores_recompute(2023)
    left_out = score_of("소통기획과")
    # 88.5/88.5 (w40) and 86.5/86.5 (w35) remain: 100 over 75 of 100 weight.
    assert left_out.score == Decimal("100.00")
    assert left_out.completeness == Decimal("75.00")

    policy_revise(user=admin_user, year=2023, unreported="zero")
    scores_recompute(2023)
    as_zero = score_of("소통기획과")
    assert as_zero.score == Decimal("75.00")
    assert score_of("대외협력과").score == Decimal("102.73")


def test_recomputing_twice_gives_the_same_rows(sample_plan):
    scores_recompute(2023)
    first = list(IndicatorScore.objects.order_by("id").values_list("id", "rate", "fingerprint"))
    scores_recompute(2023)
    second = list(IndicatorScore.objects.order_by("id").values_list("id", "rate", "fingerprint"))
    assert first == second
    assert DepartmentScore.objects.filter(year=2023).count() == 3


def test_an_unchanged_department_is_skipped_and_a_changed_one_recomputed(sample_plan, django_assert_num_queries):
    scores_recompute(2023)
    before = DepartmentScore.objects.get(department__name="대외협력과", year=2023)
    # savepoint, policy, dirty generations, governing editions, department ids, inputs, stored fingerprints,
    # release: nothing written
    with django_assert_num_queries(8):
        scores_recompute(2023)
    assert DepartmentScore.objects.get(pk=before.pk).computed_at == before.computed_at
    Target.objects.filter(indicator__short_name="정무활동 및 당정협력 강화", year=2023).update(value=Decimal(12))
    scores_recompute(2023)
    after = DepartmentScore.objects.get(pk=before.pk)
    assert after.score == Decimal("100.00") and after.fingerprint != before.fingerprint


def test_a_recompute_clears_the_dirty_mark(sample_plan):
    department = Indicator.objects.get(short_name="자원봉사 활동률").department
    DirtyScore.objects.get_or_create(department=department, year=2023)
    department_recompute(department.pk, 2023)
    assert not DirtyScore.objects.filter(department=department, year=2023).exists()


def test_a_department_recompute_issues_the_same_queries_for_more_indicators(
    sample_plan, django_assert_num_queries
):
    department = Indicator.objects.get(short_name="자원봉사 활동률").department
    policy_current(2023)
    department_recompute(department.pk, 2023)
    # Both measured recomputes store a changed result (a stored fingerprint that no longer matches,
    # then new indicators), so both publish it.
    DepartmentScore.objects.filter(department=department, year=2023).update(fingerprint="changed")
    # savepoint, policy, dirty generations, governing editions, indicators joined with their target and
    # actuals, stored fingerprints, indicator-score upsert, department-score upsert, publication upsert,
    # release (no dirty mark to clear) = 10; on PostgreSQL each score upsert is create-temp, truncate, (COPY,
    # not captured), INSERT … ON CONFLICT, truncate.
    expected = 16 if connection.vendor == "postgresql" else 10
    with django_assert_num_queries(expected) as first:
        scores_recompute(2023, [department.pk], force=True)
    for n in range(12):
        indicator = Indicator.objects.create(
            department=department, name=f"(대외협력과)추가 지표 {n}(건)", short_name=f"추가 지표 {n}", unit="건",
            kind=IndicatorKind.GENERAL, weight=Decimal(1), direction=Direction.UP, method_text="건수",
        )
        Target.objects.create(indicator=indicator, year=2023, value=Decimal(10))
        Actual.objects.create(indicator=indicator, year=2023, value=Decimal(9), status=ActualStatus.APPROVED)
    with django_assert_num_queries(len(first.captured_queries)):
        scores_recompute(2023, [department.pk], force=True)


def test_the_year_task_and_the_command_store_every_department(sample_plan, capsys):
    recompute_year.delay(2023)
    assert DepartmentScore.objects.filter(year=2023).count() == 3
    call_command("compute_scores", "--year", "2023")
    out = capsys.readouterr().out
    assert "대외협력과" in out and "102.73" in out and "101.23" in out


def test_a_year_split_into_chunks_covers_every_department_once(sample_plan):
    ids = sorted(Indicator.objects.values_list("department_id", flat=True).distinct())
    for parts in (1, 2, 3, 5):
        chunks = year_chunks(2023, parts)
        assert chunks[0][0] is None and chunks[-1][1] is None
        covered = [pk for pk in ids if any((a is None or a <= pk) and (b is None or pk <= b) for a, b in chunks)]
        assert covered == ids
        assert sum(1 for pk in ids for a, b in chunks if (a is None or a <= pk) and (b is None or pk <= b)) == len(ids)


def test_recomputing_a_year_chunk_by_chunk_stores_the_same_scores_and_clears_dirty_marks(sample_plan):
    scores_recompute(2023)
    whole = list(IndicatorScore.objects.order_by("indicator_id").values_list("indicator_id", "rate", "working"))
    department = Indicator.objects.get(short_name="자원봉사 활동률").department
    DirtyScore.objects.get_or_create(department=department, year=2023)
    done = sum(scores_recompute_range(2023, first, last, force=True) for first, last in year_chunks(2023, 2))
    assert done == 3
    assert list(IndicatorScore.objects.order_by("indicator_id").values_list("indicator_id", "rate", "working")) == whole
    assert score_of("대외협력과").score == Decimal("102.73")
    assert not DirtyScore.objects.filter(year=2023).exists()


def test_the_year_task_with_force_rewrites_every_department(sample_plan):
    scores_recompute(2023)
    before = DepartmentScore.objects.get(department__name="소통기획과", year=2023)
    recompute_year.delay(2023)
    assert DepartmentScore.objects.get(pk=before.pk).computed_at == before.computed_at  # unchanged: skipped
    recompute_year.delay(2023, force=True)
    after = DepartmentScore.objects.get(pk=before.pk)
    assert after.computed_at > before.computed_at and after.score == Decimal("101.23")
    call_command("compute_scores", "--year", "2023", "--force")
    assert DepartmentScore.objects.get(pk=before.pk).computed_at > after.computed_at


def test_the_fingerprint_moves_with_the_provisional_flag_and_with_a_status(sample_plan):
    policy = policy_current(2023)
    department = Indicator.objects.get(short_name="자원봉사 활동률").department

    def fingerprint(policy) -> str:
        loaded = score_inputs_load(2023, [department.pk], provisional=policy.provisional)
        return inputs_fingerprint(policy, loaded[department.pk])

    first = fingerprint(policy)
    assert fingerprint(policy) == first
    policy.provisional = True  # the same version, only the flag: the result may differ, so must the hash
    assert fingerprint(policy) != first
    policy.provisional = False
    Actual.objects.filter(indicator__short_name="자원봉사 활동률", year=2023).update(status=ActualStatus.SUBMITTED)
    assert fingerprint(policy) != first


def test_a_status_change_alone_is_recomputed(sample_plan):
    scores_recompute(2023)
    Actual.objects.filter(indicator__short_name="자원봉사 활동률", year=2023).update(status=ActualStatus.SUBMITTED)
    scores_recompute(2023)  # no dirty mark, no force: the fingerprint alone tells
    assert (score_of("대외협력과").score, score_of("대외협력과").completeness) == (Decimal("104.55"), Decimal("60.00"))


def test_a_baseline_counts_as_the_actuals_do(sample_plan, admin_user):
    department = Indicator.objects.get(short_name="자원봉사 활동률").department
    complaints = Indicator.objects.create(
        department=department, name="(대외협력과)민원 처리 지연(건)", short_name="민원 처리 지연", unit="건",
        kind=IndicatorKind.GENERAL, weight=Decimal(10), direction=Direction.DOWN, method_text="건수", order=99,
    )
    Target.objects.create(indicator=complaints, year=2023, value=Decimal(5))
    Actual.objects.create(indicator=complaints, year=2023, value=Decimal(6), status=ActualStatus.APPROVED)
    last_year = Actual.objects.create(indicator=complaints, year=2022, value=Decimal(10), status=ActualStatus.DRAFT)
    policy_revise(user=admin_user, year=2023, lower_is_better="baseline")

    def rate() -> IndicatorScore:
        scores_recompute(2023)
        return IndicatorScore.objects.get(indicator=complaints, year=2023)

    assert rate().reason == "기준값(전년도 실적)이 없어 평가할 수 없습니다"  # last year's draft is no baseline
    Actual.objects.filter(pk=last_year.pk).update(status=ActualStatus.SUBMITTED)
    assert rate().rate is None  # submitted, and the policy admits no provisional values
    policy_revise(user=admin_user, year=2023, provisional=True)
    # (10 − 6) / (10 − 5) × 100 = 80.00, on a provisional baseline
    assert (rate().rate, rate().provisional, score_of("대외협력과").provisional) == (Decimal("80.00"), True, True)
    Actual.objects.filter(pk=last_year.pk).update(status=ActualStatus.APPROVED)
    assert (rate().rate, rate().provisional, score_of("대외협력과").provisional) == (Decimal("80.00"), False, False)
