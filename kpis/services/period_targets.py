"""Per-period targets: set by planners (admins), audited, refused in a finalised year."""
from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from accounts.models import User
from core.errors import InvalidInput, NotFound
from kpis.models import ChangeSource, Indicator, PeriodTarget
from kpis.periods import period_count
from kpis.services.audit import audit_record, audit_write
from kpis.services.periods import period_refusal
from kpis.services.permissions import require_admin, require_department_in_scope
from kpis.services.plan import target_year_check


def period_target_check(*, indicator: Indicator, year: int, period: int, value: Decimal | None) -> int:
    """Refuse a period the indicator's year does not have, a non-number, a finalised year; returns the year's
    period count. The admin form asks here before saving, so its errors stand beside the fields."""
    organization_id = indicator.department.bureau.organization_id
    count = period_count(organization_id=organization_id, year=year)
    if count == 0:
        raise InvalidInput({"period": [f"{year}년은 기간별(분기·반기)로 실적을 받지 않는 연도입니다."]})
    if not 1 <= period <= count:
        raise InvalidInput(period_refusal(count + 1, count, year))  # the one message naming the year's periods
    if value is not None and not value.is_finite():
        raise InvalidInput({"value": ["기간 목표는 숫자여야 합니다."]})
    target_year_check(year, organization_id=organization_id)
    return count


@transaction.atomic
def period_target_set(
    *, user: User | None, indicator_id: int, year: int, period: int, value: Decimal | None,
    source: str = ChangeSource.ADMIN, reason: str = "",
) -> PeriodTarget:
    """Set the target of one period of `year`; unchanged, nothing is written. The period must be one of the
    year's periods for the indicator's organization (kpis.periods)."""
    require_admin(user)
    indicator = Indicator.objects.select_related("department__bureau").filter(pk=indicator_id).first()
    if indicator is None:
        raise NotFound("성과지표를 찾을 수 없습니다.")
    require_department_in_scope(user, indicator.department_id, "성과지표")
    period_target_check(indicator=indicator, year=year, period=period, value=value)
    target = PeriodTarget.objects.select_for_update().filter(indicator=indicator, year=year, period=period).first()
    old = None if target is None else target.value
    if target is not None and old == value:
        return target
    created = target is None
    if created:
        target = PeriodTarget.objects.create(indicator=indicator, year=year, period=period, value=value)
    else:
        target.value = value
        target.save(update_fields=["value"])
    reason = (reason or "").strip()
    audit_write(
        [
            audit_record(
                user=user, source=source, entity="period_target", action="create" if created else "update",
                field="value", old=old, new=value, department_id=indicator.department_id, indicator_id=indicator.pk,
                year=year, period=period, comment=reason,  # the history names the period from `period`
            )
        ]
    )
    return target
