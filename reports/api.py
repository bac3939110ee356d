"""/api/v1/report-entries/ (미달성 사유, 향후 개선계획, 성과 분석 and their review) and /api/v1/settled-amounts/
(결산 of budget programs) with /api/v1/execution/: thin views over reports.services, budgets.settled and
budgets.execution."""
from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from budgets.execution import execution_for_goals
from budgets.models import AMOUNT
from budgets.settled import SettledChange, settled_amounts_write, settled_read
from core.api import (
    ApiViewMixin,
    IdFilter,
    YearFilter,
    YearQuerySerializer,
    id_field,
    lookup_id,
    version_field,
    year_field,
    year_from_query,
)
from core.api_errors import ErrorSerializer
from core.errors import InvalidInput, NotFound
from kpis.api.filters import edition_filters
from kpis.domain import ValueRefused
from kpis.models import ChangeSource, Department, PolicyGoal
from kpis.scope import scoped
from reports.models import ReportEntry, ReportEntryStatus
from reports.services import (
    TEXT_MAX_LENGTH,
    report_entry_approve,
    report_entry_return,
    report_entry_save,
    report_entry_submit,
)

WRITE_ERRORS = {
    404: OpenApiResponse(ErrorSerializer, description="작성 내용 또는 성과지표를 찾을 수 없음"),
    409: OpenApiResponse(ErrorSerializer, description="버전 충돌, 제출·승인된 내용"),
}


class ReportEntrySerializer(serializers.ModelSerializer):
    department = serializers.IntegerField(source="indicator.department_id", read_only=True)
    status = serializers.ChoiceField(choices=ReportEntryStatus.choices, read_only=True)

    class Meta:
        model = ReportEntry
        fields = [
            "id", "indicator", "department", "year", "shortfall_reason", "improvement_plan", "analysis", "status",
            "version", "updated_at", "submitted_at", "reviewed_at", "review_comment",
        ]
        read_only_fields = fields


def text_field(help_text: str) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX_LENGTH, help_text=help_text)


class ReportEntrySaveSerializer(serializers.Serializer):
    indicator = id_field(help_text="성과지표 id")
    year = year_field(help_text="보고 연도")
    shortfall_reason = text_field("미달성 사유 (달성률 100% 미만이면 제출할 때 필수)")
    improvement_plan = text_field("향후 개선계획")
    analysis = text_field("성과 분석")
    version = version_field(required=False, help_text="화면에서 본 버전 (새로 만들 때는 생략)")


class EntryVersionSerializer(serializers.Serializer):
    version = version_field(help_text="화면에서 본 버전")


class EntryApproveSerializer(EntryVersionSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, help_text="검토 의견")


class EntryReturnSerializer(EntryVersionSerializer):
    comment = serializers.CharField(allow_blank=True, max_length=2000, help_text="반려 사유 (필수)")


class ReportEntryFilter(filters.FilterSet):
    organization, plan_year = edition_filters("indicator__department__bureau__")
    department = IdFilter(field_name="indicator__department_id", help_text="부서 id")
    indicator = IdFilter(field_name="indicator_id", help_text="성과지표 id")
    year = YearFilter(help_text="연도")
    status = filters.ChoiceFilter(choices=ReportEntryStatus.choices, help_text="상태")

    class Meta:
        model = ReportEntry
        fields = ["organization", "plan_year", "department", "indicator", "year", "status"]


def validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ReportEntryViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """성과보고서 작성 내용: read within the organizations the user sees; writes through reports.services."""

    serializer_class = ReportEntrySerializer
    filterset_class = ReportEntryFilter
    queryset = ReportEntry.objects.none()  # for schema introspection

    def get_queryset(self):
        return scoped(
            ReportEntry.objects.select_related("indicator"), self.request.user,
            "indicator__department__bureau__organization_id",
        ).order_by("indicator__department_id", "indicator__order", "indicator_id", "year")

    def get_object(self) -> ReportEntry:
        lookup_id(self.kwargs["pk"])
        return super().get_object()

    def _written(self, write: Callable[[], ReportEntry], code: int = status.HTTP_200_OK) -> Response:
        with transaction.atomic():
            entry = write()
            return Response(ReportEntrySerializer(self.get_queryset().get(pk=entry.pk)).data, status=code)

    @extend_schema(
        summary="성과보고서 작성 내용 저장 (새로 만들거나 화면에서 본 버전을 고쳐 임시 저장)",
        request=ReportEntrySaveSerializer, responses={200: ReportEntrySerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = validated(ReportEntrySaveSerializer, request.data)
        return self._written(lambda: report_entry_save(
            user=request.user, indicator_id=data["indicator"], year=data["year"],
            shortfall_reason=data.get("shortfall_reason", ""), improvement_plan=data.get("improvement_plan", ""),
            analysis=data.get("analysis", ""), expected_version=data.get("version"), source=ChangeSource.API,
        ))

    @extend_schema(summary="제출 (부서; 미달성이면 미달성 사유 필수)", request=EntryVersionSerializer,
                   responses={200: ReportEntrySerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        data = validated(EntryVersionSerializer, request.data)
        return self._written(lambda: report_entry_submit(
            user=request.user, entry_id=lookup_id(pk), expected_version=data["version"], source=ChangeSource.API,
        ))

    @extend_schema(summary="승인 (평가자)", request=EntryApproveSerializer,
                   responses={200: ReportEntrySerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        data = validated(EntryApproveSerializer, request.data)
        return self._written(lambda: report_entry_approve(
            user=request.user, entry_id=lookup_id(pk), expected_version=data["version"],
            comment=data.get("comment", ""), source=ChangeSource.API,
        ))

    @extend_schema(summary="반려 (평가자; 사유 필수)", request=EntryReturnSerializer,
                   responses={200: ReportEntrySerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: str) -> Response:
        data = validated(EntryReturnSerializer, request.data)
        return self._written(lambda: report_entry_return(
            user=request.user, entry_id=lookup_id(pk), expected_version=data["version"], comment=data["comment"],
            source=ChangeSource.API,
        ))


# --- Budget execution --------------------------------------------------------------------------

AMOUNT_FIELD = {"max_digits": AMOUNT["max_digits"], "decimal_places": AMOUNT["decimal_places"]}


class SettledAmountSerializer(serializers.Serializer):
    budget_program = id_field(help_text="세부사업 id")
    year = year_field(help_text="연도")
    amount = serializers.CharField(allow_blank=True, allow_null=True, max_length=40,
                                   help_text="결산액(백만원); 비우면 지웁니다")


class SettledRequestSerializer(serializers.Serializer):
    amounts = SettledAmountSerializer(many=True, help_text="세부사업별 결산액")


class SettledResponseSerializer(serializers.Serializer):
    changed = serializers.IntegerField(help_text="바뀐 결산액 수")


class RateSerializer(serializers.Serializer):
    value = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True, help_text="집행률(%)")
    reason = serializers.CharField(help_text="계산하지 못한 까닭")


class ProgramExecutionSerializer(serializers.Serializer):
    budget_program_id = serializers.IntegerField()
    name = serializers.CharField()
    budget = serializers.DecimalField(**AMOUNT_FIELD, allow_null=True)
    settled = serializers.DecimalField(**AMOUNT_FIELD, allow_null=True)
    rate = RateSerializer()


class UnitExecutionSerializer(ProgramExecutionSerializer):
    budget_program_id = None
    unit_program_id = serializers.IntegerField()
    programs = ProgramExecutionSerializer(many=True)


class GoalExecutionSerializer(serializers.Serializer):
    policy_goal_id = serializers.IntegerField()
    budget = serializers.DecimalField(**AMOUNT_FIELD, allow_null=True)
    settled = serializers.DecimalField(**AMOUNT_FIELD, allow_null=True)
    rate = RateSerializer()
    units = UnitExecutionSerializer(many=True)


class ExecutionViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """Settled amounts (결산) entered by planners, and the execution rate (결산/예산) of a department's year."""

    queryset = PolicyGoal.objects.none()  # for schema introspection
    serializer_class = GoalExecutionSerializer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(summary="부서의 연도별 예산 집행 (정책사업목표·단위사업·세부사업; id는 부서 id)",
                   parameters=[YearQuerySerializer], responses={200: GoalExecutionSerializer(many=True)})
    def retrieve(self, request: Request, pk: str) -> Response:
        department_id = lookup_id(pk)
        year = year_from_query(request)
        if not scoped(Department.objects.filter(pk=department_id), request.user, "bureau__organization_id").exists():
            raise NotFound("부서를 찾을 수 없습니다.")
        goals = PolicyGoal.objects.filter(department_id=department_id).order_by("strategic_goal__order", "order", "id")
        executions = execution_for_goals(policy_goal_ids=[goal.pk for goal in goals], year=year)
        return Response(GoalExecutionSerializer(list(executions.values()), many=True).data)

    @extend_schema(summary="결산액 저장 (기획 담당 관리자; 모두 저장하거나 하나도 저장하지 않음)",
                   request=SettledRequestSerializer,
                   responses={200: SettledResponseSerializer, 404: OpenApiResponse(ErrorSerializer, description="세부사업을 찾을 수 없음")})
    @action(detail=False, methods=["post"], url_path="settled")
    def settled(self, request: Request) -> Response:
        data = validated(SettledRequestSerializer, request.data)
        changes, errors = [], {}
        for index, item in enumerate(data["amounts"]):
            try:
                amount = settled_read(item["amount"])
            except ValueRefused as exc:
                errors[f"amounts.{index}.amount"] = [exc.message]
                continue
            changes.append(SettledChange(item["budget_program"], item["year"], amount))
        if errors:
            raise InvalidInput(errors)
        changed = settled_amounts_write(user=request.user, changes=changes, source=ChangeSource.API)
        return Response({"changed": changed})
