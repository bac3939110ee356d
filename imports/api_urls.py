"""/api/v1/ routes for workbooks; included by config/api_urls.py (before its catch-all)."""
from __future__ import annotations

from django.urls import path

from imports import api

urlpatterns = [
    path("exports/actuals.xlsx", api.ActualsExportView.as_view(), name="export-actuals"),
    path("exports/plan.xlsx", api.PlanExportView.as_view(), name="export-plan"),
    path("imports/", api.ImportListView.as_view(), name="import-list"),
    path("imports/actuals/", api.ActualsUploadView.as_view(), name="import-actuals"),
    path("imports/plan/", api.PlanUploadView.as_view(), name="import-plan"),
    path("imports/<str:pk>/", api.ImportDetailView.as_view(), name="import-detail"),
    path("imports/<str:pk>/confirm/", api.ImportConfirmView.as_view(), name="import-confirm"),
    path("imports/<str:pk>/errors.xlsx", api.ImportErrorsView.as_view(), name="import-errors"),
]
