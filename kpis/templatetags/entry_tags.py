from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """mapping[key], trying the key as given and as text (session JSON keys are text)."""
    if not isinstance(mapping, dict):
        return None
    if key in mapping:
        return mapping[key]
    return mapping.get(str(key))


@register.filter
def other_errors(errors: Any, row: Any) -> list[tuple[str, str]]:
    """The refusals of an entry row that belong to none of its fields (see EntryRow.other_errors)."""
    return row.other_errors(errors) if isinstance(errors, dict) else []
