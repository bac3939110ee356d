"""The plan document parser and the reconciliation checks: pure, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from imports.plan_document import (
    PlanDocument,
    PlanDocumentError,
    StrategicGoalBlock,
    parse_plan_document,
    split_formula,
)
from imports.reconcile import list_placeholders, reconcile
from tests.conftest import SAMPLE_PLAN

D = Decimal
SAMPLE_TEXT = SAMPLE_PLAN.read_text(encoding="utf-8")
SAMPLE_LINES = SAMPLE_TEXT.split("\n")


@pytest.fixture(scope="module")
def doc() -> PlanDocument:
    return parse_plan_document(SAMPLE_TEXT, source_name=SAMPLE_PLAN.name)


def parse(text: str) -> PlanDocument:
    return parse_plan_document(text, source_name="test.txt")


def without_lines(*numbers: int) -> str:
    """The sample with the given 1-based lines removed."""
    return "\n".join(line for number, line in enumerate(SAMPLE_LINES, start=1) if number not in numbers)


def with_line_replaced(number: int, text: str) -> str:
    return "\n".join(text if n == number else line for n, line in enumerate(SAMPLE_LINES, start=1))


def cut_after(number: int) -> str:
    return "\n".join(SAMPLE_LINES[:number])


def goal(doc: PlanDocument, department: str) -> StrategicGoalBlock:
    return next(block for block in doc.strategic_goals if block.department == department)


def test_it_reads_the_bureau_header(doc: PlanDocument) -> None:
    assert doc.bureau_name == "대외국제소통국"
    assert doc.responsible_bureau == "대외국제소통국"
    assert doc.plan_year == 2025
    assert doc.goal_list == (
        "함께 성공을 위한 대내외 소통·협치",
        "지역소멸 극복을 위한 외국인·국제 정책 강화",
        "특별한 전복과 함께하는 정책 소통 활성화",
        "수도권·세종지역 도정 과제 지원",
    )
    assert doc.basic_direction == "'더 특별한 전복' 실현을 위한 대외·소통·협력 강화"
    assert [row.title for row in doc.policy_goals] == [
        "정치권·도의회 및 민간단체 등 대내외 협력을 통한 도정 발전 견인",
        "외국인주민 안정적 지역생활 정착지원 및 국제교류협력 다각화",
        "특별한 전복과 함께하는 정책 소통 활성화",
    ]
    assert doc.line_count == 971  # 970 newlines: the last line has none


def test_it_reads_three_strategic_goals_with_their_departments_spaces_removed(doc: PlanDocument) -> None:
    assert [(block.department, block.line) for block in doc.strategic_goals] == [
        ("대외협력과", 45),
        ("외국인국제정책과", 393),
        ("소통기획과", 706),
    ]
    foreign = goal(doc, "외국인국제정책과")
    assert foreign.headcount.rows[0].printed_name == "외국인국제정책 과"
    assert foreign.headcount.rows[0].name == "외국인국제정책과"
    assert foreign.basic_direction == "○ 지역 인구감소에 대응하는 외국인 우수인재 유입을 통한 성장동력 확충"


def test_it_takes_budget_columns_by_position_despite_wrong_headers(doc: PlanDocument) -> None:
    comms = goal(doc, "소통기획과").budget  # header row 734 says 구성비 three times
    policy = comms.get("policy")
    assert (policy.label, policy.amount, policy.prior_amount) == ("정 책 사 업", D("3306"), D("3286"))
    assert (policy.printed_share, policy.printed_prior_share) == ("94.60 %", "94.74 %")
    assert (policy.printed_change, policy.printed_change_rate) == ("21", "0.63%")
    personnel = doc.budget.get("personnel")
    assert (personnel.printed_change, personnel.printed_change_rate) == ("△24", "△6.26%")


def test_it_reads_indicator_years_in_order_although_27_is_shifted_right(doc: PlanDocument) -> None:
    block = goal(doc, "대외협력과")
    assert block.indicator_years == (2023, 2024, 2025, 2026, 2027)
    row = block.indicators[1]
    assert [(cell.year, cell.value) for cell in row.targets] == [
        (2023, D("32")),
        (2024, D("33")),
        (2025, D("33")),
        (2026, D("33")),
        (2027, D("33")),
    ]
    assert (row.method_text, row.data_source) == ("교류횟수", "부서 자체수집")


def test_it_splits_indicator_names_into_department_short_name_and_unit(doc: PlanDocument) -> None:
    row = goal(doc, "대외협력과").indicators[2]
    assert (row.name, row.department_prefix, row.short_name, row.unit) == (
        "(대외협력과)자원봉사 활동률(%)",
        "대외협력과",
        "자원봉사 활동률",
        "%",
    )
    assert (row.kind, row.weight, row.formula, row.formula_variables) == (
        "core",
        D("40"),
        "활동인원/인구*100",
        ("활동인원", "인구"),
    )


def test_it_attaches_rationale_and_detects_bsc_links_case_and_space_insensitively(doc: PlanDocument) -> None:
    cooperation = goal(doc, "대외협력과").indicators
    assert cooperation[2].rationale == "인구대비 자원봉사 활동률/bsc성과지표와 연동"
    assert [row.bsc_linked for row in cooperation] == [False, False, True]
    assert all(row.bsc_linked for row in goal(doc, "소통기획과").indicators)
    # '지역특화형' in the rationale vs '지역 특화형' in the table: matched ignoring spaces.
    foreign = goal(doc, "외국인국제정책과").indicators[0]
    assert (foreign.rationale, foreign.rationale_match) == ("법무부 지역특화형 비자 제도 대상자 기준", "name")


def test_it_keeps_the_parenthesised_supplementary_actual(doc: PlanDocument) -> None:
    first = goal(doc, "소통기획과").indicators[0].actuals[0]
    assert (first.year, first.raw_text, first.value, first.supplementary) == (
        2023,
        "88.5(86.31)",
        D("88.5"),
        D("86.31"),
    )


def test_it_turns_placeholder_zeros_into_unreported_values_with_a_reason(doc: PlanDocument) -> None:
    placeholders = list_placeholders(doc)
    assert len(placeholders) == 12
    assert [p.line for p in placeholders if p.year == 2023] == [441, 443, 445]  # 외국인국제정책과, target 0
    assert [p.line for p in placeholders if p.year == 2024] == [96, 98, 100, 441, 443, 445, 758, 760, 762]
    cell = goal(doc, "대외협력과").indicators[0].actuals[1]
    assert (cell.year, cell.raw_text, cell.value) == (2024, "0", None)
    assert cell.placeholder_reason == "2025년 계획 작성 시점에 2024년 실적이 아직 집계되지 않아 0으로 표시됨"
    not_in_force = goal(doc, "외국인국제정책과").indicators[2].actuals[0]
    assert not_in_force.placeholder_reason == "2023년 목표가 0(지표 시행 전)이어서 실적 0은 자리표시 값임"
    # A target of 0 is a real figure, not a placeholder.
    assert goal(doc, "외국인국제정책과").indicators[2].targets[0].value == D("0")


def test_it_keeps_the_title_of_the_shifted_policy_goal_row_without_figures(doc: PlanDocument) -> None:
    (row,) = goal(doc, "소통기획과").policy_goals
    assert (row.line, row.title, row.shifted) == (718, "특별한 전복과 함께하는 정책 소통 활성화", True)
    assert (row.indicator_count, row.unit_program_count, row.budget_amount) == (None, None, None)


def test_it_merges_a_budget_row_broken_over_two_lines(doc: PlanDocument) -> None:
    unit = goal(doc, "외국인국제정책과").unit_programs[2]
    last = unit.budget_programs[-1]
    assert (last.name, last.line, last.continuation_lines) == ("국제화 기반구축 추진 기본경비", 652, (653,))
    assert [cell.amount for cell in last.amounts] == [D("22"), D("15"), D("15")]
    assert (last.overview_match, last.overview.line) == ("name", 699)  # type: ignore[union-attr]
    assert len(unit.budget_programs) == unit.declared_budget_program_count == 7


def test_it_matches_a_misspelt_overview_block_by_position(doc: PlanDocument) -> None:
    row = goal(doc, "외국인국제정책과").unit_programs[2].budget_programs[4]
    assert row.name == "고려인·중앙아시아지역 전복문화 이해증진"
    assert row.overview_match == "position"
    assert row.overview.name == "고려인·중앙아시아지역 전북문화 이해증진"  # type: ignore[union-attr]


def test_it_reads_overview_fields_and_funding_shares(doc: PlanDocument) -> None:
    row = goal(doc, "대외협력과").unit_programs[3].budget_programs[3]
    overview = row.overview
    assert overview is not None
    assert (row.name, overview.support_type, overview.implementing_body) == (
        "자원봉사 코디네이터 지원·육성(시군)",
        "자치단체보조",
        "14개 시군",
    )
    assert (overview.period_start, overview.period_end) == (date(2025, 1, 1), date(2029, 12, 31))
    assert overview.funding is not None
    assert (overview.funding.national, overview.funding.provincial, overview.funding.municipal) == (
        D("50"),
        D("20"),
        D("30"),
    )
    html_content = goal(doc, "소통기획과").unit_programs[2].budget_programs[1].overview
    assert html_content is not None
    assert html_content.content.split("\n")[0] == "도 종합홍보책자 제작"


@pytest.mark.parametrize(
    ("method_text", "formula", "variables"),
    [
        ("활동인원/인구*100", "활동인원/인구*100", ("활동인원", "인구")),
        ("개최횟수", "개최횟수", ("개최횟수",)),
        ("설문조사 결과", "", ()),
        ("블로그 방문횟수", "", ()),
        ("지역특화형 비자·숙련기능인력 대상자 모집 인원", "", ()),
    ],
)
def test_split_formula_keeps_formulas_and_single_quantities_only(
    method_text: str, formula: str, variables: tuple[str, ...]
) -> None:
    assert split_formula(method_text) == (formula, variables, "")


def test_split_formula_reports_text_with_operators_that_does_not_parse() -> None:
    formula, variables, error = split_formula("(활동인원/인구*100")
    assert (formula, variables) == ("", ())
    assert error


def test_a_last_overview_block_cut_before_its_implementing_body_is_kept_and_reported() -> None:
    doc = parse(cut_after(970))
    row = doc.strategic_goals[-1].unit_programs[-1].budget_programs[-1]
    assert row.overview is not None
    assert (row.overview.implementing_body, row.overview.missing_fields) == ("", ("시행주체",))
    messages = [item.message for item in reconcile(doc) if item.kind == "overview"]
    assert "예산사업 개요 '직소민원업무 추진 기본경비'에 시행주체 항목이 없습니다" in messages


# --- what the sample does not add up to ------------------------------------------------------

SAMPLE_DISCREPANCIES_BY_KIND = {
    "goal_list": 3,
    "budget_structure": 1,
    "budget_printed": 32,
    "budget_bureau_total": 4,
    "policy_goal_table": 1,
    "policy_goal_row_shifted": 1,
    "policy_goal_budget": 3,
    "unit_program_total": 6,
    "merged_row": 1,
    "overview": 1,
}


def test_reconcile_finds_exactly_the_sample_inconsistencies_by_kind(doc: PlanDocument) -> None:
    found: dict[str, int] = {}
    for item in reconcile(doc):
        found[item.kind] = found.get(item.kind, 0) + 1
    assert found == SAMPLE_DISCREPANCIES_BY_KIND


def test_reconcile_recomputes_policy_goal_budgets_from_unit_programs(doc: PlanDocument) -> None:
    assert [(item.line, item.message) for item in reconcile(doc) if item.kind == "policy_goal_budget"] == [
        (57, "대외협력과 정책사업목표 예산액 4,430(실국 표 17행), 4,430(부서 표 57행) ≠ 단위사업 '25예산 합계 4,206"),
        (
            405,
            "외국인국제정책과 정책사업목표 예산액 7,335(실국 표 18행), 7,335(부서 표 405행) ≠ 단위사업 '25예산 합계 7,355",
        ),
        (718, "소통기획과 정책사업목표 예산액 3,306(실국 표 19행), 없음(부서 표 718행) ≠ 단위사업 '25예산 합계 3,308"),
    ]


def test_reconcile_reports_no_weight_or_count_problem_in_the_sample(doc: PlanDocument) -> None:
    kinds = {item.kind for item in reconcile(doc)}
    assert not kinds & {"indicator_weight", "declared_count", "headcount", "rationale", "department"}


def test_reconcile_reports_weights_that_do_not_sum_to_100() -> None:
    text = with_line_replaced(95, SAMPLE_LINES[94].replace("일반\t30\t목표", "일반\t35\t목표"))
    messages = [item.message for item in reconcile(parse(text)) if item.kind == "indicator_weight"]
    assert messages == ["대외협력과 성과지표 가중치 합계가 100이 아니라 105입니다"]


def test_reconcile_reports_a_declared_count_that_differs_from_the_rows() -> None:
    text = with_line_replaced(133, "정치권 협력체계 강화\t일반회계\t61\t79\t87\t5")
    messages = [item.message for item in reconcile(parse(text)) if item.kind == "declared_count"]
    assert messages == ["단위사업 '정치권 협력체계 강화' 세부사업수 5(비고) ≠ 문서의 세부사업 4개"]


# --- documents that must be refused, with the line that is wrong ------------------------------


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        pytest.param(
            cut_after(97), 97, "'실적' 행이 와야 하는데 없습니다", id="indicator row without its actual row at the end"
        ),
        pytest.param(
            without_lines(98), 98, "'실적' 행이 와야 할 자리에", id="indicator row followed by another indicator"
        ),
        pytest.param(
            cut_after(98), 98, "'< 성과지표별 목표치 설정 근거 >'가 와야 합니다", id="cut after the table"
        ),
        pytest.param(
            cut_after(40), 40, "인력운영비, 기본경비, 재무활동 행이 없습니다", id="cut in the middle of a budget table"
        ),
        pytest.param(cut_after(650), 650, "'□ 관련 예산사업 개요'", id="cut in the middle of a budget program table"),
        pytest.param(cut_after(140), 139, "예산사업 개요 블록", id="cut right after an overview heading"),
        pytest.param(cut_after(392), 391, "'외국인국제정책과'의 전략목표 블록", id="whole strategic goals missing"),
        # Lines 89-100 gone: the rationale heading (old line 102) now stands at line 90.
        pytest.param(without_lines(*range(89, 101)), 90, "'(2) 성과지표 및 목표치 설정'", id="no indicator table"),
        pytest.param(
            with_line_replaced(134, "국회 및 정당 소통 활성화\t\t4\t20\t1O5\t"),
            134,
            "'1O5'는 숫자가 아닙니다 ('25예산)",
            id="letter in an amount column",
        ),
        pytest.param(
            with_line_replaced(74, "계\t4,7O8\t100.00 %\t4,331\t100.00 %\t377\t8.70%"),
            74,
            "'4,7O8'은 숫자가 아닙니다 (예산액)",
            id="letter in a budget summary",
        ),
        pytest.param(
            with_line_replaced(95, SAMPLE_LINES[94].replace("\t11\t11\t11\t11\t11\t", "\t11\t1l\t11\t11\t11\t")),
            95,
            "'1l'은 숫자가 아닙니다 (2024년 목표)",
            id="letter in a target",
        ),
        pytest.param(
            with_line_replaced(28, "대외협력과\t19\t2\t4\t1B\t19\t정무기획팀"),
            28,
            "'1B'는 숫자가 아닙니다 (정원 6급이하)",
            id="letter in a headcount",
        ),
        pytest.param(
            with_line_replaced(81, "4. 기타 현황"),
            81,
            "'(1) 주요내용'이 와야 할 자리에 '4. 기타 현황'이 있습니다",
            id="unknown section",
        ),
        pytest.param(
            with_line_replaced(254, "담당자\t전북특별자치도새마을회"),
            254,
            "예산사업 개요 항목(",
            id="unknown overview field",
        ),
        pytest.param(
            with_line_replaced(79, "기타\t0\t0.00 %\t0\t0.00 %\t0\t0.00%"),
            79,
            "예산현황 구분(",
            id="unknown budget row",
        ),
        pytest.param(
            with_line_replaced(95, SAMPLE_LINES[94].replace("일반", "중요")),
            95,
            "지표 유형(핵심/일반)",
            id="unknown kind",
        ),
        pytest.param("", 1, "실국명", id="empty file"),
        pytest.param(
            with_line_replaced(135, "국회 및 정당 소통 활성화\t\t8\t7\t7\t"),
            135,
            "세부사업 '국회 및 정당 소통 활성화'가 134행에 이어 다시 나옵니다",
            id="a budget program twice in one unit program",
        ),
        pytest.param(
            with_line_replaced(97, SAMPLE_LINES[94]),
            97,
            "성과지표 '(대외협력과)정무활동 및 당정협력 강화(회)'가 95행에 이어 다시 나옵니다",
            id="an indicator twice in one department",
        ),
    ],
)
def test_it_refuses_a_corrupt_document_naming_the_line_and_the_expectation(text: str, line: int, fragment: str) -> None:
    with pytest.raises(PlanDocumentError) as info:
        parse(text)
    assert info.value.line == line
    assert fragment in info.value.message
    assert str(info.value).startswith(f"{line}행: ")
