"""/api/v1/organizations/: the organizations a user sees (kpis/scope.py), each with its plan years and bureaus."""
from __future__ import annotations

from collections import defaultdict

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers

from core.api import ReadOnlyApiViewSet
from kpis.current import visible_organizations
from kpis.models import Bureau, Organization


class OrganizationBureauSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="실국명")


class PlanYearSerializer(serializers.Serializer):
    plan_year = serializers.IntegerField(help_text="계획 연도 (성과계획서 판)")
    bureaus = OrganizationBureauSerializer(many=True)


class OrganizationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True, help_text="유형 (광역/기초)")
    plan_years = serializers.SerializerMethodField(help_text="계획 연도별 실국 (연도 오름차순)")

    class Meta:
        model = Organization
        fields = ["id", "name", "kind", "kind_label", "code", "parent", "plan_years"]

    @extend_schema_field(PlanYearSerializer(many=True))
    def get_plan_years(self, organization: Organization) -> list[dict]:
        by_year: dict[int, list[dict]] = defaultdict(list)
        for bureau in organization.bureaus.all():  # prefetched, ordered by plan year and name
            by_year[bureau.plan_year].append({"id": bureau.id, "name": bureau.name})
        return [{"plan_year": year, "bureaus": bureaus} for year, bureaus in sorted(by_year.items())]


def organizations_visible(user):
    """The organizations `user` sees (all for the national viewer), with their bureaus; two queries."""
    return visible_organizations(user).prefetch_related(
        Prefetch("bureaus", queryset=Bureau.objects.order_by("plan_year", "name").only("id", "name", "plan_year",
                                                                                          "organization_id"))
    )


@extend_schema_view(
    list=extend_schema(summary="기관 목록 (볼 수 있는 기관만: 자기 기관, 하위 시군, 전국 조회는 모두)"),
    retrieve=extend_schema(summary="기관 한 곳 (볼 수 없는 기관은 404)"),
)
class OrganizationViewSet(ReadOnlyApiViewSet):
    """Organizations (지방자치단체) with their plan years (성과계획서 판) and bureaus."""

    serializer_class = OrganizationSerializer
    queryset = Organization.objects.none()  # the schema's model; requests read get_queryset

    def get_queryset(self):
        return organizations_visible(self.request.user)
