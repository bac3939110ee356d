"""The plan diff, pure: two edition snapshots (and the renames a planner names) in, a PlanDiff out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from difflib import SequenceMatcher

from imports.cells import normalize_label
from kpis.weak_targets import BELOW_PRIOR, find_weak_targets

from .snapshot import EditionSnapshot, IndicatorSnapshot, Rename

# How alike two names of one department must be (difflib ratio, spacing ignored) to suggest a rename.
SUGGESTION_RATIO = 0.6


@dataclass(frozen=True)
class TargetChange:
    year: int
    old: Decimal | None
    new: Decimal | None

    @property
    def raised(self) -> bool:
        return (self.new or 0) > (self.old or 0)


@dataclass(frozen=True)
class IndicatorDiff:
    """A matched indicator: the same department and name, or renamed by the mapping."""

    old: IndicatorSnapshot
    new: IndicatorSnapshot
    renamed: bool
    weight: tuple[Decimal, Decimal] | None
    formula: tuple[str, str] | None  # the measurement text as printed (측정산식 또는 측정방법)
    unit: tuple[str, str] | None
    direction: tuple[str, str] | None
    targets: tuple[TargetChange, ...]  # years in both editions whose target changed

    @property
    def changed(self) -> bool:
        return any((self.weight, self.formula, self.unit, self.direction, self.targets))


@dataclass(frozen=True)
class Suggestion:
    """A retired and an added indicator of one department that look alike: perhaps a rename."""

    retired: IndicatorSnapshot
    added: IndicatorSnapshot
    ratio: float


@dataclass(frozen=True)
class WeakTarget:
    """A target of the new edition at or below the last reported actual (above it when less is better)."""

    indicator: IndicatorSnapshot
    year: int
    target: Decimal
    actual_year: int
    actual: Decimal
    direction: str


@dataclass(frozen=True)
class PlanDiff:
    old_title: str
    new_title: str
    added: tuple[IndicatorSnapshot, ...]
    retired: tuple[IndicatorSnapshot, ...]
    renamed: tuple[IndicatorDiff, ...]
    changed: tuple[IndicatorDiff, ...]  # matched indicators with a change (renamed ones included)
    suggestions: tuple[Suggestion, ...]
    weak: tuple[WeakTarget, ...]
    unmatched_mapping: tuple[Rename, ...]  # mapping rows naming no indicator of the two editions

    @property
    def is_empty(self) -> bool:
        return not any((self.added, self.retired, self.renamed, self.changed, self.weak, self.unmatched_mapping))


def plan_diff(old: EditionSnapshot, new: EditionSnapshot, mapping: Iterable[Rename] = ()) -> PlanDiff:
    """What the new edition adds, retires, renames and changes, and which of its targets look weak."""
    old_by_key = {row.key: row for row in old.indicators}
    new_by_key = {row.key: row for row in new.indicators}
    pairs = [(old_by_key[key], new_by_key[key], False) for key in old_by_key if key in new_by_key]
    matched_old = {key for key in old_by_key if key in new_by_key}
    matched_new = set(matched_old)
    # The database's links (IndicatorSnapshot.previous) pair what the names do not: renamed indicators.
    for after in new.indicators:
        if after.previous is None or after.key in matched_new:
            continue
        before = _find(old.indicators, *after.previous, exclude=matched_old)
        if before is not None:
            pairs.append((before, after, True))
            matched_old.add(before.key)
            matched_new.add(after.key)
    unmatched: list[Rename] = []
    for rename in mapping:
        before = _find(old.indicators, rename.department, rename.old_name, exclude=matched_old)
        after = _find(new.indicators, rename.department, rename.new_name, exclude=matched_new)
        if before is None or after is None:
            unmatched.append(rename)
            continue
        pairs.append((before, after, True))
        matched_old.add(before.key)
        matched_new.add(after.key)
    added = tuple(row for row in new.indicators if row.key not in matched_new)
    retired = tuple(row for row in old.indicators if row.key not in matched_old)
    diffs = [_compare(before, after, renamed) for before, after, renamed in pairs]
    order = {row.key: i for i, row in enumerate(new.indicators)}
    diffs.sort(key=lambda item: order[item.new.key])
    weak = [
        flag
        for before, after in [*((d.old, d.new) for d in diffs), *((None, row) for row in added)]
        for flag in _weak_targets(before, after, new.plan_year)
    ]
    return PlanDiff(
        old_title=old.title,
        new_title=new.title,
        added=added,
        retired=retired,
        renamed=tuple(item for item in diffs if item.renamed),
        changed=tuple(item for item in diffs if item.changed),
        suggestions=_suggestions(retired, added),
        weak=tuple(weak),
        unmatched_mapping=tuple(unmatched),
    )


def _find(
    rows: Iterable[IndicatorSnapshot], department: str, name: str, *, exclude: set[tuple[str, str]]
) -> IndicatorSnapshot | None:
    """By the name as printed or by the short name, spacing ignored, within the department (any, if none named)."""
    wanted_department, wanted = normalize_label(department), normalize_label(name)
    for row in rows:
        if row.key in exclude or (wanted_department and normalize_label(row.department) != wanted_department):
            continue
        if wanted in (normalize_label(row.name), normalize_label(row.short_name)):
            return row
    return None


def _compare(old: IndicatorSnapshot, new: IndicatorSnapshot, renamed: bool) -> IndicatorDiff:
    old_targets = old.target_by_year
    targets = tuple(
        TargetChange(year, old_targets[year], value)
        for year, value in new.targets
        if year in old_targets and old_targets[year] != value
    )
    direction = None
    if old.direction is not None and new.direction is not None and old.direction != new.direction:
        direction = (old.direction, new.direction)
    return IndicatorDiff(
        old=old,
        new=new,
        renamed=renamed,
        weight=(old.weight, new.weight) if old.weight != new.weight else None,
        formula=(
            (old.method_text, new.method_text)
            if normalize_label(old.method_text) != normalize_label(new.method_text)
            else None
        ),
        unit=(old.unit, new.unit) if normalize_label(old.unit) != normalize_label(new.unit) else None,
        direction=direction,
        targets=targets,
    )


def _weak_targets(old: IndicatorSnapshot | None, new: IndicatorSnapshot, plan_year: int) -> list[WeakTarget]:
    """The new edition's targets from its plan year on against the last reported actual of either edition.

    The comparison is kpis.weak_targets' rule (at or below the actual; mirrored for less-is-better, never
    for a range indicator), asked about the last reported actual instead of the year before's.
    """
    reported = [row.last_actual for row in (old, new) if row is not None and row.last_actual is not None]
    if not reported:
        return []
    actual_year, actual = max(reported, key=lambda item: item[0])
    direction = new.direction or (old.direction if old is not None else None) or "up"
    flags = []
    for year, target in new.targets:
        if year < plan_year or year <= actual_year or target is None:
            continue
        found = find_weak_targets({year: target}, {year - 1: actual}, direction)
        if any(flag.rule == BELOW_PRIOR for flag in found):
            flags.append(WeakTarget(new, year, target, actual_year, actual, direction))
    return flags


def _suggestions(retired: tuple[IndicatorSnapshot, ...], added: tuple[IndicatorSnapshot, ...]) -> tuple[Suggestion, ...]:
    candidates = sorted(
        (
            (SequenceMatcher(None, normalize_label(before.short_name), normalize_label(after.short_name)).ratio(), i, j)
            for i, before in enumerate(retired)
            for j, after in enumerate(added)
            if normalize_label(before.department) == normalize_label(after.department)
        ),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    used_retired: set[int] = set()
    used_added: set[int] = set()
    suggestions = []
    for ratio, i, j in candidates:
        if ratio < SUGGESTION_RATIO or i in used_retired or j in used_added:
            continue
        used_retired.add(i)
        used_added.add(j)
        suggestions.append(Suggestion(retired[i], added[j], round(ratio, 2)))
    return tuple(suggestions)
