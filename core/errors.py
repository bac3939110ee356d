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


NON_FIELD = "non_field_errors"
# The Korean names users see for the fields errors are keyed by (services, forms, the API); the keys stay
# in the API's structured `errors`, the human message names the field in Korean.
FIELD_LABELS = {
    "value": "실적", "supplementary_value": "보조 실적", "inputs": "산식 입력값", "note": "비고",
    "comment": "검토 의견", "review_comment": "검토 의견", "evidence": "증빙 자료", "file": "파일",
    "indicator": "성과지표", "indicator_id": "성과지표", "department": "부서", "department_id": "부서",
    "bureau": "실국", "year": "연도", "version": "버전", "status": "상태", "target": "목표", "weight": "가중치",
    "method_text": "측정산식", "direction": "방향", "band_tolerance": "유지 허용폭", "unit": "단위", "name": "이름",
    "value_min": "실적 최솟값", "value_max": "실적 최댓값", "value_places": "실적 소수 자릿수",
    "input_min": "산식 입력값 최솟값", "input_max": "산식 입력값 최댓값", "input_places": "산식 입력값 소수 자릿수",
    "display_places": "표시 소수 자릿수", "username": "아이디", "password": "비밀번호", "role": "역할",
    "page": "쪽", "kind": "종류", "ids": "선택한 항목", "reason": "변경 사유",
    "shortfall_reason": "미달성 사유", "improvement_plan": "향후 개선계획", "analysis": "성과 분석",
}


def field_label(name: str) -> str | None:
    """The Korean name of an error's field: 'comment' → '검토 의견', 'inputs.활동인원' → '활동인원' (a formula's
    own input names and row labels such as '3행' are Korean already); None for a key users have no name for."""
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    if "." in name:
        return field_label(name.rsplit(".", 1)[1])
    if name and not name.isascii():
        return name
    return None


def error_summary(errors: dict[str, list[str]]) -> str:
    """Field errors as one Korean line: '검토 의견: 반려 사유를 입력하세요.; 활동인원: …'; a message that already
    begins with its field's name is not labelled twice, and an unnamed key is never shown."""
    parts = []
    for name, messages in errors.items():
        text = " ".join(str(message) for message in messages)
        label = None if name == NON_FIELD else field_label(name)
        parts.append(text if label is None or text.startswith(label) else f"{label}: {text}")
    return "; ".join(parts)


class InvalidInput(ServiceError):
    """Field-level validation errors: {field: [messages]}; the message names each field in Korean."""

    code = "invalid"
    http_status = 400

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__(error_summary(errors))


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
