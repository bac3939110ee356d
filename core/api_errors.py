"""One JSON error shape for the whole API: {"detail", "code", "errors"?, "current"?}.

Settings should point REST_FRAMEWORK["EXCEPTION_HANDLER"] at `api_exception_handler`; until then
the API views apply it through `ApiErrorsMixin`.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.errors import NON_FIELD, InvalidInput, ServiceError, VersionConflict, error_summary
from core.numbers import VALUE_DIGITS
from core.outage import is_database_outage, outage_body, outage_headers

logger = logging.getLogger("kpis.api")

INVALID_MESSAGE = "입력값이 올바르지 않습니다."
SERVER_ERROR_MESSAGE = "서버에서 요청을 처리하지 못했습니다. 잠시 후 다시 시도하세요."
NOT_FOUND_MESSAGE = "요청한 주소를 찾을 수 없습니다."
TOO_LARGE_MESSAGE = "요청 본문이 너무 큽니다. 파일이 아닌 요청은 최대 {limit}까지 보낼 수 있습니다."


class ConflictCurrentSerializer(serializers.Serializer):
    """What the other user saved, shown so the client can compare before saving again."""

    value = serializers.DecimalField(**VALUE_DIGITS, allow_null=True)
    inputs = serializers.DictField(child=serializers.CharField())
    version = serializers.IntegerField()
    updated_at = serializers.DateTimeField(allow_null=True)
    updated_by = serializers.CharField(allow_blank=True)


class ErrorSerializer(serializers.Serializer):
    """Every 4xx/5xx body of the API."""

    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False,
        help_text="항목별 오류: {항목: [메시지]}",
    )
    current = ConflictCurrentSerializer(required=False, help_text="버전 충돌 시 현재 저장된 값")


def flatten_errors(data: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structures as {"field" or "field.key": [messages]}."""
    if isinstance(data, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in flatten_errors(value, name).items():
                flat.setdefault(field, []).extend(messages)
        return flat
    if isinstance(data, (list, tuple)):
        if all(not isinstance(item, (Mapping, list, tuple)) for item in data):
            return {prefix or NON_FIELD: [str(item) for item in data]}
        flat = {}
        for index, item in enumerate(data):
            for field, messages in flatten_errors(item, f"{prefix}[{index}]" if prefix else str(index)).items():
                flat.setdefault(field, []).extend(messages)
        return flat
    return {prefix or NON_FIELD: [str(data)]}


def summarise(errors: Mapping[str, list[str]]) -> str:
    """The same one-line summary services give InvalidInput: "검토 의견: message; …" (fields in Korean)."""
    return error_summary(dict(errors)) or INVALID_MESSAGE


def error_body(*, detail: str, code: str, errors: Mapping[str, list[str]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": detail, "code": code}
    if errors:
        body["errors"] = {field: list(messages) for field, messages in errors.items()}
    return body


def service_error_response(exc: ServiceError) -> Response:
    errors = exc.errors if isinstance(exc, InvalidInput) else None
    body = error_body(detail=exc.message, code=exc.code, errors=errors)
    if isinstance(exc, VersionConflict):
        body["current"] = ConflictCurrentSerializer(exc.current).data
    return Response(body, status=exc.http_status)


def _drf_response(exc: exceptions.APIException, context: dict) -> Response:
    response = drf_exception_handler(exc, context)
    if response is None:  # pragma: no cover - DRF handles every APIException
        response = Response(status=exc.status_code)
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        response.data = error_body(detail=summarise(errors), code="invalid", errors=errors)
        return response
    codes = exc.get_codes()
    response.data = error_body(
        detail=str(exc.detail) if not isinstance(exc.detail, (list, dict)) else summarise(flatten_errors(exc.detail)),
        code=codes if isinstance(codes, str) else exc.default_code,
    )
    return response


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """Turn service, Django and DRF errors into the API's JSON error shape; a lost database is a 503."""
    if isinstance(exc, ServiceError):
        set_rollback()
        return service_error_response(exc)
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages}
        return Response(
            error_body(detail=summarise(errors), code="invalid", errors=errors), status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, RequestDataTooBig):
        limit = f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024):.1f}MB"
        return Response(
            error_body(detail=TOO_LARGE_MESSAGE.format(limit=limit), code="request_too_large"),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, SuspiciousOperation):  # e.g. too many form fields: Django's own answer is a 400
        return Response(error_body(detail=INVALID_MESSAGE, code="invalid"), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        return _drf_response(exc, context)
    if is_database_outage(exc):
        logger.error("database unavailable in the API: %s", exc)
        set_rollback()
        return Response(outage_body(), status=status.HTTP_503_SERVICE_UNAVAILABLE, headers=outage_headers())
    if settings.DEBUG:
        return None  # let Django show its debug page
    view = context.get("view")
    logger.error("unhandled API error in %s", type(view).__name__ if view else "-", exc_info=exc)
    set_rollback()
    return Response(
        error_body(detail=SERVER_ERROR_MESSAGE, code="server_error"), status=status.HTTP_500_INTERNAL_SERVER_ERROR
    )


class ApiErrorsMixin:
    """Applies `api_exception_handler` to a view whatever the settings say."""

    def get_exception_handler(self):
        return api_exception_handler


# Exempt because it changes nothing and reads nothing: otherwise a POST without a CSRF token got the
# HTML CSRF page instead of this 404. Real endpoints keep DRF's CSRF check for session requests.
@csrf_exempt
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown paths under /api/v1/ answer in JSON, whatever the method, not with the site's HTML 404 page."""
    return JsonResponse(error_body(detail=NOT_FOUND_MESSAGE, code="not_found"), status=404)
