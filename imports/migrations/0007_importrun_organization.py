"""Import runs record their organization; an existing run gets the one it can be traced to."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def runs_into_organizations(apps, schema_editor):
    """By the run's department, else its user's organization or department, else the departments its audit rows
    name (a plan document imported by a command), else the installation's only organization."""
    ImportRun = apps.get_model("imports", "ImportRun")
    AuditEntry = apps.get_model("kpis", "AuditEntry")
    Organization = apps.get_model("kpis", "Organization")
    Department = apps.get_model("kpis", "Department")
    runs = ImportRun.objects.filter(organization__isnull=True)
    runs.filter(department__isnull=False).update(
        organization_id=Subquery(Department.objects.filter(pk=OuterRef("department_id")).values("bureau__organization_id")[:1])
    )
    for run in runs.filter(organization__isnull=True).select_related("user", "user__department__bureau"):
        user = run.user
        organization_id = None
        if user is not None:
            organization_id = user.organization_id or (user.department.bureau.organization_id if user.department else None)
        if organization_id is None:
            department_id = (
                AuditEntry.objects.filter(import_run_id=run.pk, department_id__isnull=False)
                .values_list("department_id", flat=True).first()
            )
            organization_id = Department.objects.filter(pk=department_id).values_list(
                "bureau__organization_id", flat=True
            ).first()
        if organization_id is None and Organization.objects.count() == 1:
            organization_id = Organization.objects.get().pk
        if organization_id is not None:
            ImportRun.objects.filter(pk=run.pk).update(organization_id=organization_id)


class Migration(migrations.Migration):

    dependencies = [
        ("imports", "0006_importrow_run_constrained"),
        ("kpis", "0012_organizations"),
    ]

    operations = [
        migrations.AddField(
            model_name="importrun",
            name="organization",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                to="kpis.organization", verbose_name="기관",
            ),
        ),
        migrations.RunPython(runs_into_organizations, migrations.RunPython.noop),
    ]
