"""Read serializers of unit programs (단위사업) and budget programs (세부사업); amounts in 백만원."""
from __future__ import annotations

from rest_framework import serializers

from budgets.models import BudgetProgram, BudgetProgramAmount, UnitProgram, UnitProgramAmount


class UnitProgramAmountSerializer(serializers.ModelSerializer):
    class Meta:
        model = UnitProgramAmount
        fields = ["year", "kind", "amount"]
        read_only_fields = fields


class BudgetProgramAmountSerializer(serializers.ModelSerializer):
    class Meta:
        model = BudgetProgramAmount
        fields = ["year", "kind", "amount"]
        read_only_fields = fields


class UnitProgramSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)
    amounts = UnitProgramAmountSerializer(many=True, read_only=True)

    class Meta:
        model = UnitProgram
        fields = [
            "id", "policy_goal", "department", "department_name", "name", "order", "account", "purposes",
            "key_contents", "declared_budget_program_count", "amounts",
        ]
        read_only_fields = fields


class BudgetProgramSerializer(serializers.ModelSerializer):
    department = serializers.IntegerField(source="unit_program.department_id", read_only=True)
    amounts = BudgetProgramAmountSerializer(many=True, read_only=True)

    class Meta:
        model = BudgetProgram
        fields = [
            "id", "unit_program", "department", "name", "order", "account", "content", "period_text",
            "period_start", "period_end", "support_type", "funding_text", "national_share", "provincial_share",
            "municipal_share", "implementing_body", "overview_name", "amounts",
        ]
        read_only_fields = fields
