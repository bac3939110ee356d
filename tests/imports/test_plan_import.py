"""The plan import end to end: the sample into the database, idempotent, audited, all or nothing."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from budgets.models import BudgetProgram, BudgetSummaryLine, UnitProgram
from imports.models import ImportRun
from imports.plan_document import PlanDocumentError
from imports.services import plan_import
from kpis.models import (
    Actual,
    ActualStatus,
    AuditEntry,
    Bureau,
    Department,
    DirtyScore,
    Indicator,
    PolicyGoal,
    Target,
    TargetRevision,
)
from tests.conftest import SAMPLE_PLAN

pytestmark = pytest.mark.django_db

D = Decimal
SAMPLE_TEXT = SAMPLE_PLAN.read_text(encoding="utf-8")
SAMPLE_LINES = SAMPLE_TEXT.split("\n")
YEARS = (2023, 2024, 2025, 2026, 2027)

# (department, name as printed, kind, weight, unit, formula, targets 2023..2027), from lines 95-761.
INDICATORS = [
    ("대외협력과", "(대외협력과)정무활동 및 당정협력 강화(회)", "general", 30, "회", "개최횟수", (11, 11, 11, 11, 11)),
    (
        "대외협력과",
        "(대외협력과)민간단체 및 출향도민 협력 강화(회)",
        "general",
        30,
        "회",
        "교류횟수",
        (32, 33, 33, 33, 33),
    ),
    ("대외협력과", "(대외협력과)자원봉사 활동률(%)", "core", 40, "%", "활동인원/인구*100", (6, 6, 6, 6, 6)),
    (
        "외국인국제정책과",
        "(외국인국제정책과)지역 특화형 비자·숙련기능인력 대상자 모집 인원(명)",
        "core",
        35,
        "명",
        "",
        (0, 0, 200, 220, 240),
    ),
    (
        "외국인국제정책과",
        "(외국인국제정책과)외국인 주민의 지역사회 적응을 위한 정착 지원 활동 및 상담 지원(회)",
        "core",
        35,
        "회",
        "",
        (0, 0, 5, 6, 6),
    ),
    (
        "외국인국제정책과",
        "(외국인국제정책과)자매우호결연지역 등 교류횟수(회)",
        "general",
        30,
        "회",
        "교류횟수",
        (0, 47, 47, 47, 47),
    ),
    (
        "소통기획과",
        "(소통기획과)도정 핵심사업 인지도(%)",
        "core",
        40,
        "%",
        "",
        ("88.5", "88.6", "88.6", "88.6", "88.6"),
    ),
    (
        "소통기획과",
        "(소통기획과)도 대표 블로그 방문횟수(회)",
        "core",
        25,
        "회",
        "",
        (1960000, 1970000, 1970000, 1970000, 1970000),
    ),
    (
        "소통기획과",
        "(소통기획과)도정홍보 영상물 도민접촉률(%)",
        "core",
        35,
        "%",
        "",
        ("86.5", "86.5", "86.5", "86.5", "86.5"),
    ),
]

# (unit program, account, '23결산, '24예산, '25예산, 비고 세부사업수), as printed in each 관련 예산사업 내역 table.
UNIT_PROGRAMS = [
    ("정치권 협력체계 강화", "일반회계", 61, 79, 87, 4),
    ("지방의회 협력체계 강화", "일반회계", 25, 42, 42, 3),
    ("민간단체 협력 강화", "일반회계", 775, 785, 864, 4),
    ("자원봉사활동 진흥", "일반회계", 2615, 2799, 2927, 6),
    ("고향사랑기부제 운영", "일반회계", 325, 330, 286, 2),
    ("외국인정책 및 국제교류협력증진", "일반회계", 4235, 6429, 6312, 8),
    ("외국인주민 안정적인 정착 체계 구축", "일반회계", 36, 42, 635, 6),
    ("국제교류협력 증진", "일반회계", 230, 264, 408, 7),
    ("선택과 집중을 통한 도정 주요시책의 전략적 소통 강화", "일반회계", 2039, 1432, 1450, 2),
    ("디지털 매체를 활용한 도민 소통 강화", "일반회계", 879, 569, 443, 3),
    ("미디어 확대 및 콘텐츠 다양화로 효율적인 도정 소통", "일반회계", 1531, 1265, 1390, 4),
    ("도민 만족 소통민원 구현", "일반회계", 21, 20, 25, 3),
]

# (unit program, budget program, '23결산, '24예산, '25예산): every row of every 관련 예산사업 내역 table.
BUDGET_PROGRAMS = [
    ("정치권 협력체계 강화", "국회 및 정당 소통 활성화", 4, 20, 20),
    ("정치권 협력체계 강화", "국회 및 정당 정책협의회 운영", 8, 7, 7),
    ("정치권 협력체계 강화", "정무기획업무 추진 기본경비", 18, 20, 25),
    ("정치권 협력체계 강화", "정무수석 운영", 31, 31, 35),
    ("지방의회 협력체계 강화", "지방의회 소통 활성화", 10, 10, 10),
    ("지방의회 협력체계 강화", "의정협력업무 추진 기본경비", 15, 9, 8),
    ("지방의회 협력체계 강화", "정무보좌관 운영", 0, 23, 24),
    ("민간단체 협력 강화", "민간단체 협력 및 활동지원", 613, 615, 701),
    ("민간단체 협력 강화", "출향도민과의 협력", 120, 133, 133),
    ("민간단체 협력 강화", "새마을지도자 자녀 장학금 지원", 31, 32, 25),
    ("민간단체 협력 강화", "민간협력업무 추진 기본경비", 11, 6, 5),
    ("자원봉사활동 진흥", "자원봉사 확산 프로그램 운영", 1415, 1681, 1772),
    ("자원봉사활동 진흥", "시군 및 자원봉사단체 협력 강화", 354, 270, 306),
    ("자원봉사활동 진흥", "자원봉사 코디네이터 지원·육성(도 자원봉사센터)", 97, 99, 100),
    ("자원봉사활동 진흥", "자원봉사 코디네이터 지원·육성(시군)", 636, 650, 654),
    ("자원봉사활동 진흥", "전국 통합 자원봉사보험 가입 서비스 지원(시군)", 104, 93, 90),
    ("자원봉사활동 진흥", "자원봉사업무 추진 기본경비", 9, 5, 5),
    ("고향사랑기부제 운영", "고향사랑기부제 운영관리", 325, 330, 276),
    ("고향사랑기부제 운영", "고향사랑기부업무 추진 기본경비", 0, 0, 10),
    ("외국인정책 및 국제교류협력증진", "외국인정책 추진 및 비자전환지원", 190, 210, 286),
    ("외국인정책 및 국제교류협력증진", "국제화 역량강화 및 네트워크 구축", 0, 387, 372),
    ("외국인정책 및 국제교류협력증진", "전북형 공공외교사업 추진", 239, 200, 200),
    ("외국인정책 및 국제교류협력증진", "국제 오피니언리더 초청 사업", 70, 36, 36),
    ("외국인정책 및 국제교류협력증진", "국제관계대사 운영", 90, 387, 388),
    ("외국인정책 및 국제교류협력증진", "전북국제협력진흥원 운영", 2202, 3674, 3495),
    ("외국인정책 및 국제교류협력증진", "전북특별자치도 해외사무소 운영", 492, 474, 474),
    ("외국인정책 및 국제교류협력증진", "중앙부처 및 도정주요시책추진 국외출장", 952, 1061, 1061),
    ("외국인주민 안정적인 정착 체계 구축", "외국인 근로자 지역정착 지원사업(고용노동부)", 0, 0, 400),
    ("외국인주민 안정적인 정착 체계 구축", "1시군 1외국인지원센터 운영(자체)", 0, 0, 112),
    ("외국인주민 안정적인 정착 체계 구축", "지역기반비자승급지원금 지원(자체)", 0, 0, 55),
    ("외국인주민 안정적인 정착 체계 구축", "외국인노동자쉼터 운영 지원", 0, 0, 28),
    ("외국인주민 안정적인 정착 체계 구축", "외국인 지원 및 국제교류 분야 활성화 지원(자체)", 36, 42, 36),
    ("외국인주민 안정적인 정착 체계 구축", "외국인 주민 지원체계 구축", 0, 0, 5),
    ("국제교류협력 증진", "지방외교활동 및 교류 추진", 116, 89, 105),
    ("국제교류협력 증진", "해외 지방정부 관계자 전복연수", 24, 25, 25),
    ("국제교류협력 증진", "아시아권역 문화교류 강화", 43, 80, 60),
    ("국제교류협력 증진", "교류지역 주요행사 협력", 0, 0, 50),
    ("국제교류협력 증진", "고려인·중앙아시아지역 전복문화 이해증진", 0, 30, 35),
    ("국제교류협력 증진", "재외동포 활동 지원 및 네트워크 구축", 25, 25, 118),
    ("국제교류협력 증진", "국제화 기반구축 추진 기본경비", 22, 15, 15),  # lines 652-653, one row
    ("선택과 집중을 통한 도정 주요시책의 전략적 소통 강화", "수도권 거점지역 마케팅 강화", 428, 385, 403),
    ("선택과 집중을 통한 도정 주요시책의 전략적 소통 강화", "도민 자긍심 제고", 1611, 1047, 1047),
    ("디지털 매체를 활용한 도민 소통 강화", "온라인 소통 도정 홍보", 635, 356, 321),
    ("디지털 매체를 활용한 도민 소통 강화", "온라인 참여 도정 홍보", 24, 24, 22),
    ("디지털 매체를 활용한 도민 소통 강화", "온라인매체 및 뉴미디어 도정홍보", 220, 190, 100),
    ("미디어 확대 및 콘텐츠 다양화로 효율적인 도정 소통", "전략적 소통체제 강화", 173, 90, 180),
    ("미디어 확대 및 콘텐츠 다양화로 효율적인 도정 소통", "특화된 도정홍보물 제작", 881, 685, 725),
    ("미디어 확대 및 콘텐츠 다양화로 효율적인 도정 소통", "홍보 영상 제작 기반시설 운영", 445, 456, 451),
    ("미디어 확대 및 콘텐츠 다양화로 효율적인 도정 소통", "단위사업추진 기본경비", 32, 34, 33),
    ("도민 만족 소통민원 구현", "직소민원실 운영", 6, 6, 6),
    ("도민 만족 소통민원 구현", "전자민원 모니터 활성화", 9, 9, 13),
    ("도민 만족 소통민원 구현", "직소민원업무 추진 기본경비", 6, 5, 6),
]

# Everything the sample does not add up to, as reported (found by recomputing, not by reading).
SAMPLE_DISCREPANCIES = [
    (
        "goal_list",
        5,
        "실국 전략목표 목록의 '지역소멸 극복을 위한 외국인·국제 정책 강화'에 해당하는 전략목표 블록이 없습니다",
    ),
    ("goal_list", 5, "실국 전략목표 목록의 '수도권·세종지역 도정 과제 지원'에 해당하는 전략목표 블록이 없습니다"),
    (
        "goal_list",
        393,
        "전략목표 '확장적 정부 외국인·이민 정책 반영 및 지역 특성에 맞는 외국인 유입체계 구축'이 실국 전략목표 목록에 없습니다",
    ),
    ("budget_printed", 40, "실국 예산현황 행정운영경비 증감률: 문서 '3.19%' ≠ 계산 3.12"),
    ("budget_printed", 41, "실국 예산현황 인력운영비 구성비: 문서 '2.28 %' ≠ 계산 2.27"),
    ("budget_printed", 41, "실국 예산현황 인력운영비 증감률: 문서 '△6.26%' ≠ 계산 △6.30"),
    ("budget_printed", 42, "실국 예산현황 기본경비 증감률: 문서 '19.01%' ≠ 계산 18.86"),
    ("budget_structure", 76, "대외협력과 예산현황 행정운영경비 전년도예산액 297 ≠ 인력운영비 + 기본경비 296"),
    ("budget_printed", 75, "대외협력과 예산현황 정책사업 구성비: 문서 '94.09 %' ≠ 계산 94.10"),
    ("budget_printed", 75, "대외협력과 예산현황 정책사업 전년도 구성비: 문서 '93.15 %' ≠ 계산 93.14"),
    ("budget_printed", 75, "대외협력과 예산현황 정책사업 증감률: 문서 '9.80%' ≠ 계산 9.82"),
    ("budget_printed", 76, "대외협력과 예산현황 행정운영경비 구성비: 문서 '5.91 %' ≠ 계산 5.90"),
    ("budget_printed", 76, "대외협력과 예산현황 행정운영경비 전년도 구성비: 문서 '6.85 %' ≠ 계산 6.86"),
    ("budget_printed", 76, "대외협력과 예산현황 행정운영경비 증감률: 문서 '△6.28%' ≠ 계산 △6.40"),
    ("budget_printed", 77, "대외협력과 예산현황 인력운영비 증감률: 문서 '△25.05%' ≠ 계산 △24.86"),
    ("budget_printed", 78, "대외협력과 예산현황 기본경비 전년도 구성비: 문서 '2.67 %' ≠ 계산 2.66"),
    ("budget_printed", 78, "대외협력과 예산현황 기본경비 증감률: 문서 '23.17%' ≠ 계산 23.48"),
    ("budget_printed", 422, "외국인국제정책과 예산현황 계 증감률: 문서 '6.59%' ≠ 계산 6.58"),
    ("budget_printed", 423, "외국인국제정책과 예산현황 정책사업 증감액: 문서 '432' ≠ 계산 431"),
    ("budget_printed", 423, "외국인국제정책과 예산현황 정책사업 증감률: 문서 '6.25%' ≠ 계산 6.24"),
    ("budget_printed", 424, "외국인국제정책과 예산현황 행정운영경비 증감률: 문서 '24.37%' ≠ 계산 24.62"),
    ("budget_printed", 425, "외국인국제정책과 예산현황 인력운영비 증감률: 문서 '25.13%' ≠ 계산 25.00"),
    ("budget_printed", 426, "외국인국제정책과 예산현황 기본경비 전년도 구성비: 문서 '0.83 %' ≠ 계산 0.82"),
    ("budget_printed", 426, "외국인국제정책과 예산현황 기본경비 증감률: 문서 '23.43%' ≠ 계산 24.14"),
    ("budget_printed", 736, "소통기획과 예산현황 정책사업 구성비: 문서 '94.60 %' ≠ 계산 94.59"),
    ("budget_printed", 736, "소통기획과 예산현황 정책사업 전년도 구성비: 문서 '94.74 %' ≠ 계산 94.75"),
    ("budget_printed", 736, "소통기획과 예산현황 정책사업 증감액: 문서 '21' ≠ 계산 20"),
    ("budget_printed", 736, "소통기획과 예산현황 정책사업 증감률: 문서 '0.63%' ≠ 계산 0.61"),
    ("budget_printed", 737, "소통기획과 예산현황 행정운영경비 구성비: 문서 '5.40 %' ≠ 계산 5.41"),
    ("budget_printed", 737, "소통기획과 예산현황 행정운영경비 전년도 구성비: 문서 '5.26 %' ≠ 계산 5.25"),
    ("budget_printed", 737, "소통기획과 예산현황 행정운영경비 증감액: 문서 '6' ≠ 계산 7"),
    ("budget_printed", 737, "소통기획과 예산현황 행정운영경비 증감률: 문서 '3.51%' ≠ 계산 3.85"),
    ("budget_printed", 738, "소통기획과 예산현황 인력운영비 구성비: 문서 '3.77 %' ≠ 계산 3.78"),
    ("budget_printed", 738, "소통기획과 예산현황 인력운영비 전년도 구성비: 문서 '3.70 %' ≠ 계산 3.69"),
    ("budget_printed", 738, "소통기획과 예산현황 인력운영비 증감률: 문서 '2.73%' ≠ 계산 3.13"),
    ("budget_printed", 739, "소통기획과 예산현황 기본경비 증감률: 문서 '5.37%' ≠ 계산 5.56"),
    ("budget_bureau_total", 39, "실국 예산현황 정책사업 예산액 15,072 ≠ 부서 예산현황 합계 15,071 (차이 1)"),
    ("budget_bureau_total", 40, "실국 예산현황 행정운영경비 예산액 628 ≠ 부서 예산현황 합계 629 (차이 △1)"),
    ("budget_bureau_total", 41, "실국 예산현황 인력운영비 예산액 357 ≠ 부서 예산현황 합계 358 (차이 △1)"),
    ("budget_bureau_total", 42, "실국 예산현황 기본경비 전년도예산액 228 ≠ 부서 예산현황 합계 227 (차이 1)"),
    (
        "policy_goal_table",
        718,
        "정책사업목표 '특별한 전복과 함께하는 정책 소통 활성화' 실국 표(19행)와 부서 표(718행)가 다릅니다: 성과 지표수 3 ≠ 없음, 단위 사업수 4 ≠ 없음, 예산액 3,306 ≠ 없음",
    ),
    (
        "policy_goal_budget",
        57,
        "대외협력과 정책사업목표 예산액 4,430(실국 표 17행), 4,430(부서 표 57행) ≠ 단위사업 '25예산 합계 4,206",
    ),
    ("unit_program_total", 133, "단위사업 '정치권 협력체계 강화' '24예산 79 ≠ 세부사업 합계 78 (차이 1)"),
    ("unit_program_total", 241, "단위사업 '민간단체 협력 강화' '24예산 785 ≠ 세부사업 합계 786 (차이 △1)"),
    ("unit_program_total", 300, "단위사업 '자원봉사활동 진흥' '24예산 2,799 ≠ 세부사업 합계 2,798 (차이 1)"),
    (
        "policy_goal_budget",
        405,
        "외국인국제정책과 정책사업목표 예산액 7,335(실국 표 18행), 7,335(부서 표 405행) ≠ 단위사업 '25예산 합계 7,355",
    ),
    (
        "unit_program_total",
        569,
        "단위사업 '외국인주민 안정적인 정착 체계 구축' '25예산 635 ≠ 세부사업 합계 636 (차이 △1)",
    ),
    (
        "overview",
        650,
        "예산사업 개요의 사업명 '고려인·중앙아시아지역 전북문화 이해증진'(685행)이 세부사업 '고려인·중앙아시아지역 전복문화 이해증진'과 달라 순서로 연결했습니다",
    ),
    ("merged_row", 652, "세부사업 행이 653행으로 이어져 '국제화 기반구축 추진 기본경비' 한 행으로 합쳤습니다"),
    (
        "policy_goal_row_shifted",
        718,
        "소통기획과 정책사업목표 표의 행이 한 칸 밀려 있습니다: 제목 '특별한 전복과 함께하는 정책 소통 활성화'만 있고 성과 지표수·단위 사업수·예산액이 비어 있습니다",
    ),
    (
        "policy_goal_budget",
        718,
        "소통기획과 정책사업목표 예산액 3,306(실국 표 19행), 없음(부서 표 718행) ≠ 단위사업 '25예산 합계 3,308",
    ),
    (
        "unit_program_total",
        839,
        "단위사업 '디지털 매체를 활용한 도민 소통 강화' '24예산 569 ≠ 세부사업 합계 570 (차이 △1)",
    ),
    (
        "unit_program_total",
        888,
        "단위사업 '미디어 확대 및 콘텐츠 다양화로 효율적인 도정 소통' '25예산 1,390 ≠ 세부사업 합계 1,389 (차이 1)",
    ),
]


def dump() -> dict[str, list[dict[str, Any]]]:
    """Every row of every model of the three apps, in id order."""
    models = [model for model in apps.get_models() if model._meta.app_label in {"kpis", "budgets", "imports"}]
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def write_variant(tmp_path: Path, *replacements: tuple[int, str | None]) -> Path:
    """A copy of the sample with 1-based lines replaced (None drops the line)."""
    changes = dict(replacements)
    lines = [changes.get(number, line) for number, line in enumerate(SAMPLE_LINES, start=1)]
    path = tmp_path / "corrected.txt"
    path.write_text("\n".join(line for line in lines if line is not None), encoding="utf-8")
    return path


def line_of(number: int) -> str:
    return SAMPLE_LINES[number - 1]


def dept(name: str) -> Department:
    return Department.objects.get(name=name)


# --- what the sample becomes ------------------------------------------------------------------


def test_it_imports_the_bureau_with_its_plan_year_goal_list_and_direction(sample_plan: Bureau) -> None:
    assert (sample_plan.name, sample_plan.plan_year) == ("대외국제소통국", 2025)
    assert sample_plan.goal_list[3] == "수도권·세종지역 도정 과제 지원"
    assert sample_plan.basic_direction == "'더 특별한 전복' 실현을 위한 대외·소통·협력 강화"
    assert sample_plan.source_document == SAMPLE_PLAN.name
    assert sample_plan.imported_at is not None


def test_it_imports_three_departments_with_headcount_teams_and_main_contents(sample_plan: Bureau) -> None:
    rows = [
        (
            d.name,
            d.authorized_total,
            d.authorized_grade4_up,
            d.authorized_grade5,
            d.authorized_grade6_down,
            d.current_headcount,
            [t.name for t in d.teams.all()],
        )
        for d in Department.objects.filter(bureau=sample_plan).order_by("order")
    ]
    assert rows == [
        ("대외협력과", 19, 2, 4, 13, 19, ["정무기획팀", "의정협력팀", "민간지원팀", "고향사랑기부팀"]),
        ("외국인국제정책과", 13, 1, 3, 9, 12, ["외국인국제정책팀", "외국인지원팀", "국제협력팀"]),
        ("소통기획과", 18, 1, 4, 13, 18, ["소통기획팀", "디지털소통팀", "미디어소통팀", "작소민원팀"]),
    ]
    assert dept("외국인국제정책과").main_contents == ["국제외국인 정책 및 국제화 역량 강화", "국제교류협력 증진"]


def test_it_imports_policy_goals_keeping_the_shifted_row_title_without_figures(sample_plan: Bureau) -> None:
    goals = [
        (
            g.department.name,
            g.strategic_goal.department.name,
            g.title,
            g.declared_indicator_count,
            g.declared_unit_program_count,
            g.budget_amount,
        )
        for g in PolicyGoal.objects.filter(strategic_goal__bureau=sample_plan).order_by("strategic_goal__order")
    ]
    assert goals == [
        ("대외협력과", "대외협력과", "정치권·도의회 및 민간단체 등 대내외 협력을 통한 도정 발전 견인", 3, 5, D("4430")),
        (
            "외국인국제정책과",
            "외국인국제정책과",
            "외국인주민 안정적 지역생활 정착지원 및 국제교류협력 다각화",
            3,
            3,
            D("7335"),
        ),
        ("소통기획과", "소통기획과", "특별한 전복과 함께하는 정책 소통 활성화", None, None, None),
    ]


def test_it_imports_nine_indicators_with_weights_kinds_units_formulas_and_every_target(sample_plan: Bureau) -> None:
    stored = [
        (
            i.department.name,
            i.name,
            i.kind,
            i.weight,
            i.unit,
            i.formula,
            tuple(t.value for t in i.targets.order_by("year")),
            tuple(t.year for t in i.targets.order_by("year")),
        )
        for i in Indicator.objects.order_by("department__order", "order")
    ]
    expected = [
        (d, name, kind, D(weight), unit, formula, tuple(D(str(v)) for v in targets), YEARS)
        for d, name, kind, weight, unit, formula, targets in INDICATORS
    ]
    assert stored == expected
    assert all(i.policy_goal.department_id == i.department_id for i in Indicator.objects.all())  # type: ignore[union-attr]


def test_it_keeps_method_text_source_rationale_and_bsc_link_of_each_indicator(sample_plan: Bureau) -> None:
    volunteer = Indicator.objects.get(name="(대외협력과)자원봉사 활동률(%)")
    assert (volunteer.short_name, volunteer.method_text, volunteer.formula_variables) == (
        "자원봉사 활동률",
        "활동인원/인구*100",
        ["활동인원", "인구"],
    )
    assert (volunteer.data_source, volunteer.direction) == ("1365 자원봉사시스템", "up")
    assert volunteer.target_rationale == "인구대비 자원봉사 활동률/bsc성과지표와 연동"
    survey = Indicator.objects.get(name="(소통기획과)도정 핵심사업 인지도(%)")
    assert (survey.method_text, survey.formula, survey.formula_variables) == ("설문조사 결과", "", [])
    assert sorted(Indicator.objects.filter(bsc_linked=True).values_list("short_name", flat=True)) == [
        "도 대표 블로그 방문횟수",
        "도정 핵심사업 인지도",
        "도정홍보 영상물 도민접촉률",
        "자원봉사 활동률",
    ]


def test_a_target_of_zero_is_stored_as_zero(sample_plan: Bureau) -> None:
    target = Target.objects.get(indicator__name="(외국인국제정책과)자매우호결연지역 등 교류횟수(회)", year=2023)
    assert target.value == D("0")


def test_reported_actuals_are_approved_and_keep_the_parenthesised_figure(sample_plan: Bureau) -> None:
    actual = Actual.objects.get(indicator__name="(소통기획과)도정 핵심사업 인지도(%)", year=2023)
    assert (actual.value, actual.supplementary_value, actual.raw_text) == (D("88.5"), D("86.31"), "88.5(86.31)")
    assert (actual.status, actual.source, actual.placeholder_reason) == (ActualStatus.APPROVED, "plan", "")
    blog = Actual.objects.get(indicator__name="(소통기획과)도 대표 블로그 방문횟수(회)", year=2023)
    assert (blog.value, blog.raw_text) == (D("2056074"), "2,056,074")
    assert Actual.objects.filter(status=ActualStatus.APPROVED).count() == 6


def test_placeholder_zeros_are_stored_as_not_reported_and_listed() -> None:
    result = plan_import(path=SAMPLE_PLAN)
    placeholders = Actual.objects.filter(status=ActualStatus.NOT_REPORTED)
    assert placeholders.count() == 12 == len(result.placeholders)
    assert set(placeholders.values_list("value", flat=True)) == {None}
    assert set(placeholders.values_list("raw_text", flat=True)) == {"0"}
    assert placeholders.filter(year=2024).count() == 9
    assert set(placeholders.filter(year=2023).values_list("indicator__department__name", flat=True)) == {
        "외국인국제정책과"
    }
    assert placeholders.get(indicator__name__startswith="(대외협력과)자원봉사", year=2024).placeholder_reason == (
        "2025년 계획 작성 시점에 2024년 실적이 아직 집계되지 않아 0으로 표시됨"
    )
    report = result.report_text()
    assert "■ 자리표시 실적 (미보고로 저장) 12건" in report
    assert "[441행] (외국인국제정책과)지역 특화형 비자·숙련기능인력 대상자 모집 인원(명) 2023년 '0'" in report


def test_the_cooperation_department_budget_is_4708_against_4331_the_year_before(sample_plan: Bureau) -> None:
    line = BudgetSummaryLine.objects.get(department=dept("대외협력과"), category="total")
    assert (line.amount, line.prior_amount) == (D("4708"), D("4331"))
    assert (line.printed_share, line.printed_change, line.printed_change_rate) == ("100.00 %", "377", "8.70%")
    admin = BudgetSummaryLine.objects.get(department=dept("대외협력과"), category="admin")
    assert (admin.printed_change, admin.printed_change_rate) == ("△19", "△6.28%")


def test_the_bureau_total_of_15700_equals_the_three_department_totals(sample_plan: Bureau) -> None:
    totals = BudgetSummaryLine.objects.filter(bureau=sample_plan, category="total")
    bureau = totals.get(department=None)
    departments = totals.exclude(department=None)
    assert bureau.amount == D("15700") == sum(line.amount for line in departments)
    assert bureau.prior_amount == D("14833") == sum(line.prior_amount for line in departments)
    assert departments.count() == 3
    labels = list(BudgetSummaryLine.objects.filter(department=dept("소통기획과")).values_list("category", "label"))
    assert labels == [
        ("total", "계"),
        ("policy", "정 책 사 업"),
        ("admin", "행 정 운 영 경 비"),
        ("personnel", "인 력 운 영 비"),
        ("basic", "기 본 경 비"),
        ("financial", "재 무 활 동"),
    ]


def test_every_unit_program_row_is_stored_with_its_account_amounts_and_declared_count(sample_plan: Bureau) -> None:
    stored = []
    for unit in UnitProgram.objects.order_by("department__order", "order"):
        amounts = {a.year: (a.kind, a.amount) for a in unit.amounts.all()}
        stored.append((unit.name, unit.account, amounts, unit.declared_budget_program_count))
    expected = [
        (name, account, {2023: ("settled", D(a)), 2024: ("budget", D(b)), 2025: ("budget", D(c))}, count)
        for name, account, a, b, c, count in UNIT_PROGRAMS
    ]
    assert stored == expected


def test_every_budget_program_row_is_stored_with_its_three_yearly_amounts(sample_plan: Bureau) -> None:
    stored = []
    for program in BudgetProgram.objects.order_by("unit_program__department__order", "unit_program__order", "order"):
        amounts = {a.year: a.amount for a in program.amounts.all()}
        stored.append((program.unit_program.name, program.name, amounts[2023], amounts[2024], amounts[2025]))
    assert stored == [(unit, name, D(a), D(b), D(c)) for unit, name, a, b, c in BUDGET_PROGRAMS]
    assert len(stored) == 52


def test_the_broken_budget_row_is_one_program_with_its_overview(sample_plan: Bureau) -> None:
    program = BudgetProgram.objects.get(name="국제화 기반구축 추진 기본경비")
    assert program.content == "국제화기반구축 추진 국내여비 및 업무추진비"
    assert program.overview_name == "국제화 기반구축 추진 기본경비"
    assert not BudgetProgram.objects.filter(name__in=["기본경비", "국제화 기반구축 추진"]).exists()


def test_the_misspelt_overview_is_attached_by_position_and_its_name_kept_as_printed(sample_plan: Bureau) -> None:
    program = BudgetProgram.objects.get(name="고려인·중앙아시아지역 전복문화 이해증진")
    assert program.overview_name == "고려인·중앙아시아지역 전북문화 이해증진"
    assert (program.content, program.support_type) == ("고려인·아시아 신규교류지역 전통문화지원 등 홍보", "공기관위탁")


@pytest.mark.parametrize(
    ("name", "funding_text", "shares"),
    [
        ("자원봉사 코디네이터 지원·육성(시군)", "국비 50%, 도비 20%, 시군비 30%", ("50", "20", "30")),
        ("자원봉사 코디네이터 지원·육성(도 자원봉사센터)", "국비 50%, 도비 50%", ("50", "50", "0")),
        ("국회 및 정당 소통 활성화", "도비(100%)", ("0", "100", "0")),
        ("외국인 지원 및 국제교류 분야 활성화 지원(자체)", "도비 100%", ("0", "100", "0")),
        ("직소민원실 운영", "100% 도비사업", ("0", "100", "0")),
        ("민간단체 협력 및 활동지원", "보조사업", (None, None, None)),
    ],
)
def test_funding_conditions_are_kept_as_text_and_parsed_into_shares(
    sample_plan: Bureau, name: str, funding_text: str, shares: tuple[str | None, ...]
) -> None:
    program = BudgetProgram.objects.get(name=name)
    assert program.funding_text == funding_text
    expected = tuple(None if share is None else D(share) for share in shares)
    assert (program.national_share, program.provincial_share, program.municipal_share) == expected


def test_overview_period_support_type_and_implementing_body_are_stored(sample_plan: Bureau) -> None:
    program = BudgetProgram.objects.get(name="자원봉사 확산 프로그램 운영")
    assert program.period_text == "2025년01월01일 ~ 2029년12월31일"
    assert (program.period_start.isoformat(), program.period_end.isoformat()) == ("2025-01-01", "2029-12-31")  # type: ignore[union-attr]
    assert (program.support_type, program.implementing_body, program.account) == (
        "민간보조",
        "전북특별자치도자원봉사센터",
        "일반회계",
    )


def test_reconciliation_reports_exactly_the_sample_discrepancies() -> None:
    result = plan_import(path=SAMPLE_PLAN)
    assert [(item.kind, item.line, item.message) for item in result.discrepancies] == SAMPLE_DISCREPANCIES


def test_the_first_import_audits_every_created_weight_formula_target_and_actual() -> None:
    result = plan_import(path=SAMPLE_PLAN)
    entries = AuditEntry.objects.all()
    # 9 weights + 9 method texts + 4 non-empty formulas + 45 targets + 18 actuals
    assert entries.count() == 85 == result.audit_entries
    assert set(entries.values_list("source", "action")) == {("plan", "create")}
    assert entries.filter(import_run=result.import_run).count() == 85
    weight = entries.get(entity="indicator", field="weight", indicator__name="(대외협력과)자원봉사 활동률(%)")
    assert (weight.old_value, weight.new_value, weight.department.name) == ("", "40", "대외협력과")  # type: ignore[union-attr]
    assert set(DirtyScore.objects.values_list("department__name", "year", "generation")) == {
        (name, year, 1) for name in ("대외협력과", "외국인국제정책과", "소통기획과") for year in YEARS
    }
    run = ImportRun.objects.get()
    assert (run.kind, run.status, run.file_name, run.year) == ("plan_document", "applied", SAMPLE_PLAN.name, 2025)


# --- idempotence and corrections --------------------------------------------------------------


def test_importing_the_same_document_twice_changes_no_row(sample_plan: Bureau) -> None:
    before = dump()
    result = plan_import(path=SAMPLE_PLAN)
    assert dump() == before  # same ids, same values, no new audit row, no new run
    assert (result.created, result.updated, result.deleted, result.audit_entries) == (0, 0, 0, 0)
    assert result.unchanged == 373 == sum(result.counts.values()) + 1  # every row of the document, plus the bureau
    assert result.import_run is None


def test_a_corrected_weight_and_target_update_in_place_with_audit_and_dirty_marks(
    sample_plan: Bureau, tmp_path: Path
) -> None:
    name = "(대외협력과)정무활동 및 당정협력 강화(회)"
    indicator = Indicator.objects.get(name=name)
    target_id = Target.objects.get(indicator=indicator, year=2025).pk
    path = write_variant(
        tmp_path,
        (95, line_of(95).replace("일반\t30\t목표\t11\t11\t11", "일반\t35\t목표\t11\t11\t12")),
        (97, line_of(97).replace("일반\t30\t", "일반\t25\t")),
    )
    audits_before = AuditEntry.objects.count()
    result = plan_import(path=path, reason="정오표 반영")

    assert Indicator.objects.get(pk=indicator.pk).weight == D("35")
    assert Target.objects.get(pk=target_id).value == D("12")
    revision = TargetRevision.objects.get(target_id=target_id)  # the old target is kept
    assert (revision.old_value, revision.new_value, revision.source, revision.reason, revision.import_run) == (
        D("11"), D("12"), "plan", "정오표 반영", result.import_run
    )
    assert Indicator.objects.count() == 9 and Target.objects.count() == 45
    new = AuditEntry.objects.order_by("pk")[audits_before:]
    assert [(e.entity, e.action, e.field, e.old_value, e.new_value, e.year, e.indicator.name) for e in new] == [  # type: ignore[union-attr]
        ("indicator", "update", "weight", "30", "35", None, name),
        ("target", "update", "value", "11", "12", 2025, name),
        ("indicator", "update", "weight", "30", "25", None, "(대외협력과)민간단체 및 출향도민 협력 강화(회)"),
    ]
    assert all(e.source == "plan" and e.import_run_id == result.import_run.pk for e in new)  # type: ignore[union-attr]
    generations = dict(DirtyScore.objects.filter(department__name="대외협력과").values_list("year", "generation"))
    assert generations == {year: 2 for year in YEARS}  # a weight moves every year's score
    assert DirtyScore.objects.filter(department__name="소통기획과", generation=1).count() == 5
    assert (result.updated, result.created) == (3, 0)


def test_a_corrected_actual_updates_in_place_bumps_its_version_and_is_audited(
    sample_plan: Bureau, tmp_path: Path
) -> None:
    actual = Actual.objects.get(indicator__name="(대외협력과)자원봉사 활동률(%)", year=2023)
    path = write_variant(tmp_path, (100, line_of(100).replace("실적\t6\t0", "실적\t7\t0")))
    plan_import(path=path)
    actual.refresh_from_db()
    assert (actual.value, actual.raw_text, actual.version) == (D("7"), "7", 2)
    entry = AuditEntry.objects.get(entity="actual", action="update")
    assert (entry.field, entry.old_value, entry.new_value, entry.year) == ("value", "6", "7", 2023)
    assert DirtyScore.objects.get(department__name="대외협력과", year=2023).generation == 2
    assert DirtyScore.objects.get(department__name="대외협력과", year=2024).generation == 1


def test_an_actual_entered_in_the_application_is_not_overwritten_by_a_reimport(sample_plan: Bureau) -> None:
    actual = Actual.objects.get(indicator__name="(대외협력과)자원봉사 활동률(%)", year=2024)
    Actual.objects.filter(pk=actual.pk).update(value=D("5.5"), status=ActualStatus.SUBMITTED, source="web")
    before = dump()
    result = plan_import(path=SAMPLE_PLAN)
    assert dump() == before
    assert result.kept_user_actuals == [
        "(대외협력과)자원봉사 활동률(%) 2024년 실적은 문서('0') 대신 입력된 값을 유지했습니다"
    ]


def test_a_budget_program_gone_from_the_document_is_deleted_and_reported(sample_plan: Bureau, tmp_path: Path) -> None:
    kept_id = BudgetProgram.objects.get(name="정무기획업무 추진 기본경비").pk
    path = write_variant(tmp_path, (137, None), *((n, None) for n in range(162, 169)))
    result = plan_import(path=path)
    assert not BudgetProgram.objects.filter(name="정무수석 운영").exists()
    assert BudgetProgram.objects.filter(pk=kept_id).exists()
    assert "정치권 협력체계 강화 세부사업 '정무수석 운영'이 문서에 없어 삭제했습니다" in result.stale
    assert result.changes["budget_programs"]["deleted"] == 1


def test_an_indicator_gone_from_the_document_is_kept_and_reported(sample_plan: Bureau, tmp_path: Path) -> None:
    path = write_variant(tmp_path, (99, None), (100, None), (108, None), (109, None))
    result = plan_import(path=path)
    assert Indicator.objects.filter(name="(대외협력과)자원봉사 활동률(%)").exists()
    assert result.stale == [
        "대외협력과 성과지표 '(대외협력과)자원봉사 활동률(%)'이 문서에 없습니다 (사용자 자료가 있을 수 있어 남겨 둠)"
    ]
    assert "대외협력과 성과지표 가중치 합계가 100이 아니라 60입니다" in result.report_text()


def test_a_last_overview_without_its_implementing_body_is_stored_blank_and_reported(tmp_path: Path) -> None:
    result = plan_import(path=write_variant(tmp_path, (971, None)))
    assert BudgetProgram.objects.get(name="직소민원업무 추진 기본경비").implementing_body == ""
    assert ("overview", 966, "예산사업 개요 '직소민원업무 추진 기본경비'에 시행주체 항목이 없습니다") in [
        (item.kind, item.line, item.message) for item in result.discrepancies
    ]


# --- all or nothing ---------------------------------------------------------------------------

CORRUPT_VARIANTS = [
    pytest.param([(n, None) for n in range(99, 972)], 98, "'< 성과지표별 목표치 설정 근거 >'", id="truncated file"),
    pytest.param([(134, "국회 및 정당 소통 활성화\t\t4\t20\t1O5\t")], 134, "'1O5'", id="letter in a number column"),
    pytest.param([(81, "4. 기타 현황")], 81, "'(1) 주요내용'이 와야 할 자리에", id="unknown section"),
    pytest.param([(100, None)], 100, "'실적' 행", id="indicator row without its actual row"),
]


@pytest.mark.parametrize(("replacements", "line", "fragment"), CORRUPT_VARIANTS)
@pytest.mark.parametrize("previous_import", [False, True], ids=["empty database", "after a previous import"])
def test_a_corrupt_document_names_the_line_and_leaves_the_database_exactly_as_before(
    tmp_path: Path, replacements: Any, line: int, fragment: str, previous_import: bool
) -> None:
    if previous_import:
        plan_import(path=SAMPLE_PLAN)
    before = dump()
    path = write_variant(tmp_path, *replacements)
    with pytest.raises(PlanDocumentError) as info:
        plan_import(path=path)
    assert (info.value.line, fragment in info.value.message) == (line, True)
    assert dump() == before


@pytest.mark.parametrize("previous_import", [False, True], ids=["empty database", "after a previous import"])
def test_a_failure_while_writing_rolls_back_every_row_already_written(tmp_path: Path, previous_import: bool) -> None:
    if previous_import:
        plan_import(path=SAMPLE_PLAN)
    before = dump()
    too_long = "직소민원업무 추진 기본경비" + "가" * 300  # the last program: everything else is written first
    path = write_variant(tmp_path, (948, f"{too_long}\t\t6\t5\t6\t"), (966, f"사업명\t{too_long}"))
    with pytest.raises(PlanDocumentError) as info:
        plan_import(path=path)
    assert info.value.line == 948
    assert "저장할 수 없는 값입니다" in info.value.message
    assert dump() == before


def test_a_dry_run_writes_nothing_but_reports_what_it_would_do() -> None:
    before = dump()
    result = plan_import(path=SAMPLE_PLAN, dry_run=True)
    assert dump() == before
    assert (result.bureau, result.created, result.import_run) == (None, 373, None)
    assert "미리보기" in result.report_text()


def test_a_dry_run_of_a_corrected_document_leaves_no_audit_row(sample_plan: Bureau, tmp_path: Path) -> None:
    before = dump()
    path = write_variant(tmp_path, (95, line_of(95).replace("\t11\t11\t11\t11\t11\t", "\t11\t11\t12\t11\t11\t")))
    result = plan_import(path=path, dry_run=True)
    assert dump() == before
    assert (result.updated, result.audit_entries) == (1, 1)


# --- the command ------------------------------------------------------------------------------

INTO_JEONBUK = ("--organization", "전북특별자치도", "--create-organization")


def test_the_command_imports_and_prints_the_report() -> None:
    out = StringIO()
    call_command("import_plan", str(SAMPLE_PLAN), *INTO_JEONBUK, stdout=out)
    report = out.getvalue()
    assert Bureau.objects.filter(name="대외국제소통국").exists()
    assert "성과계획서 가져오기: plan-external-affairs-bureau.txt — 대외국제소통국, 2025년 계획" in report
    assert "부서 3, 팀 11, 전략목표 3, 정책사업목표 3, 성과지표 9, 목표 45, 실적 18" in report
    assert "■ 문서 불일치 53건" in report
    assert (
        "대외협력과 정책사업목표 예산액 4,430(실국 표 17행), 4,430(부서 표 57행) ≠ 단위사업 '25예산 합계 4,206"
        in report
    )


def test_the_command_dry_run_writes_nothing() -> None:
    out = StringIO()
    call_command("import_plan", str(SAMPLE_PLAN), *INTO_JEONBUK, "--dry-run", stdout=out)
    assert not Bureau.objects.exists()
    assert "미리보기" in out.getvalue()


def test_the_command_is_silent_with_quiet() -> None:
    out = StringIO()
    call_command("import_plan", str(SAMPLE_PLAN), *INTO_JEONBUK, "--quiet", stdout=out)
    assert out.getvalue() == ""
    assert Indicator.objects.count() == 9


def test_the_command_fails_with_the_line_and_expectation_on_a_corrupt_file(tmp_path: Path) -> None:
    path = write_variant(tmp_path, (134, "국회 및 정당 소통 활성화\t\t4\t20\t1O5\t"))
    with pytest.raises(CommandError, match="134행: '1O5'는 숫자가 아닙니다 \\('25예산\\)"):
        call_command("import_plan", str(path), *INTO_JEONBUK, stdout=StringIO())
    assert not Bureau.objects.exists()


def test_the_command_fails_cleanly_on_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="파일을 읽을 수 없습니다"):
        call_command("import_plan", str(tmp_path / "missing.txt"), *INTO_JEONBUK, stdout=StringIO())
