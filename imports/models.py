"""Record of every import: what was read, what was wrong, what was applied."""
from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportKind(models.TextChoices):
    PLAN_DOCUMENT = "plan_document", "성과계획서 문서"
    ACTUALS_WORKBOOK = "actuals_workbook", "실적 엑셀"
    PLAN_WORKBOOK = "plan_workbook", "계획 엑셀"


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", "미리보기"
    APPLIED = "applied", "반영 완료"
    FAILED = "failed", "오류"
    CANCELLED = "cancelled", "취소"


class ImportRun(models.Model):
    kind = models.CharField("종류", max_length=30, choices=ImportKind.choices)
    status = models.CharField("상태", max_length=20, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="사용자", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField("파일명", max_length=255)
    file = models.FileField("업로드 파일", upload_to="imports/%Y/%m/", blank=True)
    error_file = models.FileField("오류 표시 파일", upload_to="imports/%Y/%m/", blank=True)
    sha256 = models.CharField("파일 해시", max_length=64, blank=True)
    department = models.ForeignKey(
        "kpis.Department", verbose_name="부서", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Whose run it is: the department's organization, the edition's for a plan document, else the uploader's.
    # None only for a run that names no organization (an old run nothing could attribute).
    organization = models.ForeignKey(
        "kpis.Organization", verbose_name="기관", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    year = models.PositiveIntegerField("연도", null=True, blank=True)
    errors = models.JSONField("오류", default=list, blank=True)
    summary = models.JSONField("요약", default=dict, blank=True)
    report = models.TextField("보고서", blank=True)
    created_at = models.DateTimeField("생성 시각", auto_now_add=True)
    applied_at = models.DateTimeField("반영 시각", null=True, blank=True)

    class Meta:
        verbose_name = "가져오기 기록"
        verbose_name_plural = "가져오기 기록"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.get_status_display()})"


class ImportRow(models.Model):
    """One previewed row of a run, old → new with its status; written and read in chunks, never as one list."""

    # The unique (run, position) index serves every lookup by run: no index of its own.
    run = models.ForeignKey(
        ImportRun, verbose_name="가져오기", on_delete=models.CASCADE, related_name="row_set", db_index=False,
    )
    position = models.PositiveIntegerField("순서")  # order of reading; keyset pagination follows it
    row = models.PositiveIntegerField("행", null=True, blank=True)  # the sheet row, for messages and accept_stale
    status = models.CharField("상태", max_length=20)
    data = models.JSONField("내용", default=dict)

    class Meta:
        verbose_name = "가져오기 행"
        verbose_name_plural = "가져오기 행"
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "position"], name="imports_row_unique_position")]
        indexes = [models.Index(fields=["run", "status", "position"], name="imports_row_status")]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.row} {self.status}"
