"""The plan import's record of its writes: the natural-key upserts (core.upsert), plus the audit rows of
changes to indicators, targets and actuals and the department-years whose scores they move."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from core.upsert import Upserts
from imports.plan_document import PlanDocumentError
from kpis.models import AuditEntry, ChangeSource, Department, Indicator
from kpis.services.audit import audit_record


class PlanSession(Upserts):
    def __init__(self, *, user: AbstractBaseUser | None, now: datetime) -> None:
        super().__init__(now=now, invalid=lambda message, line: PlanDocumentError(message, line=line))
        self.user = user
        self.audit: list[AuditEntry] = []
        self.dirty: set[tuple[int, int]] = set()  # (department id, year) whose score inputs changed

    def log(
        self,
        entity: str,
        action: str,
        *,
        department: Department,
        indicator: Indicator | None,
        year: int | None,
        field_name: str,
        old: Any,
        new: Any,
        comment: str = "",
    ) -> None:
        self.audit.append(audit_record(
            user=self.user, source=ChangeSource.PLAN, entity=entity, action=action, field=field_name, old=old, new=new,
            department_id=department.pk, indicator_id=indicator.pk if indicator else None, year=year, comment=comment,
        ))

    def mark_dirty(self, department: Department, years: list[int] | set[int]) -> None:
        for year in years:
            self.dirty.add((department.pk, year))

