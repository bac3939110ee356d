"""Indexes for the other two scoreboard orders: departments by (name, id) everywhere, and on
PostgreSQL the year's scores by (completeness DESC NULLS LAST, score DESC NULLS LAST, department).

SQLite cannot index NULLS LAST; the embedded default has few departments and needs none.
"""
from django.db import migrations, models

INDEX = "kpis_dept_score_completeness_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON kpis_departmentscore "
            "(year, completeness DESC NULLS LAST, score DESC NULLS LAST, department_id)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("kpis", "0004_department_score_computed_index")]
    operations = [
        migrations.AddIndex(
            model_name="department",
            index=models.Index(fields=["name", "id"], name="kpis_department_name_idx"),
        ),
        migrations.RunPython(create, drop),
    ]
