"""The computed columns of a 예산현황 table: pure, no database."""
from __future__ import annotations

from decimal import Decimal

import pytest

from budgets.summary import (
    AmountColumn,
    SummaryLine,
    amount_columns,
    budget_summary_rows,
    change_rate,
    parse_printed_figure,
    percent_of,
)

D = Decimal


def line(category: str, amount: str, prior: str, **printed: str) -> SummaryLine:
    return SummaryLine(category=category, label=category, amount=D(amount), prior_amount=D(prior), **printed)


# 대외협력과 of the sample: amounts as printed, in 백만원.
COOPERATION = [
    line("total", "4708", "4331", printed_share="100.00 %", printed_change="377", printed_change_rate="8.70%"),
    line("policy", "4430", "4034", printed_share="94.09 %", printed_change="396", printed_change_rate="9.80%"),
    line("admin", "278", "297", printed_share="5.91 %", printed_change="△19", printed_change_rate="△6.28%"),
    line("personnel", "136", "181", printed_share="2.89 %", printed_change="△45", printed_change_rate="△25.05%"),
    line("basic", "142", "115", printed_share="3.02 %", printed_change="27", printed_change_rate="23.17%"),
    line("financial", "0", "0", printed_share="0.00 %", printed_change="0", printed_change_rate="0.00%"),
]


@pytest.mark.parametrize(
    ("category", "share", "prior_share", "change", "rate"),
    [
        ("total", "100.00", "100.00", "377", "8.70"),
        ("policy", "94.10", "93.14", "396", "9.82"),
        ("admin", "5.90", "6.86", "-19", "-6.40"),
        ("personnel", "2.89", "4.18", "-45", "-24.86"),
        ("basic", "3.02", "2.66", "27", "23.48"),
        ("financial", "0.00", "0.00", "0", None),
    ],
)
def test_it_computes_share_change_and_rate_of_every_row(category, share, prior_share, change, rate):
    rows = {row.category: row for row in budget_summary_rows(COOPERATION)}
    row = rows[category]
    assert row.share == D(share)
    assert row.prior_share == D(prior_share)
    assert row.change == D(change)
    assert row.change_rate == (None if rate is None else D(rate))


@pytest.mark.parametrize(
    ("category", "field", "document"),
    [
        # The document computes from 천원 amounts, so its rounded figures drift from ours.
        ("policy", "doc_share", "94.09"),
        ("policy", "doc_change_rate", "9.80"),
        ("admin", "doc_change_rate", "-6.28"),
        ("personnel", "doc_change_rate", "-25.05"),
        ("basic", "doc_change_rate", "23.17"),
    ],
)
def test_it_keeps_the_document_figure_where_it_differs(category, field, document):
    rows = {row.category: row for row in budget_summary_rows(COOPERATION)}
    assert getattr(rows[category], field) == D(document)
    assert rows[category].has_doc_difference


@pytest.mark.parametrize(
    ("category", "field"),
    [
        ("total", "doc_share"),
        ("total", "doc_change"),
        ("total", "doc_change_rate"),
        ("personnel", "doc_change"),
        ("personnel", "doc_share"),
        # A rate over a prior of 0 is not computed, so the printed 0.00% has nothing to disagree with.
        ("financial", "doc_change_rate"),
    ],
)
def test_it_keeps_no_document_figure_where_both_agree(category, field):
    rows = {row.category: row for row in budget_summary_rows(COOPERATION)}
    assert getattr(rows[category], field) is None


def test_the_bureau_rows_of_the_sample_match_the_document_where_rounding_allows():
    rows = budget_summary_rows(
        [
            line("total", "15700", "14833"),
            line("policy", "15072", "14224"),
            line("admin", "628", "609"),
            line("personnel", "357", "381"),
            line("basic", "271", "228"),
            line("financial", "0", "0"),
        ]
    )
    by_category = {row.category: row for row in rows}
    assert by_category["total"].change == D("867")
    assert by_category["total"].change_rate == D("5.85")
    assert by_category["policy"].share == D("96.00")
    assert by_category["personnel"].change == D("-24")


def test_without_a_total_row_the_share_is_of_the_top_level_rows():
    rows = budget_summary_rows([line("policy", "75", "50"), line("admin", "25", "50"), line("personnel", "20", "40")])
    assert [row.share for row in rows] == [D("75.00"), D("25.00"), D("20.00")]


def test_an_all_zero_table_has_no_shares_and_no_rates():
    rows = budget_summary_rows([line("total", "0", "0"), line("policy", "0", "0")])
    assert all(row.share is None and row.change_rate is None for row in rows)
    assert all(row.change == 0 for row in rows)


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        ("1", "3", "33.33"),
        ("2", "3", "66.67"),
        ("1", "8", "12.50"),
        ("1", "800", "0.13"),  # 0.125 rounds half up
        ("-1", "800", "-0.13"),  # and away from zero below it
        ("5", "0", None),
    ],
)
def test_percent_of_rounds_half_up_and_never_divides_by_zero(part, whole, expected):
    assert percent_of(D(part), D(whole)) == (None if expected is None else D(expected))


@pytest.mark.parametrize(
    ("amount", "prior", "expected"),
    [("4708", "4331", "8.70"), ("136", "181", "-24.86"), ("100", "0", None), ("0", "0", None), ("0", "10", "-100.00")],
)
def test_change_rate(amount, prior, expected):
    assert change_rate(D(amount), D(prior)) == (None if expected is None else D(expected))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100.00 %", "100.00"),
        ("5.85%", "5.85"),
        ("1,960,000", "1960000"),
        ("△24", "-24"),
        ("△6.26%", "-6.26"),
        ("-3", "-3"),
        ("", None),
        ("  ", None),
        ("증감률", None),
        ("NaN", None),
    ],
)
def test_it_reads_printed_figures(text, expected):
    assert parse_printed_figure(text) == (None if expected is None else D(expected))


def test_amount_columns_are_ordered_by_year_and_labelled_like_the_document():
    columns = amount_columns([(2025, "budget", "예산"), (2023, "settled", "결산"), (2024, "budget", "예산")])
    assert [column.label for column in columns] == ["'23결산", "'24예산", "'25예산"]
    assert columns[0] == AmountColumn(year=2023, kind="settled", kind_label="결산")


def test_amount_columns_keep_one_column_per_year_and_kind():
    columns = amount_columns([(2023, "settled", "결산"), (2023, "settled", "결산"), (2105, "budget", "예산")])
    assert [column.label for column in columns] == ["'23결산", "'05예산"]


def test_a_year_with_its_budget_and_its_settled_amount_has_both_columns_budget_first():
    columns = amount_columns([(2024, "settled", "결산"), (2024, "budget", "예산"), (2023, "settled", "결산")])
    assert [column.label for column in columns] == ["'23결산", "'24예산", "'24결산"]
