from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = "가져오기·내보내기"

    def ready(self) -> None:
        # The readers module asserts at import time that defusedxml guards openpyxl's XML parsing;
        # importing it here makes a missing defusedxml stop start-up instead of the first upload.
        import imports.readers  # noqa: F401
