"""Reads of evidence files: who may download which."""
from __future__ import annotations

from accounts.models import User
from core.errors import NotFound
from core.security import log_refusal
from kpis.models import Evidence
from kpis.services.permissions import can_read_department


def evidence_get(*, user: User, evidence_id: int) -> Evidence:
    """The evidence if `user` may read its department's files; NotFound otherwise (as if it did not exist)."""
    evidence = Evidence.objects.select_related("actual__indicator").filter(pk=evidence_id).first()
    if evidence is None:
        raise NotFound("증빙자료를 찾을 수 없습니다.")
    if not can_read_department(user, evidence.actual.indicator.department_id):
        log_refusal(user, "evidence_read", f"evidence={evidence_id}")
        raise NotFound("증빙자료를 찾을 수 없습니다.")
    return evidence
