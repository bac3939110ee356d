"""API for workbooks: exports, uploads with preview, confirm, the error workbook and the history."""
from __future__ import annotations

import io

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ApiViewMixin, id_field, lookup_id, year_field
from imports import actuals_import, exporters, plan_workbook, run_rows, runs
from imports.uploads import too_large_message
from imports.workbook_writing import xlsx_response

# Multipart boundaries and the other fields of an upload form.
MULTIPART_OVERHEAD = 64 * 1024
RUN_ID = OpenApiParameter("pk", int, OpenApiParameter.PATH, description="가져오기 기록 id")
XLSX = OpenApiResponse(OpenApiTypes.BINARY, description="xlsx 파일")


class ExportQuerySerializer(serializers.Serializer):
    year = year_field(help_text="연도 (예: 2025)")
    department = id_field(required=False, help_text="부서 id; 평가자·관리자는 비우면 전체 부서")


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="내려받은 실적 파일(xlsx)")
    department = id_field(required=False, help_text="이 부서의 파일만 받음 (선택)")
    year = year_field(required=False, help_text="이 연도의 파일만 받음 (선택)")


class PlanUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="고친 계획 엑셀(xlsx)")


class ConfirmSerializer(serializers.Serializer):
    accept_stale = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=1_048_576), required=False, default=list,
        max_length=200_000, help_text="계획이 바뀐 것을 확인하고 그래도 반영할 행 번호",
    )
    reason = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=2000,
        help_text="변경 사유: 계획 엑셀이 이미 있는 목표를 바꿀 때 필수 (미리보기 summary.target_revisions > 0)",
    )
    submit = serializers.BooleanField(
        required=False, default=False,
        help_text="반영 후 제출: 저장한 실적을 같은 트랜잭션에서 제출합니다 (실적 엑셀만; 하나라도 거부되면 아무것도 저장하지 않음)",
    )


class UploadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class UploadViewMixin:
    """Refuse an oversized body by its declared length, before authentication or CSRF parse it."""

    parser_classes = [MultiPartParser]

    def initial(self, request, *args, **kwargs):
        if declared_length(request) > settings.UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD:
            raise UploadTooLarge(too_large_message())
        super().initial(request, *args, **kwargs)


def run_response(run, *, created: bool = False) -> Response:
    body = runs.run_payload(run)
    if run.status == "failed":
        first = run.errors[0]["text"] if run.errors else "파일을 읽을 수 없습니다."
        return Response({"detail": first, "code": "invalid_file", **body}, status=status.HTTP_400_BAD_REQUEST)
    return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ActualsExportView(ApiViewMixin, APIView):
    @extend_schema(summary="실적 입력 엑셀 내려받기", parameters=[ExportQuerySerializer], responses={200: XLSX})
    def get(self, request: Request) -> HttpResponse:
        query = ExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        out = io.BytesIO()
        export = exporters.actuals_workbook(
            user=request.user, year=query.validated_data["year"],
            department_id=query.validated_data.get("department"), out=out,
        )
        return xlsx_response(out.getvalue(), export.file_name)


class PlanExportView(ApiViewMixin, APIView):
    @extend_schema(summary="성과계획 엑셀 내려받기 (관리자·평가자)", responses={200: XLSX})
    def get(self, request: Request) -> HttpResponse:
        out = io.BytesIO()
        export = plan_workbook.plan_workbook(user=request.user, out=out)
        return xlsx_response(out.getvalue(), export.file_name)


class ActualsUploadView(UploadViewMixin, ApiViewMixin, APIView):
    @extend_schema(summary="실적 엑셀 올리기 (미리보기만, 저장하지 않음)", request=UploadSerializer,
                   responses={201: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 413: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        data = UploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        run = actuals_import.actuals_upload(
            user=request.user, upload=upload, file_name=upload.name,
            department_id=data.validated_data.get("department"), year=data.validated_data.get("year"),
        )
        return run_response(run, created=True)


class PlanUploadView(UploadViewMixin, ApiViewMixin, APIView):
    @extend_schema(summary="계획 엑셀 올리기 (관리자, 미리보기만)", request=PlanUploadSerializer,
                   responses={201: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 413: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        data = PlanUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        run = plan_workbook.plan_upload(user=request.user, upload=upload, file_name=upload.name)
        return run_response(run, created=True)


class ImportListView(ApiViewMixin, APIView):
    @extend_schema(summary="가져오기 기록", operation_id="imports_list", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        history = runs.run_history(user=request.user)[:200]
        return Response({"results": [runs.run_payload(run, rows=False) for run in history]})


class RowsPageSerializer(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, required=False, default=1, help_text="행 목록의 쪽 (1부터)")
    page_size = serializers.IntegerField(
        min_value=1, max_value=5000, required=False, default=run_rows.PAGE_SIZE, help_text="쪽당 행 수 (최대 5000)"
    )


class ImportDetailView(ApiViewMixin, APIView):
    @extend_schema(summary="가져오기 미리보기·결과 (행은 쪽 단위: rows_page)", responses={200: OpenApiTypes.OBJECT},
                   parameters=[RUN_ID, RowsPageSerializer])
    def get(self, request: Request, pk: str) -> Response:
        query = RowsPageSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        run = runs.run_get(user=request.user, run_id=lookup_id(pk))
        return Response(runs.run_payload(
            run, page=query.validated_data["page"], page_size=query.validated_data["page_size"]
        ))


class ImportConfirmView(ApiViewMixin, APIView):
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(summary="미리보기한 파일 반영 (한 트랜잭션)", request=ConfirmSerializer,
                   responses={200: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT}, parameters=[RUN_ID])
    def post(self, request: Request, pk: str) -> Response:
        data = ConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = runs.run_confirm(
            user=request.user, run_id=lookup_id(pk), accept_stale=data.validated_data["accept_stale"],
            submit=data.validated_data["submit"], reason=data.validated_data["reason"],
        )
        return Response(runs.run_payload(run))


class ImportErrorsView(ApiViewMixin, APIView):
    @extend_schema(summary="오류 표시 엑셀 (빨간 칸 + 메모)", responses={200: XLSX}, parameters=[RUN_ID])
    def get(self, request: Request, pk: str) -> HttpResponse:
        run = runs.run_get(user=request.user, run_id=lookup_id(pk))
        data, file_name = runs.run_error_workbook(run)
        return xlsx_response(data, file_name)
