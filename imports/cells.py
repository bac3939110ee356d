"""Small cleaning functions for the text cells of plan documents: labels, lists, actuals, funding, periods.

Every function is pure; figures are read by `core.numbers.parse_decimal` and come back as `Decimal`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.numbers import parse_decimal

__all__ = [
    "FundingShares",
    "normalize_label",
    "parse_actual",
    "parse_funding",
    "parse_period",
    "strip_html_list",
    "strip_list_marker",
]

HUNDRED = Decimal(100)

_ACTUAL = re.compile(r"^(?P<value>[^()]+?)\s*\((?P<supplementary>[^()]+)\)$")
_TAG = re.compile(r"<[^>]*>")
_LIST_BULLETS = re.compile(r"[○●◦•]")
_LIST_MARKER = re.compile(r"^\s*(?:\d+\s*[.)]|[-○●◦•·*□])\s*")
_DATE = re.compile(r"(\d{4})\s*(?:년|[.\-/])\s*(\d{1,2})\s*(?:월|[.\-/])\s*(\d{1,2})\s*일?")
_SOURCES = {"국비": "national", "도비": "provincial", "시군비": "municipal", "시·군비": "municipal"}
_SOURCE = "|".join(re.escape(name) for name in sorted(_SOURCES, key=len, reverse=True))
# "국비 50%", "도비(100%)" or "100% 도비사업": a source name and a percentage, in either order.
_SHARE = re.compile(
    rf"(?P<source_first>{_SOURCE})\s*\(?\s*(?P<share_after>\d+(?:\.\d+)?)\s*%\s*\)?"
    rf"|(?P<share_first>\d+(?:\.\d+)?)\s*%\s*(?P<source_after>{_SOURCE})(?:사업)?"
)
_SHARE_FILLER = re.compile(r"^[\s,;/·및]*$")


@dataclass(frozen=True)
class FundingShares:
    """Shares of a budget program's funding by source, in percent."""

    national: Decimal | None
    provincial: Decimal | None
    municipal: Decimal | None

    @property
    def total(self) -> Decimal:
        return sum(
            (share for share in (self.national, self.provincial, self.municipal) if share is not None), Decimal(0)
        )


def normalize_label(text: str) -> str:
    """Labels are compared without any whitespace: the export spaces out '정 책 사 업'."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def parse_actual(text: str) -> tuple[Decimal | None, Decimal | None]:
    """'88.5(86.31)' → (88.5, 86.31): the reported figure and a supplementary measurement."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    match = _ACTUAL.match(cleaned)
    if match is None:
        return parse_decimal(cleaned), None
    return parse_decimal(match["value"]), parse_decimal(match["supplementary"])


def strip_html_list(text: str) -> list[str]:
    """'<ul …> ○ a ○ b</ul>' → ['a', 'b']; plain text gives one item, blank text none."""
    plain = html.unescape(_TAG.sub(" ", text))
    items = [" ".join(part.split()) for part in _LIST_BULLETS.split(plain)]
    return [item for item in items if item]


def strip_list_marker(text: str) -> str:
    """'1. 정치권 협력체계 강화' → '정치권 협력체계 강화': list order is kept by the list itself."""
    return _LIST_MARKER.sub("", text, count=1).strip()


def parse_funding(text: str) -> FundingShares | None:
    """'국비 50%, 도비 20%, 시군비 30%' → shares; free text such as '보조사업' → None.

    The whole text must be made of shares (and separators), so that a percentage inside prose,
    e.g. '대학생(공납금 전액의 120%)', is not mistaken for a share. When the named shares add up
    to 100 the sources not named are 0 (the document states the full split); otherwise they are
    unknown (None).
    """
    cleaned = unicodedata.normalize("NFKC", text).strip()
    shares: dict[str, Decimal] = {}
    rest: list[str] = []
    position = 0
    for match in _SHARE.finditer(cleaned):
        rest.append(cleaned[position : match.start()])
        position = match.end()
        source = _SOURCES[match["source_first"] or match["source_after"]]
        if source in shares:
            return None
        shares[source] = Decimal(match["share_after"] or match["share_first"])
    rest.append(cleaned[position:])
    if not shares or not all(_SHARE_FILLER.match(piece) for piece in rest):
        return None
    default = Decimal(0) if sum(shares.values(), Decimal(0)) == HUNDRED else None
    return FundingShares(
        national=shares.get("national", default),
        provincial=shares.get("provincial", default),
        municipal=shares.get("municipal", default),
    )


def parse_period(text: str) -> tuple[date | None, date | None]:
    """'2025년01월01일 ~ 2029년12월31일' → (2025-01-01, 2029-12-31); unreadable parts → None."""
    found: list[date | None] = []
    for match in _DATE.finditer(unicodedata.normalize("NFKC", text)):
        try:
            found.append(date(int(match[1]), int(match[2]), int(match[3])))
        except ValueError:
            found.append(None)
    if len(found) == 1:
        return found[0], None
    if len(found) == 2:
        return found[0], found[1]
    return None, None
