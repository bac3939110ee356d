"""Finalising an organization's year: recompute it, then freeze each of its departments' results with their
inputs and policy. Each organization finalises and reopens its own years (its `EntryYear`); another's stay as
they are.

The snapshot takes the stored results as the recompute wrote them, so it counts what every page
counts (kpis.scoring.classify_actual: approved values, submitted ones as provisional when the
policy says so) and ranks as every page ranks (kpis.score_selectors.department_ranks).
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.errors import InvalidInput, InvalidState
from kpis.models import (
    Actual,
    ChangeSource,
    DepartmentScore,
    EntryYear,
    IndicatorScore,
    Organization,
    ScoreSnapshot,
    Target,
)
from kpis.score_selectors.ranks import department_ranks
from kpis.services.audit import audit_record, audit_write
from kpis.services.permissions import require_organization_admin
from kpis.services.policy_rules import POLICY_FIELDS, policy_current
from kpis.services.scores import scores_recompute


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _organization_name(organization_id: int) -> str:
    return Organization.objects.filter(pk=organization_id).values_list("name", flat=True).first() or ""


@transaction.atomic
def year_finalise(*, user: User, organization_id: int, year: int) -> int:
    """Freeze the organization's official result of `year`; returns the number of departments snapshotted.

    Admins of the organization only. One transaction: the organization's recompute, its departments'
    snapshots and its entry year's finalised_at commit together or not at all. A finalised year is never
    finalised again, so a snapshot, once written, is never changed by later edits. Other organizations'
    results, snapshots and windows are not touched.
    """
    require_organization_admin(user, organization_id)
    entry_year, _ = EntryYear.objects.get_or_create(organization_id=organization_id, year=year)
    entry_year = EntryYear.objects.select_for_update().get(pk=entry_year.pk)
    if entry_year.finalised_at is not None:
        raise InvalidState(f"{year}년 결과는 이미 확정되었습니다.")
    own = {"department__bureau__organization_id": organization_id}
    of_indicator = {"indicator__department__bureau__organization_id": organization_id}
    # A reopened year (year_reopen) kept its earlier snapshots until now: the new official result replaces them.
    replaced, _ = ScoreSnapshot.objects.filter(year=year, **own).delete()
    scores_recompute(year, organization_id=organization_id)
    policy = policy_current(year)
    policy_data = {name: str(getattr(policy, name)) for name in POLICY_FIELDS}
    policy_data.update({"id": policy.pk, "year": policy.year, "version": policy.version, "note": policy.note})

    departments = list(DepartmentScore.objects.filter(year=year, **own).order_by("department_id"))
    indicator_rows = IndicatorScore.objects.filter(year=year, **of_indicator).select_related("indicator").order_by(
        "indicator__department_id", "indicator__order", "indicator_id"
    )
    actuals = {
        row["indicator_id"]: row
        for row in Actual.objects.filter(year=year, **of_indicator).values(
            "indicator_id", "value", "supplementary_value", "raw_text", "inputs", "status", "version"
        )
    }
    targets = dict(Target.objects.filter(year=year, **of_indicator).values_list("indicator_id", "value"))
    by_department: dict[int, list[dict]] = defaultdict(list)
    for row in indicator_rows:
        actual = actuals.get(row.indicator_id, {})
        by_department[row.indicator.department_id].append(
            {
                "indicator_id": row.indicator_id,
                "name": row.indicator.short_name,
                "unit": row.indicator.unit,
                "direction": row.indicator.direction,
                "weight": _text(row.weight),
                "target": _text(targets.get(row.indicator_id)),
                # The value the score used (none for a draft or a returned value); the row's own below.
                "actual": _text(row.actual_value),
                "entered_actual": _text(actual.get("value")),
                "supplementary": _text(actual.get("supplementary_value")),
                "actual_raw_text": actual.get("raw_text", ""),
                "actual_inputs": actual.get("inputs", {}),
                "actual_status": actual.get("status", row.actual_status),
                "actual_version": actual.get("version"),
                "provisional": row.provisional,
                "rate": _text(row.rate),
                "raw_rate": _text(row.raw_rate),
                "reason": row.reason,
                "working": row.working,
                "effective_weight": _text(row.effective_weight),
                "contribution": _text(row.contribution),
            }
        )
    ranks = department_ranks(year, [organization_id])
    now = timezone.now()
    ScoreSnapshot.objects.bulk_create(
        [
            ScoreSnapshot(
                department_id=row.department_id, year=year, score=row.score, completeness=row.completeness,
                grade=row.grade, reason=row.reason, rank=ranks.get(row.department_id), provisional=row.provisional,
                policy=policy,
                policy_data=policy_data, indicators=by_department.get(row.department_id, []),
                fingerprint=row.fingerprint, finalised_at=now, finalised_by=user,
            )
            for row in departments
        ],
        batch_size=1000,
    )
    entry_year.finalised_at = now
    entry_year.save(update_fields=["finalised_at"])
    audit_write(
        [
            audit_record(
                user=user, source=ChangeSource.WEB, entity="year", action="finalise", field="finalised_at",
                new=now.isoformat(), year=year,
                comment=f"{_organization_name(organization_id)} {len(departments)}개 부서 확정, 평가 기준 v{policy.version}"
                + (f", 이전 확정 결과 {replaced}건 대체" if replaced else ""),
            )
        ]
    )
    return len(departments)


REOPEN_REASON_REQUIRED = "확정을 해제하는 사유를 입력하세요."


@transaction.atomic
def year_reopen(*, user: User, organization_id: int, year: int, reason: str) -> EntryYear:
    """Reopen the organization's finalised year so that its targets (and results) may change again; admins of
    the organization only, audited.

    What reopening means: the year is marked not finalised (its EntryYear.finalised_at cleared), so target
    revisions and recomputes are allowed again and the pages show the live, stored results. The frozen
    snapshots are kept as they are: they remain the record of what was officially finalised, shown beside the
    live result, until the year is finalised again, which replaces them with the new official result (the
    audit keeps both the reopening, with its reason, and each finalisation).
    """
    require_organization_admin(user, organization_id)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": [REOPEN_REASON_REQUIRED]})
    entry_year = EntryYear.objects.select_for_update().filter(organization_id=organization_id, year=year).first()
    if entry_year is None or entry_year.finalised_at is None:
        raise InvalidState(f"{year}년 결과는 확정되지 않았습니다.")
    old = entry_year.finalised_at
    entry_year.finalised_at = None
    entry_year.save(update_fields=["finalised_at"])
    audit_write(
        [
            audit_record(
                user=user, source=ChangeSource.WEB, entity="year", action="reopen", field="finalised_at",
                old=old.isoformat(), new=None, year=year, comment=reason,
            )
        ]
    )
    return entry_year
