from django.urls import path

from imports import views

app_name = "imports"
urlpatterns = [
    path("imports/actuals/export/", views.actuals_export, name="actuals_export"),
    path("imports/actuals/", views.actuals_upload, name="actuals_upload"),
    path("imports/plan/export/", views.plan_export, name="plan_export"),
    path("imports/plan/", views.plan_upload, name="plan_upload"),
    path("imports/history/", views.history, name="history"),
    path("imports/<int:run_id>/", views.detail, name="detail"),
    path("imports/<int:run_id>/confirm/", views.confirm, name="confirm"),
    path("imports/<int:run_id>/errors.xlsx", views.errors_workbook, name="errors"),
]
