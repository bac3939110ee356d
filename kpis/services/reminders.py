"""Reminder e-mails to departments with outstanding indicators before the closing date.

Outstanding is what kpis.scoring.classify_actual says: nothing reported, a draft still with the
department, or a value returned by the evaluators. A submitted value is with the evaluators, so it
is not the department's to do, whether or not the policy counts it as provisional. A year reported by
period also names the department's indicators whose progress is at risk or behind (kpis.progress).
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from kpis.models import Actual, ActualStatus, Department, EntryYear, Reminder, Target
from kpis.progress import summary_line
from kpis.progress_selectors import ProgressRow, progress_rows_for
from kpis.scoring import Standing, classify_actual

logger = logging.getLogger("kpis")

DEFAULT_WINDOW_DAYS = 14


@dataclass(frozen=True)
class Outstanding:
    department_id: int
    unreported: int
    returned: int


def outstanding_departments(year: int, *, organization_ids: Iterable[int] | None = None) -> list[Outstanding]:
    """Departments with outstanding indicators in force in `year` (target present and non-zero), of
    `organization_ids` only when given (an organization's own reminder run; None: every organization).

    ``unreported`` counts those never submitted (nothing, a draft, a status without a value),
    ``returned`` those sent back. Two queries: indicators in force, and their actuals of the year.
    """
    targets = Target.objects.filter(year=year, value__isnull=False).exclude(value=0)
    if organization_ids is not None:
        targets = targets.filter(indicator__department__bureau__organization_id__in=list(organization_ids))
    in_force = list(targets.values_list("indicator_id", "indicator__department_id"))
    actuals = {
        indicator_id: (status, value is not None)
        for indicator_id, status, value in Actual.objects.filter(year=year).values_list("indicator_id", "status", "value")
    }
    unreported: dict[int, int] = defaultdict(int)
    returned: dict[int, int] = defaultdict(int)
    for indicator_id, department_id in in_force:
        status, has_value = actuals.get(indicator_id, (None, False))
        # Submitted values are never outstanding, provisional or not: the flag cannot change the answer.
        if classify_actual(status, has_value, provisional=False) is not Standing.OUTSTANDING:
            continue
        if status == ActualStatus.RETURNED:
            returned[department_id] += 1
        else:
            unreported[department_id] += 1
    ids = sorted(set(unreported) | set(returned))
    return [Outstanding(d, unreported.get(d, 0), returned.get(d, 0)) for d in ids]


def _message(
    department: Department, year: int, item: Outstanding, closing: date, warnings: list[ProgressRow]
) -> tuple[str, str]:
    subject = f"[성과지표] {year}년 실적 입력 마감 {closing:%Y-%m-%d} 안내 — {department.name}"
    lines = [
        f"{department.name} 담당자님,",
        "",
        f"{year}년 성과지표 실적 입력 마감일은 {closing:%Y년 %m월 %d일}입니다.",
    ]
    if item.unreported:
        lines.append(f"- 아직 제출하지 않은 지표: {item.unreported}개")
    if item.returned:
        lines.append(f"- 반려되어 다시 제출해야 하는 지표: {item.returned}개")
    if warnings:
        lines.append(f"- 기간별 진도가 주의·부진인 지표: {len(warnings)}개")
        lines += [f"  · {summary_line(row.name, row.result, row.target, row.display_places)}" for row in warnings]
    lines += ["", "마감 전에 실적을 입력하고 제출해 주세요.", "", "성과지표 관리"]
    return subject, "\n".join(lines)


def department_recipients(department_ids: Iterable[int]) -> dict[int, list[str]]:
    """The addresses of each department's own active users (by username): who a department's mail goes to."""
    recipients: dict[int, list[str]] = defaultdict(list)
    users = User.objects.filter(
        department_id__in=list(department_ids), role=Role.DEPARTMENT, is_active=True
    ).exclude(email="").order_by("department_id", "username")
    for department_id, email in users.values_list("department_id", "email"):
        recipients[department_id].append(email)
    return recipients


def reminders_send(
    year: int, today: date | None = None, *, window_days: int = DEFAULT_WINDOW_DAYS,
    organization_ids: Iterable[int] | None = None,
) -> list[Reminder]:
    """E-mail the users of departments with outstanding indicators when the closing date is near; only those of
    `organization_ids` when given. Each message goes to the department's own users, never another's.

    Each organization's departments are reminded by its own entry window: only when that window has a closing
    date within `window_days` of `today` (inclusive) and is not closed; at most one reminder per department and
    year per day. Returns the rows written.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        # The row locks serialise concurrent runs, so two workers cannot both send today's mail.
        windows = EntryYear.objects.select_for_update().filter(
            year=year, is_closed=False, closing_date__gte=today, closing_date__lte=today + timedelta(days=window_days)
        )
        if organization_ids is not None:
            windows = windows.filter(organization_id__in=list(organization_ids))
        closing = dict(windows.values_list("organization_id", "closing_date"))
        if not closing:
            return []
        outstanding = {item.department_id: item for item in outstanding_departments(year, organization_ids=closing)}
        already = set(
            Reminder.objects.filter(year=year, department_id__in=list(outstanding), sent_at__date=today)
            .values_list("department_id", flat=True)
        )
        due = [item for department_id, item in outstanding.items() if department_id not in already]
        departments = Department.objects.select_related("bureau").in_bulk([item.department_id for item in due])
        recipients = department_recipients(departments)
        warnings: dict[int, list[ProgressRow]] = defaultdict(list)
        for row in progress_rows_for(year=year, department_ids=list(departments)):
            if row.is_warning:
                warnings[row.department_id].append(row)
        messages = []
        rows = []
        for item in due:
            to = recipients.get(item.department_id)
            if not to:
                logger.warning("reminder: department %s has no user with an e-mail address", item.department_id)
                continue
            department = departments[item.department_id]
            subject, body = _message(
                department, year, item, closing[department.bureau.organization_id], warnings[item.department_id]
            )
            # One message per recipient: colleagues' addresses are not shown to each other.
            messages.extend((subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in to)
            rows.append(
                Reminder(
                    department_id=item.department_id, year=year, recipients=to,
                    unreported_count=item.unreported, returned_count=item.returned,
                )
            )
        if not messages:
            return []
        # Rows first, mail last: a mail failure rolls the rows back, so the next run tries again.
        created = Reminder.objects.bulk_create(rows)
        send_mass_mail(messages, fail_silently=False)
    logger.info("reminders: %s departments, %s messages for %s", len(created), len(messages), year)
    return created


def reminder_years(today: date | None = None, *, window_days: int = DEFAULT_WINDOW_DAYS) -> list[int]:
    """Years open in some organization whose closing date falls within the window."""
    today = today or timezone.localdate()
    return list(
        EntryYear.objects.filter(
            is_closed=False, closing_date__gte=today, closing_date__lte=today + timedelta(days=window_days)
        ).order_by("year").values_list("year", flat=True).distinct()
    )
