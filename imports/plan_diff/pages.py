"""What the plan pages read: an organization's editions per bureau, and a stored edition's diff with the one before.

Planners and evaluators only (admins and evaluators), within their organizations (kpis.scope); a bureau out of
scope does not exist for the reader (Bureau.DoesNotExist, a 404).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from accounts.models import User
from core.errors import PermissionRefused
from core.security import log_refusal
from kpis.models import Bureau
from kpis.scope import scoped
from kpis.services.permissions import can_review

from .database import previous_edition, snapshot_from_database
from .diff import PlanDiff, plan_diff
from .render import Section, diff_sections


@dataclass(frozen=True)
class Edition:
    bureau_id: int
    plan_year: int
    previous_year: int | None  # the edition a diff compares with; None: the bureau's first edition


@dataclass(frozen=True)
class BureauEditions:
    organization: str
    name: str
    editions: tuple[Edition, ...]  # newest first


@dataclass(frozen=True)
class EditionDiffPage:
    bureau_id: int
    organization: str
    name: str
    plan_year: int
    previous: Bureau | None
    diff: PlanDiff | None
    sections: tuple[Section, ...]


def require_plan_reader(user: User) -> None:
    if not can_review(user):  # admins, evaluators and the national viewer
        log_refusal(user, "plan_diff", "not an evaluator or admin")
        raise PermissionRefused("평가자와 관리자만 계획 비교를 볼 수 있습니다.")


def _bureaus(user: User):
    return scoped(Bureau.objects.select_related("organization"), user, "organization_id")


def plan_editions(user: User) -> list[BureauEditions]:
    """Every bureau of the reader's organizations with its editions; one query."""
    require_plan_reader(user)
    grouped: dict[tuple[str, str], list[Bureau]] = defaultdict(list)
    for bureau in _bureaus(user).order_by("organization__name", "name", "plan_year"):
        grouped[(bureau.organization.name, bureau.name)].append(bureau)
    listing = []
    for (organization, name), bureaus in grouped.items():
        editions = [
            Edition(bureau.pk, bureau.plan_year, bureaus[i - 1].plan_year if i else None)
            for i, bureau in enumerate(bureaus)
        ]
        listing.append(BureauEditions(organization, name, tuple(reversed(editions))))
    return listing


def edition_diff(user: User, bureau_id: int) -> EditionDiffPage:
    """The bureau edition against the previous edition of the same bureau, both from the database; the renames
    come from the indicators' links (Indicator.previous). Raises Bureau.DoesNotExist (also out of scope)."""
    require_plan_reader(user)
    bureau = _bureaus(user).get(pk=bureau_id)
    previous = previous_edition(bureau)
    diff = None
    if previous is not None:
        diff = plan_diff(snapshot_from_database([previous.pk]), snapshot_from_database([bureau.pk]))
    return EditionDiffPage(
        bureau_id=bureau.pk, organization=bureau.organization.name, name=bureau.name, plan_year=bureau.plan_year,
        previous=previous, diff=diff, sections=tuple(diff_sections(diff)) if diff else (),
    )
