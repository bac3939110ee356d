"""The one particle helper: a particle follows how the word before it is read."""
from __future__ import annotations

import pytest

from core.korean import josa, with_josa


@pytest.mark.parametrize(
    ("text", "pair", "expected"),
    [
        # Hangul: a final consonant (받침) or none; ㄹ takes 로.
        ("부서", "이/가", "부서가"),
        ("실적", "이/가", "실적이"),
        ("비고", "은/는", "비고는"),
        ("목표", "을/를", "목표를"),
        ("가중치", "을/를", "가중치를"),
        ("산식", "과/와", "산식과"),
        ("사과", "와/과", "사과와"),
        ("수박", "와/과", "수박과"),
        ("서울", "으로/로", "서울로"),
        ("부산", "으로/로", "부산으로"),
        ("제주", "으로/로", "제주로"),
    ],
)
def test_it_chooses_the_particle_by_the_last_syllable(text, pair, expected):
    assert with_josa(text, pair) == expected


@pytest.mark.parametrize(
    ("text", "pair", "expected"),
    [
        ("1", "이/가", "1이"),        # 일
        ("2", "이/가", "2가"),        # 이
        ("6", "으로/로", "6으로"),    # 육
        ("1", "으로/로", "1로"),      # 일: ㄹ takes 로
        ("7", "으로/로", "7로"),      # 칠
        ("10", "이/가", "10이"),      # 십
        ("100", "이/가", "100이"),    # 백
        ("1000", "이/가", "1000이"),  # 천
        ("10000", "이/가", "10000이"),  # 만
        ("3", "을/를", "3을"),        # 삼
        ("5", "을/를", "5를"),        # 오
        ("11", "이/가", "11이"),      # 십일
        ("1,970,000", "이/가", "1,970,000이"),  # 백구십칠만
        ("12.5", "은/는", "12.5는"),  # 십이 점 오
        ("△24", "은/는", "△24는"),
    ],
)
def test_it_reads_numbers_as_they_are_read_aloud(text, pair, expected):
    assert with_josa(text, pair) == expected


@pytest.mark.parametrize(
    ("text", "pair", "expected"),
    [
        ("L", "으로/로", "L로"),  # 엘
        ("M", "은/는", "M은"),    # 엠
        ("A", "이/가", "A가"),    # 에이
        ("N", "이/가", "N이"),    # 엔
        ("'L'", "으로/로", "'L'로"),
        ("'M'", "은/는", "'M'은"),
        ("'A'", "이/가", "'A'가"),
    ],
)
def test_it_reads_latin_letters_by_their_names(text, pair, expected):
    assert with_josa(text, pair) == expected


@pytest.mark.parametrize(
    ("text", "pair", "expected"),
    [
        ("'12회'", "은/는", "'12회'는"),
        ("'서른다섯'", "은/는", "'서른다섯'은"),
        ("'-3'", "은/는", "'-3'은"),
        ("'6'", "으로/로", "'6'으로"),
        ("'(1) 주요내용'", "이/가", "'(1) 주요내용'이"),
        ("'4. 기타 현황'", "이/가", "'4. 기타 현황'이"),
        # A closing parenthetical is read past, as Korean writing does.
        ("'(대외협력과)자원봉사 활동률(%)'", "이/가", "'(대외협력과)자원봉사 활동률(%)'이"),
        ("서울(Seoul)", "은/는", "서울(Seoul)은"),
        ("(40)", "이/가", "(40)이"),  # nothing before it: read what is inside
        ("‘입력값’", "을/를", "‘입력값’을"),
    ],
)
def test_it_reads_past_quotes_brackets_and_symbols(text, pair, expected):
    assert with_josa(text, pair) == expected


def test_josa_gives_the_particle_alone():
    assert josa("12회", "은/는") == "는"
    assert josa("반려 사유", "을/를") == "를"
