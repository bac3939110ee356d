"""`manage.py plan_diff OLD.txt NEW.txt [--mapping CSV]`: what the new plan document changes against the old one."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from imports.plan_diff import MappingError, plan_diff, read_mapping, render_lines, snapshot_from_document
from imports.plan_document import PlanDocument, PlanDocumentError, parse_plan_document


class Command(BaseCommand):
    help = "두 성과계획서 문서를 비교해 추가·폐지·이름 변경된 성과지표, 바뀐 가중치·산식·목표, 느슨한 목표를 출력합니다."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("old", help="이전 성과계획서 텍스트 파일 경로")
        parser.add_argument("new", help="새 성과계획서 텍스트 파일 경로")
        parser.add_argument("--mapping", help="이름이 바뀐 성과지표 대응표(CSV: 이전 지표명,새 지표명,부서명)")

    def handle(self, *args: Any, **options: Any) -> None:
        old, new = _document(options["old"]), _document(options["new"])
        mapping = ()
        if options["mapping"]:
            try:
                mapping = read_mapping(_text(options["mapping"]))
            except MappingError as exc:
                raise CommandError(str(exc)) from exc
        diff = plan_diff(snapshot_from_document(old), snapshot_from_document(new), mapping)
        self.stdout.write("\n".join(render_lines(diff)))


def _document(path: str) -> PlanDocument:
    try:
        return parse_plan_document(_text(path), source_name=Path(path).name)
    except PlanDocumentError as exc:
        raise CommandError(f"{path}: 읽지 못했습니다: {exc}") from exc


def _text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path}: UTF-8 텍스트가 아닙니다") from exc
    except OSError as exc:
        raise CommandError(f"파일을 읽을 수 없습니다: {exc}") from exc
