"""Inline SVG charts rendered on the server: pure functions, Decimal in, escaped markup out.

No JavaScript and no external assets, so a chart reads the same on screen, in print and in a
saved page. Coordinates are computed with Decimal and written with one decimal place.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from html import escape

from core.numbers import format_figure, format_number

NICE_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
# Palette for contribution bars; colour-blind safe (Okabe–Ito), readable in greyscale print.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#555555")
CHAR_WIDTH = Decimal("6.6")  # average advance of an 11px tabular digit, for label margins


@dataclass(frozen=True)
class Series:
    """One line or bar series aligned with the chart's years; None is a gap."""

    label: str
    values: Sequence[Decimal | None]


@dataclass(frozen=True)
class Bar:
    """One indicator's contribution to a score; None when it does not count."""

    label: str
    value: Decimal | None


def nice_scale(low: Decimal, high: Decimal, intervals: int = 6) -> tuple[Decimal, Decimal, Decimal]:
    """(bottom, top, step): the smallest round step (1, 2, 2.5, 5 × 10ⁿ) giving at most `intervals`
    intervals, with bottom ≤ low and top ≥ high; zero is always inside."""
    low, high = min(low, Decimal(0)), max(high, Decimal(0))
    if high == low:
        high = low + 1
    raw = (high - low) / intervals
    exponent = raw.adjusted()
    unit = Decimal(1).scaleb(exponent)
    fraction = raw / unit
    step = next(nice for nice in NICE_STEPS if nice >= fraction) * unit
    top = (high / step).to_integral_value(rounding=ROUND_CEILING) * step
    bottom = (low / step).to_integral_value(rounding=ROUND_FLOOR) * step
    return bottom, top, step


def _c(value: Decimal) -> str:
    """An SVG coordinate: one decimal place, no exponent."""
    return f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):f}"


def series_chart(
    *, title: str, years: Sequence[int], targets: Sequence[Decimal | None], actuals: Sequence[Decimal | None],
    unit: str = "", places: int | None = None, width: int = 380, height: int = 190,
) -> str:
    """Targets (line with diamonds) against actuals (bars) over the plan years, as one <svg>; `places`: the
    indicator's decimals for the figures in the tooltips."""
    if len(targets) != len(years) or len(actuals) != len(years):
        raise ValueError("targets and actuals must have one value per year")
    values = [v for v in (*targets, *actuals) if v is not None]
    bottom, top, step = nice_scale(min(values, default=Decimal(0)), max(values, default=Decimal(0)))
    tick_values = []
    tick = bottom
    while tick <= top:
        tick_values.append(tick)
        tick += step
    tick_labels = [format_number(t) for t in tick_values]
    left = Decimal(max(len(label) for label in tick_labels)) * CHAR_WIDTH + 12
    right, top_pad, bottom_pad = Decimal(10), Decimal(30), Decimal(24)
    plot_w = Decimal(width) - left - right
    plot_h = Decimal(height) - top_pad - bottom_pad
    span = top - bottom

    def y(value: Decimal) -> Decimal:
        return top_pad + plot_h - (value - bottom) * plot_h / span

    slot = plot_w / max(len(years), 1)
    centres = [left + slot * i + slot / 2 for i in range(len(years))]
    label = f"{title}: 연도별 목표와 실적" + (f" (단위: {unit})" if unit else "")
    parts = [
        (f'<svg class="chart chart--series" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}">'),
        f"<title>{escape(label)}</title>",
        # Legend: bars are actuals, the line is the target.
        f'<rect x="{_c(left)}" y="6" width="10" height="10" class="chart__actual" fill="#8fb3dc"/>',
        f'<text x="{_c(left + 14)}" y="15" class="chart__legend" font-size="11" fill="#1c2430">실적</text>',
        f'<line x1="{_c(left + 50)}" y1="11" x2="{_c(left + 70)}" y2="11" class="chart__target-line" fill="none" stroke="#b3261e" stroke-width="1.5" stroke-dasharray="4 2"/>',
        f'<path d="{_diamond(left + 60, Decimal(11))}" class="chart__target-dot" fill="#b3261e"/>',
        f'<text x="{_c(left + 74)}" y="15" class="chart__legend" font-size="11" fill="#1c2430">목표</text>',
    ]
    if unit:
        parts.append(
            f'<text x="{_c(Decimal(width) - right)}" y="15" text-anchor="end" class="chart__unit" font-size="11" fill="#4a5566">'
            f"단위: {escape(unit)}</text>"
        )
    for value, text in zip(tick_values, tick_labels, strict=True):
        ty = y(value)
        parts.append(
            f'<line x1="{_c(left)}" y1="{_c(ty)}" x2="{_c(left + plot_w)}" y2="{_c(ty)}" '
            f'class="{"chart__axis" if value == 0 else "chart__grid"}" stroke="{"#4a5566" if value == 0 else "#e1e6ed"}"/>'
        )
        parts.append(f'<text x="{_c(left - 5)}" y="{_c(ty + 4)}" text-anchor="end" class="chart__tick" font-size="10" fill="#4a5566">{text}</text>')
    bar_w = min(slot * Decimal("0.5"), Decimal(28))
    zero = y(Decimal(0))
    for year, centre, actual in zip(years, centres, actuals, strict=True):
        parts.append(
            f'<text x="{_c(centre)}" y="{_c(Decimal(height) - 6)}" text-anchor="middle" class="chart__tick" font-size="10" fill="#4a5566">'
            f"{year}</text>"
        )
        if actual is None:
            continue
        ay = y(actual)
        parts.append(
            f'<rect x="{_c(centre - bar_w / 2)}" y="{_c(min(ay, zero))}" width="{_c(bar_w)}" '
            f'height="{_c(abs(zero - ay))}" class="chart__actual" fill="#8fb3dc">'
            f"<title>{year}년 실적 {format_figure(actual, places)}</title></rect>"
        )
    points = [(c, t, yr) for c, t, yr in zip(centres, targets, years, strict=True) if t is not None]
    if len(points) > 1:
        path = " ".join(f"{'M' if i == 0 else 'L'}{_c(c)},{_c(y(t))}" for i, (c, t, _) in enumerate(points))
        parts.append(f'<path d="{path}" class="chart__target-line" fill="none" stroke="#b3261e" stroke-width="1.5" stroke-dasharray="4 2"/>')
    for centre, target, year in points:
        parts.append(
            f'<path d="{_diamond(centre, y(target))}" class="chart__target-dot" fill="#b3261e">'
            f"<title>{year}년 목표 {format_figure(target, places)}</title></path>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _diamond(cx: Decimal, cy: Decimal, r: Decimal = Decimal(4)) -> str:
    return f"M{_c(cx)},{_c(cy - r)} L{_c(cx + r)},{_c(cy)} L{_c(cx)},{_c(cy + r)} L{_c(cx - r)},{_c(cy)} Z"


def contribution_chart(*, bars: Sequence[Bar], score: Decimal | None, width: int = 680, row: int = 22) -> str:
    """A waterfall: each indicator's bar starts where the previous one ended, so they add up to the score.

    The last row is the score itself; a dashed rule marks 100 points.
    """
    counted = [bar.value for bar in bars if bar.value is not None]
    total = score if score is not None else sum(counted, Decimal(0))
    scale_max = max(Decimal(100), total, sum((v for v in counted if v > 0), Decimal(0)))
    label_w, value_w = Decimal(210), Decimal(62)
    plot_w = Decimal(width) - label_w - value_w
    height = row * (len(bars) + 1) + 26

    def x(value: Decimal) -> Decimal:
        return label_w + value * plot_w / scale_max

    aria = "지표별 점수 기여" + (f": 합계 {_points(score)}점" if score is not None else "")
    parts = [
        (f'<svg class="chart chart--bars" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(aria)}">'),
        f"<title>{escape(aria)}</title>",
    ]
    start = Decimal(0)
    for index, bar in enumerate(bars):
        top = Decimal(row * index + 4)
        parts.append(
            f'<text x="{_c(label_w - 6)}" y="{_c(top + 13)}" text-anchor="end" class="chart__label" font-size="11" fill="#1c2430">'
            f"{escape(_shorten(bar.label))}<title>{escape(bar.label)}</title></text>"
        )
        if bar.value is None:
            parts.append(f'<text x="{_c(label_w + 4)}" y="{_c(top + 13)}" class="chart__none" font-size="10" fill="#7a8494">반영 안 함</text>')
            continue
        end = start + bar.value
        colour = PALETTE[index % len(PALETTE)]
        parts.append(
            f'<rect x="{_c(x(min(start, end)))}" y="{_c(top)}" width="{_c(abs(x(end) - x(start)))}" height="16" '
            f'fill="{colour}" class="chart__bar"><title>{escape(bar.label)}: {_points(bar.value)}점</title></rect>'
        )
        parts.append(
            f'<text x="{_c(Decimal(width) - 4)}" y="{_c(top + 13)}" text-anchor="end" class="chart__value" font-size="11" fill="#1c2430">'
            f"{_points(bar.value)}</text>"
        )
        start = end
    top = Decimal(row * len(bars) + 4)
    parts.append(f'<text x="{_c(label_w - 6)}" y="{_c(top + 13)}" text-anchor="end" class="chart__label chart__label--total" font-size="11" font-weight="700" fill="#1c2430">점수</text>')
    if score is not None:
        offset = Decimal(0)
        for index, bar in enumerate(bars):
            if bar.value is None:
                continue
            colour = PALETTE[index % len(PALETTE)]
            parts.append(
                f'<rect x="{_c(x(offset))}" y="{_c(top)}" width="{_c(x(offset + bar.value) - x(offset))}" height="16" '
                f'fill="{colour}" class="chart__bar chart__bar--total"/>'
            )
            offset += bar.value
        parts.append(
            f'<text x="{_c(Decimal(width) - 4)}" y="{_c(top + 13)}" text-anchor="end" class="chart__value chart__value--total" font-size="11" font-weight="700" fill="#1c2430">'
            f"{_points(score)}</text>"
        )
    else:
        parts.append(f'<text x="{_c(label_w + 4)}" y="{_c(top + 13)}" class="chart__none" font-size="10" fill="#7a8494">점수 없음</text>')
    hundred = x(Decimal(100))
    parts.append(
        f'<line x1="{_c(hundred)}" y1="0" x2="{_c(hundred)}" y2="{height - 14}" class="chart__rule" stroke="#7a8494" stroke-dasharray="3 3"/>'
        f'<text x="{_c(hundred)}" y="{height - 3}" text-anchor="middle" class="chart__tick" font-size="10" fill="#4a5566">100</text>'
        f'<text x="{_c(label_w)}" y="{height - 3}" text-anchor="middle" class="chart__tick" font-size="10" fill="#4a5566">0</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _points(value: Decimal) -> str:
    """Score points always with two decimals, as stored: 30.00, 102.73."""
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,f}"


def _shorten(text: str, limit: int = 17) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
