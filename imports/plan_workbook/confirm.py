"""Applying a previewed plan workbook through the plan services."""
from __future__ import annotations

import logging
from decimal import Decimal

from accounts.models import User
from core.errors import InvalidInput, NotFound
from imports.confirming import run_applying
from imports.models import ImportKind, ImportRun
from imports.plan_workbook.layout import CHANGED, plan_fingerprint, stored_domain
from imports.plan_workbook.programs import programs_apply
from imports.run_rows import run_rows
from kpis.models import ChangeSource, Indicator
from kpis.scope import import_runs_condition, scoped
from kpis.services.permissions import require_admin
from kpis.services.plan import indicator_update, target_reason, target_set

logger = logging.getLogger("imports")



def plan_confirm(*, user: User, run_id: int, reason: str = "") -> ImportRun:
    """Apply a previewed plan workbook in one transaction through indicator_update / target_set, and its 결산
    amounts through settled_amounts_write.

    When it changes a target that had a value (a revision), `reason` is required and kept with each revision;
    a missing reason is refused before anything is applied (the run stays previewed).
    """
    require_admin(user)
    run = ImportRun.objects.filter(import_runs_condition(user), pk=run_id, kind=ImportKind.PLAN_WORKBOOK).first()
    if run is None:
        raise NotFound("가져오기 기록을 찾을 수 없습니다.")
    if run.summary.get("target_revisions"):
        reason = target_reason(reason)
    applied = 0
    with run_applying(run) as locked:
        years = locked.summary.get("years", [])
        rows = list(run_rows(locked, statuses=(CHANGED,)))
        changed = [row for row in rows if not row.get("budget_program_id")]
        applied += programs_apply(user=user, rows=[row for row in rows if row.get("budget_program_id")], run_id=locked.pk)
        indicators = scoped(Indicator.objects.prefetch_related("targets"), user).in_bulk([row["indicator_id"] for row in changed])
        for row in changed:
            indicator = indicators.get(row["indicator_id"])
            targets = {t.year: t.value for t in indicator.targets.all()} if indicator else {}
            current = plan_fingerprint(indicator, targets, years) if indicator else None
            if str(current) != row["fingerprint"]:
                raise InvalidInput({f"{row['row']}행": ["미리보기 뒤 서버에서 이 지표가 바뀌었습니다. 파일을 다시 올리세요."]})
            domains = {prefix: stored_domain(parts) for prefix, parts in (row.get("domains") or {}).items()}
            if row["weight"] is not None or row["method_text"] is not None or domains:
                indicator_update(
                    user=user, indicator_id=indicator.pk,
                    weight=Decimal(row["weight"]) if row["weight"] is not None else None,
                    method_text=row["method_text"], value_domain=domains.get("value"),
                    input_domain=domains.get("input"), source=ChangeSource.PLAN_WORKBOOK, import_run_id=locked.pk,
                )
            for year, value in row["targets"].items():
                target_set(
                    user=user, indicator_id=indicator.pk, year=int(year),
                    value=Decimal(value) if value is not None else None, source=ChangeSource.PLAN_WORKBOOK,
                    import_run_id=locked.pk, reason=reason,
                )
            applied += 1
        locked.summary = {**locked.summary, "applied": applied}
    logger.info("plan workbook applied run=%s user=%s rows=%s", run.pk, user.username, applied)
    return run
