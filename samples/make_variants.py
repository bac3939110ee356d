"""Make the test documents from the real sample plan: `python samples/make_variants.py [--check]`.

- plan-culture-sports-tourism-bureau.txt: a second bureau (other bureau, department, team, goal and
  indicator names; other weights, targets, actuals and budget amounts). Every derived figure (unit
  program rows, policy goal budgets, budget summaries, shares, changes, rates, bureau totals) is
  recomputed from the budget program amounts, so the document's own cross-checks find nothing.
- plan-external-affairs-bureau-2026.txt: the sample's next edition ('26 budgets, indicator years
  2024–2028, 2024's actuals reported, 2025's still a placeholder zero) with one target raised, one
  lowered below the last reported actual, one indicator added, one retired and one renamed, and
  plan-external-affairs-bureau-2026-mapping.csv naming the rename.

Deterministic: the same sample gives the same bytes. `--check` fails when the committed files differ.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from core.numbers import NEGATIVE, decimal_places, format_number, round_half_up
from imports.plan_document import BudgetTable, PlanDocument, parse_plan_document

SAMPLE = HERE / "plan-external-affairs-bureau.txt"
SECOND = HERE / "plan-culture-sports-tourism-bureau.txt"
NEXT_YEAR = HERE / "plan-external-affairs-bureau-2026.txt"
NEXT_YEAR_MAPPING = HERE / "plan-external-affairs-bureau-2026-mapping.csv"
HUNDRED = Decimal(100)
ZERO = Decimal(0)

# (old, new) text, applied in order to the whole second document; each must occur.
SECOND_NAMES: tuple[tuple[str, str], ...] = (
    ("대외국제소통국", "문화체육관광국"),
    ("'더 특별한 전복' 실현을 위한 대외·소통·협력 강화", "'더 특별한 전북' 문화·관광·체육으로 여는 도민 행복"),
    ("대내외 변화에 유기적 대응을 위한 소통·협력관계 구축", "생활 속 문화예술 향유 기반 확충"),
    ("○ 지역 인구감소에 대응하는 외국인 우수인재 유입을 통한 성장동력 확충", "○ 머무는 관광으로 지역경제 성장동력 확충"),
    ("도정 핵심사업 및 현안에 대한 전략적 소통 전략으로 전북특별자치도 브랜드 가치 제고", "도민 누구나 가까이에서 즐기는 체육활동 기반 조성"),
    ("함께 성공을 위한 대내외 소통·협치", "문화로 누리는 도민 일상 실현"),
    ("확장적 정부 외국인·이민 정책 반영 및 지역 특성에 맞는 외국인 유입체계 구축", "체류형 관광으로 지역경제 활력 제고"),
    ("정치권·도의회 및 민간단체 등 대내외 협력을 통한 도정 발전 견인", "문화예술 향유 기회 확대와 지역문화 활성화"),
    ("외국인주민 안정적 지역생활 정착지원 및 국제교류협력 다각화", "관광객 유치 확대 및 관광산업 경쟁력 강화"),
    ("특별한 전복과 함께하는 정책 소통 활성화", "생활체육 참여 확대와 전문체육 경쟁력 강화"),
    ("정무기획팀, 의정협력팀, 민간지원팀, 고향사랑기부팀", "문화기획팀, 예술진흥팀, 문화시설팀, 지역문화팀"),
    ("외국인국제정책팀, 외국인지원팀, 국제협력팀", "관광정책팀, 관광마케팅팀, 관광개발팀"),
    ("소통기획팀, 디지털소통팀, 미디어소통팀, 작소민원팀", "체육정책팀, 생활체육팀, 전문체육팀, 체육시설팀"),
    ("정무활동 및 당정협력 강화", "문화예술 공연·전시 개최"),
    ("민간단체 및 출향도민 협력 강화", "지역문화 협력사업 추진"),
    ("자원봉사 활동률", "문화예술 관람률"),
    ("활동인원/인구*100", "관람인원/인구*100"),
    ("1365 자원봉사시스템", "문화향수 실태조사"),
    ("지역 특화형 비자·숙련기능인력 대상자 모집 인원", "외래 관광객 유치 인원"),
    ("지역특화형 비자·숙련기능인력 대상자 모집 인원", "외래 관광객 유치 인원"),
    ("외국인 주민의 지역사회 적응을 위한 정착 지원 활동 및 상담 지원", "관광 홍보 설명회 개최"),
    ("외국인 주민 정착지원 활동", "관광 홍보 설명회"),
    ("자매우호결연지역 등 교류횟수", "관광 교류 협력 횟수"),
    ("도정 핵심사업 인지도", "생활체육 참여율"),
    ("도 대표 블로그 방문횟수", "공공체육시설 이용 횟수"),
    ("블로그 방문횟수", "체육시설 이용 횟수"),
    ("블로그 통계시스템", "체육시설 예약시스템"),
    ("도정홍보 영상물 도민접촉률", "도민 체육활동 만족도"),
    ("외국인국제정책 과", "관광산업 과"),
    ("외국인국제정책과", "관광산업과"),
    ("대외협력과", "문화정책과"),
    ("소통기획과", "체육진흥과"),
)
# Per department (sample name): budget factor, figure factor for counts, figure factor for percentages.
SECOND_FACTORS = {
    "대외협력과": (Decimal("1.3"), Decimal(2), Decimal("0.9")),
    "외국인국제정책과": (Decimal("0.7"), Decimal(3), Decimal("0.9")),
    "소통기획과": (Decimal("1.6"), Decimal("1.5"), Decimal("0.95")),
}

# The 2026 edition: indicator (sample name) → 2024 actual as reported, and target overrides by year.
ACTUALS_2024 = {
    "(대외협력과)정무활동 및 당정협력 강화(회)": "11",
    "(대외협력과)자원봉사 활동률(%)": "5.8",
    "(외국인국제정책과)지역 특화형 비자·숙련기능인력 대상자 모집 인원(명)": "0",
    "(외국인국제정책과)외국인 주민의 지역사회 적응을 위한 정착 지원 활동 및 상담 지원(회)": "0",
    "(외국인국제정책과)자매우호결연지역 등 교류횟수(회)": "45",
    "(소통기획과)도정 핵심사업 인지도(%)": "88.4(86.52)",
    "(소통기획과)도 대표 블로그 방문횟수(회)": "1,965,000",
    "(소통기획과)도정홍보 영상물 도민접촉률(%)": "86.2(85.91)",
}
RAISED = "(대외협력과)정무활동 및 당정협력 강화(회)"
LOWERED = "(소통기획과)도 대표 블로그 방문횟수(회)"
TARGETS_2026 = {RAISED: {2026: "12", 2027: "12", 2028: "12"}, LOWERED: {y: "1,950,000" for y in (2026, 2027, 2028)}}
RETIRED = "(대외협력과)민간단체 및 출향도민 협력 강화(회)"
ADDED_ROWS = (
    "(대외협력과)고향사랑기부 모금액(백만원)\t일반\t30\t목표\t0\t0\t500\t550\t600\t기부금 모금액\t고향사랑e음 시스템",
    "\t\t\t실적\t0\t0\t\t\t\t\t",
)
ADDED_RATIONALE = ("- (대외협력과)고향사랑기부 모금액", " - 고향사랑기부제 시행 3년차 모금 실적 추세 반영")
RENAMED = ("(외국인국제정책과)자매우호결연지역 등 교류횟수", "(외국인국제정책과)자매우호결연지역 등 국제교류 횟수")


@dataclass
class Budget:
    """One department's budget summary before printing: category → (amount, prior amount)."""

    rows: dict[str, tuple[Decimal, Decimal]]


def main(argv: list[str]) -> int:
    outputs = make_all()
    stale = [path.name for path, content in outputs.items() if not path.exists() or path.read_text("utf-8") != content]
    if "--check" in argv:
        if stale:
            print("다시 만들어야 합니다: " + ", ".join(stale))
            return 1
        return 0
    for path, content in outputs.items():
        path.write_text(content, encoding="utf-8")
    print("만들었습니다: " + ", ".join(path.name for path in outputs))
    return 0


def make_all() -> dict[Path, str]:
    text = SAMPLE.read_text(encoding="utf-8")
    doc = parse_plan_document(text, source_name=SAMPLE.name)
    return {
        SECOND: second_bureau(text, doc),
        NEXT_YEAR: next_year(text, doc),
        NEXT_YEAR_MAPPING: mapping_csv(),
    }


# ---- the second bureau ---------------------------------------------------------------------------


def second_bureau(text: str, doc: PlanDocument) -> str:
    lines = text.split("\n")
    edits: dict[int, list[str]] = {}

    def scaled_program(department: str, amounts: tuple[Decimal | None, ...]) -> tuple[Decimal | None, ...]:
        factor = SECOND_FACTORS[department][0]
        return tuple(None if a is None else round_half_up(a * factor, 0) for a in amounts)

    def scaled_admin(department: str, amount: Decimal, prior: Decimal) -> tuple[Decimal, Decimal]:
        factor = SECOND_FACTORS[department][0]
        return round_half_up(amount * factor, 0), round_half_up(prior * factor, 0)

    _rebuild_budgets(lines, doc, edits, scaled_program, scaled_admin)
    for block in doc.strategic_goals:
        _, count_factor, percent_factor = SECOND_FACTORS[block.department]
        weights = [row.weight for row in block.indicators]
        weights = weights[1:] + weights[:1]  # the same weights, sum 100, given to other indicators
        for row, weight in zip(block.indicators, weights, strict=True):
            factor = percent_factor if row.unit == "%" else count_factor
            cells = _cells(lines, row.line)
            cells[2] = format_number(weight)
            for i in range(len(row.targets)):
                cells[4 + i] = _scaled_figure(cells[4 + i], factor)
            edits[row.line] = ["\t".join(cells)]
            actual = _cells(lines, row.actual_line)
            for i in range(len(row.targets)):
                actual[4 + i] = _scaled_figure(actual[4 + i], factor)
            edits[row.actual_line] = ["\t".join(actual)]
    # The sample's goal list names four goals for three blocks: list the blocks' own titles.
    edits[doc.goal_list_line] = [
        "전략목표\t<ul style=\"list-style-type: none\"> "
        + " ".join(f"○ {block.title}" for block in doc.strategic_goals)
    ]
    # The export misprints 전북 as 전복 in one program name but not in its overview: use one spelling.
    edited = _apply(lines, edits).replace("전복문화 이해증진", "전북문화 이해증진")
    return _rename(edited, SECOND_NAMES)


def _scaled_figure(raw: str, factor: Decimal) -> str:
    """'1,960,000' × 2, '88.5(86.31)' × 0.9 with each figure's printed decimals; blanks stay blank."""
    if not raw.strip():
        return raw
    head, _, tail = raw.partition("(")

    def scale(part: str) -> str:
        value = Decimal(part.replace(",", ""))
        return format_number(round_half_up(value * factor, decimal_places(part)), decimal_places(part))

    return scale(head) + (f"({scale(tail.rstrip(')'))})" if tail else "")


def _rebuild_budgets(
    lines: list[str],
    doc: PlanDocument,
    edits: dict[int, list[str]],
    program: Callable[[str, tuple[Decimal | None, ...]], tuple[Decimal | None, ...]],
    admin: Callable[[str, Decimal, Decimal], tuple[Decimal, Decimal]],
) -> None:
    """New budget program amounts in; every figure derived from them recomputed and printed."""
    bureau = Budget({})
    policy_rows: list[str] = []
    for block in doc.strategic_goals:
        plan_total = prior_total = ZERO
        for unit in block.unit_programs:
            sums: list[Decimal] = [ZERO, ZERO, ZERO]
            for row in unit.budget_programs:
                amounts = program(block.department, tuple(cell.amount for cell in row.amounts))
                cells = [row.name, "", *("" if a is None else format_number(a) for a in amounts), ""]
                edits[row.line] = ["\t".join(cells)]
                for continued in row.continuation_lines:
                    edits[continued] = []
                sums = [s + (a or ZERO) for s, a in zip(sums, amounts, strict=True)]
            unit_cells = _cells(lines, unit.table_line + 1)
            unit_cells[2:5] = [format_number(s) for s in sums]
            unit_cells[5] = str(len(unit.budget_programs))
            edits[unit.table_line + 1] = ["\t".join(unit_cells)]
            prior_total += sums[1]
            plan_total += sums[2]
        goal = block.policy_goals[0]
        row_text = f"{goal.title}\t{len(block.indicators)}\t{len(block.unit_programs)}\t{format_number(plan_total)}"
        edits[goal.line] = [row_text]
        policy_rows.append(row_text)
        personnel = admin(block.department, *_amounts(block.budget, "personnel"))
        basic = admin(block.department, *_amounts(block.budget, "basic"))
        budget = _budget(plan_total, prior_total, personnel, basic)
        _print_budget(lines, block.budget, budget, edits)
        for category, (amount, prior) in budget.rows.items():
            old = bureau.rows.get(category, (ZERO, ZERO))
            bureau.rows[category] = (old[0] + amount, old[1] + prior)
    _print_budget(lines, doc.budget, bureau, edits)
    for row, text in zip(doc.policy_goals, policy_rows, strict=True):
        edits[row.line] = [text]


def _amounts(table: BudgetTable, category: str) -> tuple[Decimal, Decimal]:
    line = table.get(category)
    return line.amount, line.prior_amount


def _budget(
    policy: Decimal, policy_prior: Decimal, personnel: tuple[Decimal, Decimal], basic: tuple[Decimal, Decimal]
) -> Budget:
    admin = (personnel[0] + basic[0], personnel[1] + basic[1])
    return Budget(
        {
            "total": (policy + admin[0], policy_prior + admin[1]),
            "policy": (policy, policy_prior),
            "admin": admin,
            "personnel": personnel,
            "basic": basic,
            "financial": (ZERO, ZERO),
        }
    )


def _print_budget(lines: list[str], table: BudgetTable, budget: Budget, edits: dict[int, list[str]]) -> None:
    total, prior_total = budget.rows["total"]
    for line in table.lines:
        amount, prior = budget.rows[line.category]
        label = _cells(lines, line.line)[0]
        change = amount - prior
        edits[line.line] = [
            "\t".join(
                [
                    label,
                    format_number(amount),
                    _percent(amount, total, " %"),
                    format_number(prior),
                    _percent(prior, prior_total, " %"),
                    format_number(change),
                    _percent(change, prior, "%"),
                ]
            )
        ]


def _percent(part: Decimal, whole: Decimal, suffix: str) -> str:
    if whole == 0:
        return f"0.00{suffix}"
    value = round_half_up(part * HUNDRED / whole, 2)
    return (NEGATIVE if value < 0 else "") + f"{abs(value):.2f}{suffix}"


# ---- the 2026 edition of the sample --------------------------------------------------------------


def next_year(text: str, doc: PlanDocument) -> str:
    lines = text.split("\n")
    edits: dict[int, list[str]] = {}

    def shifted_program(department: str, amounts: tuple[Decimal | None, ...]) -> tuple[Decimal | None, ...]:
        # '24 settled as budgeted, '25 as budgeted, '26 five per cent more.
        _, budget24, budget25 = amounts
        return budget24, budget25, None if budget25 is None else round_half_up(budget25 * Decimal("1.05"), 0)

    def shifted_admin(department: str, amount: Decimal, prior: Decimal) -> tuple[Decimal, Decimal]:
        return round_half_up(amount * Decimal("1.03"), 0), amount

    _rebuild_budgets(lines, doc, edits, shifted_program, shifted_admin)
    for block in doc.strategic_goals:
        for row in block.indicators:
            if row.name == RETIRED:
                edits[row.line] = [ADDED_ROWS[0]]
                edits[row.actual_line] = [ADDED_ROWS[1]]
                assert row.rationale_line is not None
                edits[row.rationale_line] = [ADDED_RATIONALE[0]]
                edits[row.rationale_line + 1] = [ADDED_RATIONALE[1]]
                continue
            cells = _cells(lines, row.line)
            old = {cell.year: cells[4 + i] for i, cell in enumerate(row.targets)}
            years = [year + 1 for year in sorted(old)]
            new = {year: old.get(year, old[max(old)]) for year in years}
            new.update(TARGETS_2026.get(row.name, {}))
            cells[4 : 4 + len(years)] = [new[year] for year in years]
            edits[row.line] = ["\t".join(cells)]
            actual = _cells(lines, row.actual_line)
            actual[4:6] = [ACTUALS_2024[row.name], "0"]
            edits[row.actual_line] = ["\t".join(actual)]
    edited = _apply(lines, edits)
    return _rename(
        edited,
        (
            ("'23결산\t'24예산\t'25예산", "'24결산\t'25예산\t'26예산"),
            ("\t\t\t구분\t23\t24\t25\t26\t\t\t27", "\t\t\t구분\t24\t25\t26\t27\t\t\t28"),
            RENAMED,
        ),
    )


def mapping_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["이전 지표명", "새 지표명", "부서명"])
    writer.writerow([f"{RENAMED[0]}(회)", f"{RENAMED[1]}(회)", "외국인국제정책과"])
    return out.getvalue()


# ---- text helpers --------------------------------------------------------------------------------


def _cells(lines: list[str], number: int) -> list[str]:
    return lines[number - 1].split("\t")


def _apply(lines: list[str], edits: dict[int, list[str]]) -> str:
    out: list[str] = []
    for number, line in enumerate(lines, start=1):
        out.extend(edits.get(number, [line]))
    return "\n".join(out)


def _rename(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    for old, new in pairs:
        if old not in text:
            raise ValueError(f"바꿀 문구 '{old}'가 문서에 없습니다")
        text = text.replace(old, new)
    return text


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
