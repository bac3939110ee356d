"""Columns of the plan workbook's 성과지표 sheet, and what a row's fingerprint covers."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from accounts.models import User
from core.errors import PermissionRefused
from core.security import log_refusal
from imports import workbook_layout as L
from kpis.domain import ValueDomain
from kpis.services.permissions import is_admin, is_evaluator

ORG_SHEET, BUDGET_SHEET, PROGRAM_SHEET, INDICATOR_SHEET = "조직", "예산현황", "세부사업", "성과지표"
PLAN_HEADER_ROW = 1
PLAN_ROW_LIMIT = PLAN_HEADER_ROW + L.MAX_DATA_ROWS
# A weight as the Indicator column stores it: DECIMAL(7, 2), not negative.
WEIGHT_DOMAIN = ValueDomain(minimum=Decimal(0), maximum=Decimal("99999.99"), places=2)
# 성과지표 columns; target and actual columns follow, two per year.
P_ID, P_DEPARTMENT, P_NAME, P_UNIT, P_KIND, P_DIRECTION, P_WEIGHT, P_METHOD, P_SOURCE = range(1, 10)
P_FIRST_YEAR = 10
PLAN_FIXED_HEADERS = ["지표ID", "부서", "성과지표", "단위", "유형", "방향", "가중치", "측정산식 또는 측정방법", "자료수집 방법/출처"]
PLAN_WIDTHS = [8, 14, 40, 7, 6, 6, 8, 30, 20]


def year_columns(years: list[int]) -> dict[int, tuple[int, int]]:
    """year → (target column, actual column)."""
    return {year: (P_FIRST_YEAR + 2 * index, P_FIRST_YEAR + 2 * index + 1) for index, year in enumerate(years)}


def plan_fingerprint(weight: Any, method_text: str, targets: dict[int, Any], years: list[int]) -> int:
    return L.short_hash("|".join([L.number_text(weight), method_text or ""] + [L.number_text(targets.get(y)) for y in years]))


def require_plan_reader(user: User) -> None:
    if not (is_admin(user) or is_evaluator(user)):
        log_refusal(user, "plan_export", "not a planner or evaluator")
        raise PermissionRefused("계획 엑셀은 기획 담당(관리자)과 평가자만 내려받을 수 있습니다.")


UNCHANGED, CHANGED, ERROR, CONFLICT = "unchanged", "changed", "error", "conflict"
