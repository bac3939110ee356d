"""Pure parser of the plan document (성과계획서): text in, frozen dataclasses out, no ORM."""

from __future__ import annotations

from .indicators import split_formula
from .parser import parse_plan_document
from .types import (
    ActualCell,
    BudgetLine,
    BudgetProgramRow,
    BudgetTable,
    HeadcountRow,
    HeadcountTable,
    IndicatorRow,
    Overview,
    PlanDocument,
    PlanDocumentError,
    PolicyGoalRow,
    ProgramAmount,
    RationaleEntry,
    StrategicGoalBlock,
    TargetCell,
    UnitProgramBlock,
)

__all__ = [
    "ActualCell",
    "BudgetLine",
    "BudgetProgramRow",
    "BudgetTable",
    "HeadcountRow",
    "HeadcountTable",
    "IndicatorRow",
    "Overview",
    "PlanDocument",
    "PlanDocumentError",
    "PolicyGoalRow",
    "ProgramAmount",
    "RationaleEntry",
    "StrategicGoalBlock",
    "TargetCell",
    "UnitProgramBlock",
    "parse_plan_document",
    "split_formula",
]
