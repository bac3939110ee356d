"""The report entries (미달성 사유, 개선계획, 성과 분석) as the report prints them."""
from __future__ import annotations

from collections.abc import Sequence

from reports.models import ReportEntry
from reports.report.data import EntryText


def entries_by_indicator(indicator_ids: Sequence[int], year: int) -> dict[int, EntryText]:
    """indicator id → what its department wrote for `year`; one query."""
    rows = ReportEntry.objects.filter(indicator_id__in=list(indicator_ids), year=year)
    return {
        entry.indicator_id: EntryText(
            shortfall_reason=entry.shortfall_reason, improvement_plan=entry.improvement_plan,
            analysis=entry.analysis, status_label=entry.get_status_display(),
        )
        for entry in rows
    }
