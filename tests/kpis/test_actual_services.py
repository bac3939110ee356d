"""Saving, submitting, approving and returning actuals through the service layer."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from core.errors import InvalidInput, InvalidState, PermissionRefused, VersionConflict, YearClosed
from kpis.models import Actual, ActualStatus, AuditEntry, DirtyScore, EntryException, Indicator
from kpis.services.actuals import actual_save
from kpis.services.workflow import actual_approve, actual_return, actual_submit
from tests.factories import entry_year

YEAR = 2024  # the sample's 2024 actuals are placeholders, stored as not reported


def placeholder(indicator: Indicator) -> Actual:
    return Actual.objects.get(indicator=indicator, year=YEAR)


def save_volunteering(user, indicator, version, people="120,000", population="1,754,757"):
    return actual_save(
        user=user, indicator_id=indicator.pk, year=YEAR, inputs={"활동인원": people, "인구": population},
        expected_version=version,
    )


def test_a_formula_actual_is_computed_from_its_inputs(dept_user, volunteering):
    before = placeholder(volunteering)
    assert before.status == ActualStatus.NOT_REPORTED and before.value is None

    actual = save_volunteering(dept_user, volunteering, before.version)

    expected = Decimal(120000) / Decimal(1754757) * 100
    assert abs(actual.value - expected) < Decimal("0.0001")
    assert actual.inputs == {"활동인원": "120000", "인구": "1754757"}
    assert actual.status == ActualStatus.DRAFT
    assert actual.version == before.version + 1


def test_a_single_input_indicator_takes_its_count(dept_user, meetings):
    actual = actual_save(
        user=dept_user, indicator_id=meetings.pk, year=YEAR, inputs={"개최횟수": "１２"},
        expected_version=placeholder(meetings).version,
    )
    assert actual.value == Decimal(12)


def test_each_save_leaves_one_audit_row_with_every_field_it_changed(dept_user, volunteering):
    actual = save_volunteering(dept_user, volunteering, placeholder(volunteering).version)
    entry = AuditEntry.objects.get(indicator=volunteering, year=YEAR, source="web")
    assert entry.field == "value" and entry.old_value == "" and entry.new_value.startswith("6.83")
    assert entry.user == dept_user and actual.updated_by == dept_user
    assert entry.changes["status"] == ["not_reported", "draft"]
    assert entry.changes["value"][1].startswith("6.83") and entry.changes["inputs"][0] == ""
    assert set(entry.changes) == {"value", "inputs", "status"}  # no note was typed


def test_audit_rows_outlive_what_they_name_with_the_reference_cleared(dept_user, volunteering):
    """The audit table's references have no database constraint; deleting still clears them (SET_NULL)."""
    save_volunteering(dept_user, volunteering, placeholder(volunteering).version)
    written = set(
        AuditEntry.objects.filter(indicator=volunteering, year=YEAR, user=dept_user).values_list("pk", flat=True)
    )
    assert written

    volunteering.delete()

    rows = AuditEntry.objects.filter(pk__in=written)
    assert rows.count() == len(written)
    assert set(rows.values_list("indicator_id", flat=True)) == {None}
    assert all(entry.user_id == dept_user.pk for entry in rows)


def test_saving_marks_the_department_year_dirty(dept_user, volunteering):
    DirtyScore.objects.all().delete()
    save_volunteering(dept_user, volunteering, placeholder(volunteering).version)
    assert DirtyScore.objects.filter(department=volunteering.department, year=YEAR).exists()


def test_another_departments_user_cannot_write_and_nothing_changes(other_dept_user, volunteering):
    audit_before = AuditEntry.objects.count()
    with pytest.raises(PermissionRefused):
        save_volunteering(other_dept_user, volunteering, placeholder(volunteering).version)
    assert placeholder(volunteering).value is None
    assert AuditEntry.objects.count() == audit_before


def test_an_evaluator_cannot_enter_values(evaluator, volunteering):
    with pytest.raises(PermissionRefused):
        save_volunteering(evaluator, volunteering, placeholder(volunteering).version)


@pytest.mark.parametrize("typed", ["12회", "abc", "1.2.3", "--5"])
def test_text_that_is_not_a_number_is_refused_beside_its_field(dept_user, volunteering, typed):
    audit_before = AuditEntry.objects.count()
    with pytest.raises(InvalidInput) as caught:
        save_volunteering(dept_user, volunteering, placeholder(volunteering).version, people=typed)
    assert "활동인원" in caught.value.errors
    assert typed in caught.value.errors["활동인원"][0]
    assert placeholder(volunteering).value is None
    assert AuditEntry.objects.count() == audit_before


def test_a_zero_population_is_refused_with_the_reason(dept_user, volunteering):
    with pytest.raises(InvalidInput) as caught:
        save_volunteering(dept_user, volunteering, placeholder(volunteering).version, population="0")
    assert "0으로 나눌 수 없습니다" in caught.value.errors["value"][0]


def test_a_missing_input_is_refused(dept_user, volunteering):
    with pytest.raises(InvalidInput) as caught:
        actual_save(
            user=dept_user, indicator_id=volunteering.pk, year=YEAR, inputs={"활동인원": "10"},
            expected_version=placeholder(volunteering).version,
        )
    assert "인구" in caught.value.errors


def test_saving_over_a_newer_version_is_refused_and_the_first_value_kept(dept_user, admin_user, volunteering):
    seen = placeholder(volunteering).version
    first = save_volunteering(dept_user, volunteering, seen, people="100")
    with pytest.raises(VersionConflict) as caught:
        save_volunteering(admin_user, volunteering, seen, people="999")
    assert caught.value.current.value == first.value
    assert caught.value.current.updated_by == dept_user.username
    assert caught.value.current.version == first.version
    assert placeholder(volunteering).value == first.value


def test_submit_then_approve_locks_the_value(dept_user, evaluator, volunteering):
    actual = save_volunteering(dept_user, volunteering, placeholder(volunteering).version)
    actual = actual_submit(user=dept_user, actual_id=actual.pk, expected_version=actual.version)
    assert actual.status == ActualStatus.SUBMITTED and actual.submitted_by == dept_user
    actual = actual_approve(user=evaluator, actual_id=actual.pk, expected_version=actual.version)
    assert actual.status == ActualStatus.APPROVED and actual.reviewed_by == evaluator
    with pytest.raises(InvalidState):
        save_volunteering(dept_user, volunteering, actual.version, people="1")
    actions = list(AuditEntry.objects.filter(indicator=volunteering, field="status").values_list("action", flat=True))
    assert {"submit", "approve"} <= set(actions)


def test_a_department_user_cannot_approve(dept_user, volunteering):
    actual = save_volunteering(dept_user, volunteering, placeholder(volunteering).version)
    actual = actual_submit(user=dept_user, actual_id=actual.pk)
    with pytest.raises(PermissionRefused):
        actual_approve(user=dept_user, actual_id=actual.pk)


def test_nobody_approves_their_own_submission(admin_user, volunteering):
    actual = save_volunteering(admin_user, volunteering, placeholder(volunteering).version)
    actual = actual_submit(user=admin_user, actual_id=actual.pk)
    with pytest.raises(InvalidState):
        actual_approve(user=admin_user, actual_id=actual.pk)
    assert Actual.objects.get(pk=actual.pk).status == ActualStatus.SUBMITTED


def test_a_return_needs_a_comment_and_makes_the_value_editable_again(dept_user, evaluator, volunteering):
    actual = actual_submit(
        user=dept_user, actual_id=save_volunteering(dept_user, volunteering, placeholder(volunteering).version).pk
    )
    with pytest.raises(InvalidInput):
        actual_return(user=evaluator, actual_id=actual.pk, comment="  ")
    returned = actual_return(user=evaluator, actual_id=actual.pk, comment="증빙자료를 첨부하세요")
    assert returned.status == ActualStatus.RETURNED and returned.review_comment == "증빙자료를 첨부하세요"
    again = save_volunteering(dept_user, volunteering, returned.version, people="130,000")
    assert again.status == ActualStatus.DRAFT


def test_a_closed_year_rejects_every_change_with_the_reason(dept_user, evaluator, volunteering):
    actual = actual_submit(
        user=dept_user, actual_id=save_volunteering(dept_user, volunteering, placeholder(volunteering).version).pk
    )
    entry_year(year=YEAR, is_closed=True, closed_reason="2024년 평가 종료")
    with pytest.raises(YearClosed) as caught:
        actual_approve(user=evaluator, actual_id=actual.pk)
    assert "2024년 평가 종료" in caught.value.message
    other = Indicator.objects.get(department__name="대외협력과", short_name="정무활동 및 당정협력 강화")
    with pytest.raises(YearClosed):
        actual_save(user=dept_user, indicator_id=other.pk, year=YEAR, inputs={"개최횟수": "3"},
                    expected_version=placeholder(other).version)


def test_an_exception_reopens_a_closed_year_for_one_department_until_its_date(dept_user, admin_user, volunteering):
    entry_year(year=YEAR, is_closed=True)
    EntryException.objects.create(
        department=volunteering.department, year=YEAR, until=timezone.now() + timedelta(days=1), granted_by=admin_user
    )
    actual = save_volunteering(dept_user, volunteering, placeholder(volunteering).version)
    assert actual.value is not None
    EntryException.objects.update(until=timezone.now() - timedelta(seconds=1))
    with pytest.raises(YearClosed):
        save_volunteering(dept_user, volunteering, actual.version, people="5")


def test_plan_actuals_of_a_closed_year_are_approved_and_locked(dept_user, volunteering):
    actual_2023 = Actual.objects.get(indicator=volunteering, year=2023)
    assert actual_2023.status == ActualStatus.APPROVED and actual_2023.value == Decimal(6)
    with pytest.raises(InvalidState):
        actual_save(user=dept_user, indicator_id=volunteering.pk, year=2023,
                    inputs={"활동인원": "1", "인구": "1"}, expected_version=actual_2023.version)


def test_an_admin_can_reopen_an_approved_value_for_correction_with_a_reason(
    dept_user, evaluator, admin_user, volunteering
):
    from kpis.services.workflow import actual_reopen

    actual = actual_submit(
        user=dept_user, actual_id=save_volunteering(dept_user, volunteering, placeholder(volunteering).version).pk
    )
    actual = actual_approve(user=evaluator, actual_id=actual.pk)
    with pytest.raises(PermissionRefused):
        actual_reopen(user=evaluator, actual_id=actual.pk, comment="정정")
    reopened = actual_reopen(user=admin_user, actual_id=actual.pk, comment="통계 정정 요청")
    assert reopened.status == ActualStatus.RETURNED
    corrected = save_volunteering(dept_user, volunteering, reopened.version, people="130,000")
    assert corrected.status == ActualStatus.DRAFT
    assert AuditEntry.objects.filter(indicator=volunteering, action="reopen", comment="통계 정정 요청").exists()


# --- a save that changes nothing, and a client's retry --------------------------------------

def test_saving_the_stored_draft_again_changes_nothing(dept_user, volunteering):
    first = save_volunteering(dept_user, volunteering, placeholder(volunteering).version)
    audit_rows = AuditEntry.objects.filter(indicator=volunteering, year=YEAR).count()

    again = save_volunteering(dept_user, volunteering, first.version)

    assert again.version == first.version and again.updated_at == first.updated_at
    assert AuditEntry.objects.filter(indicator=volunteering, year=YEAR).count() == audit_rows
    assert placeholder(volunteering).version == first.version


def test_a_retry_with_the_version_seen_before_a_lost_answer_gets_the_current_state(dept_user, volunteering):
    seen = placeholder(volunteering).version
    first = save_volunteering(dept_user, volunteering, seen)  # committed; the client never got the answer
    audit_rows = AuditEntry.objects.filter(indicator=volunteering, year=YEAR).count()

    retried = save_volunteering(dept_user, volunteering, seen)

    assert retried.version == first.version and retried.value == first.value
    assert AuditEntry.objects.filter(indicator=volunteering, year=YEAR).count() == audit_rows


def test_a_stale_save_over_the_callers_own_newer_save_is_not_blamed_on_another_user(dept_user, volunteering):
    seen = placeholder(volunteering).version
    save_volunteering(dept_user, volunteering, seen, people="100,000")

    with pytest.raises(VersionConflict) as caught:
        save_volunteering(dept_user, volunteering, seen, people="130,000")

    assert caught.value.message.startswith("이미 저장된 변경입니다")
    assert "다른 사용자" not in caught.value.message and caught.value.current.version == seen + 1
    assert placeholder(volunteering).inputs["활동인원"] == "100000"


def test_a_stale_save_over_another_users_save_names_that_user(dept_user, admin_user, volunteering):
    seen = placeholder(volunteering).version
    save_volunteering(admin_user, volunteering, seen, people="100,000")

    with pytest.raises(VersionConflict) as caught:
        save_volunteering(dept_user, volunteering, seen, people="130,000")

    assert caught.value.message.startswith(f"다른 사용자({admin_user.username})")


def unseen_by_the_lock():
    """The save's locking read finds no actual, as when another request creates it just after that read."""
    return mock.patch.object(Actual.objects, "select_for_update", return_value=Actual.objects.none())


def test_a_first_save_that_loses_the_race_to_an_identical_one_is_answered_with_it(dept_user, meetings):
    """The same new actual created by a duplicate request between this save's check and its insert."""
    from kpis.services.actuals import SaveOutcome, actual_save_outcome

    first = actual_save(user=dept_user, indicator_id=meetings.pk, year=2025, inputs={"개최횟수": "7"})
    audit_rows = AuditEntry.objects.filter(indicator=meetings, year=2025).count()

    with unseen_by_the_lock():
        saved = actual_save_outcome(user=dept_user, indicator_id=meetings.pk, year=2025, inputs={"개최횟수": "7"})

    assert saved.outcome == SaveOutcome.UNCHANGED and saved.actual.version == first.version == 1
    assert AuditEntry.objects.filter(indicator=meetings, year=2025).count() == audit_rows


def test_a_first_save_that_loses_the_race_to_a_different_one_is_a_conflict(dept_user, admin_user, meetings):
    actual_save(user=admin_user, indicator_id=meetings.pk, year=2025, inputs={"개최횟수": "9"})

    with unseen_by_the_lock(), pytest.raises(VersionConflict) as caught:
        actual_save(user=dept_user, indicator_id=meetings.pk, year=2025, inputs={"개최횟수": "7"})

    assert caught.value.message.startswith(f"다른 사용자({admin_user.username})")
    assert Actual.objects.get(indicator=meetings, year=2025).value == 9
