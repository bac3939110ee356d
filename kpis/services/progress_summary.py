"""The weekly progress summary: each department of a year reported by period gets, by e-mail, how its
indicators stand (kpis.progress) and which are at risk or behind, with the working.

Sent by the beat schedule every Monday (kpis.tasks.send_progress_summaries) or by hand
(`manage.py progress_summary`), for each organization whose year is still open. Each department's summary is
recorded (ProgressSummarySent) and sent once a week: a second run in the same week (a retried task, a command
run by hand) leaves out the departments already written to, unless forced.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db.models import Q
from django.utils import timezone

from kpis.models import EntryYear, PeriodSetting, ProgressSummarySent
from kpis.progress import NOT_JUDGED, ProgressStatus, summary_line
from kpis.progress_selectors import ProgressRow, progress_rows_for, status_counts
from kpis.services.reminders import department_recipients

logger = logging.getLogger("kpis")


@dataclass(frozen=True)
class SummarySent:
    department_id: int
    department_name: str
    recipients: list[str]
    warnings: int


def summary_message(department_name: str, year: int, rows: list[ProgressRow], today: date) -> tuple[str, str]:
    """The subject and body of one department's summary (Korean)."""
    counts = status_counts(rows, by="department")[0]
    warnings = [row for row in rows if row.is_warning]
    subject = f"[성과지표] {year}년 진도 주간 요약 ({today:%Y-%m-%d}) — {department_name}"
    if warnings:
        subject += f": 주의·부진 {len(warnings)}개"
    lines = [
        f"{department_name} 담당자님,",
        "",
        f"{today:%Y년 %m월 %d일} 기준 {year}년 성과지표 진도입니다 (제출·승인된 분기·반기 실적 기준).",
        f"- 정상 {counts.on_track}개, 주의 {counts.at_risk}개, 부진 {counts.behind}개, {NOT_JUDGED} {counts.unknown}개",
        "",
    ]
    if warnings:
        lines.append("주의·부진 지표:")
        for row in sorted(warnings, key=lambda row: row.result.status != ProgressStatus.BEHIND):
            lines.append(f"- {summary_line(row.name, row.result, row.target, row.display_places)}")
            lines.append(f"  산출 근거: {row.result.working}")
    else:
        lines.append("주의·부진인 지표가 없습니다.")
    unknown = [row for row in rows if row.result.status is None]
    if unknown:
        lines += ["", "판단할 수 없는 지표:"]
        lines += [f"- {summary_line(row.name, row.result, row.target, row.display_places)}" for row in unknown]
    lines += ["", "성과지표 관리"]
    return subject, "\n".join(lines)


def progress_summaries_send(
    year: int, today: date | None = None, *, organization_ids: Iterable[int] | None = None, force: bool = False
) -> list[SummarySent]:
    """E-mail every department with indicators in force in a year reported by period (of `organization_ids` when
    given) its progress summary; one message per recipient, to the department's own users only. A department
    already written to this week (Monday to Sunday) is left out unless `force`."""
    today = today or timezone.localdate()
    week = today - timedelta(days=today.weekday())
    by_department: dict[int, list[ProgressRow]] = defaultdict(list)
    for row in progress_rows_for(year=year, organization_ids=organization_ids):
        by_department[row.department_id].append(row)
    if not force:
        done = ProgressSummarySent.objects.filter(year=year, week=week, department_id__in=list(by_department))
        for department_id in done.values_list("department_id", flat=True):
            del by_department[department_id]
    recipients = department_recipients(by_department)
    messages, sent = [], []
    for department_id, rows in by_department.items():
        to = recipients.get(department_id)
        if not to:
            logger.warning("progress summary: department %s has no user with an e-mail address", department_id)
            continue
        subject, body = summary_message(rows[0].department_name, year, rows, today)
        messages.extend((subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in to)
        sent.append(SummarySent(department_id, rows[0].department_name, to, sum(row.is_warning for row in rows)))
    if messages:
        send_mass_mail(messages, fail_silently=False)
        ProgressSummarySent.objects.bulk_create(
            [ProgressSummarySent(department_id=item.department_id, year=year, week=week, recipients=item.recipients,
                                 warning_count=item.warnings) for item in sent],
            ignore_conflicts=True,  # forced again this week: the week's first sending stays recorded
        )
    logger.info("progress summaries: %s departments, %s messages for %s", len(sent), len(messages), year)
    return sent


def progress_summary_due(today: date | None = None) -> dict[int, list[int]]:
    """Year → the organizations reporting it by period that have begun it and keep it open (their own entry
    window neither closed nor finalised)."""
    today = today or timezone.localdate()
    ended = set(
        EntryYear.objects.filter(Q(is_closed=True) | Q(finalised_at__isnull=False)).values_list("organization_id", "year")
    )
    due: dict[int, list[int]] = defaultdict(list)
    for organization_id, year in PeriodSetting.objects.filter(year__lte=today.year).order_by("year", "organization_id") \
            .values_list("organization_id", "year"):
        if (organization_id, year) not in ended:
            due[year].append(organization_id)
    return dict(due)
