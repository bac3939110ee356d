"""The one display of an indicator's figures, and the Korean units limits are written in."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from core.numbers import figure_number_format, format_figure, format_limit, korean_units


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        # No setting: as entered, at most two decimals.
        (D("6.285714285714285714285714286"), None, "6.29"),
        (D("6.5000"), None, "6.5"),
        (D("12.0000"), None, "12"),
        (D("0.005"), None, "0.01"),  # half up, not to even
        (D("0.015"), None, "0.02"),
        (D("2.675"), None, "2.68"),
        # The indicator's own decimals.
        (D("6.285714"), 0, "6"),
        (D("2.5"), 0, "3"),
        (D("3.5"), 0, "4"),
        (D(12), 1, "12.0"),
        (D("6.25"), 1, "6.3"),
        (D("6.285714"), 2, "6.29"),
        (D("88.5"), 2, "88.50"),
        # Negatives with the documents' triangle.
        (D(-24), None, "△24"),
        (D("-6.255"), None, "△6.26"),
        (D("-0.5"), 0, "△1"),
        # Big numbers grouped in thousands.
        (D(2056074), None, "2,056,074"),
        (D("1960000.0000"), 2, "1,960,000.00"),
        (D("9999999999999999.9999"), None, "10,000,000,000,000,000"),
        (None, None, "없음"),
        (None, 2, "없음"),
    ],
)
def test_format_figure(value, places, expected):
    assert format_figure(value, places) == expected


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (D(12), None, '#,##0;"△"#,##0'),
        (D("6.2857"), None, '#,##0.0#;"△"#,##0.0#'),
        (None, None, '#,##0;"△"#,##0'),
        (D("6.2857"), 0, '#,##0;"△"#,##0'),
        (D("6.2857"), 3, '#,##0.000;"△"#,##0.000'),
    ],
)
def test_a_spreadsheet_cell_shows_the_same_decimals(value, places, expected):
    assert figure_number_format(value, places) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D(123450000), "1억 2,345만"),
        (D("1E16"), "1경"),
        (D("9999999999999999.9999"), "9,999조 9,999억 9,999만 9,999.9999"),
        (D(1960000), "196만"),
        (D(100000000), "1억"),
        (D(1000000000000), "1조"),
        (D("12345.5"), "1만 2,345.5"),
        (D(-20000), "△2만"),
        (D(0), "0"),
        (D("0.5"), "0.5"),
    ],
)
def test_korean_units(value, expected):
    assert korean_units(value) == expected


def test_a_limit_is_written_in_korean_units_from_one_eok():
    assert format_limit(D(50000000)) == "50,000,000"
    assert format_limit(D(350000000)) == "3억 5,000만"
    assert format_limit(D("-1E16")) == "△1경"
