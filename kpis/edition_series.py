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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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


def chain_of(indicator: Indicator, plan_year: int) -> Chain:
    """The chain of an indicator read through `with_chains` (`plan_year`: its own edition's)."""
    editions = [(indicator.pk, plan_year)]
    for depth in range(1, CHAIN_DEPTH + 1):
        earlier = getattr(indicator, f"edition_{depth}_id", None)
        if earlier is None:
            break
        editions.append((earlier, getattr(indicator, f"edition_{depth}_plan_year")))
    return Chain(tuple(editions))


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
