"""Entry years per organization: each organization closes and finalises its own years.

An existing row (the one window every organization shared) is copied to every organization, so each keeps
the closing date, closed flag and finalisation it had; an installation without organizations has no plan and
keeps no window.
"""

import django.db.models.deletion
from django.db import migrations, models


def entry_years_per_organization(apps, schema_editor):
    EntryYear = apps.get_model("kpis", "EntryYear")
    Organization = apps.get_model("kpis", "Organization")
    shared = list(EntryYear.objects.filter(organization__isnull=True))
    organization_ids = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
    copies = [
        EntryYear(
            organization_id=organization_id, year=row.year, closing_date=row.closing_date, is_closed=row.is_closed,
            closed_reason=row.closed_reason, closed_at=row.closed_at, finalised_at=row.finalised_at,
        )
        for row in shared
        for organization_id in organization_ids
    ]
    EntryYear.objects.filter(pk__in=[row.pk for row in shared]).delete()
    EntryYear.objects.bulk_create(copies)
    _fire_deferred_checks(schema_editor)


def entry_years_shared(apps, schema_editor):
    """Going back: one window per year again, the earliest organization's (the others' cannot be kept apart)."""
    EntryYear = apps.get_model("kpis", "EntryYear")
    kept = set()
    for row in EntryYear.objects.order_by("year", "organization_id"):
        if row.year in kept:
            row.delete()
            continue
        kept.add(row.year)
        row.organization_id = None
        row.save(update_fields=["organization"])
    _fire_deferred_checks(schema_editor)


def _fire_deferred_checks(schema_editor):
    """PostgreSQL refuses ALTER TABLE on a table with pending (deferred) foreign-key checks in the same
    transaction: run them now (as in 0012)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):

    dependencies = [
        ("kpis", "0013_target_revisions"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="entryyear",
            options={
                "ordering": ["-year", "organization_id"],
                "verbose_name": "연도별 입력 기간",
                "verbose_name_plural": "연도별 입력 기간",
            },
        ),
        migrations.AddField(
            model_name="entryyear",
            name="organization",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="entry_years",
                to="kpis.organization", verbose_name="기관",
            ),
        ),
        migrations.AlterField(
            model_name="entryyear",
            name="year",
            field=models.PositiveIntegerField(verbose_name="연도"),
        ),
        migrations.RunPython(entry_years_per_organization, entry_years_shared),
        migrations.AlterField(
            model_name="entryyear",
            name="organization",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="entry_years", to="kpis.organization",
                verbose_name="기관",
            ),
        ),
        migrations.AddConstraint(
            model_name="entryyear",
            constraint=models.UniqueConstraint(fields=("organization", "year"), name="entry_year_unique_organization"),
        ),
    ]
