"""Numbers as people write them (plan documents, forms, API, workbooks) and as pages print them.

Pure and Decimal only. `parse_decimal` is the one reading of a typed figure for every channel:
thousands separators in threes, the documents' △ (or a minus sign) for negatives, an optional
trailing percent sign, full-width digits (NFKC). Spaces may stand around the sign and the percent
sign ('△ 24', '100.00 %'), never between digits: '1 2' is refused, not read as 12.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from core.korean import with_josa

NEGATIVE = "△"
# How a stored figure (target, actual) and a stored rate are sized in the database.
VALUE_DIGITS = {"max_digits": 20, "decimal_places": 4}
RATE_DIGITS = {"max_digits": 12, "decimal_places": 2}
_NUMBER = re.compile(
    r"^(?P<sign>[△\-−]?)\s*(?P<body>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(?P<percent>%?)$"
)


class NumberError(ValueError):
    """Text that is not a figure; the message quotes it (the caller says where it stood)."""


def parse_decimal(text: str) -> Decimal | None:
    """'1,960,000' → 1960000, '△6.26%' → -6.26, '100.00 %' → 100.00, '１２' → 12, '' → None."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if not cleaned:
        return None
    match = _NUMBER.match(cleaned)
    if match is None:
        raise NumberError(not_a_number(text))
    value = Decimal(match["body"].replace(",", ""))
    return -value if match["sign"] else value


def quoted(text: object) -> str:
    """A value as messages quote it: '12회'."""
    return f"'{str(text).strip()}'"


def not_a_number(text: object) -> str:
    """The one message for text that is not a figure, on every channel: '12회'는 숫자가 아닙니다."""
    return f"{with_josa(quoted(text), '은/는')} 숫자가 아닙니다"


def whole_number(text: object, *, low: int = 0, high: int = 2**63 - 1) -> int | None:
    """A whole number written in ASCII digits within [low, high] (an id, a version, a page, a year), else None.

    Not `str.isdigit`, which also accepts '²' and other digits `int` refuses.
    """
    raw = str(text).strip() if text is not None else ""
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > len(str(high)):
        return None
    number = int(raw)
    return number if low <= number <= high else None


def parse_int(text: str) -> int | None:
    """A count such as 성과 지표수; a fraction there is an error, not something to round."""
    value = parse_decimal(text)
    if value is None:
        return None
    if value != value.to_integral_value() or value < 0:
        raise NumberError(f"{with_josa(quoted(text), '은/는')} 0 이상의 정수가 아닙니다")
    return int(value)


def decimal_places(text: str) -> int:
    """How many decimals a printed figure shows: '5.85%' → 2, '△24' → 0."""
    cleaned = "".join(unicodedata.normalize("NFKC", text).split()).removesuffix("%")
    _, _, fraction = cleaned.partition(".")
    return len(fraction)


def round_half_up(value: Decimal, places: int) -> Decimal:
    """Rounding as printed in government tables (half up, not banker's rounding)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def plain_number(number: Decimal) -> Decimal:
    """The same figure without trailing zeros or an exponent: 6.2500 → 6.25, 1E+2 → 100."""
    normalized = number.normalize()
    return normalized.quantize(Decimal(1)) if normalized == normalized.to_integral() else normalized


def plain_text(value: Decimal | None) -> str:
    """A figure as messages quote it, without separators: 1960000, 6.25; '없음' for None."""
    return "없음" if value is None else format(plain_number(value), "f")


def format_number(value: Decimal | None, places: int | None = None) -> str:
    """4430 → '4,430', -24 → '△24', 6.2600 → '6.26', (6.3, places=2) → '6.30', None → '없음'."""
    if value is None:
        return "없음"
    sign = NEGATIVE if value < 0 else ""
    magnitude = abs(value)
    if places is not None:
        magnitude = round_half_up(magnitude, places)
        integral, _, fraction = format(magnitude, "f").partition(".")
    elif magnitude == magnitude.to_integral_value():
        integral, fraction = str(int(magnitude)), ""
    else:
        integral, _, fraction = format(magnitude.normalize(), "f").partition(".")
    grouped = f"{int(integral):,}"
    return f"{sign}{grouped}.{fraction}" if fraction else f"{sign}{grouped}"


DISPLAY_PLACES = 2  # a figure shown without an indicator's own setting: as entered, at most this many decimals


_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(9)}


def format_figure(value: Decimal | None, places: int | None = None) -> str:
    """The one display of an indicator's figure (target, actual, input, computed value) on pages, working
    texts, exports and the API: `places` fixed decimals when the indicator sets them, else as entered with
    at most two: (6.285714, None) → '6.29', (6.5000, None) → '6.5', (12, 1) → '12.0', -24 → '△24'.

    Rounded half up; a value that rounds to zero loses its sign. Written for speed (a full year's scoring
    writes two figures into each of its 200,000 working texts)."""
    if value is None:
        return "없음"
    if places is None:
        if value == value.to_integral_value():
            whole = int(value)
            return f"{NEGATIVE}{-whole:,}" if whole < 0 else f"{whole:,}"
        rounded = value.quantize(_QUANTA[DISPLAY_PLACES], rounding=ROUND_HALF_UP)
        text = f"{abs(rounded):,f}".rstrip("0").rstrip(".")
    else:
        rounded = value.quantize(_QUANTA.get(places) or Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        text = f"{abs(rounded):,f}"
    return NEGATIVE + text if rounded < 0 else text


def figure_number_format(value: Decimal | None, places: int | None = None) -> str:
    """The spreadsheet number format that shows a numeric cell as `format_figure` writes it: grouped, △ for
    negatives, `places` fixed decimals, else (as entered, at most two) none for a whole number and one or two."""
    if places is None:
        whole = value is None or value == value.to_integral_value()
        pattern = "#,##0" if whole else "#,##0." + "0" + "#" * (DISPLAY_PLACES - 1)
    else:
        pattern = "#,##0" + ("." + "0" * places if places else "")
    return f'{pattern};"{NEGATIVE}"{pattern}'


KOREAN_UNITS = ((16, "경"), (12, "조"), (8, "억"), (4, "만"), (0, ""))


def korean_units(value: Decimal) -> str:
    """A figure in Korean units of four digits, as limits are written for people: 123450000 → '1억 2,345만',
    10**16 → '1경', 12345.5 → '1만 2,345.5', -20000 → '△2만'; decimals stay on the last group."""
    sign = NEGATIVE if value < 0 else ""
    magnitude = plain_number(abs(value))
    whole = int(magnitude)
    fraction = format(magnitude - whole, "f")[1:] if magnitude != whole else ""  # '.5'
    parts = []
    for exponent, unit in KOREAN_UNITS:
        group = whole // 10**exponent % 10**4 if exponent < 16 else whole // 10**exponent
        if exponent == 0:
            if group or fraction or not parts:
                parts.append(f"{group:,}{fraction}")
        elif group:
            parts.append(f"{group:,}{unit}")
    return sign + " ".join(parts)


KOREAN_UNITS_FROM = Decimal(10) ** 8  # 1억: a limit this big is written in Korean units


def format_limit(value: Decimal) -> str:
    """A bound as messages and guides quote it: 1,000 · '50,000,000' below 1억, from there in Korean units: '3억 5,000만'."""
    return korean_units(value) if abs(value) >= KOREAN_UNITS_FROM else format_number(value)


def format_amount(value: Decimal) -> str:
    """Thousands separators, trailing zeros stripped: Decimal('4708.000') → '4,708'."""
    if value == 0:
        return "0"  # also turns -0 and 0E-3 into a plain 0
    normalized = value.normalize()
    if normalized == normalized.to_integral_value():
        normalized = normalized.quantize(Decimal(1))
    return f"{normalized:,f}"
