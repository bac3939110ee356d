"""`manage.py performance_report --year Y [--organization NAME] [--bureau NAME] -o FILE`: the 성과보고서 as PDF or xlsx."""
from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.korean import with_josa
from core.numbers import quoted
from kpis.editions import governing_editions
from kpis.models import Bureau, Organization
from reports.report.builder import ReportNotFound, performance_report
from reports.report.pdf import report_pdf
from reports.report.workbook import report_workbook

WRITERS = {".pdf": report_pdf, ".xlsx": report_workbook}


class Command(BaseCommand):
    help = "성과보고서를 PDF 또는 엑셀(xlsx)로 만듭니다 (출력 파일의 확장자로 정합니다)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="보고 연도 (예: 2023)")
        parser.add_argument("--organization", help="기관명 (예: 전북특별자치도); 하나뿐이면 생략할 수 있습니다")
        parser.add_argument("--bureau", help="실국명 (예: 대외국제소통국); 생략하면 기관의 모든 실국")
        parser.add_argument("-o", "--output", required=True, help="만들 파일 경로 (.pdf 또는 .xlsx)")

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"]
        if not 2000 <= year <= 2100:
            raise CommandError("연도는 2000~2100 사이여야 합니다.")
        output = Path(options["output"])
        writer = WRITERS.get(output.suffix.lower())
        if writer is None:
            raise CommandError(f"출력 파일 {with_josa(quoted(output.name), '은/는')} .pdf 또는 .xlsx로 끝나야 합니다.")
        organization = self._organization(options["organization"])
        target: dict[str, int] = {"organization_id": organization.pk}
        if options["bureau"]:
            target["bureau_id"] = self._bureau(year, organization, options["bureau"]).pk
        try:
            report = performance_report(year=year, organization_ids=None, **target)
        except ReportNotFound as exc:
            raise CommandError(f"{organization.name}에 {year}년 보고서를 만들 실국이 없습니다.") from exc
        try:
            output.write_bytes(writer(report))
        except OSError as exc:
            raise CommandError(f"파일을 쓸 수 없습니다: {exc}") from exc
        if options["verbosity"] > 0:
            departments = sum(len(b.departments) for b in report.bureaus)
            self.stdout.write(f"{output}: {report.title} · 실국 {len(report.bureaus)}개, 부서 {departments}개 · {report.basis}")

    def _organization(self, name: str | None) -> Organization:
        if name:
            found = Organization.objects.filter(name=name).first()
            if found is None:
                raise CommandError(f"기관 {with_josa(quoted(name), '을/를')} 찾을 수 없습니다.")
            return found
        organizations = list(Organization.objects.order_by("name")[:2])
        if len(organizations) != 1:
            raise CommandError("기관이 여럿이거나 없습니다: --organization NAME을 지정하세요.")
        return organizations[0]

    def _bureau(self, year: int, organization: Organization, name: str) -> Bureau:
        """The bureau of that name in the edition governing `year` (kpis.editions)."""
        bureaus = governing_editions(year).filter(Bureau.objects.filter(organization=organization, name=name), bureau="")
        found = bureaus.first()
        if found is None:
            raise CommandError(f"{organization.name}에서 실국 {with_josa(quoted(name), '을/를')} 찾을 수 없습니다.")
        return found
