"""Applying a previewed plan workbook through the plan services."""
from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.errors import InvalidInput, InvalidState, NotFound, ServiceError
from imports.actuals_import import ImportRefused
from imports.models import ImportKind, ImportRun, ImportStatus
from imports.plan_workbook.layout import CHANGED, plan_fingerprint, stored_domain
from imports.run_rows import run_rows
from kpis.models import ChangeSource, Indicator
from kpis.services.permissions import require_admin
from kpis.services.plan import indicator_update, target_set

logger = logging.getLogger("imports")



def plan_confirm(*, user: User, run_id: int) -> ImportRun:
    """Apply a previewed plan workbook in one transaction through indicator_update / target_set."""
    require_admin(user)
    run = ImportRun.objects.filter(pk=run_id, kind=ImportKind.PLAN_WORKBOOK).first()
    if run is None:
        raise NotFound("가져오기 기록을 찾을 수 없습니다.")
    applied = 0
    try:
        with transaction.atomic():
            locked = ImportRun.objects.select_for_update().get(pk=run.pk)
            if locked.status != ImportStatus.PREVIEWED:
                raise InvalidState(f"이미 '{locked.get_status_display()}' 상태인 가져오기입니다.")
            if locked.errors:
                raise InvalidState(f"오류 {len(locked.errors)}건이 있어 반영할 수 없습니다. 오류를 고친 파일을 다시 올리세요.")
            years = locked.summary.get("years", [])
            changed = list(run_rows(locked, statuses=(CHANGED,)))
            indicators = Indicator.objects.prefetch_related("targets").in_bulk([row["indicator_id"] for row in changed])
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
                        input_domain=domains.get("input"), source=ChangeSource.EXCEL, import_run_id=locked.pk,
                    )
                for year, value in row["targets"].items():
                    target_set(
                        user=user, indicator_id=indicator.pk, year=int(year),
                        value=Decimal(value) if value is not None else None, source=ChangeSource.EXCEL,
                        import_run_id=locked.pk,
                    )
                applied += 1
            locked.status = ImportStatus.APPLIED
            locked.applied_at = timezone.now()
            locked.summary = {**locked.summary, "applied": applied}
            locked.save(update_fields=["status", "applied_at", "summary"])
    except InvalidState as exc:
        raise ImportRefused(exc.message) from exc
    except ServiceError as exc:
        run.status = ImportStatus.FAILED
        run.report = f"반영 실패: {exc.message}"
        run.summary = {**run.summary, "confirm_error": exc.message, "can_confirm": False}
        run.save(update_fields=["status", "report", "summary"])
        raise ImportRefused(f"반영하지 못했습니다. 아무것도 저장하지 않았습니다: {exc.message}") from exc
    run.refresh_from_db()
    logger.info("plan workbook applied run=%s user=%s rows=%s", run.pk, user.username, applied)
    return run
