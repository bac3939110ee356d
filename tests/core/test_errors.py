"""Field errors as people read them: fields named in Korean, never by their internal keys."""
from __future__ import annotations

from core.errors import InvalidInput, error_summary, field_label


def test_a_missing_return_reason_names_the_field_in_korean():
    error = InvalidInput({"comment": ["반려 사유를 입력하세요."]})
    assert error.message == "검토 의견: 반려 사유를 입력하세요."
    assert error.errors == {"comment": ["반려 사유를 입력하세요."]}  # the key stays for the API's structured part


def test_a_formulas_own_input_names_are_korean_already():
    assert error_summary({"활동인원": ["'12명'은 숫자가 아닙니다"]}) == "활동인원: '12명'은 숫자가 아닙니다"
    assert field_label("inputs.활동인원") == "활동인원"


def test_a_message_that_already_names_its_field_is_not_labelled_twice():
    assert error_summary({"weight": ["가중치는 0 이상이어야 합니다."]}) == "가중치는 0 이상이어야 합니다."


def test_a_key_without_a_korean_name_is_never_shown():
    assert error_summary({"non_field_errors": ["요청이 올바르지 않습니다."], "x_internal": ["값이 없습니다."]}) == (
        "요청이 올바르지 않습니다.; 값이 없습니다."
    )
