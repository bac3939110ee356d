"""The one ranking: competition ranks by score, table-driven without a database."""
from __future__ import annotations

from decimal import Decimal

import pytest

from kpis.scoring import competition_ranks

D = Decimal


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ({}, {}),
        ({1: D("102.73"), 2: D("101.23"), 3: None}, {1: 1, 2: 2}),
        # Ties share a rank and the next one counts every department above it: 1, 1, 3.
        ({1: D("102.73"), 2: D("102.73"), 3: D("90")}, {1: 1, 2: 1, 3: 3}),
        ({1: D(90), 2: D(100), 3: D(90), 4: D(90), 5: D(80)}, {2: 1, 1: 2, 3: 2, 4: 2, 5: 5}),
        # Equal whatever the written precision.
        ({1: D("90"), 2: D("90.00"), 3: D("89.99")}, {1: 1, 2: 1, 3: 3}),
        ({1: None, 2: None}, {}),
        # Negative and zero scores rank below positive ones.
        ({1: D("-5"), 2: D(0), 3: D("0.01")}, {3: 1, 2: 2, 1: 3}),
    ],
)
def test_it_ranks_by_score_with_ties_sharing_a_rank(scores, expected):
    assert competition_ranks(scores) == expected


def test_the_ranks_do_not_depend_on_the_order_the_scores_come_in():
    scores = {n: D(n % 7) for n in range(1, 50)}  # seven departments on each score from 0 to 6
    backwards = dict(reversed(list(scores.items())))
    ranks = competition_ranks(scores)
    assert competition_ranks(backwards) == ranks
    assert (ranks[6], ranks[5], ranks[7]) == (1, 8, 43)  # a 0 comes after the 42 higher scores
