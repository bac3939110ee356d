"""The import report as plain Korean text: what was read, what was written, what does not add up."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from imports.plan_document import PlanDocument

from .types import Discrepancy, Placeholder

ENTITY_TITLES = {
    "bureau": "실국",
    "departments": "부서",
    "teams": "팀",
    "strategic_goals": "전략목표",
    "policy_goals": "정책사업목표",
    "indicators": "성과지표",
    "targets": "목표",
    "actuals": "실적",
    "budget_summary_lines": "예산현황 행",
    "unit_programs": "단위사업",
    "unit_program_amounts": "단위사업 금액",
    "budget_programs": "세부사업",
    "budget_program_amounts": "세부사업 금액",
}
KIND_TITLES = {
    "bureau": "실국 표기",
    "goal_list": "전략목표 목록과 전략목표 블록",
    "department": "부서",
    "headcount": "조직 및 인력현황 합계",
    "budget_structure": "예산현황 내부 합계 (계 = 정책사업 + 행정운영경비 + 재무활동 등)",
    "budget_printed": "예산현황 구성비·증감액·증감률 (다시 계산한 값과 비교)",
    "budget_bureau_total": "실국 예산현황과 부서 예산현황 합계",
    "policy_goal_table": "정책사업목표 현황: 실국 표와 부서 표",
    "policy_goal_row_shifted": "정책사업목표 현황: 밀린 행",
    "declared_count": "선언된 개수 (성과 지표수, 단위 사업수, 세부사업수)",
    "policy_goal_budget": "정책사업목표 예산액과 단위사업 예산 합계",
    "indicator_weight": "성과지표 가중치 합계",
    "indicator_department": "성과지표의 부서 표기",
    "formula": "측정산식",
    "rationale": "목표치 설정 근거",
    "unit_program_name": "단위사업 이름",
    "unit_program_total": "단위사업 금액과 세부사업 합계",
    "merged_row": "두 줄로 나뉜 세부사업 행",
    "overview": "관련 예산사업 개요",
}


def render_report(
    doc: PlanDocument,
    *,
    counts: Mapping[str, int],
    discrepancies: Sequence[Discrepancy],
    placeholders: Sequence[Placeholder],
    changes: Mapping[str, Counter[str]],
    stale: Sequence[str],
    kept: Sequence[str],
    audit_entries: int,
    dirty_scores: int,
    dry_run: bool,
) -> str:
    lines = [f"성과계획서 가져오기: {doc.source_name} — {doc.bureau_name}, {doc.plan_year}년 계획"]
    if dry_run:
        lines.append("※ 미리보기(--dry-run): 아무것도 저장하지 않았습니다. 아래 반영 결과는 저장했다면의 결과입니다.")
    lines += ["", "■ 문서에서 읽은 항목"]
    lines.append("  " + ", ".join(f"{ENTITY_TITLES.get(key, key)} {value}" for key, value in counts.items()))

    totals = Counter[str]()
    for counter in changes.values():
        totals.update(counter)
    lines += ["", "■ 반영 결과"]
    lines.append(
        f"  새로 만듦 {totals['created']}, 바뀜 {totals['updated']}, 그대로 {totals['unchanged']}, 삭제 {totals['deleted']}"
        f" · 변경 이력 {audit_entries}건 · 점수 재계산 대기 {dirty_scores}건"
    )
    for entity, counter in changes.items():
        if counter["created"] or counter["updated"] or counter["deleted"]:
            lines.append(
                f"  - {ENTITY_TITLES.get(entity, entity)}: 새로 만듦 {counter['created']},"
                f" 바뀜 {counter['updated']}, 삭제 {counter['deleted']}"
            )

    lines += ["", f"■ 자리표시 실적 (미보고로 저장) {len(placeholders)}건"]
    lines += [
        f"  - [{item.line}행] {item.indicator} {item.year}년 '{item.raw_text}': {item.reason}" for item in placeholders
    ]

    lines += ["", f"■ 문서 불일치 {len(discrepancies)}건 (고치지 않고 보고만 합니다)"]
    for kind, title in KIND_TITLES.items():
        found = [item for item in discrepancies if item.kind == kind]
        if found:
            lines.append(f"  ▸ {title} ({len(found)}건)")
            lines += [f"    - {item}" for item in found]
    unknown = [item for item in discrepancies if item.kind not in KIND_TITLES]
    lines += [f"    - {item}" for item in unknown]

    if stale:
        lines += ["", f"■ 문서에서 사라진 항목 {len(stale)}건"]
        lines += [f"  - {message}" for message in stale]
    if kept:
        lines += ["", f"■ 문서 값 대신 유지한 입력 실적 {len(kept)}건"]
        lines += [f"  - {message}" for message in kept]
    return "\n".join(lines) + "\n"
