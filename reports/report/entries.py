"""The report entries (미달성 사유, 개선계획, 성과 분석) as the report prints them (reports.selectors.entries_for)."""
from __future__ import annotations

from collections.abc import Sequence

from reports.report.data import EntryText
from reports.selectors import entries_for


def entries_by_indicator(indicator_ids: Sequence[int], year: int) -> dict[int, EntryText]:
    """indicator id → what its department wrote for `year`; one query. The caller scopes the indicators."""
    return {
        indicator_id: EntryText(
            shortfall_reason=entry.shortfall_reason, improvement_plan=entry.improvement_plan,
            analysis=entry.analysis, status_label=entry.get_status_display(),
        )
        for indicator_id, entry in entries_for(indicator_ids=indicator_ids, year=year).items()
    }
