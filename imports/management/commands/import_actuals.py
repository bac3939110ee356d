"""`manage.py import_actuals FILE --user NAME [--dry-run]`: preview, then apply an actuals workbook."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from core.korean import with_josa
from core.numbers import quoted
from imports.actuals_import import actuals_confirm, actuals_upload
from imports.confirming import ImportRefused
from imports.models import ImportStatus
from imports.run_rows import run_rows


class Command(BaseCommand):
    help = "실적 엑셀을 읽어 검사하고(미리보기), --dry-run이 아니면 한 트랜잭션으로 반영합니다."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="실적 엑셀(xlsx) 경로")
        parser.add_argument("--user", required=True, help="반영하는 사용자 이름 (권한은 이 사용자로 검사)")
        parser.add_argument("--dry-run", action="store_true", help="검사와 미리보기만 하고 아무것도 저장하지 않습니다")
        parser.add_argument("--submit", action="store_true", help="반영한 실적을 같은 트랜잭션에서 제출합니다 (반영 후 제출)")
        parser.add_argument("--accept-stale", default="", help="계획이 바뀌었어도 반영할 행 번호 (쉼표로 구분)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"사용자 {with_josa(quoted(options['user']), '을/를')} 찾을 수 없습니다.")
        try:
            accept = [int(part) for part in options["accept_stale"].split(",") if part.strip()]
        except ValueError as exc:
            raise CommandError("--accept-stale에는 행 번호를 쉼표로 구분해 쓰세요.") from exc
        try:
            with open(options["path"], "rb") as upload:
                run = actuals_upload(
                    user=user, upload=upload, file_name=options["path"].rsplit("/", 1)[-1], save=not options["dry_run"]
                )
        except OSError as exc:
            raise CommandError(f"파일을 읽을 수 없습니다: {exc}") from exc
        self._report(run)
        if run.status == ImportStatus.FAILED or run.errors:
            raise CommandError(f"오류 {len(run.errors)}건: 아무것도 저장하지 않았습니다.")
        if options["dry_run"]:
            self.stdout.write("--dry-run: 저장하지 않았습니다.")
            return
        if not run.summary.get("can_confirm"):
            self.stdout.write("바뀐 값이 없습니다. 저장할 것이 없습니다.")
            return
        try:
            run = actuals_confirm(user=user, run_id=run.pk, accept_stale=accept, submit=options["submit"])
        except ImportRefused as exc:
            raise CommandError(exc.message) from exc
        submitted = f", 제출 {run.summary['submitted']}개" if options["submit"] else ""
        self.stdout.write(f"반영했습니다: {run.summary.get('applied', 0)}개 행{submitted} (가져오기 #{run.pk}).")

    def _report(self, run) -> None:
        summary = run.summary
        if summary.get("total") is not None:
            self.stdout.write(
                f"{summary.get('department', '')} {summary.get('year', '')}년: 읽은 행 {summary['total']}, "
                f"변경 {summary.get('changed', 0)}, 계획 변경됨 {summary.get('stale', 0)}, 충돌 {summary.get('conflict', 0)}, "
                f"변경 없음 {summary.get('unchanged', 0)}, 빈 값 {summary.get('empty', 0)}, 오류 {summary.get('errors', 0)}"
            )
        for row in run_rows(run, statuses=("changed", "stale")):  # read a chunk at a time
            old = (row.get("old") or {}).get("value") or "없음"
            self.stdout.write(
                f"  {row['row']}행 {row['name']}: {old} → {row['new_value']}"
                + (" (계획 변경됨: " + "; ".join(row["stale_reasons"]) + ")" if row["status"] == "stale" else "")
            )
        for error in run.errors:
            self.stderr.write(f"  {error['text']}")
