"""An indicator's series across plan editions: its earlier years read through its `previous` chain.

Each year's plan carries five years of targets and actuals; next year's plan links each indicator to last
year's (Indicator.previous). A series (the drill-down's years, its chart, the weak-target check) runs over
the whole chain: a year's target comes from the edition that governs the year (kpis.editions), else from
the newest edition that has one; a year's actual from the governing edition when it holds a value, else
from the newest edition that does. Actuals stay where they were entered; nothing here writes.

The chain is read in the indicators' own query (annotations up to CHAIN_DEPTH editions back), so a
reader's query count does not grow with the number of editions.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from django.db.models import F, QuerySet

from kpis.editions import governing_plan_year
from kpis.models import Indicator

CHAIN_DEPTH = 4  # the indicator and four earlier editions: a five-year series spans at most five plans
V = TypeVar("V")


def _lookup(depth: int) -> str:
    return "__".join(["previous"] * depth)


def with_chains(queryset: QuerySet[Indicator]) -> QuerySet[Indicator]:
    """`queryset` annotated with its indicators' earlier editions: ids and plan years, no extra query."""
    annotations = {}
    for depth in range(1, CHAIN_DEPTH + 1):
        annotations[f"edition_{depth}_id"] = F(f"{_lookup(depth)}__id")
        annotations[f"edition_{depth}_plan_year"] = F(f"{_lookup(depth)}__department__bureau__plan_year")
    return queryset.annotate(**annotations)


@dataclass(frozen=True)
class Chain:
    """(indicator id, plan year) of an indicator and its earlier editions, newest first."""

    editions: tuple[tuple[int, int], ...]

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(indicator_id for indicator_id, _ in self.editions)

    def order_for(self, year: int) -> list[int]:
        """The editions to read `year` from: the governing one first, then the others newest first."""
        governing = governing_plan_year([plan_year for _, plan_year in self.editions], year)
        first = [indicator_id for indicator_id, plan_year in self.editions if plan_year == governing]
        return first + [indicator_id for indicator_id in self.ids if indicator_id not in first]


# The annotations `with_chains` adds, in order: for `values_list(..., *CHAIN_FIELDS)`.
CHAIN_FIELDS = tuple(f"edition_{depth}_{part}" for depth in range(1, CHAIN_DEPTH + 1) for part in ("id", "plan_year"))


def chain_of(indicator: Indicator, plan_year: int) -> Chain:
    """The chain of an indicator read through `with_chains` (`plan_year`: its own edition's)."""
    return chain_from_values(indicator.pk, plan_year, [getattr(indicator, field, None) for field in CHAIN_FIELDS])


def chain_from_values(indicator_id: int, plan_year: int, values: Sequence[int | None]) -> Chain:
    """The chain from a `values_list` row's CHAIN_FIELDS."""
    editions = [(indicator_id, plan_year)]
    for earlier, earlier_plan_year in zip(values[::2], values[1::2], strict=True):
        if earlier is None:
            break
        editions.append((earlier, earlier_plan_year))
    return Chain(tuple(editions))


def series_rows(
    chains: Mapping[int, Chain],
    targets: Iterable[tuple[int, int, Decimal | None]],
    actuals: Iterable[tuple[int, int, Decimal | None, str]],
) -> tuple[list[tuple[int, int, Decimal | None]], list[tuple[int, int, Decimal | None, str]]]:
    """Target and actual rows of the chains' editions, as rows of each chain's own indicator over its series
    (what kpis.score_selectors.shared._weak_by_indicator reads)."""
    target_map: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    for indicator_id, year, value in targets:
        target_map[indicator_id][year] = value
    actual_map: dict[int, dict[int, tuple]] = defaultdict(dict)
    for indicator_id, year, value, status in actuals:
        actual_map[indicator_id][year] = (value, status)
    target_rows, actual_rows = [], []
    for indicator_id, chain in chains.items():
        target_rows.extend((indicator_id, year, value) for year, value in series_targets(chain, target_map).items())
        actual_rows.extend(
            (indicator_id, year, *row) for year, row in series_actuals(chain, actual_map).items()
        )
    return target_rows, actual_rows


def series_targets(chain: Chain, targets: Mapping[int, Mapping[int, V]]) -> dict[int, V]:
    """Year → target over the chain: the governing edition's, else the newest edition's that has the year."""
    years = {year for indicator_id in chain.ids for year in targets.get(indicator_id, {})}
    merged = {}
    for year in sorted(years):
        source = next(i for i in chain.order_for(year) if year in targets.get(i, {}))
        merged[year] = targets[source][year]
    return merged


def series_actuals(
    chain: Chain, actuals: Mapping[int, Mapping[int, tuple]], *, has_value=lambda row: row[0] is not None
) -> dict[int, tuple]:
    """Year → actual row (value first) over the chain: the governing edition's when it holds a value, else the
    newest edition's that does, else the governing edition's row as it is (not reported, say)."""
    years = {year for indicator_id in chain.ids for year in actuals.get(indicator_id, {})}
    merged = {}
    for year in sorted(years):
        rows = [actuals[i][year] for i in chain.order_for(year) if year in actuals.get(i, {})]
        merged[year] = next((row for row in rows if has_value(row)), rows[0])
    return merged


def all_ids(chains: Iterable[Chain]) -> list[int]:
    return sorted({indicator_id for chain in chains for indicator_id in chain.ids})
