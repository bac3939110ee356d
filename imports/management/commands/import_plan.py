"""`manage.py import_plan PATH [--dry-run] [--reason TEXT] [--quiet]`: the plan document into the database."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from imports.plan_document import PlanDocumentError
from imports.services import plan_import


class Command(BaseCommand):
    help = "성과계획서 문서(탭으로 구분된 텍스트)를 읽어 한 번에 저장하고 대사(對査) 보고서를 출력합니다."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="성과계획서 텍스트 파일 경로")
        parser.add_argument("--dry-run", action="store_true", help="읽고 검사만 하며 아무것도 저장하지 않습니다")
        parser.add_argument(
            "--reason", default="",
            help="이미 있는 목표를 바꿀 때 적는 변경 사유 (목표가 바뀌면 필수; --dry-run 이 바뀌는 목표를 보여 줍니다)",
        )
        parser.add_argument("--quiet", action="store_true", help="보고서를 출력하지 않습니다 (오류는 출력)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = plan_import(path=options["path"], dry_run=options["dry_run"], reason=options["reason"])
        except PlanDocumentError as exc:
            # Nothing was written: the whole import is one transaction.
            raise CommandError(f"가져오지 못했습니다 (저장된 것 없음): {exc}") from exc
        except OSError as exc:
            raise CommandError(f"파일을 읽을 수 없습니다: {exc}") from exc
        if not options["quiet"] and options["verbosity"] > 0:
            self.stdout.write(result.report_text(), ending="")
