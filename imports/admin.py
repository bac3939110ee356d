from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from imports.models import ImportRun
from kpis.admin_scope import ScopedModelAdmin
from kpis.scope import import_runs_condition

# Stored files are never served from /media/: the run's page and its error workbook go through views that
# check permission, so the admin links those instead of the FileFields' storage URLs.
FILE_FIELDS = ("file", "error_file")


@admin.register(ImportRun)
class ImportRunAdmin(ScopedModelAdmin):
    scope_path = staticmethod(import_runs_condition)
    list_display = ("created_at", "kind", "status", "file_name", "organization", "user", "department", "year")
    list_filter = ("kind", "status")
    readonly_fields = [f.name for f in ImportRun._meta.fields if f.name not in FILE_FIELDS] + ["run_page"]
    exclude = FILE_FIELDS

    @admin.display(description="업로드 결과")
    def run_page(self, run: ImportRun) -> str:
        link = format_html('<a href="{}">업로드 결과 보기</a>', reverse("imports:detail", args=[run.pk]))
        if not run.error_file and not run.file:
            return format_html("{} (보관된 파일 없음)", link)
        return link
