"""The plan diff in Korean: sections for a page, and the same sections as lines for `--dry-run`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.korean import with_josa
from core.numbers import format_figure, quoted
from kpis.models import Direction

from .diff import IndicatorDiff, PlanDiff, Suggestion, WeakTarget
from .snapshot import IndicatorSnapshot


@dataclass(frozen=True)
class Item:
    department: str
    name: str
    details: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    kind: str  # 'added' | 'retired' | 'renamed' | 'suggested' | 'changed' | 'weak' | 'unmatched'
    title: str
    items: tuple[Item, ...]


def diff_sections(diff: PlanDiff) -> list[Section]:
    """Only the sections that have something in them, in the order a planner reads them."""
    sections = [
        Section("added", f"새로 생긴 성과지표 {len(diff.added)}개", tuple(_added(row) for row in diff.added)),
        Section("retired", f"없어진 성과지표 {len(diff.retired)}개", tuple(_retired(row) for row in diff.retired)),
        Section("renamed", f"이름이 바뀐 성과지표 {len(diff.renamed)}개", tuple(_renamed(item) for item in diff.renamed)),
        Section(
            "suggested",
            f"이름이 바뀐 것으로 보이는 성과지표 {len(diff.suggestions)}건 (대응표에 없음)",
            tuple(
                Item(
                    s.added.department,
                    s.added.name,
                    (_suggestion_text(s),),
                )
                for s in diff.suggestions
            ),
        ),
        Section("changed", f"바뀐 성과지표 {len(diff.changed)}개", tuple(_changed(item) for item in diff.changed)),
        Section("weak", f"느슨한 목표 {len(diff.weak)}건", _weak(diff.weak)),
        Section(
            "unmatched",
            f"대응표에서 찾지 못한 행 {len(diff.unmatched_mapping)}건",
            tuple(
                Item(
                    r.department,
                    r.old_name,
                    (f"{r.line}행: {with_josa(quoted(r.old_name), '과/와')} {quoted(r.new_name)} 중 하나가 두 계획에 없습니다",),
                )
                for r in diff.unmatched_mapping
            ),
        ),
    ]
    return [section for section in sections if section.items]


def _suggestion_text(suggestion: Suggestion) -> str:
    retired, added = quoted(suggestion.retired.name), quoted(suggestion.added.name)
    return (
        f"없어진 {with_josa(retired, '과/와')} 새 {with_josa(added, '이/가')} 비슷합니다"
        f" (유사도 {round(suggestion.ratio * 100)}%). 같은 지표라면 대응표에 적어 실적을 이어 주세요"
    )


def render_lines(diff: PlanDiff) -> list[str]:
    lines = [f"계획 비교: {diff.old_title} → {diff.new_title}"]
    sections = diff_sections(diff)
    if not sections:
        return [*lines, "바뀐 성과지표가 없습니다."]
    for section in sections:
        lines.append("")
        lines.append(f"[{section.title}]")
        for item in section.items:
            # A printed name carries its department ('(대외협력과)…'); a name from elsewhere may not.
            named = item.name if item.name.startswith(f"({item.department})") else f"({item.department}) {item.name}"
            lines.append(f"- {quoted(named)}")
            lines.extend(f"    {detail}" for detail in item.details)
    return lines


def _figure(value: Decimal | None, row: IndicatorSnapshot) -> str:
    return format_figure(value, row.places)


def _targets(row: IndicatorSnapshot) -> str:
    shown = [f"{year}년 {_figure(value, row)}" for year, value in row.targets if value]
    return "목표 " + " · ".join(shown) if shown else "목표 없음"


def _added(row: IndicatorSnapshot) -> Item:
    return Item(row.department, row.name, (f"가중치 {format_figure(row.weight)}, {_targets(row)}",))


def _retired(row: IndicatorSnapshot) -> Item:
    details = [f"가중치 {format_figure(row.weight)}"]
    if row.last_actual is not None:
        year, value = row.last_actual
        details.append(f"마지막 실적 {year}년 {_figure(value, row)}")
    return Item(row.department, row.name, (", ".join(details),))


def _renamed(item: IndicatorDiff) -> Item:
    return Item(
        item.new.department,
        item.new.name,
        (f"{quoted(item.old.name)}에서 {with_josa(quoted(item.new.name), '으로/로')} 바뀌었습니다",),
    )


def _changed(item: IndicatorDiff) -> Item:
    row = item.new
    details = []
    if item.weight:
        details.append(f"가중치 {format_figure(item.weight[0])} → {format_figure(item.weight[1])}")
    if item.formula:
        details.append(f"측정산식 {quoted(item.formula[0])} → {quoted(item.formula[1])}")
    if item.unit:
        details.append(f"단위 {quoted(item.unit[0])} → {quoted(item.unit[1])}")
    if item.direction:
        details.append(f"방향 {Direction(item.direction[0]).label} → {Direction(item.direction[1]).label}")
    for change in item.targets:
        verb = "올림" if change.raised else "내림"
        details.append(f"{change.year}년 목표 {_figure(change.old, row)} → {_figure(change.new, row)} ({verb})")
    return Item(row.department, row.name, tuple(details))


def _weak(flags: tuple[WeakTarget, ...]) -> tuple[Item, ...]:
    """One item per indicator, a line per weak year."""
    grouped: dict[tuple[str, str], list[WeakTarget]] = {}
    for flag in flags:
        grouped.setdefault(flag.indicator.key, []).append(flag)
    items = []
    for group in grouped.values():
        row = group[0].indicator
        details = tuple(
            f"{flag.year}년 목표 {with_josa(_figure(flag.target, row), '이/가')} {flag.actual_year}년 실적"
            f" {_figure(flag.actual, row)} {'이하' if flag.direction == Direction.UP else '이상'}입니다"
            for flag in group
        )
        items.append(Item(row.department, row.name, details))
    return tuple(items)
