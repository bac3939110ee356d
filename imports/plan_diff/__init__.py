"""The plan diff between two editions of a plan: snapshots (from a document or the database), diff, Korean."""

from __future__ import annotations

from .database import earlier_edition, previous_edition, snapshot_from_database
from .diff import IndicatorDiff, PlanDiff, Suggestion, TargetChange, WeakTarget, plan_diff
from .render import Item, Section, diff_sections, render_lines
from .snapshot import EditionSnapshot, IndicatorSnapshot, MappingError, Rename, read_mapping, snapshot_from_document

__all__ = [
    "EditionSnapshot",
    "IndicatorDiff",
    "IndicatorSnapshot",
    "Item",
    "MappingError",
    "PlanDiff",
    "Rename",
    "Section",
    "Suggestion",
    "TargetChange",
    "WeakTarget",
    "diff_sections",
    "earlier_edition",
    "plan_diff",
    "previous_edition",
    "read_mapping",
    "render_lines",
    "snapshot_from_database",
    "snapshot_from_document",
]
