from django.urls import path

from reports.report import views

app_name = "report"
urlpatterns = [
    path("performance/<int:year>/bureaus/<int:bureau_id>/", views.bureau_report, name="bureau"),
    path("performance/<int:year>/bureaus/<int:bureau_id>/report.pdf", views.bureau_report_pdf, name="bureau_pdf"),
    path("performance/<int:year>/bureaus/<int:bureau_id>/report.xlsx", views.bureau_report_xlsx, name="bureau_xlsx"),
    path("performance/<int:year>/organizations/<int:organization_id>/", views.organization_report, name="organization"),
    path(
        "performance/<int:year>/organizations/<int:organization_id>/report.pdf", views.organization_report_pdf,
        name="organization_pdf",
    ),
    path(
        "performance/<int:year>/organizations/<int:organization_id>/report.xlsx", views.organization_report_xlsx,
        name="organization_xlsx",
    ),
]
