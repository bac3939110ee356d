"""Shared API pieces: bounded input fields and filters, pagination, error schema, base viewset."""
from __future__ import annotations

from decimal import Decimal

from django import forms
from django_filters import rest_framework as filters
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny

from core.api_errors import ApiErrorsMixin, ErrorSerializer
from core.numbers import format_limit, whole_number

# Ids are bigints; anything larger cannot exist and must not reach the database driver.
MAX_ID = 2**63 - 1
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_VERSION = 2**31 - 1
YEAR_MESSAGES = {
    "min_value": f"연도는 {MIN_YEAR}~{MAX_YEAR} 사이여야 합니다.",
    "max_value": f"연도는 {MIN_YEAR}~{MAX_YEAR} 사이여야 합니다.",
    "invalid": "연도는 정수여야 합니다.",
}


def bound_messages(what: str, low: int, high: int) -> dict[str, str]:
    """A whole number's refusals in Korean, a big bound in Korean units: '버전은 21억 4,748만 3,647 이하여야 합니다.'"""
    return {
        "min_value": f"{what} {format_limit(Decimal(low))} 이상이어야 합니다.",
        "max_value": f"{what} {format_limit(Decimal(high))} 이하여야 합니다.",
        "invalid": f"{what} 정수여야 합니다.",
    }


ID_MESSAGES = bound_messages("id는", 1, MAX_ID)


def id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, error_messages=ID_MESSAGES, **kwargs)


def version_field(*, low: int = 1, **kwargs) -> serializers.IntegerField:
    """A version the client saw: a whole number the database column can hold."""
    return serializers.IntegerField(
        min_value=low, max_value=MAX_VERSION, error_messages=bound_messages("버전은", low, MAX_VERSION), **kwargs
    )


def year_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=MIN_YEAR, max_value=MAX_YEAR, error_messages=YEAR_MESSAGES, **kwargs
    )


class YearQuerySerializer(serializers.Serializer):
    year = year_field(help_text="연도 (예: 2023)")


def year_from_query(request) -> int:
    """The required ?year= parameter, or a 400 naming the field."""
    query = YearQuerySerializer(data={"year": request.query_params.get("year")})
    query.is_valid(raise_exception=True)
    return query.validated_data["year"]


@extend_schema_field(serializers.IntegerField(min_value=1, max_value=MAX_ID))
class IdFilter(filters.NumberFilter):
    """An id in the query string: a positive integer the database can hold, else 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field(serializers.IntegerField(min_value=MIN_YEAR, max_value=MAX_YEAR))
class YearFilter(filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", MIN_YEAR)
        kwargs.setdefault("max_value", MAX_YEAR)
        super().__init__(*args, **kwargs)


class ApiPagination(PageNumberPagination):
    """DRF's page numbers, but a malformed ?page= is a 400 rather than a 404."""

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw in (None, "") or raw in self.last_page_strings:
            return super().get_page_number(request, paginator)
        number = whole_number(raw, low=1, high=999_999_999)
        if number is None:
            raise exceptions.ValidationError({self.page_query_param: ["페이지 번호는 1 이상의 정수여야 합니다."]})
        return number


class ApiAutoSchema(AutoSchema):
    """Documents the error responses every operation can give, all in `ErrorSerializer`'s shape."""

    def error_codes(self, operation: dict) -> dict[str, str]:
        codes = {"429": "요청이 너무 많습니다."}
        if any(not issubclass(permission, AllowAny) for permission in self.view.permission_classes):
            codes["403"] = "로그인이 필요하거나 권한이 없습니다."
        takes_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
        if "{" in self.path or takes_query:
            codes["404"] = "대상을 찾을 수 없습니다."
        if self.method in ("POST", "PUT", "PATCH") or takes_query:
            codes["400"] = "입력값이 올바르지 않습니다."
        return codes

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        error_ref = self.resolve_serializer(ErrorSerializer, "response").ref
        for code, description in self.error_codes(operation).items():
            operation["responses"].setdefault(
                code, {"content": {"application/json": {"schema": error_ref}}, "description": description}
            )
        operation["responses"] = dict(sorted(operation["responses"].items()))
        return operation


class ApiViewMixin(ApiErrorsMixin):
    """Every API view: the JSON error shape, documented error responses, bounded pagination."""

    schema = ApiAutoSchema()
    pagination_class = ApiPagination


def lookup_id(raw: str) -> int:
    """A path id as an int the database can hold; anything else is simply not found."""
    number = whole_number(raw, low=1, high=MAX_ID)
    if number is None:
        raise exceptions.NotFound()
    return number


class ReadOnlyApiViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """List and retrieve; a malformed or impossible id is a 404, never a database error."""

    def get_object(self):
        lookup_id(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        return super().get_object()
