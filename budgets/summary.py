"""Computed columns of a 예산현황 table (구성비, 증감액, 증감률) and of budget line tables.

Pure: no ORM, no I/O, Decimal in and out. The document prints these columns too, but from
amounts in 천원 that it then rounds to 백만원, so its figures can differ from ours by a few
hundredths; we compute from the stored amounts and keep the printed figure only to show
beside ours where the two disagree.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
TOTAL = "total"
# 인력운영비 and 기본경비 are printed indented under 행정운영경비 and are not summed into 계.
SUB_CATEGORIES = frozenset({"personnel", "basic"})
TOP_CATEGORIES = frozenset({"policy", "admin", "financial"})
NEGATIVE_MARKS = ("△", "▲", "-", "−")


@dataclass(frozen=True)
class SummaryLine:
    """One stored row of a 예산현황 table, as the computation needs it."""

    category: str
    label: str
    amount: Decimal
    prior_amount: Decimal
    printed_share: str = ""
    printed_prior_share: str = ""
    printed_change: str = ""
    printed_change_rate: str = ""


@dataclass(frozen=True)
class SummaryRow:
    """A 예산현황 row with its computed columns; `doc_*` is the document's figure when it differs."""

    category: str
    label: str
    amount: Decimal
    prior_amount: Decimal
    share: Decimal | None
    prior_share: Decimal | None
    change: Decimal
    change_rate: Decimal | None
    doc_share: Decimal | None = None
    doc_prior_share: Decimal | None = None
    doc_change: Decimal | None = None
    doc_change_rate: Decimal | None = None

    @property
    def is_total(self) -> bool:
        return self.category == TOTAL

    @property
    def is_sub(self) -> bool:
        return self.category in SUB_CATEGORIES

    @property
    def has_doc_difference(self) -> bool:
        return any(
            value is not None
            for value in (self.doc_share, self.doc_prior_share, self.doc_change, self.doc_change_rate)
        )


@dataclass(frozen=True)
class SummaryTable:
    rows: list[SummaryRow]

    @property
    def has_doc_difference(self) -> bool:
        return any(row.has_doc_difference for row in self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)


def percent_of(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole × 100 rounded half-up to 0.01; None when whole is 0 (no division by zero)."""
    if whole == 0:
        return None
    return (part / whole * HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def change_rate(amount: Decimal, prior: Decimal) -> Decimal | None:
    """(amount − prior) / prior × 100, rounded half-up to 0.01; None when prior is 0."""
    return percent_of(amount - prior, prior)


def parse_printed_figure(text: str) -> Decimal | None:
    """Read a printed figure such as '100.00 %', '1,960', '△24' or '△6.26%'; None if unreadable."""
    cleaned = "".join(text.split()).replace(",", "").rstrip("%")
    if not cleaned:
        return None
    negative = cleaned.startswith(NEGATIVE_MARKS)
    if negative:
        cleaned = cleaned[1:]
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return -value if negative else value


def _differing(printed: str, computed: Decimal | None) -> Decimal | None:
    # A figure we cannot compute (rate over a prior of 0) has nothing to reconcile against.
    if computed is None:
        return None
    figure = parse_printed_figure(printed)
    if figure is None or figure == computed:
        return None
    return figure


def summary_totals(lines: Sequence[SummaryLine]) -> tuple[Decimal, Decimal]:
    """The 계 row's amounts, or the sum of the top-level rows when the table has no 계 row."""
    for line in lines:
        if line.category == TOTAL:
            return line.amount, line.prior_amount
    top = [line for line in lines if line.category in TOP_CATEGORIES]
    return sum((line.amount for line in top), Decimal(0)), sum((line.prior_amount for line in top), Decimal(0))


def budget_summary_rows(lines: Iterable[SummaryLine]) -> list[SummaryRow]:
    """Compute 구성비 (share of the 계 row), 증감액 and 증감률 for every row, in the given order."""
    lines = list(lines)
    total, prior_total = summary_totals(lines)
    rows = []
    for line in lines:
        share = percent_of(line.amount, total)
        prior_share = percent_of(line.prior_amount, prior_total)
        change = line.amount - line.prior_amount
        rate = change_rate(line.amount, line.prior_amount)
        rows.append(
            SummaryRow(
                category=line.category,
                label=line.label,
                amount=line.amount,
                prior_amount=line.prior_amount,
                share=share,
                prior_share=prior_share,
                change=change,
                change_rate=rate,
                doc_share=_differing(line.printed_share, share),
                doc_prior_share=_differing(line.printed_prior_share, prior_share),
                doc_change=_differing(line.printed_change, change),
                doc_change_rate=_differing(line.printed_change_rate, rate),
            )
        )
    return rows


@dataclass(frozen=True)
class AmountColumn:
    """A year column of a budget line table, labelled like the document: '23결산, '25예산."""

    year: int
    kind: str
    kind_label: str

    @property
    def label(self) -> str:
        return f"'{self.year % 100:02d}{self.kind_label}"


def amount_columns(entries: Iterable[tuple[int, str, str]]) -> list[AmountColumn]:
    """Columns from stored (year, kind, kind label) entries: one per year and kind, by year, a year's budget
    (예산) before its settled amount (결산) once both are stored."""
    by_key: dict[tuple[int, str], AmountColumn] = {}
    for year, kind, kind_label in entries:
        by_key.setdefault((year, kind), AmountColumn(year=year, kind=kind, kind_label=kind_label))
    return [by_key[key] for key in sorted(by_key, key=lambda key: (key[0], key[1] == "settled"))]
