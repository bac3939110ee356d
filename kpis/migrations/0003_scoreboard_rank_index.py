"""An index matching the scoreboard's order (score descending, nulls last) on PostgreSQL.

SQLite cannot index NULLS LAST; the embedded default has few departments and needs none.
"""
from django.db import migrations

INDEX = "kpis_dept_score_rank_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON kpis_departmentscore "
            "(year, score DESC NULLS LAST, department_id)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("kpis", "0002_reminder_scoresnapshot")]
    operations = [migrations.RunPython(create, drop)]
