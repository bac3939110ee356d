from django.contrib import admin

from kpis.admin import ReadOnlyAdmin
from reports.models import ReportEntry


@admin.register(ReportEntry)
class ReportEntryAdmin(ReadOnlyAdmin):
    """Written by reports.services only (the department's page and the API), so every change is audited."""

    scope_path = "indicator__department__bureau__organization_id"

    list_display = ("indicator", "year", "status", "version", "updated_by", "updated_at")
    list_filter = ("status", "year", "indicator__department")
    readonly_fields = [f.name for f in ReportEntry._meta.fields]
