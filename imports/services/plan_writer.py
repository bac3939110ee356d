"""Writes a parsed plan document top-down in one transaction: bureau, organisation, goals, data.

A bureau's plan belongs to an edition, (organization, plan year): its rows are found by (organization,
plan year, bureau name), so another bureau's document or another year's never touches them. A new plan
year's document creates new rows and links each indicator to the same one of the previous edition.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Max

from budgets.services import budget_summary_write, unit_programs_write
from core.korean import with_josa
from core.numbers import quoted
from core.upsert import only
from imports.cells import normalize_label
from imports.models import ImportKind, ImportRun, ImportStatus
from imports.plan_diff.snapshot import Rename, read_mapping
from imports.plan_document import HeadcountRow, PlanDocument, StrategicGoalBlock
from kpis.models import Bureau, Department, Indicator, Organization, PolicyGoal, StrategicGoal, Team
from kpis.services.audit import audit_write
from kpis.services.dirty import dirty_mark

from .plan_kpis import write_indicators
from .plan_session import PlanSession


def department_names(doc: PlanDocument) -> list[str]:
    """The bureau table's order, then any 소관부서 it does not list."""
    names = [row.name for row in doc.headcount.rows]
    return names + [block.department for block in doc.strategic_goals if block.department not in names]


def headcount_row(doc: PlanDocument, name: str) -> HeadcountRow | None:
    """The department's own table wins; the bureau table covers a department without a block."""
    for block in doc.strategic_goals:
        for row in block.headcount.rows:
            if row.name == name:
                return row
    return next((row for row in doc.headcount.rows if row.name == name), None)


def renames_read(path: str | Path) -> list[Rename]:
    """The mapping file of renamed indicators (UTF-8), read by the plan diff's one reader
    (`imports.plan_diff.read_mapping`: `이전 지표명,새 지표명,부서명`)."""
    return list(read_mapping(Path(path).read_text(encoding="utf-8-sig")))


def _key(text: str) -> str:
    return "".join(text.split())


class PlanWriter(PlanSession):
    """Upserts the document by natural key within its edition; ids stay stable across imports."""

    def __init__(
        self, doc: PlanDocument, *, organization: Organization, user: AbstractBaseUser | None, now: datetime
    ) -> None:
        super().__init__(user=user, now=now)
        self.doc = doc
        self.organization = organization
        self.links: list[str] = []
        self.new_bureau = False

    def write(self) -> Bureau:
        doc = self.doc
        existing = Bureau.objects.filter(
            organization=self.organization, plan_year=doc.plan_year, name=doc.bureau_name
        ).first()
        bureau, _, _ = self.save(
            "bureau",
            Bureau,
            existing,
            {"organization": self.organization, "name": doc.bureau_name},
            {"plan_year": doc.plan_year, "goal_list": list(doc.goal_list), "basic_direction": doc.basic_direction},
            line=doc.bureau_line,
            on_change=None if existing else {"source_document": doc.source_name, "imported_at": self.now},
        )
        self.new_bureau = existing is None
        departments = self.write_departments(bureau)
        budget_summary_write(self, bureau=bureau, department=None, table=doc.budget)
        goals_seen: list[int] = []
        for order, block in enumerate(doc.strategic_goals, start=1):
            department = departments[block.department]
            budget_summary_write(self, bureau=bureau, department=department, table=block.budget)
            goal = self.write_strategic_goal(bureau, department, block, order)
            goals_seen.append(goal.pk)
            policy_goal = self.write_policy_goals(goal, department, block)
            write_indicators(self, department, policy_goal, block)
            unit_programs_write(self, department=department, policy_goal=policy_goal, blocks=block.unit_programs)
        self.note_missing(StrategicGoal.objects.filter(bureau=bureau).exclude(pk__in=goals_seen), "전략목표")
        return bureau

    def write_departments(self, bureau: Bureau) -> dict[str, Department]:
        existing = {normalize_label(dept.name): dept for dept in Department.objects.filter(bureau=bureau)}
        contents = {block.department: list(block.main_contents) for block in self.doc.strategic_goals}
        result: dict[str, Department] = {}
        for order, name in enumerate(department_names(self.doc), start=1):
            row = headcount_row(self.doc, name)
            values: dict[str, Any] = {"order": order, "main_contents": contents.get(name, [])}
            if row is not None:
                values.update(
                    authorized_total=row.total,
                    authorized_grade4_up=row.grade4_up,
                    authorized_grade5=row.grade5,
                    authorized_grade6_down=row.grade6_down,
                    current_headcount=row.current,
                )
            dept, _, _ = self.save(
                "departments",
                Department,
                existing.pop(name, None),
                {"bureau": bureau, "name": name},
                values,
                line=row.line if row else None,
            )
            result[name] = dept
            teams = list(row.teams) if row else []
            current = {team.name: team for team in dept.teams.all()}
            for team_order, team_name in enumerate(teams, start=1):
                self.save(
                    "teams",
                    Team,
                    current.pop(team_name, None),
                    {"department": dept, "name": team_name},
                    {"order": team_order},
                    line=row.line if row else None,
                )
            self.delete_missing("teams", Team.objects.filter(pk__in=[t.pk for t in current.values()]), f"{name} 팀")
        for dept in existing.values():
            self.stale.append(f"부서 {with_josa(quoted(dept.name), '이/가')} 문서에 없습니다 (사용자 자료가 있을 수 있어 남겨 둠)")
        return result

    def write_strategic_goal(
        self, bureau: Bureau, dept: Department, block: StrategicGoalBlock, order: int
    ) -> StrategicGoal:
        goals = StrategicGoal.objects.filter(bureau=bureau)
        # A corrected title keeps its row: fall back to the department's only goal.
        existing = goals.filter(title=block.title).first() or only(goals.filter(department=dept))
        values = {
            "title": block.title,
            "department_id": dept.pk,
            "basic_direction": block.basic_direction,
            "order": order,
        }
        goal, _, _ = self.save("strategic_goals", StrategicGoal, existing, {"bureau": bureau}, values, line=block.line)
        return goal

    def write_policy_goals(self, goal: StrategicGoal, dept: Department, block: StrategicGoalBlock) -> PolicyGoal:
        current = list(PolicyGoal.objects.filter(strategic_goal=goal))
        saved: list[PolicyGoal] = []
        for order, row in enumerate(block.policy_goals, start=1):
            existing = next((pg for pg in current if pg.title == row.title), None)
            if existing is None and len(current) == 1 and len(block.policy_goals) == 1:
                existing = current[0]
            values = {
                "title": row.title,
                "department_id": dept.pk,
                "order": order,
                "declared_indicator_count": row.indicator_count,
                "declared_unit_program_count": row.unit_program_count,
                "budget_amount": row.budget_amount,
            }
            policy_goal, _, _ = self.save(
                "policy_goals", PolicyGoal, existing, {"strategic_goal": goal}, values, line=row.line
            )
            saved.append(policy_goal)
            current = [pg for pg in current if pg.pk != policy_goal.pk]
        self.note_missing(PolicyGoal.objects.filter(pk__in=[pg.pk for pg in current]), "정책사업목표")
        # The sample has one policy goal per department; indicators and programs hang from the first.
        return saved[0]

    def link_previous(self, bureau: Bureau, renames: list[Rename]) -> None:
        """Link each indicator of this bureau to the same one of the organization's previous edition.

        The same one: the same department name and indicator name (spaces ignored), or a line of the
        mapping file for a renamed one. The previous edition may hold it in another bureau (departments
        move); an indicator found in none is new this year and keeps no link.
        """
        previous_year = Bureau.objects.filter(
            organization=self.organization, plan_year__lt=bureau.plan_year
        ).aggregate(year=Max("plan_year"))["year"]
        if previous_year is None:
            return
        candidates: dict[tuple[str, str], Indicator] = {}
        for old in Indicator.objects.filter(
            department__bureau__organization=self.organization, department__bureau__plan_year=previous_year
        ).select_related("department"):
            for name in (old.short_name, old.name):
                candidates.setdefault((_key(old.department.name), _key(name)), old)
        linked: list[Indicator] = []
        for indicator in Indicator.objects.filter(department__bureau=bureau).select_related("department"):
            department = _key(indicator.department.name)
            names = {_key(indicator.short_name), _key(indicator.name)}
            wanted = [
                _key(rename.old_name) for rename in renames
                if _key(rename.new_name) in names and (not rename.department or _key(rename.department) == department)
            ] or sorted(names)
            match = next((candidates[(department, name)] for name in wanted if (department, name) in candidates), None)
            if match is not None and indicator.previous_id != match.pk:
                indicator.previous = match
                linked.append(indicator)
                self.links.append(f"{indicator.department.name} {quoted(indicator.short_name)} ← {previous_year}년 "
                                  f"{quoted(match.short_name)}")
        Indicator.objects.bulk_update(linked, ["previous"])

    def finish(self, bureau: Bureau, *, sha256: str) -> ImportRun:
        """Record the run, its audit rows and the department-years to rescore (changes only)."""
        bureau.imported_at, bureau.source_document = self.now, self.doc.source_name
        bureau.save(update_fields=["imported_at", "source_document"])
        run = ImportRun.objects.create(
            kind=ImportKind.PLAN_DOCUMENT,
            status=ImportStatus.APPLIED,
            user=self.user,
            organization=self.organization,
            file_name=self.doc.source_name,
            sha256=sha256,
            year=self.doc.plan_year,
            summary={k: dict(v) for k, v in self.tally.items()},
            applied_at=self.now,
        )
        for entry in self.audit:
            entry.import_run = run
        audit_write(self.audit)
        # The project's one way to mark scores stale: upsert in this transaction, wake a worker on commit.
        dirty_mark(self.dirty)
        return run
