from django.contrib import admin

from budgets.models import BudgetProgram, BudgetProgramAmount, BudgetSummaryLine, UnitProgram, UnitProgramAmount
from kpis.admin_scope import ScopedModelAdmin, ScopedTabularInline


class UnitProgramAmountInline(ScopedTabularInline):
    model = UnitProgramAmount
    scope_path = "unit_program__department__bureau__organization_id"
    extra = 0


class BudgetProgramAmountInline(ScopedTabularInline):
    """Read here: the settled amounts (결산) are written by budgets.settled, audited (the execution page, the plan
    workbook); the plan document's figures by its import."""

    model = BudgetProgramAmount
    scope_path = "budget_program__unit_program__department__bureau__organization_id"
    extra = 0
    readonly_fields = ("year", "kind", "amount")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(UnitProgram)
class UnitProgramAdmin(ScopedModelAdmin):
    scope_path = "department__bureau__organization_id"
    list_display = ("name", "department", "policy_goal", "account", "declared_budget_program_count")
    list_filter = ("department",)
    inlines = [UnitProgramAmountInline]


@admin.register(BudgetProgram)
class BudgetProgramAdmin(ScopedModelAdmin):
    scope_path = "unit_program__department__bureau__organization_id"
    list_display = ("name", "unit_program", "support_type", "funding_text", "implementing_body")
    list_filter = ("support_type", "unit_program__department")
    inlines = [BudgetProgramAmountInline]


@admin.register(BudgetSummaryLine)
class BudgetSummaryLineAdmin(ScopedModelAdmin):
    scope_path = "bureau__organization_id"
    list_display = ("bureau", "department", "label", "amount", "prior_amount")
