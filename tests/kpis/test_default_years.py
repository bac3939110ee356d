"""Which year the entry page and the scoreboard open on (kpis/years.py), against the sample plan (plan year
2025: its actuals are due for 2024)."""
from __future__ import annotations

from datetime import date

from kpis.models import Bureau, DepartmentScore
from kpis.services.scores import scores_recompute
from kpis.years import entry_year_default, plan_actual_year, scoreboard_year_default
from tests.factories import entry_year

TODAY = date(2026, 12, 7)


def test_without_an_entry_year_the_entry_year_is_the_plans_actual_year(sample_plan):
    assert sample_plan.plan_year == 2025
    assert entry_year_default(bureau=sample_plan, today=TODAY) == 2024


def test_without_a_bureau_the_newest_plan_decides(sample_plan):
    Bureau.objects.filter(pk=sample_plan.pk).update(plan_year=2026)

    assert plan_actual_year(today=TODAY) == 2025
    assert entry_year_default(today=TODAY) == 2025


def test_without_any_plan_the_entry_year_is_last_year(db):
    assert entry_year_default(today=TODAY) == 2025


def test_once_the_plans_actual_year_is_closed_the_next_year_opens(sample_plan):
    entry_year(year=2024, is_closed=True)

    assert entry_year_default(bureau=sample_plan, today=TODAY) == 2025


def test_the_latest_open_year_wins_over_an_older_open_one(sample_plan):
    entry_year(year=2023, is_closed=False)
    entry_year(year=2025, is_closed=False)

    assert entry_year_default(bureau=sample_plan, today=TODAY) == 2025


def test_a_year_opened_for_the_future_is_never_the_default(sample_plan):
    entry_year(year=2027, is_closed=False)
    entry_year(year=2030, is_closed=False)

    assert entry_year_default(bureau=sample_plan, today=TODAY) == 2024


def test_the_year_after_the_last_closed_one_waits_until_it_has_begun(sample_plan):
    entry_year(year=2024, is_closed=True)
    entry_year(year=2025, is_closed=True)
    entry_year(year=2026, is_closed=True)

    # 2027 has not begun: nothing is open, so the page opens on the plan's (closed) actual year
    assert entry_year_default(bureau=sample_plan, today=TODAY) == 2024


def test_the_scoreboard_opens_the_latest_year_with_a_score(sample_plan):
    scores_recompute(2023)

    assert scoreboard_year_default(bureau=sample_plan, today=TODAY) == 2023


def test_years_whose_rows_hold_no_score_are_passed_over(sample_plan):
    scores_recompute(2023)
    scores_recompute(2027)  # targets for 2027, nothing reported: rows without a score

    assert DepartmentScore.objects.filter(year=2027).exists()
    assert not DepartmentScore.objects.filter(year=2027, score__isnull=False).exists()
    assert scoreboard_year_default(bureau=sample_plan, today=TODAY) == 2023


def test_without_any_score_the_scoreboard_opens_the_entry_year(sample_plan):
    assert scoreboard_year_default(bureau=sample_plan, today=TODAY) == 2024


def test_the_menus_open_the_default_years(client, dept_user, sample_plan):
    scores_recompute(2023)
    scores_recompute(2027)
    client.force_login(dept_user)

    assert client.get("/scores/")["Location"] == "/scores/2023/"
    assert client.get("/entry/")["Location"] == f"/entry/{dept_user.department_id}/2024/"
