from django.apps import AppConfig

# imports.uploads asserts at import time that defusedxml guards openpyxl's XML parsing: imported with the
# app, a missing defusedxml stops start-up instead of the first upload.
from imports import uploads  # noqa: F401


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = "가져오기·내보내기"
