"""INSERT of many rows at once: COPY on PostgreSQL, bulk_create elsewhere."""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection

CHUNK = 2000


def bulk_insert(model, rows: Iterable[dict[str, Any]]) -> None:
    """INSERT many rows: COPY on PostgreSQL, bulk_create elsewhere; unset fields take their defaults."""
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=CHUNK)
        return
    # One converter per column, chosen once: a value's text in COPY's format (what the ORM would send).
    columns = [(field.attname, field.get_default(), _converter(field)) for field in fields]
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        lines: list[str] = []
        for row in rows:
            get = row.get
            lines.append("\t".join([
                "\\N" if (value := get(name, default)) is None else convert(value) for name, default, convert in columns
            ]))
            if len(lines) == CHUNK:
                copy.write("\n".join(lines) + "\n")
                lines = []
        if lines:
            copy.write("\n".join(lines) + "\n")


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")


def _converter(field) -> Callable[[Any], str]:
    kind = field.get_internal_type()
    if kind == "JSONField":
        return _json_text
    if kind == "BooleanField":
        return lambda value: "t" if value else "f"
    return copy_text_plain


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # what json.dumps would build per call


def _json_text(value: Any) -> str:
    # JSON text has no raw tab or line end (json escapes them): only its backslashes double.
    return _JSON.encode(value).replace("\\", "\\\\")


def copy_text_plain(value: Any) -> str:
    if value.__class__ is str:
        return value.translate(_COPY_ESCAPES) if _NEEDS_ESCAPE.search(value) else value
    if value.__class__ is int:
        return str(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)
