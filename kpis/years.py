"""Which year a page opens on when its address names none: the entry year and the scoreboard's year.

The entry year is the latest year still open for entry, chosen among
- the years an admin has opened (an `EntryYear` not closed) that have begun,
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


def entry_year_default(*, bureau: Bureau | None = None, today: date | None = None) -> int:
    """The open entry year (see the module docstring); two queries."""
    today = today or timezone.localdate()
    base = plan_actual_year(bureau=bureau, today=today)
    years = dict(EntryYear.objects.values_list("year", "is_closed"))
    closed = [year for year, is_closed in years.items() if is_closed]
    candidates = [year for year, is_closed in years.items() if not is_closed and year <= today.year]
    if not years.get(base, False):
        candidates.append(base)
    if closed and max(closed) + 1 <= today.year:
        candidates.append(max(closed) + 1)
    return max(candidates, default=base)


def scoreboard_year_default(*, bureau: Bureau | None = None, today: date | None = None) -> int:
    """The latest year with a computed department score, else the entry year."""
    latest = DepartmentScore.objects.filter(score__isnull=False).aggregate(year=Max("year"))["year"]
    return latest if latest is not None else entry_year_default(bureau=bureau, today=today)
