"""Many rows at once: INSERT by COPY on PostgreSQL (bulk_create elsewhere), and a query's rows read as tuples."""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

CHUNK = 2000
T = TypeVar("T")
_NOTHING = object()


def bulk_insert(model, rows: Iterable[dict[str, Any]], meanwhile: Callable[[], T] | None = None) -> T | None:
    """INSERT many rows: COPY on PostgreSQL, bulk_create elsewhere; unset fields take their defaults.

    `meanwhile`, when given, runs once the rows are handed over and before the database is waited for,
    and its result is returned. On PostgreSQL a thread (psycopg's QueuedLibpqWriter) pushes the COPY's
    rows to the server while it runs, so the server inserts them while this process goes on with other
    work. `meanwhile` must not use the database: the connection is busy with the COPY, and a query
    there is refused (`QueryDuringCopy`) rather than left waiting for the COPY's lock.
    """
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=CHUNK)
        return meanwhile() if meanwhile is not None else None
    from psycopg.copy import QueuedLibpqWriter  # PostgreSQL only: an SQLite install never loads psycopg

    with connection.cursor() as cursor:
        writer = QueuedLibpqWriter(cursor.cursor, flush_threshold=0) if meanwhile is not None else None
        with cursor.cursor.copy(copy_statement(model), writer=writer) as copy:
            for block in copy_blocks(model, rows):
                copy.write(block)
            if meanwhile is None:
                return None
            with connection.execute_wrapper(_refuse_query):
                return meanwhile()


class QueryDuringCopy(RuntimeError):
    """A query was attempted while the connection was busy with a COPY (a bug in a `meanwhile`)."""


def _refuse_query(execute, sql, params, many, context):
    raise QueryDuringCopy(f"no query may run while a COPY is in progress: {sql[:200]}")


def fetch_tuples(queryset, chunk: int = CHUNK) -> Iterator[tuple]:
    """The rows of a values_list queryset through a client-side cursor, turned into Python objects `chunk`
    at a time, without the ORM's per-row iterator (for 2,000 rows it costs about as much again as the query).

    Not `.iterator()`: on PostgreSQL that declares a server-side cursor, planned for a fast start, which
    took minutes instead of a third of a second for the export's join of 100,000 rows. No field converter
    runs: on PostgreSQL decimals and text arrive typed, JSON arrives as text (the caller decodes it).
    """
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            yield from rows


def copy_statement(model) -> str:
    fields = _fields(model)
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    return f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN"


def _fields(model) -> list:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


def copy_blocks(model, rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The rows as COPY text (PostgreSQL's text format), CHUNK lines per block, for `copy_statement(model)`."""
    # One converter per column, chosen once: a value's text in COPY's format (what the ORM would send).
    columns = [
        (index, field.attname, field.get_default(), _converter(field), field.get_internal_type() != "JSONField")
        for index, field in enumerate(_fields(model))
    ]
    # Per column, the last value converted and its text: rows of one call share most of their values
    # (the same user, run, time, action), so the same object is converted once. Only immutable values:
    # a JSON column's dict could change between rows.
    last_values: list[Any] = [_NOTHING] * len(columns)
    last_texts = [""] * len(columns)
    lines: list[str] = []
    for row in rows:
        get = row.get
        parts = []
        for index, name, default, convert, reusable in columns:
            value = get(name, default)
            if value is None:
                parts.append("\\N")
            elif value is last_values[index]:
                parts.append(last_texts[index])
            else:
                text = convert(value)
                if reusable:
                    last_values[index], last_texts[index] = value, text
                parts.append(text)
        lines.append("\t".join(parts))
        if len(lines) == CHUNK:
            yield "\n".join(lines) + "\n"
            lines = []
    if lines:
        yield "\n".join(lines) + "\n"


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


def ids_in(model, column: str, ids: list[int]) -> Q:
    """`column IN ids` on the model's own table: on PostgreSQL `= ANY(one array parameter)` instead of one
    parameter per id (building and sending 2,000 placeholders costs more than the lookup). The planner
    sizes `= ANY` by the array, as it does an IN list; `IN (SELECT unnest(...))` it guessed at, and
    scanned a year's new actuals once per id when their statistics said the year was empty."""
    if connection.vendor == "postgresql":
        qn = connection.ops.quote_name
        return Q(RawSQL(f"{qn(model._meta.db_table)}.{qn(column)} = ANY(%s::bigint[])", (list(ids),),
                        output_field=BooleanField()))
    return Q(**{f"{column}__in": ids})
