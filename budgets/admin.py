from django.contrib import admin

from budgets.models import BudgetProgram, BudgetProgramAmount, BudgetSummaryLine, UnitProgram, UnitProgramAmount


class UnitProgramAmountInline(admin.TabularInline):
    model = UnitProgramAmount
    extra = 0


class BudgetProgramAmountInline(admin.TabularInline):
    model = BudgetProgramAmount
    extra = 0


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
