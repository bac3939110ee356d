"""Korean particles (조사) chosen by how the word before them is read: '12회'는, '서른다섯'은, 11이, 6으로.

Pure. A Hangul syllable is read as written; digits as Sino-Korean numbers (10 십, 100 백, 1000 천,
10000 만); Latin letters by their English names (L 엘, M 엠, N 엔, R 알); closing quotes, brackets,
spaces and other marks are skipped to reach the word they follow. A closing parenthetical is read past as
Korean writing does ('활동률(%)'이, 서울(Seoul)은), unless nothing stands before it.
"""
from __future__ import annotations

import re

# Final consonant (받침) of a word's last sound: None (a vowel), or the consonant; only ㄹ matters
# beyond "has one", for 으로/로.
_DIGIT_FINALS = {"0": "ㅇ", "1": "ㄹ", "2": None, "3": "ㅁ", "4": None, "5": None, "6": "ㄱ", "7": "ㄹ", "8": "ㄹ", "9": None}
# A whole number ending in zeros is read ending in a unit: 십 (ㅂ), 백 (ㄱ), 천 (ㄴ) by the zeros within a
# group of four, else the group's own unit: 만 (ㄴ), 억 (ㄱ), 조 (none), 경 (ㅇ).
_PLACE_FINALS = {1: "ㅂ", 2: "ㄱ", 3: "ㄴ"}
_GROUP_FINALS = {4: "ㄴ", 8: "ㄱ", 12: None, 16: "ㅇ"}
_LETTER_FINALS = {"l": "ㄹ", "m": "ㅁ", "n": "ㄴ", "r": "ㄹ"}
_SKIPPED = " \t\n'\"‘’“”)]}>」』〉》.,!?%"  # marks read past: the particle follows the word inside
_PARENTHETICAL = re.compile(r"\([^()]*\)$")
_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_RIEUL_INDEX = 8
_PAIRS = {
    "은/는": ("은", "는"), "이/가": ("이", "가"), "을/를": ("을", "를"), "과/와": ("과", "와"), "와/과": ("과", "와"),
    "으로/로": ("으로", "로"), "이에요/예요": ("이에요", "예요"), "이다/다": ("이다", "다"),
}


def final_consonant(text: str) -> str | None:
    """The final consonant of the last word of `text` as read aloud ('ㄹ', 'ㄴ', …), or None after a vowel."""
    word = _last_word(text)
    if not word:
        return None
    last = word[-1]
    code = ord(last)
    if _HANGUL_FIRST <= code <= _HANGUL_LAST:
        index = (code - _HANGUL_FIRST) % 28
        if index == 0:
            return None
        return "ㄹ" if index == _RIEUL_INDEX else "ㅇ"  # which consonant only matters for ㄹ
    if last.isdigit() and last.isascii():
        digits = "".join(ch for ch in word if ch.isascii() and (ch.isdigit() or ch == "."))
        if last == "0" and "." not in digits and digits.strip("0"):
            zeros = len(digits) - len(digits.rstrip("0"))
            if zeros % 4:
                return _PLACE_FINALS[zeros % 4]
            return _GROUP_FINALS.get(zeros, "ㄴ")
        return _DIGIT_FINALS[last]
    if last.isascii() and last.isalpha():
        return _LETTER_FINALS.get(last.lower())
    return None


def _last_word(text: str) -> str:
    """`text` without the marks after its last word and without a closing parenthetical that follows one."""
    marks = _SKIPPED.replace(")", "")
    word = text
    while True:
        word = word.rstrip(marks)
        match = _PARENTHETICAL.search(word)
        if match is None or not word[: match.start()].strip(_SKIPPED):
            return word.rstrip(_SKIPPED)
        word = word[: match.start()]


def josa(text: str, pair: str) -> str:
    """The particle of `pair` ('은/는', '이/가', '을/를', '과/와', '으로/로', …) that follows `text`."""
    with_final, without = _PAIRS[pair]
    final = final_consonant(text)
    if pair == "으로/로":
        return without if final in (None, "ㄹ") else with_final
    return without if final is None else with_final


def with_josa(text: str, pair: str) -> str:
    """`text` followed by its particle: with_josa("'12회'", "은/는") → "'12회'는"."""
    return text + josa(text, pair)
