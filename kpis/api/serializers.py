"""Serializers: the plan (read only), actuals (output + explicit write inputs), stored scores."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import id_field, version_field, year_field
from core.numbers import VALUE_DIGITS, NumberError, format_figure, parse_decimal
from kpis.domain import NOTE_MAX_LENGTH
from kpis.models import (
    Actual,
    ActualStatus,
    Department,
    Indicator,
    PolicyGoal,
    StrategicGoal,
    Target,
    TargetRevision,
)


class DepartmentSerializer(serializers.ModelSerializer):
    bureau_name = serializers.CharField(source="bureau.name", read_only=True)
    teams = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = Department
        fields = [
            "id", "name", "bureau", "bureau_name", "order", "authorized_total", "authorized_grade4_up",
            "authorized_grade5", "authorized_grade6_down", "current_headcount", "teams", "main_contents",
        ]
        read_only_fields = fields


class StrategicGoalSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = StrategicGoal
        fields = ["id", "bureau", "department", "department_name", "title", "basic_direction", "order"]
        read_only_fields = fields


class PolicyGoalSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = PolicyGoal
        fields = [
            "id", "strategic_goal", "department", "department_name", "title", "declared_indicator_count",
            "declared_unit_program_count", "budget_amount", "order",
        ]
        read_only_fields = fields


FIGURE_HELP = "화면에 보이는 그대로의 {what} (지표의 소수 자릿수, 음수는 △; 없으면 null)"


def figure_field(what: str, **kwargs) -> serializers.CharField:
    """A `*_display` field: the figure as pages, working texts and exports show it (Indicator.figure)."""
    return serializers.CharField(read_only=True, allow_null=True, help_text=FIGURE_HELP.format(what=what), **kwargs)


def figure_or_none(value, places: int | None) -> str | None:
    return None if value is None else format_figure(value, places)


class TargetRevisionSerializer(serializers.ModelSerializer):
    """A change of a target that had a value: the old value is kept with who, when, from where and why."""

    old_value_display = serializers.SerializerMethodField(help_text=FIGURE_HELP.format(what="이전 목표"))
    new_value_display = serializers.SerializerMethodField(help_text=FIGURE_HELP.format(what="새 목표"))
    changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, help_text="변경한 사용자 아이디")
    source_label = serializers.CharField(source="get_source_display", read_only=True, help_text="경로 (한국어)")

    class Meta:
        model = TargetRevision
        fields = [
            "year", "old_value", "old_value_display", "new_value", "new_value_display", "changed_by", "changed_at",
            "source", "source_label", "import_run", "reason",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_old_value_display(self, revision: TargetRevision) -> str | None:
        return figure_or_none(revision.old_value, revision.target.indicator.display_places)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_new_value_display(self, revision: TargetRevision) -> str | None:
        return figure_or_none(revision.new_value, revision.target.indicator.display_places)


class TargetSerializer(serializers.ModelSerializer):
    value_display = serializers.SerializerMethodField(help_text=FIGURE_HELP.format(what="목표"))
    revisions = TargetRevisionSerializer(
        many=True, read_only=True, help_text="이 목표의 변경 이력 (오래된 순; 점수는 value, 지금 유효한 목표로 계산)",
    )

    class Meta:
        model = Target
        fields = ["year", "value", "value_display", "revised_at", "revisions"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_value_display(self, target: Target) -> str | None:
        # The indicator is the prefetching parent's (no query per target).
        return figure_or_none(target.value, target.indicator.display_places)


class ValueDomainSerializer(serializers.Serializer):
    """What a figure may be (kpis/domain.py): bounds (null: none), decimals kept (0: whole numbers only)."""

    minimum = serializers.DecimalField(**VALUE_DIGITS, allow_null=True, read_only=True, help_text="최솟값 (null: 없음)")
    maximum = serializers.DecimalField(**VALUE_DIGITS, allow_null=True, read_only=True, help_text="최댓값 (null: 없음)")
    places = serializers.IntegerField(read_only=True, help_text="소수 자릿수 (0: 정수만)")
    rule = serializers.CharField(source="describe", read_only=True, help_text="규칙 설명 (예: 0 이상의 정수)")


class IndicatorSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)
    targets = TargetSerializer(many=True, read_only=True)
    inputs = serializers.SerializerMethodField(help_text="실적 입력 항목(산식 변수); 직접 입력 지표는 빈 목록")
    value_domain = ValueDomainSerializer(read_only=True, help_text="실적(직접 입력하는 값과 계산된 값)의 범위")
    input_domain = ValueDomainSerializer(read_only=True, help_text="산식 입력값의 범위")

    class Meta:
        model = Indicator
        fields = [
            "id", "department", "department_name", "policy_goal", "name", "short_name", "unit", "kind", "weight",
            "direction", "band_tolerance", "method_text", "formula", "formula_variables", "inputs", "data_source",
            "target_rationale", "bsc_linked", "order", "targets", "value_domain", "input_domain", "display_places",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_inputs(self, indicator: Indicator) -> list[str]:
        return list(indicator.input_names)


# --- Actuals -------------------------------------------------------------------------------


class ActualSerializer(serializers.ModelSerializer):
    """An actual as stored; every field is output only (writes go through the services)."""

    indicator_name = serializers.CharField(source="indicator.short_name", read_only=True)
    department = serializers.IntegerField(source="indicator.department_id", read_only=True)
    department_name = serializers.CharField(source="indicator.department.name", read_only=True)
    updated_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    submitted_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    reviewed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    target = serializers.DecimalField(
        max_digits=20, decimal_places=4, read_only=True, allow_null=True, source="target_value",
        help_text="같은 연도의 목표",
    )
    rate = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, allow_null=True, source="stored_rate",
        help_text="마지막으로 계산된 달성률(%)",
    )
    value_display = serializers.SerializerMethodField(help_text=FIGURE_HELP.format(what="실적"))
    supplementary_value_display = serializers.SerializerMethodField(help_text=FIGURE_HELP.format(what="보조 실적"))
    target_display = serializers.SerializerMethodField(help_text=FIGURE_HELP.format(what="목표"))
    inputs_display = serializers.SerializerMethodField(help_text="산식 입력값을 화면에 보이는 그대로: {항목: 값}")

    class Meta:
        model = Actual
        fields = [
            "id", "indicator", "indicator_name", "department", "department_name", "year", "period", "value",
            "value_display",
            "supplementary_value", "supplementary_value_display", "raw_text", "inputs", "inputs_display", "note",
            "status", "source", "placeholder_reason", "version", "updated_at", "updated_by", "submitted_at",
            "submitted_by", "reviewed_at", "reviewed_by", "review_comment", "target", "target_display", "rate",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_value_display(self, actual: Actual) -> str | None:
        return figure_or_none(actual.value, actual.indicator.display_places)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_supplementary_value_display(self, actual: Actual) -> str | None:
        return figure_or_none(actual.supplementary_value, actual.indicator.display_places)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_target_display(self, actual: Actual) -> str | None:
        return figure_or_none(getattr(actual, "target_value", None), actual.indicator.display_places)

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_inputs_display(self, actual: Actual) -> dict[str, str]:
        shown = {}
        for name, text in (actual.inputs or {}).items():
            try:
                number = parse_decimal(str(text))
            except NumberError:
                number = None
            shown[name] = str(text) if number is None else format_figure(number, actual.indicator.display_places)
        return shown


INPUTS_HELP = '산식 지표의 입력값 {"활동인원": "1,960,000"}; 직접 입력 지표는 value를 보냅니다.'
VALUE_HELP = '직접 입력 지표의 실적 ("12.5", "1,960,000", "△24")'


# Bounds against oversized requests only, far above what the service accepts, so that a figure too long or
# a note over its limit is refused by the service with the message every channel gives.
TEXT_BOUND = 1000
NOTE_BOUND = 10 * NOTE_MAX_LENGTH


class ActualValueSerializer(serializers.Serializer):
    """What a user types for an actual; the service reads the numbers and checks the note, as for the form."""

    inputs = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=TEXT_BOUND), required=False, allow_null=True,
        help_text=INPUTS_HELP,
    )
    value = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=TEXT_BOUND, help_text=VALUE_HELP
    )
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=NOTE_BOUND, help_text=f"비고 ({NOTE_MAX_LENGTH:,}자까지)"
    )


PERIOD_HELP = "기간: 0은 연간, 1~4는 분기(반기는 1~2). 기간별로 입력하는 연도의 연간 실적은 기간 실적에서 계산됩니다."


class ActualCreateSerializer(ActualValueSerializer):
    indicator = id_field(help_text="성과지표 id")
    year = year_field(help_text="연도")
    period = serializers.IntegerField(min_value=0, max_value=4, default=0, help_text=PERIOD_HELP)
    version = version_field(
        low=0, required=False, allow_null=True,
        help_text="화면에서 본 실적의 버전; 아직 실적 행이 없으면 생략하거나 null",
    )


class ActualUpdateSerializer(ActualValueSerializer):
    version = version_field(help_text="화면에서 본 실적의 버전 (다른 사용자가 먼저 저장했으면 409)")


class ActualVersionSerializer(serializers.Serializer):
    version = version_field(help_text="화면에서 본 실적의 버전")


class ActualApproveSerializer(ActualVersionSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, help_text="검토 의견")


class ActualReturnSerializer(ActualVersionSerializer):
    comment = serializers.CharField(allow_blank=True, max_length=2000, help_text="반려 사유 (필수)")


# --- Scores --------------------------------------------------------------------------------

RATE = {"max_digits": 12, "decimal_places": 2}


class DepartmentScoreSerializer(serializers.Serializer):
    department_id = serializers.IntegerField()
    department_name = serializers.CharField()
    bureau = serializers.IntegerField(source="bureau_id")
    bureau_name = serializers.CharField()
    year = serializers.IntegerField()
    score = serializers.DecimalField(**RATE, allow_null=True, help_text="가중 점수")
    completeness = serializers.DecimalField(**RATE, allow_null=True, help_text="완결성(%)")
    grade = serializers.CharField(allow_blank=True)
    provisional = serializers.BooleanField(help_text="잠정 점수: 승인 전 제출된 실적이 들어 있음 (평가 기준이 허용할 때)")
    rank = serializers.IntegerField(
        allow_null=True, help_text="그 해 점수가 있는 모든 부서 중 순위 (동점은 같은 순위, 다음 순위는 그만큼 건너뜀)"
    )
    reason = serializers.CharField(allow_blank=True, help_text="산정 불가 사유")
    indicator_count = serializers.IntegerField(allow_null=True)
    total_weight = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)
    evaluated_weight = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)
    stale = serializers.BooleanField(help_text="입력이 바뀌어 재계산을 기다리는 중이거나 아직 계산되지 않음")
    computed_at = serializers.DateTimeField(allow_null=True)
    policy_version = serializers.IntegerField(allow_null=True, help_text="적용된 평가 기준 버전")


class IndicatorScoreSerializer(serializers.Serializer):
    indicator_id = serializers.IntegerField()
    indicator_name = serializers.CharField()
    weight = serializers.DecimalField(max_digits=7, decimal_places=2)
    effective_weight = serializers.DecimalField(max_digits=9, decimal_places=4, allow_null=True)
    target = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    target_display = figure_field("목표")
    actual = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    actual_display = figure_field("실적")
    rate = serializers.DecimalField(**RATE, allow_null=True, help_text="달성률(%)")
    raw_rate = serializers.DecimalField(**RATE, allow_null=True, help_text="상·하한 적용 전 달성률(%)")
    reason = serializers.CharField(allow_blank=True)
    working = serializers.CharField(allow_blank=True, help_text="산정 내역")
    contribution = serializers.DecimalField(**RATE, allow_null=True)
    actual_status = serializers.ChoiceField(
        choices=ActualStatus.choices, allow_blank=True, help_text="실적 상태 (계산 전이면 빈 값)"
    )
    provisional = serializers.BooleanField(help_text="잠정: 승인 전 제출된 실적으로 계산한 달성률")


class DepartmentScoreDetailSerializer(DepartmentScoreSerializer):
    indicators = IndicatorScoreSerializer(many=True)


class RecomputeRequestSerializer(serializers.Serializer):
    year = year_field(help_text="다시 계산할 연도")


class RecomputeResponseSerializer(serializers.Serializer):
    task_id = serializers.CharField()
    year = serializers.IntegerField()
