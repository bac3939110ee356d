"""Retention of uploads: failed and abandoned runs go after IMPORT_RETENTION_DAYS with their rows and files;
applied runs and audit rows stay."""
from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone

from imports.models import ImportRow, ImportRun, ImportStatus
from imports.tasks import purge_imports
from kpis.models import AuditEntry
from tests.fixtures.workbooks import confirm, department, edit, export_workbook, upload


@pytest.fixture
def editor(client, dept_user):
    client.force_login(dept_user)
    return client


@pytest.fixture
def runs(editor, sample_plan) -> dict[str, ImportRun]:
    """An applied run, a previewed run with errors and its error workbook, an abandoned clean preview and a
    failed upload, all 31 days old; and a preview made today."""
    exported = export_workbook(editor, department_id=department().pk)

    def preview(data: bytes) -> ImportRun:
        return ImportRun.objects.get(pk=upload(editor, data).json()["id"])

    applied = preview(edit(exported, {"L6": 12}))
    assert confirm(editor, applied.pk).status_code == 200
    with_errors = preview(edit(exported, {"L6": "12회"}))
    assert editor.get(f"/api/v1/imports/{with_errors.pk}/errors.xlsx").status_code == 200
    abandoned = preview(edit(exported, {"L7": 33}))
    failed = preview(b"not a workbook")
    old = timezone.now() - timedelta(days=31)
    ImportRun.objects.filter(pk__in=[applied.pk, with_errors.pk, abandoned.pk, failed.pk]).update(created_at=old)
    today = preview(edit(exported, {"L7": 34}))
    return {name: ImportRun.objects.get(pk=run.pk) for name, run in {
        "applied": applied, "with_errors": with_errors, "abandoned": abandoned, "failed": failed, "today": today,
    }.items()}


def stored(run: ImportRun) -> list[bool]:
    return [default_storage.exists(field.name) for field in (run.file, run.error_file) if field]


def test_old_failed_and_abandoned_runs_go_with_their_rows_and_files(runs, django_capture_on_commit_callbacks):
    applied, with_errors, abandoned = runs["applied"], runs["with_errors"], runs["abandoned"]
    assert runs["failed"].status == ImportStatus.FAILED and with_errors.status == ImportStatus.PREVIEWED
    assert stored(with_errors) == [True, True] and stored(abandoned) == [True]
    audit = AuditEntry.objects.filter(import_run=applied).count()
    purgeable = {with_errors.pk, abandoned.pk, runs["failed"].pk}
    before = set(ImportRun.objects.values_list("pk", flat=True))  # the sample plan's own import is applied

    with django_capture_on_commit_callbacks(execute=True):
        purged = purge_imports()

    assert purged == 3
    assert set(ImportRun.objects.values_list("pk", flat=True)) == before - purgeable
    assert {applied.pk, runs["today"].pk} <= before - purgeable
    assert not ImportRow.objects.filter(run_id__in=[with_errors.pk, abandoned.pk]).exists()
    assert ImportRow.objects.filter(run=applied).exists()
    assert not any(default_storage.exists(f.name) for f in (with_errors.file, with_errors.error_file, abandoned.file))
    assert stored(applied) == [True] and stored(runs["today"]) == [True]
    assert audit > 0 and AuditEntry.objects.filter(import_run=applied).count() == audit


def test_the_command_dry_run_counts_and_deletes_nothing(runs):
    out = StringIO()
    before = ImportRun.objects.count()

    call_command("purge_imports", "--dry-run", stdout=out)

    assert out.getvalue().strip() == (
        f"{settings.IMPORT_RETENTION_DAYS}일보다 오래된 기록: 삭제할 가져오기 기록 3건 (오류 1건, 미리보기 2건), "
        f"행 {ImportRow.objects.filter(run__in=[runs['with_errors'], runs['abandoned']]).count()}개, 파일 3개")
    assert ImportRun.objects.count() == before and stored(runs["with_errors"]) == [True, True]


def test_the_command_takes_a_number_of_days(runs, django_capture_on_commit_callbacks):
    out = StringIO()
    before = ImportRun.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_imports", "--days", "40", stdout=out)

    assert out.getvalue().startswith("40일보다 오래된 기록: 삭제한 가져오기 기록 0건")
    assert ImportRun.objects.count() == before


def test_the_command_refuses_zero_days(runs):
    with pytest.raises(CommandError, match="--days는 1 이상이어야 합니다"):
        call_command("purge_imports", "--days", "0")


def test_the_beat_schedule_runs_the_purge_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["purge-imports"]

    assert entry["task"] == purge_imports.name
    assert entry["schedule"].remaining_estimate(timezone.now()) <= timedelta(days=1)
