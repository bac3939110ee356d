"""Leave half of each indicator-score page free on PostgreSQL, so that recomputes update in place.

A recompute rewrites every indicator-score row of a year. With room on the row's own page (and no
indexed column changed), PostgreSQL writes the new version there as a heap-only tuple: no new
entries in the table's three indexes, and the previous version is pruned on the next visit.
Pages already full keep their layout until their rows move once; SQLite has no such setting.
"""
from django.db import migrations


def set_fillfactor(value: int):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE kpis_indicatorscore SET (fillfactor = {value})")

    return run


class Migration(migrations.Migration):
    dependencies = [("kpis", "0005_scoreboard_name_completeness_indexes")]
    operations = [migrations.RunPython(set_fillfactor(50), set_fillfactor(100))]
