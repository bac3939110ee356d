"""Errors raised by services; views, API and imports turn them into messages."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from core.korean import with_josa
from core.numbers import plain_text, quoted


class ServiceError(Exception):
    """Base class: a refused operation with a Korean message for the user."""

    code = "error"
    http_status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PermissionRefused(ServiceError):
    code = "permission_denied"
    http_status = 403


class NotFound(ServiceError):
    code = "not_found"
    http_status = 404


class YearClosed(ServiceError):
    code = "year_closed"
    http_status = 409


class InvalidState(ServiceError):
    code = "invalid_state"
    http_status = 409


class InvalidInput(ServiceError):
    """Field-level validation errors: {field: [messages]}."""

    code = "invalid"
    http_status = 400

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        first = "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())
        super().__init__(first)


@dataclass
class ConflictInfo:
    value: Decimal | None
    inputs: dict[str, str] = field(default_factory=dict)
    version: int = 0
    updated_at: datetime | None = None
    updated_by: str = ""
    by_caller: bool = False  # the newer version was saved by the user who is refused (a client's retry)


class VersionConflict(ServiceError):
    """Someone saved a newer version since the user loaded theirs; nothing was written."""

    code = "version_conflict"
    http_status = 409

    def __init__(self, current: ConflictInfo) -> None:
        self.current = current
        saved = quoted(plain_text(current.value)) if current.value is not None else "'없음'"
        when = timezone.localtime(current.updated_at).strftime("%Y-%m-%d %H:%M") if current.updated_at else "-"
        if current.by_caller:
            # Never call the user "another user": most often their own earlier request was saved and its
            # answer lost, and the client retried with the version it had.
            super().__init__(
                f"이미 저장된 변경입니다: {when}에 본인이 값을 {with_josa(saved, '으로/로')} 저장했습니다 "
                f"(버전 {current.version}). 최신 값을 확인한 뒤 다시 저장하세요."
            )
            return
        super().__init__(
            f"다른 사용자({current.updated_by or '알 수 없음'})가 {when}에 값을 {with_josa(saved, '으로/로')} 먼저 저장했습니다 "
            f"(버전 {current.version}). 최신 값을 확인한 뒤 다시 저장하세요."
        )
