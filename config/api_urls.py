"""/api/v1/: plan (read only), actuals, stored scores, token login, schema and docs."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import DefaultRouter

from accounts.api import TokenLogoutAllView, TokenLogoutView, TokenObtainView
from budgets.api.views import BudgetProgramViewSet, UnitProgramViewSet
from core.api_errors import ApiErrorsMixin, api_not_found
from kpis.api.organizations import OrganizationViewSet
from kpis.api.views import (
    ActualViewSet,
    DepartmentViewSet,
    IndicatorViewSet,
    PolicyGoalViewSet,
    ScoreViewSet,
    StrategicGoalViewSet,
)
from reports.api import ExecutionViewSet, ReportEntryViewSet

app_name = "api"


# Two choice sets share a field name (Indicator.kind / amount kind) and one set appears under two
# names (status / actual_status); naming them keeps the schema free of generator warnings.
# These belong in SPECTACULAR_SETTINGS (so `manage.py spectacular` sees them too).
ENUM_NAME_OVERRIDES = {
    "IndicatorKindEnum": "kpis.models.IndicatorKind",
    "AmountKindEnum": "budgets.models.AmountKind",
    "ActualStatusEnum": "kpis.models.ActualStatus",
    "ReportEntryStatusEnum": "reports.models.ReportEntryStatus",
}


class SchemaView(ApiErrorsMixin, SpectacularAPIView):
    permission_classes = [IsAuthenticated]
    custom_settings = {"ENUM_NAME_OVERRIDES": ENUM_NAME_OVERRIDES}


class DocsView(SpectacularSwaggerView):
    permission_classes = [IsAuthenticated]


router = DefaultRouter()
router.include_root_view = False
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("departments", DepartmentViewSet, basename="department")
router.register("strategic-goals", StrategicGoalViewSet, basename="strategic-goal")
router.register("policy-goals", PolicyGoalViewSet, basename="policy-goal")
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("unit-programs", UnitProgramViewSet, basename="unit-program")
router.register("budget-programs", BudgetProgramViewSet, basename="budget-program")
router.register("actuals", ActualViewSet, basename="actual")
router.register("scores", ScoreViewSet, basename="score")
router.register("report-entries", ReportEntryViewSet, basename="report-entry")
router.register("execution", ExecutionViewSet, basename="execution")

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="token"),
    path("auth/logout/", TokenLogoutView.as_view(), name="token-logout"),
    path("auth/logout-all/", TokenLogoutAllView.as_view(), name="token-logout-all"),
    path("schema/", SchemaView.as_view(), name="schema"),
    # Browsers come here with a session; without one they belong on the login page.
    path("docs/", login_required(DocsView.as_view(url_name="api:schema")), name="docs"),
    *router.urls,
    path("", include("imports.api_urls")),
    # Last: any other path under /api/v1/ is a JSON 404, not the site's HTML page.
    re_path(r"^.*$", api_not_found),
]
