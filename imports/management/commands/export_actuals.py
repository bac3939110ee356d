"""`manage.py export_actuals --department NAME --year Y -o FILE`: the actuals workbook of a department."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.korean import with_josa
from core.numbers import quoted
from imports.actuals_export import actuals_export_stream
from imports.exporters import actuals_workbook_write
from kpis.models import Department


class Command(BaseCommand):
    help = "부서·연도의 실적 입력 엑셀을 만듭니다 (--all이면 전체 부서)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--department", help="부서명 (예: 대외협력과)")
        parser.add_argument("--all", action="store_true", help="전체 부서를 한 파일로")
        parser.add_argument("--year", type=int, required=True, help="연도 (예: 2025)")
        parser.add_argument("-o", "--output", required=True, help="만들 xlsx 파일 경로")

    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["department"]) == bool(options["all"]):
            raise CommandError("--department NAME 또는 --all 중 하나를 지정하세요.")
        if not 2000 <= options["year"] <= 2100:
            raise CommandError("연도는 2000~2100 사이여야 합니다.")
        department = None
        if options["department"]:
            found = list(Department.objects.filter(name=options["department"]))
            if not found:
                raise CommandError(f"부서 {with_josa(quoted(options['department']), '을/를')} 찾을 수 없습니다.")
            if len(found) > 1:
                raise CommandError(f"'{options['department']}'라는 부서가 여러 실국에 있습니다.")
            department = found[0]
        export = actuals_export_stream(year=options["year"], department=department)
        try:
            with open(options["output"], "wb") as out:
                actuals_workbook_write(export, out)
        except OSError as exc:
            raise CommandError(f"파일을 쓸 수 없습니다: {exc}") from exc
        if options["verbosity"] > 0:
            self.stdout.write(f"{options['output']}: 지표 {export.count}개, {options['year']}년")
