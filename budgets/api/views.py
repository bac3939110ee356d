"""Read-only budget endpoints: unit programs and budget programs with their yearly amounts."""
from __future__ import annotations

from budgets.api.filters import BudgetProgramFilter, UnitProgramFilter
from budgets.api.serializers import BudgetProgramSerializer, UnitProgramSerializer
from budgets.models import BudgetProgram, UnitProgram
from core.api import ReadOnlyApiViewSet
from kpis.scope import scoped


class ScopedBudgetMixin:
    scope_path = "department__bureau__organization_id"

    def get_queryset(self):
        return scoped(super().get_queryset(), self.request.user, self.scope_path)


class UnitProgramViewSet(ScopedBudgetMixin, ReadOnlyApiViewSet):
    """Unit programs (단위사업) with settled/budget amounts by year."""

    queryset = UnitProgram.objects.select_related("department").prefetch_related("amounts")
    serializer_class = UnitProgramSerializer
    filterset_class = UnitProgramFilter


class BudgetProgramViewSet(ScopedBudgetMixin, ReadOnlyApiViewSet):
    """Budget programs (세부사업) with amounts by year and funding shares (국비/도비/시군비 %)."""

    queryset = BudgetProgram.objects.select_related("unit_program").prefetch_related("amounts")
    scope_path = "unit_program__department__bureau__organization_id"
    serializer_class = BudgetProgramSerializer
    filterset_class = BudgetProgramFilter
