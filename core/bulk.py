"""Writing many rows: `bulk_create` everywhere, and on PostgreSQL by COPY.

The rows are the same model instances either way, prepared by each field's own `pre_save` and
`get_db_prep_save`, so both paths store the same values; only the transport differs. Measured on
PostgreSQL (bench/excel.py, 10,000 rows): `bulk_create` of a preview's ImportRows took 0.90 s, of which
about half is psycopg quoting the JSON column's array element by element for Django 5.2's UNNEST
insert; COPY of the same rows took 0.12 s. An upload's confirm writes its actuals and an
audit row per actual the same way. Without COPY the preview and the confirm of 10,000 rows miss
their goals (≤ 3 s and ≤ 2 s), so this PostgreSQL-only path stays, and every other database takes
`bulk_create`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model

BATCH = 2000
_SENT_AS_IS = {
    "CharField": str, "TextField": str, "IntegerField": int, "BigIntegerField": int, "SmallIntegerField": int,
    "PositiveIntegerField": int, "PositiveBigIntegerField": int, "PositiveSmallIntegerField": int,
    "AutoField": int, "BigAutoField": int, "BooleanField": bool,
}


def bulk_insert(model: type[Model], objects: Sequence[Model]) -> None:
    """INSERT `objects` (new instances of `model`, primary keys unset) in one go; ids are not read back."""
    if not objects:
        return
    connection = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the per-thread proxy, in the loop
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=BATCH)
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    # What bulk_create sends for a field: field.get_db_prep_save(field.pre_save(obj, add=True)). pre_save only
    # differs from reading the attribute where a field class overrides it (auto_now, files); and a str for a
    # text column, an int for an integer column (a foreign key's too) or a bool for a boolean one is already
    # what get_db_prep_save returns, so it is sent as it is (a sixth of a 10,000-row confirm otherwise).
    columns = [
        (
            field.attname, field.get_db_prep_save,
            field.pre_save if type(field).pre_save is not Field.pre_save else None,
            _SENT_AS_IS.get(field.get_internal_type() if not field.is_relation else field.target_field.get_internal_type()),
        )
        for field in fields
    ]
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    statement = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN"
    with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
        for obj in objects:
            row = []
            for attname, prepare, pre_save, as_is in columns:
                value = pre_save(obj, True) if pre_save else getattr(obj, attname)
                row.append(value if value is None or value.__class__ is as_is else prepare(value, connection))
            copy.write_row(row)


def bulk_upsert(
    model: type[Model], columns: Sequence[str], rows: Sequence[tuple], *, unique: Sequence[str],
    shared: Mapping[str, Any],
) -> None:
    """INSERT or UPDATE (on the `unique` columns) many rows given as plain tuples in `columns` order, each with
    the `shared` column values (the same for every row): `bulk_create(update_conflicts=True)` everywhere; on
    PostgreSQL COPY into a temporary table, then one INSERT … ON CONFLICT DO UPDATE.

    Tuples, not instances: a full year's recompute writes 225,000 rows, and the measured reason for the
    PostgreSQL path (kpis.services.scores._store) is the cost of Django building and preparing them.
    """
    if not rows:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**dict(zip(columns, row, strict=True)), **shared) for row in rows],
            batch_size=BATCH, update_conflicts=True, unique_fields=list(unique),
            update_fields=[name for name in (*columns, *shared) if name not in unique],
        )
        return
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    temp = q(f"tmp_{model._meta.db_table}_rows")
    names = ", ".join(q(model._meta.get_field(name).column) for name in columns)
    shared_names = [q(model._meta.get_field(name).column) for name in shared]
    keys = {q(model._meta.get_field(name).column) for name in unique}
    updates = ", ".join(
        f"{name} = EXCLUDED.{name}" for name in (*names.split(", "), *shared_names) if name not in keys
    )
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {temp} AS SELECT {names} FROM {table} WITH NO DATA")
        cursor.execute(f"TRUNCATE {temp}")
        with cursor.cursor.copy(f"COPY {temp} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({names}, {', '.join(shared_names)}) "
            f"SELECT {names}, {', '.join(['%s'] * len(shared_names))} FROM {temp} "
            f"ON CONFLICT ({', '.join(sorted(keys))}) DO UPDATE SET {updates}",
            list(shared.values()),
        )
        cursor.execute(f"TRUNCATE {temp}")

