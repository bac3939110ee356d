from django.contrib import admin

from imports.models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "status", "file_name", "user", "department", "year")
    list_filter = ("kind", "status")
    readonly_fields = [f.name for f in ImportRun._meta.fields]
