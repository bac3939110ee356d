"""Columns of the plan workbook's 성과지표 sheet, and what a row's fingerprint covers."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from accounts.models import User
from core.errors import PermissionRefused
from core.security import log_refusal
from imports import workbook_layout as L
from kpis.domain import MAX_PLACES, ValueDomain
from kpis.models import Indicator
from kpis.services.permissions import can_review
from kpis.services.plan import DOMAIN_FIELDS, domain_field_label

ORG_SHEET, BUDGET_SHEET, PROGRAM_SHEET, INDICATOR_SHEET = "조직", "예산현황", "세부사업", "성과지표"
# Raised whenever a column of 성과지표 or 세부사업 moves (3: the value domain columns; 5: 세부사업ID and the
# editable 결산 columns); older files are refused.
PLAN_TEMPLATE_VERSION = 5
PLAN_HEADER_ROW = 1
PLAN_ROW_LIMIT = PLAN_HEADER_ROW + L.MAX_DATA_ROWS
# A weight as the Indicator column stores it: DECIMAL(7, 2), not negative.
WEIGHT_DOMAIN = ValueDomain(minimum=Decimal(0), maximum=Decimal("99999.99"), places=2)
# A bound of a value domain is stored like a value (any sign, four decimals); blank is no bound.
BOUND_DOMAIN = ValueDomain()
PLACES_DOMAIN = ValueDomain(minimum=Decimal(0), maximum=Decimal(MAX_PLACES), places=0)
# 성과지표 columns: the indicator, its value domain and its inputs' domain (in the order of DOMAIN_FIELDS),
# then target and actual columns, two per year.
P_ID, P_DEPARTMENT, P_NAME, P_UNIT, P_KIND, P_DIRECTION, P_WEIGHT, P_METHOD, P_SOURCE = range(1, 10)
DOMAIN_COLUMNS = dict(zip(DOMAIN_FIELDS, range(10, 10 + len(DOMAIN_FIELDS))))
P_FIRST_YEAR = 10 + len(DOMAIN_FIELDS)
PLAN_FIXED_HEADERS = [
    "지표ID", "부서", "성과지표", "단위", "유형", "방향", "가중치", "측정산식 또는 측정방법", "자료수집 방법/출처",
    *(domain_field_label(name) for name in DOMAIN_FIELDS),
]
PLAN_WIDTHS = [8, 14, 40, 7, 6, 6, 8, 30, 20] + [10] * len(DOMAIN_FIELDS)


# 세부사업 columns: the program (its id first, read back on upload), then one amount column per (year, kind); the
# settled (결산) columns are the ones a planner may fill in, one for every year that has a budget or a settled amount.
G_ID, G_DEPARTMENT, G_GOAL, G_UNIT, G_NAME = range(1, 6)
PROGRAM_FIXED_HEADERS = [
    "세부사업ID", "부서", "정책사업목표", "단위사업", "세부사업", "회계구분", "지원형태", "지원조건", "시행주체", "사업기간",
]
PROGRAM_WIDTHS = [8, 14, 30, 24, 30, 10, 12, 24, 16, 26]
AMOUNT_KIND_LABELS = {"budget": "예산", "settled": "결산"}
_AMOUNT_TITLE = re.compile(r"^(\d{4})년 (예산|결산)\(백만원\)$")


def amount_title(year: int, kind: str) -> str:
    return f"{year}년 {AMOUNT_KIND_LABELS[kind]}(백만원)"


def amount_column_of(title: object) -> tuple[int, str] | None:
    """(year, kind) of an amount column's title ('2024년 결산(백만원)'); None for any other title."""
    match = _AMOUNT_TITLE.match(str(title or "").strip())
    if match is None:
        return None
    return int(match.group(1)), "settled" if match.group(2) == "결산" else "budget"


def program_amount_columns(stored: set[tuple[int, str]]) -> list[tuple[int, str]]:
    """The sheet's (year, kind) columns: every stored one, and a 결산 column for each of their years."""
    keys = stored | {(year, "settled") for year, _ in stored}
    return sorted(keys, key=lambda key: (key[0], key[1] == "settled"))


def year_columns(years: list[int]) -> dict[int, tuple[int, int]]:
    """year → (target column, actual column)."""
    return {year: (P_FIRST_YEAR + 2 * index, P_FIRST_YEAR + 2 * index + 1) for index, year in enumerate(years)}


def plan_fingerprint(indicator: Indicator, targets: dict[int, Any], years: list[int]) -> int:
    """What a row showed of the plan (weight, method, value domains, targets): a change on the server since
    export makes an edited row a conflict."""
    parts = [L.number_text(indicator.weight), indicator.method_text or ""]
    parts += [L.number_text(getattr(indicator, name)) for name in DOMAIN_FIELDS]
    parts += [L.number_text(targets.get(year)) for year in years]
    return L.short_hash("|".join(parts))


def recorded_domain(domain: ValueDomain) -> list:
    """A domain as a preview row records it in JSON: [minimum, maximum, places], bounds as text or None."""
    return [None if domain.minimum is None else format(domain.minimum, "f"),
            None if domain.maximum is None else format(domain.maximum, "f"), domain.places]


def stored_domain(parts: list) -> ValueDomain:
    """The domain a preview row recorded (`recorded_domain`)."""
    minimum, maximum, places = parts
    return ValueDomain(None if minimum is None else Decimal(minimum), None if maximum is None else Decimal(maximum),
                       int(places))


def require_plan_reader(user: User) -> None:
    if not can_review(user):  # admins, evaluators and the national viewer read the plan
        log_refusal(user, "plan_export", "not a planner or evaluator")
        raise PermissionRefused("계획 엑셀은 기획 담당(관리자)과 평가자만 내려받을 수 있습니다.")


UNCHANGED, CHANGED, ERROR, CONFLICT = "unchanged", "changed", "error", "conflict"
