"""Import services: the plan document goes parse → reconcile → one atomic, idempotent write."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.errors import ServiceError
from imports.models import ImportRun
from imports.plan_document import PlanDocument, PlanDocumentError, parse_plan_document
from imports.reconcile import Discrepancy, Placeholder, list_placeholders, reconcile, render_report
from kpis.models import Bureau, Organization
from kpis.services.organizations import organization_default
from kpis.services.scores import scores_of_other_editions_delete

from .plan_writer import PlanWriter, Rename, department_names, headcount_row, renames_read

__all__ = ["PlanImportRefused", "PlanImportResult", "Rename", "count_entities", "plan_import", "renames_read"]


class PlanImportRefused(ServiceError):
    """The document does not fit the import asked for (another plan year than the one named)."""

    code = "plan_import_refused"


@dataclass
class PlanImportResult:
    document: PlanDocument
    bureau: Bureau | None  # None after a dry run: nothing was kept
    dry_run: bool
    counts: dict[str, int]
    discrepancies: list[Discrepancy]
    placeholders: list[Placeholder]
    changes: dict[str, Counter[str]] = field(default_factory=dict)
    stale: list[str] = field(default_factory=list)
    kept_user_actuals: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # indicators linked to last edition's
    audit_entries: int = 0
    dirty_scores: int = 0
    import_run: ImportRun | None = None
    target_revisions: list[str] = field(default_factory=list)  # "지표 2025년 목표 12 → 13", each revised target
    reason: str = ""

    def _total(self, what: str) -> int:
        return sum(counter[what] for counter in self.changes.values())

    @property
    def created(self) -> int:
        return self._total("created")

    @property
    def updated(self) -> int:
        return self._total("updated")

    @property
    def unchanged(self) -> int:
        return self._total("unchanged")

    @property
    def deleted(self) -> int:
        return self._total("deleted")

    def report_text(self) -> str:
        return render_report(
            self.document,
            counts=self.counts,
            discrepancies=self.discrepancies,
            placeholders=self.placeholders,
            changes=self.changes,
            stale=self.stale,
            kept=self.kept_user_actuals,
            audit_entries=self.audit_entries,
            dirty_scores=self.dirty_scores,
            dry_run=self.dry_run,
        ) + self._revisions_text()

    def _revisions_text(self) -> str:
        if not self.target_revisions:
            return ""
        lines = ["", f"■ 바뀌는 목표 {len(self.target_revisions)}건 (이전 목표는 변경 이력으로 남습니다)"]
        lines += [f"  - {line}" for line in self.target_revisions]
        if self.reason:
            lines.append(f"  변경 사유: {self.reason}")
        elif self.dry_run:
            lines.append("  저장하려면 --reason 으로 목표를 바꾸는 사유를 입력하세요.")
        return "\n".join(lines) + "\n"


def plan_import(
    *,
    path: str | Path | None = None,
    text: str | None = None,
    user: AbstractBaseUser | None = None,
    dry_run: bool = False,
    reason: str = "",
    organization: Organization | None = None,
    plan_year: int | None = None,
    renames: list[Rename] | None = None,
) -> PlanImportResult:
    """Parse the whole document first; then write it in one transaction, or nothing at all.

    The plan goes into the edition (organization, the document's plan year); without an organization,
    into the installation's own (settings.KPI_DEFAULT_ORGANIZATION). A `plan_year` given must be the
    document's. `renames` link renamed indicators to last edition's. A target that had a value and gets
    another is revised: `reason` is then required (a dry run lists them).
    """
    if (path is None) == (text is None):
        raise ValueError("plan_import needs exactly one of path= or text=")
    source_name = Path(path).name if path is not None else "<text>"
    if path is not None:
        text = _read_text(Path(path))
    assert text is not None
    document = parse_plan_document(text, source_name=source_name)
    if plan_year is not None and plan_year != document.plan_year:
        raise PlanImportRefused(
            f"문서의 계획 연도는 {document.plan_year}년(예산 머리글 기준)인데 {plan_year}년으로 가져오라고 했습니다."
            " 연도를 확인하세요 (저장된 것 없음)."
        )
    result = PlanImportResult(
        document=document,
        bureau=None,
        dry_run=dry_run,
        counts=count_entities(document),
        discrepancies=reconcile(document),
        placeholders=list_placeholders(document),
        reason=reason.strip(),
    )
    with transaction.atomic():
        writer = PlanWriter(document, organization=organization or organization_default(), user=user, now=timezone.now())
        writer.reason = reason
        bureau = writer.write()
        result.target_revisions = writer.revision_lines
        writer.link_previous(bureau, renames or [])
        if writer.new_bureau:  # perhaps a new edition, taking years over from the previous one
            scores_of_other_editions_delete(organization_id=bureau.organization_id)
        result.changes, result.stale, result.kept_user_actuals = dict(writer.tally), writer.stale, writer.kept
        result.links = writer.links
        result.audit_entries, result.dirty_scores = len(writer.audit), len(writer.dirty)
        if writer.changed and not dry_run:
            result.import_run = writer.finish(bureau, sha256=hashlib.sha256(text.encode()).hexdigest())
            writer.write_revisions(result.import_run)
            # The run keeps the report it produced, so that a later reader sees what was reconciled.
            result.import_run.report = result.report_text()
            result.import_run.save(update_fields=["report"])
        if dry_run:
            transaction.set_rollback(True)
        else:
            result.bureau = bureau
    return result


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PlanDocumentError("UTF-8 텍스트가 와야 할 자리에 읽을 수 없는 바이트가 있습니다", line=line) from exc


def count_entities(doc: PlanDocument) -> dict[str, int]:
    blocks = doc.strategic_goals
    units = [unit for block in blocks for unit in block.unit_programs]
    programs = [program for unit in units for program in unit.budget_programs]
    indicators = [row for block in blocks for row in block.indicators]
    return {
        "departments": len(department_names(doc)),
        "teams": sum(len(row.teams) for name in department_names(doc) if (row := headcount_row(doc, name))),
        "strategic_goals": len(blocks),
        "policy_goals": sum(len(block.policy_goals) for block in blocks),
        "indicators": len(indicators),
        "targets": sum(len(row.targets) for row in indicators),
        "actuals": sum(len(row.actuals) for row in indicators),
        "budget_summary_lines": len(doc.budget.lines) + sum(len(block.budget.lines) for block in blocks),
        "unit_programs": len(units),
        "unit_program_amounts": sum(len(unit.amounts) for unit in units),
        "budget_programs": len(programs),
        "budget_program_amounts": sum(len(program.amounts) for program in programs),
    }
