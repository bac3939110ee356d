"""Organizations: finding one by name for a command or an import, creating one, the installation's default."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from core.errors import NotFound, ServiceError
from core.korean import with_josa
from core.numbers import quoted
from kpis.models import Organization, OrganizationKind

KIND_BY_LABEL = {label: value for value, label in OrganizationKind.choices}


def known_organizations_text() -> str:
    return ", ".join(Organization.objects.order_by("name").values_list("name", flat=True)) or "(없음)"


def organization_get(*, name: str) -> Organization:
    """The organization of that exact name; refused with the list of known ones."""
    organization = Organization.objects.filter(name=name.strip()).first()
    if organization is None:
        raise NotFound(
            f"기관 {with_josa(quoted(name), '을/를')} 찾을 수 없습니다. 등록된 기관: {known_organizations_text()}"
        )
    return organization


@transaction.atomic
def organization_create(*, name: str, kind: str = OrganizationKind.PROVINCIAL, parent_name: str | None = None,
                        code: str | None = None) -> Organization:
    """A new organization; `kind` is a value or its Korean label (광역/기초), `parent_name` an existing one."""
    kind = KIND_BY_LABEL.get(kind, kind)
    parent = organization_get(name=parent_name) if parent_name else None
    organization = Organization(name=name.strip(), kind=kind, parent=parent, code=code or None)
    try:
        organization.full_clean()
    except ValidationError as exc:
        raise ServiceError("기관을 만들 수 없습니다: " + " ".join(exc.messages)) from exc
    organization.save()
    return organization


def organization_default() -> Organization:
    """The installation's own organization (settings.KPI_DEFAULT_ORGANIZATION), created on first use."""
    organization, _ = Organization.objects.get_or_create(
        name=settings.KPI_DEFAULT_ORGANIZATION, defaults={"kind": OrganizationKind.PROVINCIAL}
    )
    return organization
