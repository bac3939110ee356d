"""The plan import's record of its writes: the natural-key upserts (core.upsert), plus the audit rows of
changes to indicators, targets and actuals and the department-years whose scores they move."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from core.upsert import Upserts
from imports.models import ImportRun
from imports.plan_document import PlanDocumentError
from kpis.models import AuditEntry, ChangeSource, Department, Indicator, Target, TargetRevision
from kpis.services.audit import audit_record
from kpis.services.plan import target_revision


class PlanSession(Upserts):
    def __init__(self, *, user: AbstractBaseUser | None, now: datetime) -> None:
        super().__init__(now=now, invalid=lambda message, line: PlanDocumentError(message, line=line))
        self.user = user
        self.audit: list[AuditEntry] = []
        self.dirty: set[tuple[int, int]] = set()  # (department id, year) whose score inputs changed
        # Targets that had a value and get another: kept as TargetRevision rows with `reason` (required then).
        self.reason = ""
        self.revisions: list[TargetRevision] = []
        self.revision_lines: list[str] = []

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

    def revise_target(self, target: Target, old: Decimal, indicator: Indicator) -> None:
        """Record the revision of `target` from `old` (saved by `write_revisions`, with the import run)."""
        self.revisions.append(target_revision(
            target, old=old, user=self.user, source=ChangeSource.PLAN, reason=self.reason, now=self.now,
        ))
        self.revision_lines.append(
            f"{indicator.name} {target.year}년 목표 {indicator.figure(old)} → {indicator.figure(target.value)}"
        )

    def write_revisions(self, run: ImportRun | None) -> None:
        """Keep the old values of revised targets; refused without a reason (nothing is written then)."""
        if not self.revisions:
            return
        if not self.reason.strip():
            raise PlanDocumentError(
                f"이미 있는 목표 {len(self.revisions)}개를 바꾸는 가져오기입니다: --reason 으로 목표를 바꾸는 사유를 "
                "입력하세요 (--dry-run 으로 바뀌는 목표를 볼 수 있습니다)", line=None,
            )
        for revision in self.revisions:
            revision.reason = self.reason.strip()
            revision.import_run = run
        TargetRevision.objects.bulk_create(self.revisions)

    def mark_dirty(self, department: Department, years: list[int] | set[int]) -> None:
        for year in years:
            self.dirty.add((department.pk, year))

