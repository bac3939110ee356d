"""`manage.py import_plan PATH --organization NAME [--plan-year Y] [--mapping FILE] [--reason TEXT] [--dry-run]
[--quiet]`: a bureau's plan document into its edition (organization, plan year)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.errors import ServiceError
from imports.plan_diff import (
    MappingError,
    Rename,
    earlier_edition,
    plan_diff,
    render_lines,
    snapshot_from_database,
    snapshot_from_document,
)
from imports.plan_document import PlanDocumentError
from imports.services import PlanImportResult, plan_import, renames_read
from kpis.models import Organization, OrganizationKind
from kpis.services.organizations import organization_create, organization_get


class Command(BaseCommand):
    help = (
        "성과계획서 문서(탭으로 구분된 텍스트)를 기관의 그 해 계획(계획 연도는 문서의 예산 머리글에서 읽음)으로"
        " 한 번에 저장하고 대사(對査) 보고서를 출력합니다."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="성과계획서 텍스트 파일 경로")
        parser.add_argument("--organization", required=True, help="기관명 (예: 전북특별자치도)")
        parser.add_argument(
            "--plan-year", type=int, default=None, help="계획 연도 확인용: 문서의 연도와 다르면 가져오지 않습니다"
        )
        parser.add_argument("--mapping", default=None, help="이름이 바뀐 지표의 대응표 CSV (이전 지표명,새 지표명[,부서명])")
        parser.add_argument("--create-organization", action="store_true", help="기관이 없으면 새로 만듭니다")
        parser.add_argument(
            "--kind", default="광역", choices=[*OrganizationKind.labels, *OrganizationKind.values],
            help="새로 만드는 기관의 유형 (광역/기초)",
        )
        parser.add_argument("--parent", default=None, help="새로 만드는 기관의 상위 기관명 (시군의 도)")
        parser.add_argument("--dry-run", action="store_true", help="읽고 검사만 하며 아무것도 저장하지 않습니다")
        parser.add_argument(
            "--reason", default="",
            help="이미 있는 목표를 바꿀 때 적는 변경 사유 (목표가 바뀌면 필수; --dry-run 이 바뀌는 목표를 보여 줍니다)",
        )
        parser.add_argument("--quiet", action="store_true", help="보고서를 출력하지 않습니다 (오류는 출력)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            renames = renames_read(options["mapping"]) if options["mapping"] else []
            # A dry run leaves no organization behind either: both in one transaction, rolled back.
            with transaction.atomic():
                organization = self._organization(options)
                result = plan_import(
                    path=options["path"], dry_run=options["dry_run"], reason=options["reason"],
                    organization=organization, plan_year=options["plan_year"], renames=renames,
                )
                diff = self._diff(result, organization, renames) if options["dry_run"] else []
                transaction.set_rollback(options["dry_run"])
        except MappingError as exc:
            raise CommandError(f"가져오지 못했습니다 (저장된 것 없음): {exc}") from exc
        except PlanDocumentError as exc:
            # Nothing was written: the whole import is one transaction.
            raise CommandError(f"가져오지 못했습니다 (저장된 것 없음): {exc}") from exc
        except ServiceError as exc:
            raise CommandError(f"가져오지 못했습니다: {exc.message}") from exc
        except OSError as exc:
            raise CommandError(f"파일을 읽을 수 없습니다: {exc}") from exc
        if not options["quiet"] and options["verbosity"] > 0:
            self.stdout.write(result.report_text(), ending="")
            if result.links:
                self.stdout.write(f"\n■ 전년도 계획의 지표와 이음 {len(result.links)}건")
                for line in result.links:
                    self.stdout.write(f"  - {line}")
            if diff:
                self.stdout.write("")
                self.stdout.write("\n".join(diff))

    @staticmethod
    def _diff(result: PlanImportResult, organization: Organization, renames: list[Rename]) -> list[str]:
        """A new plan year's dry run: the plan diff against the bureau's latest earlier edition (imports.plan_diff).

        None for a re-import of the same plan year: its report already says what changes.
        """
        document = result.document
        earlier = earlier_edition(organization.pk, document.bureau_name, document.plan_year)
        if earlier is None:
            return []
        diff = plan_diff(snapshot_from_database([earlier.pk]), snapshot_from_document(document), renames)
        return render_lines(diff)

    def _organization(self, options: dict[str, Any]) -> Organization:
        name = options["organization"]
        if options["create_organization"] and not Organization.objects.filter(name=name.strip()).exists():
            return organization_create(name=name, kind=options["kind"], parent_name=options["parent"])
        return organization_get(name=name)
