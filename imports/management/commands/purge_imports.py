"""`manage.py purge_imports [--days N] [--dry-run]`: what the daily beat job does, by hand."""
from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from imports.retention import import_runs_purge


class Command(BaseCommand):
    help = "반영하지 않은(오류·취소·미리보기만 한) 오래된 엑셀 가져오기 기록과 저장된 파일을 지웁니다. 반영한 기록과 변경 이력은 남깁니다."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--days", type=int, default=None,
                            help=f"이 일수보다 오래된 기록을 지웁니다 (기본: IMPORT_RETENTION_DAYS={settings.IMPORT_RETENTION_DAYS})")
        parser.add_argument("--dry-run", action="store_true", help="지울 대상을 세기만 하고 아무것도 지우지 않습니다")

    def handle(self, *args: Any, **options: Any) -> None:
        days = settings.IMPORT_RETENTION_DAYS if options["days"] is None else options["days"]
        if days < 1:
            raise CommandError(f"--days는 1 이상이어야 합니다 (입력: {days}).")
        result = import_runs_purge(days=days, dry_run=options["dry_run"])
        self.stdout.write(f"{days}일보다 오래된 기록: " + result.text(dry_run=options["dry_run"]))
