"""Reads of report entries: by indicator for the report, a department's year for its page, the review list."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import User
from kpis.models import Department, Indicator
from kpis.scope import scoped
from kpis.scoring import RateResult
from reports.achievement import falls_short, year_rates
from reports.models import ReportEntry, ReportEntryStatus

TEXT_FIELDS = ("shortfall_reason", "improvement_plan", "analysis")

REVIEW_STATUSES = [
    (ReportEntryStatus.SUBMITTED, "제출 (검토 대기)"),
    (ReportEntryStatus.APPROVED, "승인"),
    (ReportEntryStatus.RETURNED, "반려"),
]


def entries_for(*, indicator_ids: Iterable[int], year: int) -> dict[int, ReportEntry]:
    """indicator id → its entry of `year` (absent: not written yet); one query. The caller scopes the indicators."""
    return {entry.indicator_id: entry for entry in ReportEntry.objects.filter(indicator_id__in=list(indicator_ids), year=year)}


@dataclass
class EntryRow:
    """One indicator on a department's report page: its rate in the year and what was written for it."""

    indicator: Indicator
    rate: RateResult
    entry: ReportEntry | None
    writable: bool
    typed: dict[str, str] | None = None  # what a refused save held, shown again instead of the stored texts

    @property
    def texts(self) -> dict[str, str]:
        if self.typed is not None:
            return self.typed
        return {name: getattr(self.entry, name) if self.entry else "" for name in TEXT_FIELDS}

    @property
    def status(self) -> str:
        return self.entry.status if self.entry else ""

    @property
    def status_label(self) -> str:
        return self.entry.get_status_display() if self.entry else "미작성"

    @property
    def version(self) -> int:
        return self.entry.version if self.entry else 0

    @property
    def shortfall(self) -> bool:
        return falls_short(self.rate)

    @property
    def editable(self) -> bool:
        return self.writable and self.status in ("", ReportEntryStatus.DRAFT, ReportEntryStatus.RETURNED)

    @property
    def submittable(self) -> bool:
        return self.editable and self.entry is not None


def report_department(department_id: int, *, user: User) -> Department:
    """A department of an organization `user` sees; Department.DoesNotExist otherwise."""
    return scoped(Department.objects.select_related("bureau"), user, "bureau__organization_id").get(pk=department_id)


def entry_rows(department: Department, year: int, *, writable: bool) -> list[EntryRow]:
    """Six queries for any number of indicators: indicators, their rates (four), entries."""
    indicators = list(Indicator.objects.filter(department=department).order_by("order", "id"))
    rates = year_rates(indicators, year)
    entries = entries_for(indicator_ids=rates, year=year)
    return [
        EntryRow(indicator=i, rate=rates[i.pk], entry=entries.get(i.pk), writable=writable) for i in indicators
    ]


def review_entries(*, user: User, status: str = ReportEntryStatus.SUBMITTED, year: int | None = None) -> QuerySet[ReportEntry]:
    """Entries of the organizations `user` sees in one status, oldest submission first (to be paginated)."""
    entries = scoped(
        ReportEntry.objects.select_related("indicator__department__bureau", "submitted_by", "reviewed_by"), user,
        "indicator__department__bureau__organization_id",
    ).filter(status=status)
    if year is not None:
        entries = entries.filter(year=year)
    return entries.order_by("submitted_at", "id")
