"""API views: parse and bound the input, call one selector or service, render."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import (
    ApiViewMixin,
    ReadOnlyApiViewSet,
    YearQuerySerializer,
    id_field,
    lookup_id,
    year_field,
    year_from_query,
)
from core.api_errors import ErrorSerializer
from core.errors import PermissionRefused
from kpis.api import selectors
from kpis.api.filters import (
    ActualFilter,
    DepartmentFilter,
    IndicatorFilter,
    PolicyGoalFilter,
    StrategicGoalFilter,
)
from kpis.api.serializers import (
    ActualApproveSerializer,
    ActualCreateSerializer,
    ActualReturnSerializer,
    ActualSerializer,
    ActualUpdateSerializer,
    ActualVersionSerializer,
    DepartmentScoreDetailSerializer,
    DepartmentScoreSerializer,
    DepartmentSerializer,
    IndicatorSerializer,
    PolicyGoalSerializer,
    RecomputeRequestSerializer,
    RecomputeResponseSerializer,
    StrategicGoalSerializer,
)
from kpis.models import Actual, ChangeSource, Department, Indicator, PolicyGoal, StrategicGoal, TargetRevision
from kpis.scope import scoped
from kpis.services.actuals import SaveOutcome, actual_save, actual_save_outcome
from kpis.services.permissions import can_decide, log_refusal
from kpis.services.workflow import actual_approve, actual_return, actual_submit
from kpis.tasks import recompute_year

logger = logging.getLogger("kpis.api")


class ScoreQuerySerializer(YearQuerySerializer):
    organization = id_field(required=False, help_text="기관(지방자치단체) id; 볼 수 없는 기관이면 빈 목록")
    plan_year = year_field(required=False, help_text="계획 연도 (예: 2025)")


def validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- Plan (read only) ------------------------------------------------------------------------


class ScopedMixin:
    """Rows of the organizations the user sees, filtered in the query (an id out of scope is a 404)."""

    scope_path = "department__bureau__organization_id"

    def get_queryset(self):
        return scoped(super().get_queryset(), self.request.user, self.scope_path)


class DepartmentViewSet(ScopedMixin, ReadOnlyApiViewSet):
    """Departments (과) with headcount and teams."""

    queryset = Department.objects.select_related("bureau").prefetch_related("teams")
    scope_path = "bureau__organization_id"
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter


class StrategicGoalViewSet(ScopedMixin, ReadOnlyApiViewSet):
    """Strategic goals (전략목표)."""

    queryset = StrategicGoal.objects.select_related("department")
    serializer_class = StrategicGoalSerializer
    filterset_class = StrategicGoalFilter


class PolicyGoalViewSet(ScopedMixin, ReadOnlyApiViewSet):
    """Policy program goals (정책사업목표)."""

    queryset = PolicyGoal.objects.select_related("department")
    serializer_class = PolicyGoalSerializer
    filterset_class = PolicyGoalFilter


class IndicatorViewSet(ScopedMixin, ReadOnlyApiViewSet):
    """Performance indicators (성과지표) with their yearly targets (each with its revisions) and the inputs a user
    types."""

    queryset = Indicator.objects.select_related("department").prefetch_related(
        "targets", Prefetch("targets__revisions", TargetRevision.objects.select_related("changed_by").order_by(
            "changed_at", "id"
        )),
    )
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter


# --- Actuals ---------------------------------------------------------------------------------

ACTUAL_WRITE_ERRORS = {
    404: OpenApiResponse(ErrorSerializer, description="실적 또는 성과지표를 찾을 수 없음"),
    409: OpenApiResponse(
        ErrorSerializer, description="버전 충돌(current에 먼저 저장된 값), 승인된 실적, 마감된 연도"
    ),
}


@extend_schema_view(
    list=extend_schema(summary="실적 목록 (볼 수 있는 기관의 모든 부서)"),
    retrieve=extend_schema(summary="실적 한 건"),
)
class ActualViewSet(
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Actuals (실적): everyone reads those of the organizations they see; writes go through the services, which check
    the department."""

    serializer_class = ActualSerializer
    filterset_class = ActualFilter
    queryset = Actual.objects.none()  # for schema introspection; get_queryset is the real one

    def get_queryset(self):
        return scoped(selectors.actual_list(), self.request.user, "indicator__department__bureau__organization_id")

    def get_object(self) -> Actual:
        lookup_id(self.kwargs["pk"])
        return super().get_object()

    def _written(self, write: Callable[[], Actual]) -> Response:
        """Run a service's write and read its answer in one transaction: a committed write is answered as written."""
        with transaction.atomic():
            return Response(self._data(write()))

    def _data(self, actual: Actual) -> dict:
        return ActualSerializer(self.get_queryset().get(pk=actual.pk)).data

    @extend_schema(
        summary="실적 저장 (새로 만들거나 화면에서 본 버전을 고쳐 임시 저장)",
        request=ActualCreateSerializer,
        responses={200: ActualSerializer, 201: ActualSerializer, **ACTUAL_WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = validated(ActualCreateSerializer, request.data)
        # The answer is read inside the save's transaction: a write that commits is answered as written.
        with transaction.atomic():
            saved = actual_save_outcome(
                user=request.user, indicator_id=data["indicator"], year=data["year"], inputs=data.get("inputs"),
                value=data.get("value"), note=data.get("note"), expected_version=data.get("version"),
                source=ChangeSource.API, period=data["period"],
            )
            body = self._data(saved.actual)
        # 201 only for a new actual; a change, or a save equal to what is stored, answers 200 with the current state.
        return Response(body, status=status.HTTP_201_CREATED if saved.outcome == SaveOutcome.CREATED else status.HTTP_200_OK)

    @extend_schema(
        summary="실적 수정 (입력값을 생략하면 저장된 입력값을 그대로 씁니다)",
        request=ActualUpdateSerializer,
        responses={200: ActualSerializer, **ACTUAL_WRITE_ERRORS},
    )
    def update(self, request: Request, *args, **kwargs) -> Response:
        current = self.get_object()
        data = validated(ActualUpdateSerializer, request.data)
        inputs, value = data.get("inputs"), data.get("value")
        if "inputs" not in data and "value" not in data:
            inputs = dict(current.inputs) or None
            value = None if current.value is None else format(current.value, "f")
        return self._written(lambda: actual_save(
            user=request.user, indicator_id=current.indicator_id, year=current.year, inputs=inputs, value=value,
            note=data.get("note"), expected_version=data["version"], source=ChangeSource.API, period=current.period,
        ))

    @extend_schema(
        summary="실적 일부 수정", request=ActualUpdateSerializer,
        responses={200: ActualSerializer, **ACTUAL_WRITE_ERRORS},
    )
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        return self.update(request, *args, **kwargs)

    @extend_schema(
        summary="실적 제출 (부서 담당자)", request=ActualVersionSerializer,
        responses={200: ActualSerializer, **ACTUAL_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        data = validated(ActualVersionSerializer, request.data)
        return self._written(lambda: actual_submit(
            user=request.user, actual_id=lookup_id(pk), expected_version=data["version"], source=ChangeSource.API
        ))

    @extend_schema(
        summary="실적 승인 (평가자; 자신이 입력하거나 제출한 실적은 불가)", request=ActualApproveSerializer,
        responses={200: ActualSerializer, **ACTUAL_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        data = validated(ActualApproveSerializer, request.data)
        return self._written(lambda: actual_approve(
            user=request.user, actual_id=lookup_id(pk), expected_version=data["version"],
            comment=data.get("comment", ""), source=ChangeSource.API,
        ))

    @extend_schema(
        summary="실적 반려 (평가자; 사유 필수)", request=ActualReturnSerializer,
        responses={200: ActualSerializer, **ACTUAL_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: str) -> Response:
        data = validated(ActualReturnSerializer, request.data)
        return self._written(lambda: actual_return(
            user=request.user, actual_id=lookup_id(pk), expected_version=data["version"], comment=data["comment"],
            source=ChangeSource.API,
        ))


# --- Scores ----------------------------------------------------------------------------------


def publish_recompute_year(year: int, task_id: str) -> None:
    """Queue the year's recompute; a broker failure is logged (the nightly run still covers it)."""
    try:
        recompute_year.apply_async(args=(year,), task_id=task_id, retry=False)
    except Exception:  # the request already succeeded; the beat schedule recomputes nightly
        logger.warning("could not queue recompute_year year=%s task=%s", year, task_id, exc_info=True)


class ScoreViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """Stored department scores of a year; never computed here (see kpis.services.scores)."""

    queryset = Department.objects.none()  # for schema introspection only
    serializer_class = DepartmentScoreSerializer
    filter_backends: list = []
    lookup_url_kwarg = "department_id"

    @extend_schema(summary="연도별 부서 점수 (점수 높은 순; 볼 수 있는 기관만)", parameters=[ScoreQuerySerializer])
    def list(self, request: Request) -> Response:
        year = year_from_query(request)
        query = validated(ScoreQuerySerializer, request.query_params)
        departments = scoped(selectors.department_scores(year), request.user, "bureau__organization_id")
        if query.get("organization") is not None:
            departments = departments.filter(bureau__organization_id=query["organization"])
        if query.get("plan_year") is not None:
            departments = departments.filter(bureau__plan_year=query["plan_year"])
        page = self.paginate_queryset(departments)
        rows = selectors.department_score_rows(page, year)
        return self.get_paginated_response(DepartmentScoreSerializer(rows, many=True).data)

    @extend_schema(
        summary="부서 점수와 지표별 산정 내역", parameters=[YearQuerySerializer],
        responses={200: DepartmentScoreDetailSerializer},
    )
    def retrieve(self, request: Request, department_id: str) -> Response:
        year = year_from_query(request)
        row = selectors.department_score_detail(lookup_id(department_id), year, request.user)
        if row is None:
            raise exceptions.NotFound("부서를 찾을 수 없습니다.")
        return Response(DepartmentScoreDetailSerializer(row).data)

    @extend_schema(
        summary="연도 점수 다시 계산 (평가자·관리자)", request=RecomputeRequestSerializer,
        responses={202: RecomputeResponseSerializer},
    )
    @action(detail=False, methods=["post"])
    def recompute(self, request: Request) -> Response:
        # An evaluator or admin of one organization recomputes the year for every department of it; the stored
        # scores are per department, so the year's recompute leaves other organizations' figures as they were.
        if not can_decide(request.user):
            log_refusal(request.user, "recompute", "not an evaluator")
            raise PermissionRefused("평가자 또는 관리자만 점수를 다시 계산할 수 있습니다.")
        year = validated(RecomputeRequestSerializer, request.data)["year"]
        task_id = str(uuid.uuid4())
        transaction.on_commit(lambda: publish_recompute_year(year, task_id))
        return Response({"task_id": task_id, "year": year}, status=status.HTTP_202_ACCEPTED)
