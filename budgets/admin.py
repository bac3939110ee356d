from django.contrib import admin

from budgets.models import BudgetProgram, BudgetProgramAmount, BudgetSummaryLine, UnitProgram, UnitProgramAmount


class UnitProgramAmountInline(admin.TabularInline):
    model = UnitProgramAmount
    extra = 0


class BudgetProgramAmountInline(admin.TabularInline):
    """Read here: the settled amounts (결산) are written by budgets.settled, audited (the execution page, the plan
    workbook); the plan document's figures by its import."""

    model = BudgetProgramAmount
    extra = 0
    readonly_fields = ("year", "kind", "amount")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(UnitProgram)
class UnitProgramAdmin(admin.ModelAdmin):
    list_display = ("name", "department", "policy_goal", "account", "declared_budget_program_count")
    list_filter = ("department",)
    inlines = [UnitProgramAmountInline]


@admin.register(BudgetProgram)
class BudgetProgramAdmin(admin.ModelAdmin):
    list_display = ("name", "unit_program", "support_type", "funding_text", "implementing_body")
    list_filter = ("support_type", "unit_program__department")
    inlines = [BudgetProgramAmountInline]


@admin.register(BudgetSummaryLine)
class BudgetSummaryLineAdmin(admin.ModelAdmin):
    list_display = ("bureau", "department", "label", "amount", "prior_amount")
