"""INSERT of many rows at once: COPY on PostgreSQL, bulk_create elsewhere."""
from __future__ import annotations

import json
from collections.abc import Iterable
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
    defaults = {field.attname: field.get_default() for field in fields}
    kinds = [(field.attname, field.get_internal_type() == "JSONField") for field in fields]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        lines: list[str] = []
        for row in rows:
            lines.append("\t".join(
                copy_text(row[name] if name in row else defaults[name], is_json) for name, is_json in kinds
            ))
            if len(lines) == CHUNK:
                copy.write("\n".join(lines) + "\n")
                lines = []
        if lines:
            copy.write("\n".join(lines) + "\n")


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: Any, is_json: bool) -> str:
    """A value in COPY's text format (what the ORM would send as a parameter)."""
    if value is None:
        return "\\N"
    if is_json:  # JSON text has no raw tab or line end (json escapes them): only its backslashes double
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("\\", "\\\\")
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)
