"""Audit rows, written by services inside the same transaction as the change."""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from core.bulk import bulk_insert
from kpis.models import AuditEntry


def audit_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in sorted(value.items()))
    return str(value)


def audit_record(
    *, user, source: str, entity: str, action: str, field: str = "", old: Any = None, new: Any = None,
    department_id: int | None = None, indicator_id: int | None = None, year: int | None = None, period: int = 0,
    import_run_id: int | None = None, comment: str = "", changes: dict[str, tuple[Any, Any]] | None = None,
) -> AuditEntry:
    return AuditEntry(
        user_id=getattr(user, "pk", None), source=source, entity=entity, action=action, field=field,
        old_value=audit_text(old), new_value=audit_text(new), department_id=department_id,
        indicator_id=indicator_id, year=year, period=period, import_run_id=import_run_id, comment=comment,
        changes={name: [audit_text(before), audit_text(after)] for name, (before, after) in (changes or {}).items()},
    )


def audit_write(entries: Iterable[AuditEntry]) -> None:
    bulk_insert(AuditEntry, list(entries))
