"""The entry page after a refused save, on locked rows, for an unusual value, and its year links."""
from __future__ import annotations

import re
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kpis.models import Actual, ActualStatus, Indicator
from kpis.services.actuals import actual_save
from kpis.services.workflow import actual_approve, actual_return, actual_submit
from tests.conftest import _make_user
from tests.factories import entry_year

YEAR = 2024


def page_url(indicator: Indicator, year: int = YEAR) -> str:
    return reverse("entry:page", args=[indicator.department_id, year])


def save_url(indicator: Indicator) -> str:
    return reverse("entry:save", args=[indicator.department_id, YEAR, indicator.pk])


def version_of(indicator: Indicator) -> int:
    return Actual.objects.get(indicator=indicator, year=YEAR).version


def row_html(body: str, indicator: Indicator) -> str:
    """The indicator's own section of the page."""
    start = body.index(f'<section class="entry-row" id="ind-{indicator.pk}"')
    end = body.find("</section>", start)
    return body[start:end]


def field_value(row: str, name: str) -> str | None:
    found = re.search(rf'<input type="text"[^>]*name="{name}" value="([^"]*)"', row)
    return found.group(1) if found else None


def stored(user, indicator: Indicator, **values) -> Actual:
    actual_save(user=user, indicator_id=indicator.pk, year=YEAR, expected_version=version_of(indicator), **values)
    return Actual.objects.get(indicator=indicator, year=YEAR)


# --- After a refused save ------------------------------------------------------------------------------


def test_a_refused_value_stays_in_the_field_as_typed_beside_its_error(client, dept_user, meetings):
    stored(dept_user, meetings, inputs={"개최횟수": "12"})
    client.force_login(dept_user)

    body = client.post(save_url(meetings), {
        "version": version_of(meetings), "in_0": "-5", "note": "다시 센 값", "action": "save",
    }, follow=True).content.decode()

    row = row_html(body, meetings)
    assert field_value(row, "in_0") == "-5"
    assert 'aria-invalid="true"' in row and '<li data-field="in_0">' in row
    assert ">다시 센 값</textarea>" in row
    assert Actual.objects.get(indicator=meetings, year=YEAR).value == Decimal(12)


def test_after_a_refused_save_the_row_computes_nothing_from_the_old_value(client, dept_user, meetings):
    stored(dept_user, meetings, inputs={"개최횟수": "12"})
    client.force_login(dept_user)

    body = client.post(save_url(meetings), {
        "version": version_of(meetings), "in_0": "12회", "action": "save",
    }, follow=True).content.decode()

    row = row_html(body, meetings)
    assert field_value(row, "in_0") == "12회"
    assert 'value="12"' not in row
    # the live preview waits for the next keystroke instead of computing the stored 12 on load
    assert 'hx-trigger="input delay:250ms"' in row


def test_each_input_of_a_formula_keeps_what_was_typed(client, dept_user, volunteering):
    client.force_login(dept_user)

    body = client.post(save_url(volunteering), {
        "version": version_of(volunteering), "in_0": "서른다섯", "in_1": "1,754,757", "action": "save",
    }, follow=True).content.decode()

    row = row_html(body, volunteering)
    assert field_value(row, "in_0") == "서른다섯" and field_value(row, "in_1") == "1,754,757"


def test_a_value_typed_directly_keeps_what_was_typed(client, survey):
    client.force_login(_make_user("dept_comms_writer", "department", "소통기획과"))

    body = client.post(save_url(survey), {"version": version_of(survey), "value": "88.6점", "action": "save"},
                       follow=True).content.decode()

    row = row_html(body, survey)
    assert field_value(row, "value") == "88.6점" and '<li data-field="value">' in row


def test_the_typed_values_are_shown_once_then_the_stored_ones_again(client, dept_user, meetings):
    stored(dept_user, meetings, inputs={"개최횟수": "12"})
    client.force_login(dept_user)
    client.post(save_url(meetings), {"version": version_of(meetings), "in_0": "-5", "action": "save"}, follow=True)

    row = row_html(client.get(page_url(meetings)).content.decode(), meetings)

    assert field_value(row, "in_0") == "12"


# --- Locked rows ---------------------------------------------------------------------------------------


def test_a_submitted_row_shows_its_inputs_value_and_note_without_hints_or_inputs(client, dept_user, volunteering):
    actual = stored(dept_user, volunteering, inputs={"활동인원": "110000", "인구": "1754757"}, note="1365 집계")
    actual_submit(user=dept_user, actual_id=actual.pk)
    client.force_login(dept_user)

    row = row_html(client.get(page_url(volunteering)).content.decode(), volunteering)

    assert "제출" in row
    assert "110,000" in row and "1,754,757" in row
    assert ">6.27</dd>" in row  # 110000 / 1754757 × 100 = 6.2687…, shown with at most two decimals
    assert "1365 집계" in row
    assert "<input" not in row and "disabled" not in row
    assert 'class="rule"' not in row and "입력하세요" not in row


def test_an_approved_row_shows_the_reviewers_comment_and_its_evidence(client, dept_user, evaluator, meetings):
    client.force_login(dept_user)
    pdf = SimpleUploadedFile("회의록.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    client.post(save_url(meetings), {
        "version": version_of(meetings), "in_0": "12", "note": "분기별 회의", "action": "submit", "evidence": pdf,
    })
    actual = Actual.objects.get(indicator=meetings, year=YEAR)
    actual_approve(user=evaluator, actual_id=actual.pk, comment="근거 자료 확인했습니다")

    row = row_html(client.get(page_url(meetings)).content.decode(), meetings)

    assert "승인" in row and "평가 의견: 근거 자료 확인했습니다" in row
    assert ">12</dd>" in row and "분기별 회의" in row
    assert "회의록.pdf" in row
    assert "<input" not in row


def test_a_returned_row_is_a_form_again_with_the_reason_and_the_note(client, dept_user, evaluator, meetings):
    actual = stored(dept_user, meetings, inputs={"개최횟수": "12"}, note="분기별 회의")
    actual_submit(user=dept_user, actual_id=actual.pk)
    actual_return(user=evaluator, actual_id=actual.pk, comment="증빙자료를 붙여 주세요")
    client.force_login(dept_user)

    row = row_html(client.get(page_url(meetings)).content.decode(), meetings)

    assert "반려 사유: 증빙자료를 붙여 주세요" in row
    assert field_value(row, "in_0") == "12" and ">분기별 회의</textarea>" in row


def test_a_reader_sees_the_values_without_a_form(client, dept_user, evaluator, meetings):
    stored(dept_user, meetings, inputs={"개최횟수": "12"}, note="분기별 회의")
    client.force_login(evaluator)

    body = client.get(page_url(meetings)).content.decode()
    row = row_html(body, meetings)

    assert "조회만 할 수 있습니다" in body
    assert ">12</dd>" in row and "분기별 회의" in row
    assert "<input" not in row and "<form" not in row


def test_a_closed_year_shows_every_row_locked(client, dept_user, meetings):
    stored(dept_user, meetings, inputs={"개최횟수": "12"})
    entry_year(year=YEAR, is_closed=True, closed_reason="평가 완료")
    client.force_login(dept_user)

    body = client.get(page_url(meetings)).content.decode()

    assert "마감되었습니다" in body
    assert "<form" not in row_html(body, meetings) and ">12</dd>" in row_html(body, meetings)


# --- An unusual value asks before it is stored ---------------------------------------------------------


def test_a_value_over_three_times_the_target_is_not_stored_until_confirmed(client, dept_user, meetings):
    client.force_login(dept_user)
    form = {"version": version_of(meetings), "in_0": "40", "note": "", "action": "save"}  # target 11

    body = client.post(save_url(meetings), form, follow=True).content.decode()

    row = row_html(body, meetings)
    assert Actual.objects.get(indicator=meetings, year=YEAR).value is None
    assert field_value(row, "in_0") == "40"
    assert "목표(11)의 3배를 넘는 값(40)입니다" in row
    assert 'name="confirm_unusual" value="1"' in row and "확인했습니다, 저장" in row

    # the confirmation button posts the form again without an action of its own
    confirmed = {k: v for k, v in form.items() if k != "action"} | {"confirm_unusual": "1", "pending_action": "save"}
    body = client.post(save_url(meetings), confirmed, follow=True).content.decode()

    assert "임시 저장했습니다" in body
    assert Actual.objects.get(indicator=meetings, year=YEAR).value == Decimal(40)


def test_a_confirmed_unusual_value_can_be_submitted_in_the_same_step(client, dept_user, meetings):
    client.force_login(dept_user)
    form = {"version": version_of(meetings), "in_0": "40", "action": "submit"}

    body = client.post(save_url(meetings), form, follow=True).content.decode()
    assert "확인했습니다, 저장 후 제출" in row_html(body, meetings)
    assert Actual.objects.get(indicator=meetings, year=YEAR).status != ActualStatus.SUBMITTED

    client.post(save_url(meetings), {"version": form["version"], "in_0": "40", "confirm_unusual": "1",
                                     "pending_action": "submit"})

    actual = Actual.objects.get(indicator=meetings, year=YEAR)
    assert actual.status == ActualStatus.SUBMITTED and actual.value == Decimal(40)


def test_a_percentage_over_100_asks_first(client, survey):
    user = _make_user("dept_comms_writer", "department", "소통기획과")
    client.force_login(user)

    body = client.post(save_url(survey), {"version": version_of(survey), "value": "120", "action": "save"},
                       follow=True).content.decode()

    assert "100%를 넘는 값(120%)입니다" in row_html(body, survey)
    assert Actual.objects.get(indicator=survey, year=YEAR).value is None


def test_an_ordinary_value_is_saved_at_once(client, dept_user, meetings):
    client.force_login(dept_user)

    client.post(save_url(meetings), {"version": version_of(meetings), "in_0": "30", "action": "save"})

    assert Actual.objects.get(indicator=meetings, year=YEAR).value == Decimal(30)


def test_saving_a_note_beside_a_confirmed_unusual_value_asks_no_more(client, dept_user, meetings):
    stored(dept_user, meetings, inputs={"개최횟수": "40"})
    client.force_login(dept_user)

    client.post(save_url(meetings), {"version": version_of(meetings), "in_0": "40", "note": "설명", "action": "save"})

    assert Actual.objects.get(indicator=meetings, year=YEAR).note == "설명"


def test_the_live_preview_warns_about_an_unusual_value(client, dept_user, meetings):
    client.force_login(dept_user)
    url = reverse("entry:preview", args=[meetings.department_id, YEAR, meetings.pk])

    body = client.post(url, {"in_0": "40"}).content.decode()

    assert "계산값 <strong>40</strong>" in body and "확인 필요" in body and "3배를 넘는" in body
    assert "확인 필요" not in client.post(url, {"in_0": "12"}).content.decode()


# --- Year links ----------------------------------------------------------------------------------------


def test_the_selected_year_is_marked_in_the_year_links(client, dept_user, meetings):
    client.force_login(dept_user)

    body = client.get(page_url(meetings)).content.decode()

    selected = re.findall(r'<a href="[^"]*/(\d{4})/" aria-current="page" class="current">', body)
    assert selected == [str(YEAR)]
    assert "2024년 <span class=\"year-mark\">(선택됨)</span>" in body


def test_a_far_year_still_links_back_to_the_entry_year(client, dept_user, meetings):
    client.force_login(dept_user)

    body = client.get(page_url(meetings, 2030)).content.decode()

    assert f'href="{page_url(meetings, 2024)}"' in body and "입력 연도" in body


def test_a_closed_year_refuses_an_unusual_value_without_asking(client, dept_user, meetings):
    entry_year(year=YEAR, is_closed=True)
    client.force_login(dept_user)

    body = client.post(save_url(meetings), {"version": version_of(meetings), "in_0": "40", "action": "save"},
                       follow=True).content.decode()

    assert "마감되었습니다" in body and "확인 필요" not in body
    assert Actual.objects.get(indicator=meetings, year=YEAR).value is None
