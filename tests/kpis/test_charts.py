"""Server-rendered SVG charts: pure functions, no database."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from core.numbers import format_number
from kpis.charts import Bar, contribution_chart, nice_scale, series_chart

SVG = "{http://www.w3.org/2000/svg}"
D = Decimal


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # raises on malformed markup


def test_a_series_chart_is_well_formed_svg_with_a_korean_label():
    svg = parse(series_chart(title="정무활동 및 당정협력 강화", years=[2023, 2024, 2025, 2026, 2027],
                             targets=[D(11)] * 5, actuals=[D(12), None, None, None, None], unit="회"))
    assert svg.tag == f"{SVG}svg"
    assert svg.get("role") == "img"
    assert svg.get("aria-label") == "정무활동 및 당정협력 강화: 연도별 목표와 실적 (단위: 회)"
    texts = [t.text for t in svg.iter(f"{SVG}text") if t.text]
    assert {"실적", "목표", "단위: 회", "2023", "2027"} <= set(texts)


def test_it_draws_one_bar_per_reported_actual_and_one_marker_per_target():
    markup = series_chart(title="x", years=[2023, 2024, 2025], targets=[D(11), D(0), None],
                          actuals=[D(12), None, D(3)])
    svg = parse(markup)
    bars = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "chart__actual" and r.find(f"{SVG}title") is not None]
    assert [b.find(f"{SVG}title").text for b in bars] == ["2023년 실적 12", "2025년 실적 3"]
    markers = [p.find(f"{SVG}title").text for p in svg.iter(f"{SVG}path") if p.find(f"{SVG}title") is not None]
    assert markers == ["2023년 목표 11", "2024년 목표 0"]


def test_bar_heights_are_proportional_to_the_values():
    svg = parse(series_chart(title="x", years=[2023, 2024], targets=[None, None], actuals=[D(10), D(20)]))
    heights = [D(r.get("height")) for r in svg.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert heights[1] == heights[0] * 2


def test_text_is_escaped_so_markup_in_a_name_cannot_inject():
    markup = series_chart(title='<script>alert("x")</script> & 지표', years=[2023], targets=[D(1)], actuals=[D(1)],
                          unit="<b>")
    assert "<script>" not in markup and "<b>" not in markup
    svg = parse(markup)
    assert svg.find(f"{SVG}title").text.startswith('<script>alert("x")</script> & 지표')


def test_large_values_get_thousands_separators_and_a_wide_enough_margin():
    markup = series_chart(title="블로그", years=[2023, 2024], targets=[D(1960000), D(1970000)],
                          actuals=[D(2056074), None])
    assert "2,500,000" in markup
    assert "2023년 실적 2,056,074" in markup


def test_an_empty_series_still_renders_an_axis():
    svg = parse(series_chart(title="빈 지표", years=[2023], targets=[None], actuals=[None]))
    assert any(t.text == "0" for t in svg.iter(f"{SVG}text"))


def test_negative_values_extend_the_axis_below_zero():
    bottom, top, step = nice_scale(D(-3), D(10))
    assert bottom <= -3 and top >= 10 and bottom % step == 0


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError):
        series_chart(title="x", years=[2023, 2024], targets=[D(1)], actuals=[D(1), D(2)])


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (D(0), D(12), (D(0), D(12), D(2))),
        (D(0), D(33), (D(0), D(40), D(10))),
        (D(0), D(2056074), (D(0), D(2500000), D(500000))),
        (D(0), D("88.6"), (D(0), D(100), D(20))),
        (D(0), D(0), (D(0), D(1), D("0.2"))),
        (D(-3), D(10), (D(-5), D(10), D("2.5"))),
    ],
)
def test_nice_scale_picks_round_steps(low, high, expected):
    assert nice_scale(low, high) == expected


def test_contribution_bars_add_up_to_the_score():
    bars = [Bar("정무활동", D("32.73")), Bar("민간단체", D("30.00")), Bar("자원봉사", D("40.00"))]
    svg = parse(contribution_chart(bars=bars, score=D("102.73")))
    indicator_bars = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "chart__bar"]
    total_bar = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "chart__bar chart__bar--total"]
    widths = [D(r.get("width")) for r in indicator_bars]
    # Waterfall: each bar starts where the previous ended.
    starts = [D(r.get("x")) for r in indicator_bars]
    assert abs(starts[1] - (starts[0] + widths[0])) <= D("0.2")
    assert abs(starts[2] - (starts[1] + widths[1])) <= D("0.2")
    total = sum(D(r.get("width")) for r in total_bar)
    assert abs(sum(widths) - total) <= D("0.3")
    assert svg.get("aria-label") == "지표별 점수 기여: 합계 102.73점"
    assert [t.text for t in svg.iter(f"{SVG}text") if t.get("class", "").startswith("chart__value")] == [
        "32.73", "30.00", "40.00", "102.73"
    ]


def test_an_indicator_that_does_not_count_is_labelled_rather_than_drawn():
    svg = parse(contribution_chart(bars=[Bar("미보고 지표", None), Bar("보고 지표", D("100"))], score=D("100")))
    assert [r.get("class") for r in svg.iter(f"{SVG}rect")].count("chart__bar") == 1
    assert any(t.text == "반영 안 함" for t in svg.iter(f"{SVG}text"))


def test_a_department_without_a_score_says_so():
    svg = parse(contribution_chart(bars=[Bar("a", None)], score=None))
    assert any(t.text == "점수 없음" for t in svg.iter(f"{SVG}text"))


def test_coordinates_are_plain_decimals_without_exponents():
    markup = contribution_chart(bars=[Bar("a", D("0.01"))], score=D("0.01"))
    assert not re.search(r'="[^"]*E[-+]?\d', markup)


@pytest.mark.parametrize(("value", "text"), [(D("1960000.0000"), "1,960,000"), (D("88.50"), "88.5"), (D("-3"), "△3"), (D("0E-4"), "0")])
def test_numbers_read_as_in_the_documents(value, text):
    assert format_number(value) == text
