"""The one ranking of departments by score: pages, API, exports and finalised results all use it."""
from __future__ import annotations

from collections.abc import Hashable, Mapping
from decimal import Decimal
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)


def competition_ranks(scores: Mapping[Key, Decimal | None]) -> dict[Key, int]:
    """Competition ranks (1, 1, 3), highest score first; a key without a score gets no rank.

    A rank is 1 + the number of scores strictly above it, so equal scores share a rank and the
    next one skips as many places as shared it. Keys without a score are left out of the result.
    """
    ordered = sorted((score for score in scores.values() if score is not None), reverse=True)
    first_place: dict[Decimal, int] = {}
    for place, score in enumerate(ordered, start=1):
        first_place.setdefault(score, place)
    return {key: first_place[score] for key, score in scores.items() if score is not None}
