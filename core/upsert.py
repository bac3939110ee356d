"""Writing rows by natural key: only what differs is written, and every create, update and deletion is
tallied, so that an import can report what it changed and stay idempotent."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models

from core.errors import error_summary
from core.korean import with_josa
from core.numbers import quoted

M = TypeVar("M", bound=models.Model)


def _same(old: Any, new: Any) -> bool:
    """Decimals compare by value: the database hands back 11.0000 for a stored 11."""
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        if old is None or new is None:
            return old is None and new is None
        return Decimal(old) == Decimal(new)
    return bool(old == new)


class Upserts:
    """Creates or updates rows by natural key, writing only what differs, and keeps the record.

    `invalid(message, line)` builds the error raised for a row a model's validation refuses (the caller's
    own, naming the line of its source).
    """

    def __init__(self, *, now: datetime, invalid: Callable[[str, int | None], Exception]) -> None:
        self.now = now
        self.invalid = invalid
        self.tally: dict[str, Counter[str]] = defaultdict(Counter)
        self.stale: list[str] = []
        self.kept: list[str] = []

    @property
    def changed(self) -> bool:
        return any(counter["created"] or counter["updated"] or counter["deleted"] for counter in self.tally.values())

    def save(
        self,
        entity: str,
        model: type[M],
        existing: M | None,
        lookup: dict[str, Any],
        values: dict[str, Any],
        *,
        line: int | None,
        on_change: dict[str, Any] | None = None,
    ) -> tuple[M, dict[str, tuple[Any, Any]], bool]:
        """Create, or update only the fields that differ; an unchanged row is not written."""
        extra = on_change or {}
        if existing is None:
            obj = model(**lookup, **values, **extra)
            self._clean(obj, line)
            obj.save()
            self.tally[entity]["created"] += 1
            return obj, {name: (None, value) for name, value in values.items()}, True
        changes = {
            name: (getattr(existing, name), value)
            for name, value in values.items()
            if not _same(getattr(existing, name), value)
        }
        if not changes:
            self.tally[entity]["unchanged"] += 1
            return existing, {}, False
        for name, value in [*((name, new) for name, (_, new) in changes.items()), *extra.items()]:
            setattr(existing, name, value(existing) if callable(value) else value)
        self._clean(existing, line)
        # auto_now fields (Actual.updated_at) are only written when named in update_fields.
        touched = [f.name for f in model._meta.fields if getattr(f, "auto_now", False)]
        existing.save(update_fields=[*changes, *extra, *touched])
        self.tally[entity]["updated"] += 1
        return existing, changes, False

    def _clean(self, obj: models.Model, line: int | None) -> None:
        # Relations were just saved by this writer; skipping them avoids one query per row.
        exclude = [f.name for f in obj._meta.fields if f.is_relation]
        try:
            obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            details = error_summary({_verbose_name(obj, name): errors for name, errors in exc.message_dict.items()})
            raise self.invalid(f"저장할 수 없는 값입니다 ({obj._meta.verbose_name}: {details})", line) from exc

    def delete_missing(self, entity: str, queryset: models.QuerySet[Any], describe: str) -> None:
        for obj in queryset:
            self.stale.append(f"{describe} {with_josa(quoted(obj), '이/가')} 문서에 없어 삭제했습니다")
            obj.delete()
            self.tally[entity]["deleted"] += 1

    def note_missing(self, queryset: models.QuerySet[Any], describe: str) -> None:
        for obj in queryset:
            self.stale.append(f"{describe} {with_josa(quoted(obj), '이/가')} 문서에 없습니다 (사용자 자료가 있을 수 있어 남겨 둠)")


def only(queryset: models.QuerySet[M]) -> M | None:
    rows = list(queryset[:2])
    return rows[0] if len(rows) == 1 else None


def _verbose_name(obj: models.Model, name: str) -> str:
    """The Korean name of a model field for an error message; other keys (`__all__`) as they are."""
    try:
        return str(obj._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name
