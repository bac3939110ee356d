from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kpis.models import Organization
from kpis.services.progress_summary import progress_summaries_send, progress_summary_due


class Command(BaseCommand):
    help = "E-mail each department its progress summary (indicators at risk or behind) for a year reported by period."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, help="the year (default: every open year reported by period)")
        parser.add_argument("--organization", help="only this organization (its name)")
        parser.add_argument(
            "--force", action="store_true", help="send again to departments already written to this week"
        )

    def handle(self, *args, **opts) -> None:
        organization_ids = None
        if opts["organization"]:
            organization = Organization.objects.filter(name=opts["organization"]).first()
            if organization is None:
                raise CommandError(f"기관을 찾을 수 없습니다: {opts['organization']}")
            organization_ids = [organization.pk]
        if opts["year"]:
            runs = {opts["year"]: organization_ids}
        else:  # every year still open in its organization (the weekly task's choice), within --organization
            due = progress_summary_due().items()
            runs = {year: [pk for pk in ids if organization_ids is None or pk in organization_ids] for year, ids in due}
            runs = {year: ids for year, ids in runs.items() if ids}
        if not runs:
            self.stdout.write("기간별(분기·반기) 실적을 받는 진행 중인 연도가 없습니다.")
        for year, ids in runs.items():
            sent = progress_summaries_send(year, organization_ids=ids, force=opts["force"])
            self.stdout.write(f"{year}년 진도 요약: {len(sent)}개 부서 (이번 주에 이미 보낸 부서는 빼고)")
            for item in sent:
                self.stdout.write(f"  {item.department_name}: 주의·부진 {item.warnings}개, 받는 사람 {len(item.recipients)}명")
