"""Organizations: every existing bureau moves into one organization (settings.KPI_DEFAULT_ORGANIZATION)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def bureaus_into_default_organization(apps, schema_editor):
    """An installation that held one government's plans: its bureaus all belong to that government."""
    Bureau = apps.get_model("kpis", "Bureau")
    Organization = apps.get_model("kpis", "Organization")
    if not Bureau.objects.exists():
        return
    name = getattr(settings, "KPI_DEFAULT_ORGANIZATION", "") or "전북특별자치도"
    organization, _ = Organization.objects.get_or_create(name=name, defaults={"kind": "provincial"})
    Bureau.objects.filter(organization__isnull=True).update(organization=organization)
    _fire_deferred_checks(schema_editor)


def bureaus_out_of_organizations(apps, schema_editor):
    """Going back: bureau names must be unique again, which holds for one organization's one plan year only."""
    Bureau = apps.get_model("kpis", "Bureau")
    names = list(Bureau.objects.values_list("name", flat=True))
    if len(names) != len(set(names)):
        raise RuntimeError("실국명이 여러 기관이나 계획 연도에 겹쳐 0011로 되돌릴 수 없습니다.")
    Bureau.objects.update(organization=None)
    _fire_deferred_checks(schema_editor)


def _fire_deferred_checks(schema_editor):
    """PostgreSQL refuses ALTER TABLE on a table with pending (deferred) foreign-key checks in the same
    transaction: run them now, so that the next operation may alter the bureau table."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):

    dependencies = [
        ("kpis", "0011_indicator_display_places"),
    ]

    operations = [
        migrations.CreateModel(
            name="Organization",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, unique=True, verbose_name="기관명")),
                (
                    "kind",
                    models.CharField(
                        choices=[("provincial", "광역"), ("local", "기초")], default="provincial", max_length=20,
                        verbose_name="유형",
                    ),
                ),
                (
                    "code",
                    models.CharField(
                        blank=True, help_text="행정표준코드 (있을 때만, 기관마다 다름)", max_length=20, null=True,
                        verbose_name="표준코드",
                    ),
                ),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="children",
                        to="kpis.organization", verbose_name="상위 기관",
                    ),
                ),
            ],
            options={
                "verbose_name": "기관",
                "verbose_name_plural": "기관",
                "ordering": ["name"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("code__isnull", False)), fields=("code",), name="organization_unique_code"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("parent", models.F("id")), _negated=True),
                        name="organization_not_own_parent",
                    ),
                ],
            },
        ),
        migrations.AddField(
            model_name="bureau",
            name="organization",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="bureaus",
                to="kpis.organization", verbose_name="기관",
            ),
        ),
        migrations.AlterField(
            model_name="bureau",
            name="name",
            field=models.CharField(max_length=100, verbose_name="실국명"),
        ),
        migrations.AddConstraint(
            model_name="bureau",
            constraint=models.UniqueConstraint(
                fields=("organization", "plan_year", "name"), name="bureau_unique_name_in_edition"
            ),
        ),
        migrations.RunPython(bureaus_into_default_organization, bureaus_out_of_organizations),
        migrations.AlterField(
            model_name="bureau",
            name="organization",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="bureaus", to="kpis.organization",
                verbose_name="기관",
            ),
        ),
        migrations.AddField(
            model_name="indicator",
            name="previous",
            field=models.ForeignKey(
                blank=True, help_text="전년도 성과계획서의 같은 지표 (연속 추이를 잇습니다)", null=True,
                on_delete=django.db.models.deletion.SET_NULL, related_name="next_editions", to="kpis.indicator",
                verbose_name="이전 계획의 지표",
            ),
        ),
    ]
