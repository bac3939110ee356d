from __future__ import annotations

from django.core.management.base import BaseCommand

from kpis.models import DepartmentScore
from kpis.services.scores import scores_recompute


class Command(BaseCommand):
    help = "Recompute and store weighted scores of every department for a year."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument(
            "--force", action="store_true", help="recompute and write every department, even those whose inputs did not change"
        )

    def handle(self, *args, **opts) -> None:
        # One process, one transaction: works without a broker. With workers running,
        # kpis.tasks.recompute_year splits the year across them instead.
        done = scores_recompute(opts["year"], force=opts["force"])
        self.stdout.write(f"{opts['year']}년 점수 재계산: {done}개 부서")
        for row in DepartmentScore.objects.filter(year=opts["year"]).select_related("department").order_by(
            "-score", "department__name"
        ):
            score = "-" if row.score is None else f"{row.score}"
            extra = f" ({row.reason})" if row.reason else ""
            completeness = "" if row.completeness is None else f" 완결성 {row.completeness}%"
            self.stdout.write(f"  {row.department.name:<12} {score:>8} {row.grade or '-'}{completeness}{extra}")
