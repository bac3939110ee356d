"""The kpis app's models, one module per part: the plan, actuals, target revisions, scores."""
from kpis.models.actuals import (
    Actual,
    ActualStatus,
    AuditEntry,
    ChangeSource,
    EntryException,
    EntryYear,
    Evidence,
    PeriodSetting,
)
from kpis.models.organization import Organization, OrganizationKind
from kpis.models.period_targets import PeriodTarget
from kpis.models.plan import (
    Bureau,
    Department,
    Direction,
    Indicator,
    IndicatorKind,
    PolicyGoal,
    StrategicGoal,
    Target,
    Team,
)
from kpis.models.revisions import TargetRevision
from kpis.models.scores import (
    DepartmentScore,
    DirtyScore,
    IndicatorScore,
    LowerIsBetterMethod,
    Reminder,
    ScorePublication,
    ScoreSnapshot,
    ScoringPolicy,
    UnreportedMode,
)

__all__ = [
    "Actual", "ActualStatus", "AuditEntry", "Bureau", "ChangeSource", "Department", "DepartmentScore", "Direction",
    "DirtyScore", "EntryException", "EntryYear", "Evidence", "Indicator", "IndicatorKind", "IndicatorScore",
    "LowerIsBetterMethod", "Organization", "OrganizationKind", "PeriodSetting", "PeriodTarget", "PolicyGoal", "Reminder", "ScorePublication",
    "ScoreSnapshot", "ScoringPolicy", "StrategicGoal", "Target", "TargetRevision", "Team", "UnreportedMode",
]
