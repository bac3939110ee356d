"""Settled amounts (결산) of budget programs, entered by planners on the execution page, the API or the plan
workbook: one writer, admins only, within their organization, audited (entity "budget_amount")."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from accounts.models import User
from budgets.models import AMOUNT, AmountKind, BudgetProgram, BudgetProgramAmount
from core.errors import InvalidInput, NotFound
from core.security import log_refusal
from kpis.domain import ValueDomain, ValueRefused, value_check, value_read
from kpis.models import ChangeSource
from kpis.scope import scoped
from kpis.services.audit import audit_record, audit_write
from kpis.services.permissions import require_admin

ENTITY = "budget_amount"
SETTLED_LABEL = "결산액"
# What BudgetProgramAmount.amount holds: DECIMAL(16, 3) in 백만원, never negative.
SETTLED_DOMAIN = ValueDomain(
    minimum=Decimal(0), maximum=Decimal(10) ** (AMOUNT["max_digits"] - AMOUNT["decimal_places"]) - Decimal("0.001"),
    places=AMOUNT["decimal_places"],
)


@dataclass(frozen=True)
class SettledChange:
    budget_program_id: int
    year: int
    amount: Decimal | None  # None clears the settled amount


def settled_read(raw: object) -> Decimal | None:
    """A settled amount as typed (form, API, workbook cell): blank is None; else ValueRefused with the message."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return value_read(raw, SETTLED_DOMAIN, label=SETTLED_LABEL)


def settled_programs(*, user: User):
    """Budget programs of the organizations `user` sees."""
    return scoped(BudgetProgram.objects.all(), user, "unit_program__department__bureau__organization_id")


@transaction.atomic
def settled_amounts_write(
    *, user: User, changes: Sequence[SettledChange], source: str = ChangeSource.WEB, import_run_id: int | None = None,
) -> int:
    """Store the settled amounts; all or none. Returns how many changed (an unchanged one writes nothing)."""
    require_admin(user)
    ids = {change.budget_program_id for change in changes}
    programs = settled_programs(user=user).select_related("unit_program").in_bulk(list(ids))
    if len(programs) != len(ids):
        log_refusal(user, "out_of_scope", f"budget_programs={sorted(ids - set(programs))}")
        raise NotFound("세부사업을 찾을 수 없습니다.")
    errors: dict[str, list[str]] = {}
    for change in changes:
        if change.amount is not None:
            try:
                value_check(change.amount, SETTLED_DOMAIN)
            except ValueRefused as exc:
                errors.setdefault(f"{programs[change.budget_program_id].name} {change.year}년 결산액", []).append(exc.message)
    if errors:
        raise InvalidInput(errors)
    current = {
        (row.budget_program_id, row.year): row
        for row in BudgetProgramAmount.objects.filter(
            budget_program_id__in=ids, year__in={c.year for c in changes}, kind=AmountKind.SETTLED
        )
    }
    audits = []
    for change in changes:
        program = programs[change.budget_program_id]
        row = current.get((program.pk, change.year))
        old = row.amount if row else None
        if old == change.amount or (row is None and change.amount is None):
            continue
        if row is None:
            BudgetProgramAmount.objects.create(
                budget_program=program, year=change.year, kind=AmountKind.SETTLED, amount=change.amount
            )
        else:
            row.amount = change.amount
            row.save(update_fields=["amount"])
        audits.append(
            audit_record(
                user=user, source=source, entity=ENTITY, action="create" if row is None else "update", field="amount",
                old=old, new=change.amount, department_id=program.unit_program.department_id, year=change.year,
                import_run_id=import_run_id, comment=program.name,
            )
        )
    audit_write(audits)
    return len(audits)
