"""What a value may be: an indicator's value domain, and the one check every channel applies.

Pure, Decimal only. A domain is a minimum, a maximum (either may be open) and the number of
decimal places kept (0: whole numbers only). Defaults come from the unit: counts (회, 건, 명, 개,
개소) are whole numbers ≥ 0; %, 원, 천원, 백만원 are ≥ 0; any other unit is open. A planner may
change an indicator's domain (a rate of change may be negative). An indicator has two: one for the
value it reports, one for the inputs of its formula.

`value_read` is used by the web form, the API, the actuals workbook (its guide, its cell
validation and its upload) and the plan workbook, so that a value is accepted, stored and
refused the same way, with the same Korean message, whichever way it arrives. A value typed with
more decimals than the domain keeps is refused; a value computed by a formula is rounded half up
to them (`value_round`).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.korean import with_josa
from core.numbers import VALUE_DIGITS, NumberError, format_limit, korean_units, parse_decimal, quoted

COUNT_UNITS = frozenset({"회", "건", "명", "개", "개소"})
NON_NEGATIVE_UNITS = frozenset({"%", "원", "천원", "백만원"})
MAX_PLACES = VALUE_DIGITS["decimal_places"]
# A stored figure has at most this many digits before the point (DECIMAL(20, 4)).
MAX_INTEGER_DIGITS = VALUE_DIGITS["max_digits"] - VALUE_DIGITS["decimal_places"]
MAGNITUDE_LIMIT = Decimal(10) ** MAX_INTEGER_DIGITS
NOTE_MAX_LENGTH = 2000
VALUE_FIELD = "value"  # the field a refused value (or a computed one) is reported under on every channel
PLACE_NAMES = {1: "첫째", 2: "둘째", 3: "셋째", 4: "넷째"}


class ValueRefused(ValueError):
    """A value outside its domain, or not a figure; `message` is the same on every channel."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ValueDomain:
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    places: int = MAX_PLACES  # decimals kept; 0 = whole numbers only

    @property
    def whole(self) -> bool:
        return self.places == 0

    def describe(self) -> str:
        """The domain in words, for guides and hints: '0 이상의 정수', '0 이상 (소수 넷째 자리까지)'."""
        bounds = []
        if self.minimum is not None:
            bounds.append(f"{format_limit(self.minimum)} 이상")
        if self.maximum is not None:
            bounds.append(f"{format_limit(self.maximum)} 이하")
        if self.whole:
            return (" ".join(bounds) + "의 정수") if bounds else "정수"
        kept = f"소수 {PLACE_NAMES[self.places]} 자리까지"
        return f"{' '.join(bounds)} ({kept})" if bounds else f"숫자 ({kept})"


def domain_for_unit(unit: str) -> ValueDomain:
    """The default domain of an indicator measured in `unit`."""
    unit = (unit or "").strip()
    if unit in COUNT_UNITS:
        return ValueDomain(minimum=Decimal(0), places=0)
    if unit in NON_NEGATIVE_UNITS:
        return ValueDomain(minimum=Decimal(0))
    return ValueDomain()


def value_check(value: Decimal, domain: ValueDomain, *, shown: str | None = None) -> Decimal:
    """`value` if it lies in `domain`, else ValueRefused quoting `shown` (what the user typed)."""
    text = quoted(shown if shown is not None else format(value, "f"))
    if not value.is_finite():
        raise ValueRefused(f"{with_josa(text, '은/는')} 숫자가 아닙니다")
    if abs(value) >= MAGNITUDE_LIMIT:
        raise ValueRefused(
            f"{with_josa(text, '은/는')} 너무 큰 숫자입니다 ({korean_units(MAGNITUDE_LIMIT)} 미만만 입력할 수 있습니다)"
        )
    if domain.minimum is not None and value < domain.minimum:
        raise ValueRefused(f"{with_josa(text, '은/는')} {format_limit(domain.minimum)} 이상이어야 합니다")
    if domain.maximum is not None and value > domain.maximum:
        raise ValueRefused(f"{with_josa(text, '은/는')} {format_limit(domain.maximum)} 이하여야 합니다")
    if _places(value) > domain.places:
        if domain.whole:
            raise ValueRefused(f"{with_josa(text, '은/는')} 정수가 아닙니다. 소수점 없이 입력하세요")
        raise ValueRefused(f"{text}: 소수 {PLACE_NAMES[domain.places]} 자리까지 입력할 수 있습니다")
    return value


def value_read(raw: object, domain: ValueDomain, *, label: str) -> Decimal:
    """What a user typed for one figure (text from a form, the API or a text cell; a number from a
    numeric cell), read and checked against `domain`. `label` names the figure when it is missing."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise ValueRefused(f"{quoted(label)} 값을 입력하세요")
    if isinstance(raw, bool):
        raise ValueRefused(f"{with_josa(quoted(raw), '은/는')} 숫자가 아닙니다")
    if isinstance(raw, (int, Decimal)):
        return value_check(Decimal(raw), domain, shown=str(raw))
    if isinstance(raw, float):
        shown = str(int(raw)) if raw.is_integer() else repr(raw)
        try:
            number = Decimal(shown)
        except InvalidOperation as exc:
            raise ValueRefused(f"{with_josa(quoted(shown), '은/는')} 숫자가 아닙니다") from exc
        return value_check(number, domain, shown=shown)
    text = str(raw)
    try:
        number = parse_decimal(text)
    except NumberError as exc:
        raise ValueRefused(str(exc)) from exc
    assert number is not None  # blank text was handled above
    return value_check(number, domain, shown=text.strip())


def value_round(value: Decimal, domain: ValueDomain) -> Decimal:
    """A computed value rounded half up to the decimals the domain keeps."""
    return value.quantize(Decimal(1).scaleb(-domain.places), rounding=ROUND_HALF_UP)


def note_check(note: str) -> str:
    """A note (비고) as stored: line breaks as LF (a browser sends a textarea's as CRLF), without surrounding
    blanks, at most NOTE_MAX_LENGTH characters, on every channel."""
    note = note.replace("\r\n", "\n").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValueRefused(f"비고는 {NOTE_MAX_LENGTH:,}자까지 입력할 수 있습니다 (입력한 글자 수: {len(note):,}자)")
    return note


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0
