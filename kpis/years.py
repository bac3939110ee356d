"""Entry windows, and which year a page opens on when its address names none.

Each organization has its own entry window per year (`EntryYear`): `entry_window` and `year_is_finalised` read
the one of the organization concerned (the department's, indicator's or bureau's), never another's.

The entry year is the latest year still open for entry, chosen among
- the years the organization's admin has opened (an `EntryYear` not closed) that have begun,
- the plan's actual year (the year before the plan year: a plan is written during the year whose actuals
  are due next), unless that year is closed,
- the year after the latest closed year, once it has begun.
Without any of them (every such year closed) it is the plan's actual year. A year that has not begun is
never chosen this way, however it was set up; its pages stay reachable by their address and the year links.

The scoreboard opens the latest year with a computed score, else the entry year: a year whose rows hold
no score (targets of 2027 but nothing reported) is empty, whatever rows exist.
"""
from __future__ import annotations

from datetime import date

from django.db.models import Max
from django.utils import timezone

from kpis.models import Bureau, DepartmentScore, EntryYear


def plan_actual_year(*, bureau: Bureau | None = None, today: date | None = None) -> int:
    """The year whose actuals the plan reports: the bureau's plan year − 1 (the newest plan's without a
    bureau), else last year."""
    plan_year = bureau.plan_year if bureau is not None else Bureau.objects.aggregate(year=Max("plan_year"))["year"]
    if plan_year:
        return plan_year - 1
    return (today or timezone.localdate()).year - 1


def entry_window(organization_id: int | None, year: int) -> EntryYear | None:
    """The organization's entry window of `year`; None: never set up (open, not finalised), or no organization."""
    if organization_id is None:
        return None
    return EntryYear.objects.filter(organization_id=organization_id, year=year).first()


def year_is_finalised(organization_id: int | None, year: int) -> bool:
    """Whether the organization has finalised `year` (its targets and results are frozen)."""
    return EntryYear.objects.filter(organization_id=organization_id, year=year, finalised_at__isnull=False).exists()


def entry_year_default(
    *, bureau: Bureau | None = None, today: date | None = None, organization_id: int | None = None
) -> int:
    """The open entry year of the bureau's organization, else of `organization_id` (see the module docstring);
    two queries. Without either, no window is read: the plan's actual year."""
    today = today or timezone.localdate()
    base = plan_actual_year(bureau=bureau, today=today)
    if bureau is not None:
        organization_id = bureau.organization_id
    years = {} if organization_id is None else dict(
        EntryYear.objects.filter(organization_id=organization_id).values_list("year", "is_closed")
    )
    closed = [year for year, is_closed in years.items() if is_closed]
    candidates = [year for year, is_closed in years.items() if not is_closed and year <= today.year]
    if not years.get(base, False):
        candidates.append(base)
    if closed and max(closed) + 1 <= today.year:
        candidates.append(max(closed) + 1)
    return max(candidates, default=base)


def scoreboard_year_default(
    *, bureau: Bureau | None = None, today: date | None = None, organization_id: int | None = None
) -> int:
    """The latest year with a computed department score, else the entry year."""
    latest = DepartmentScore.objects.filter(score__isnull=False).aggregate(year=Max("year"))["year"]
    if latest is not None:
        return latest
    return entry_year_default(bureau=bureau, today=today, organization_id=organization_id)
