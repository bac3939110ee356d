"""Cell cleaning functions: table-driven, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.numbers import NumberError, decimal_places, format_number, parse_decimal, parse_int, round_half_up
from imports.cells import (
    FundingShares,
    normalize_label,
    parse_actual,
    parse_funding,
    parse_period,
    strip_html_list,
    strip_list_marker,
)

D = Decimal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,960,000", D("1960000")),
        ("4,430", D("4430")),
        ("△24", D("-24")),
        ("△6.26%", D("-6.26")),
        ("5.85%", D("5.85")),
        ("100.00 %", D("100.00")),
        ("88.5", D("88.5")),
        ("0", D("0")),
        ("０", D("0")),
        ("１２３", D("123")),
        ("１，２３４", D("1234")),
        ("−3", D("-3")),
        ("-3.5", D("-3.5")),
        (" 15 ", D("15")),
        ("", None),
        ("   ", None),
    ],
)
def test_parse_decimal_reads_the_figures_printed_in_plan_documents(text: str, expected: Decimal | None) -> None:
    value = parse_decimal(text)
    assert value == expected
    assert value is None or isinstance(value, Decimal)


@pytest.mark.parametrize("text", ["1O5", "1l", "12a", "1,96", "1,9600", "1.2.3", "%", "△", "십", "1 000,0"])
def test_parse_decimal_rejects_a_letter_or_a_malformed_number_and_quotes_it(text: str) -> None:
    with pytest.raises(NumberError, match="숫자가 아닙니다"):
        parse_decimal(text)


def test_parse_decimal_error_message_quotes_the_cell_as_printed() -> None:
    with pytest.raises(NumberError) as info:
        parse_decimal("1O5")
    assert str(info.value) == "'1O5'는 숫자가 아닙니다"


@pytest.mark.parametrize(("text", "expected"), [("3", 3), ("12", 12), ("", None), ("1,024", 1024)])
def test_parse_int_reads_counts(text: str, expected: int | None) -> None:
    assert parse_int(text) == expected


@pytest.mark.parametrize("text", ["1.5", "△2", "x"])
def test_parse_int_rejects_fractions_negatives_and_letters(text: str) -> None:
    with pytest.raises(NumberError):
        parse_int(text)


@pytest.mark.parametrize(
    ("text", "value", "supplementary"),
    [
        ("88.5(86.31)", D("88.5"), D("86.31")),
        ("86.5 (85.95)", D("86.5"), D("85.95")),
        ("88.5（86.31）", D("88.5"), D("86.31")),
        ("2,056,074", D("2056074"), None),
        ("12", D("12"), None),
        ("0", D("0"), None),
        ("", None, None),
    ],
)
def test_parse_actual_keeps_the_figure_and_its_parenthesised_supplement(
    text: str, value: Decimal | None, supplementary: Decimal | None
) -> None:
    assert parse_actual(text) == (value, supplementary)


@pytest.mark.parametrize("text", ["88.5(x)", "abc", "88.5(86.31"])
def test_parse_actual_rejects_text_that_is_not_a_figure(text: str) -> None:
    with pytest.raises(NumberError):
        parse_actual(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '<ul style="list-style-type: none"> ○ 함께 성공을 위한 대내외 소통·협치 ○ 수도권·세종지역 도정 과제 지원',
            ["함께 성공을 위한 대내외 소통·협치", "수도권·세종지역 도정 과제 지원"],
        ),
        ("<ul><li>○ a</li><li>○ b &amp; c</li></ul>", ["a", "b & c"]),
        ("○ 도내 방송사별   송출 ○ 해외방송 홍보", ["도내 방송사별 송출", "해외방송 홍보"]),
        ("보조사업", ["보조사업"]),
        ("", []),
        ("<ul> </ul>", []),
    ],
)
def test_strip_html_list_splits_on_circles_and_drops_tags(text: str, expected: list[str]) -> None:
    assert strip_html_list(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1. 정치권 협력체계 강화", "정치권 협력체계 강화"),
        ("2) 국제교류협력 증진", "국제교류협력 증진"),
        ("- 지역특화 비자 운영", "지역특화 비자 운영"),
        ("○ 지역 인구감소에 대응", "지역 인구감소에 대응"),
        ("1시군 1외국인지원센터", "1시군 1외국인지원센터"),
    ],
)
def test_strip_list_marker_removes_only_the_leading_number_or_bullet(text: str, expected: str) -> None:
    assert strip_list_marker(text) == expected


@pytest.mark.parametrize(
    ("text", "national", "provincial", "municipal"),
    [
        ("국비 50%, 도비 20%, 시군비 30%", "50", "20", "30"),
        ("국비 50%, 도비 50%", "50", "50", "0"),
        ("도비 20%, 시군비 80%", "0", "20", "80"),
        ("도비(100%)", "0", "100", "0"),
        ("도비 100%", "0", "100", "0"),
        ("100% 도비사업", "0", "100", "0"),
        ("도비 20%", None, "20", None),  # shares short of 100: the rest is unknown, not 0
    ],
)
def test_parse_funding_reads_shares_by_source(
    text: str, national: str | None, provincial: str | None, municipal: str | None
) -> None:
    as_decimal = lambda value: None if value is None else D(value)
    assert parse_funding(text) == FundingShares(as_decimal(national), as_decimal(provincial), as_decimal(municipal))


@pytest.mark.parametrize(
    "text",
    [
        "보조사업",
        "지역특화형 비자사업",
        "고등학생(전북도 교육감이 고시하는 공납금 전액), 대학생(고등학생 공납금 전액의 120%)",
        "국비 50%, 도비 50%, 국비 10%",
        "",
    ],
)
def test_parse_funding_gives_none_for_free_text(text: str) -> None:
    assert parse_funding(text) is None


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2025년01월01일 ~ 2029년12월31일", date(2025, 1, 1), date(2029, 12, 31)),
        ("2025년 1월 1일 ~ 2029년 12월 31일", date(2025, 1, 1), date(2029, 12, 31)),
        ("2025.01.01 ~ 2029.12.31", date(2025, 1, 1), date(2029, 12, 31)),
        ("2025-03-01 ~", date(2025, 3, 1), None),
        ("2025년02월30일 ~ 2029년12월31일", None, date(2029, 12, 31)),
        ("계속사업", None, None),
        ("", None, None),
    ],
)
def test_parse_period_reads_both_dates_or_none(text: str, start: date | None, end: date | None) -> None:
    assert parse_period(text) == (start, end)


@pytest.mark.parametrize(
    ("text", "expected"), [("정 책 사 업", "정책사업"), ("외국인국제정책 과", "외국인국제정책과"), (" 구 분 ", "구분")]
)
def test_normalize_label_removes_all_whitespace(text: str, expected: str) -> None:
    assert normalize_label(text) == expected


@pytest.mark.parametrize(("text", "places"), [("5.85%", 2), ("100.00 %", 2), ("△24", 0), ("6.3", 1), ("", 0)])
def test_decimal_places_counts_printed_decimals(text: str, places: int) -> None:
    assert decimal_places(text) == places


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [(D("2.275"), 2, D("2.28")), (D("2.265"), 2, D("2.27")), (D("-6.295"), 2, D("-6.30")), (D("0.5"), 0, D("1"))],
)
def test_round_half_up_rounds_halves_away_from_zero(value: Decimal, places: int, expected: Decimal) -> None:
    assert round_half_up(value, places) == expected


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (D("4430"), None, "4,430"),
        (D("-24"), None, "△24"),
        (D("6.2600"), None, "6.26"),
        (D("1970000.0000"), None, "1,970,000"),
        (D("-6.3"), 2, "△6.30"),
        (None, None, "없음"),
    ],
)
def test_format_number_prints_figures_the_way_the_document_does(
    value: Decimal | None, places: int | None, expected: str
) -> None:
    assert format_number(value, places) == expected
