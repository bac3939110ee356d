from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction

from core.errors import InvalidInput, InvalidState
from kpis.admin_scope import ScopedModelAdmin, ScopedTabularInline, ServiceWrittenAdmin
from kpis.domain import ValueDomain
from kpis.domain_selectors import outside_warning, values_outside_domains
from kpis.models import (
    Actual,
    AuditEntry,
    Bureau,
    ChangeSource,
    Department,
    DepartmentScore,
    EntryException,
    EntryYear,
    Indicator,
    Organization,
    PeriodSetting,
    PolicyGoal,
    ProgressSummarySent,
    ScoringPolicy,
    StrategicGoal,
    Target,
    TargetRevision,
    Team,
)
from kpis.scope import own_organization_id
from kpis.services.periods import (
    indicator_period_rule_set,
    period_rule_refusal,
    period_setting_refusal,
    period_setting_save,
)
from kpis.services.permissions import is_admin
from kpis.services.plan import (
    DOMAIN_FIELDS,
    DOMAIN_PARTS,
    DOMAIN_PREFIXES,
    KEEP,
    indicator_domain_errors,
    indicator_update,
    target_reason,
    target_revises,
    target_set,
    target_year_check,
)
from kpis.services.policy import POLICY_FIELDS, policy_revise


class TeamInline(ScopedTabularInline):
    model = Team
    scope_path = "department__bureau__organization_id"
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(ScopedModelAdmin):
    scope_path = "pk"
    list_display = ("name", "kind", "code", "parent")
    list_filter = ("kind",)
    list_select_related = ("parent",)
    search_fields = ("name", "code")
    autocomplete_fields = ("parent",)


@admin.register(Bureau)
class BureauAdmin(ScopedModelAdmin):
    scope_path = "organization_id"
    list_display = ("name", "organization", "plan_year", "imported_at")
    list_filter = ("organization", "plan_year")
    list_select_related = ("organization",)


@admin.register(Department)
class DepartmentAdmin(ScopedModelAdmin):
    scope_path = "bureau__organization_id"
    list_display = ("name", "bureau", "authorized_total", "current_headcount")
    list_filter = ("bureau",)
    inlines = [TeamInline]


@admin.register(StrategicGoal)
class StrategicGoalAdmin(ScopedModelAdmin):
    scope_path = "bureau__organization_id"
    list_display = ("title", "department", "bureau")


@admin.register(PolicyGoal)
class PolicyGoalAdmin(ScopedModelAdmin):
    scope_path = "department__bureau__organization_id"
    list_display = ("title", "department", "declared_indicator_count", "declared_unit_program_count", "budget_amount")


class TargetInlineForm(forms.ModelForm):
    """A target's value with the reason for changing it: required when the target had a value (a revision)."""

    reason = forms.CharField(label="변경 사유", required=False, max_length=2000, help_text="목표를 바꿀 때 필수")

    class Meta:
        model = Target
        fields = ("value",)

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.instance.pk is None or "value" not in self.changed_data:
            return cleaned
        try:
            target_year_check(
                self.instance.year, organization_id=self.instance.indicator.department.bureau.organization_id
            )
            if target_revises(self.instance.value, cleaned.get("value")):
                cleaned["reason"] = target_reason(cleaned.get("reason"))
        except InvalidState as exc:
            raise forms.ValidationError(exc.message) from exc
        except InvalidInput as exc:
            for name, errors in exc.errors.items():
                self.add_error(name, errors)
        return cleaned


class TargetInline(ScopedTabularInline):
    """Targets change through `target_set` (IndicatorAdmin.save_formset): a revision keeps the old value."""

    model = Target
    scope_path = "indicator__department__bureau__organization_id"
    form = TargetInlineForm
    extra = 0
    fields = ("year", "value", "reason")
    readonly_fields = ("year",)
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None) -> tuple[str, ...]:
        return self.readonly_fields if is_admin(request.user) else ("year", "value")


class IndicatorAdminForm(forms.ModelForm):
    def clean(self) -> dict:
        """The value domains checked by the service's own rule, each message beside its field."""
        cleaned = super().clean()
        for prefix in DOMAIN_PREFIXES:
            names = [f"{prefix}_{part}" for part in DOMAIN_PARTS]
            if any(name not in cleaned or name in self.errors for name in names):
                continue  # read-only here, or already refused by the field itself
            domain = ValueDomain(*(cleaned[name] for name in names))
            for name, errors in indicator_domain_errors(prefix=prefix, domain=domain).items():
                self.add_error(name, errors)
        if "period_rule" in self.changed_data and self.instance.pk is not None:
            refusal = period_rule_refusal(self.instance)
            if refusal:
                self.add_error("period_rule", refusal)
        return cleaned


@admin.register(Indicator)
class IndicatorAdmin(ScopedModelAdmin):
    """Weights and formulas change through the audited services, so they are read-only here; the direction and
    the value domains are saved through `indicator_update`, targets through `target_set` (audited; a changed
    target keeps its old value and needs a reason)."""

    scope_path = "department__bureau__organization_id"
    form = IndicatorAdminForm
    list_display = ("name", "department", "kind", "weight", "direction", "method_text")
    list_filter = ("department", "kind", "direction")
    readonly_fields = ("weight", "method_text", "formula", "formula_variables")
    raw_id_fields = ("previous",)
    inlines = [TargetInline]

    def get_readonly_fields(self, request, obj=None) -> tuple[str, ...]:
        if is_admin(request.user):
            return self.readonly_fields
        # the services take these from planners only
        return (*self.readonly_fields, "direction", "display_places", "period_rule", *DOMAIN_FIELDS)

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not Target:
            super().save_formset(request, form, formset, change)
            return
        # The admin's change message reads these lists.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for target_form in formset.forms:  # through the service: audited, revisions kept, finalised years refused
            if target_form.instance.pk is None or "value" not in target_form.changed_data:
                continue
            target = target_set(
                user=request.user, indicator_id=form.instance.pk, year=target_form.instance.year,
                value=target_form.cleaned_data.get("value"), source=ChangeSource.ADMIN,
                reason=target_form.cleaned_data.get("reason", ""),
            )
            formset.changed_objects.append((target, ["value"]))

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        through_service = {"direction", "display_places", "period_rule", *DOMAIN_FIELDS}
        plain = [name for name in form.changed_data if name not in through_service]
        changed = set(form.changed_data)
        domains = {
            prefix: ValueDomain(*(getattr(obj, f"{prefix}_{part}") for part in DOMAIN_PARTS))
            if changed & {f"{prefix}_{part}" for part in DOMAIN_PARTS} else None
            for prefix in DOMAIN_PREFIXES
        }
        with transaction.atomic():
            if plain:
                obj.save(update_fields=plain)
            if changed & (through_service - {"period_rule"}):
                indicator_update(
                    user=request.user, indicator_id=obj.pk,
                    direction=obj.direction if "direction" in changed else None,
                    value_domain=domains["value"], input_domain=domains["input"], source=ChangeSource.WEB,
                    display_places=obj.display_places if "display_places" in changed else KEEP,
                )
            if "period_rule" in changed:
                indicator_period_rule_set(
                    user=request.user, indicator_id=obj.pk, rule=obj.period_rule, source=ChangeSource.ADMIN
                )
        if any(domains.values()):
            outside = values_outside_domains({obj.pk: (obj.value_domain, obj.input_domain)}).get(obj.pk)
            if outside:
                self.message_user(request, outside_warning(outside), messages.WARNING)


@admin.register(Actual)
class ActualAdmin(ScopedModelAdmin):
    scope_path = "indicator__department__bureau__organization_id"
    list_display = ("indicator", "year", "period", "value", "supplementary_value", "status", "version", "updated_at")
    list_filter = ("status", "year", "period", "indicator__department")
    readonly_fields = [f.name for f in Actual._meta.fields]

    def get_queryset(self, request):
        # The year rows and the period rows (the default manager reads the year rows only), in the user's scope.
        return self.scope_queryset(Actual.all_periods.select_related("indicator"), request.user)

    def has_add_permission(self, request) -> bool:
        return False


class PeriodSettingForm(forms.ModelForm):
    def clean(self) -> dict:
        data = super().clean()
        organization, year = data.get("organization"), data.get("year")
        changed = self.instance.pk is None or self.has_changed()
        if organization is not None and year is not None and changed:
            refusal = period_setting_refusal(organization_id=organization.pk, year=year)
            if refusal:
                raise forms.ValidationError(refusal)
        return data


@admin.register(PeriodSetting)
class PeriodSettingAdmin(ScopedModelAdmin):
    """A year reported by quarter or half in an organization; saved and removed through `period_setting_save`
    (admins only, audited, refused once period values are entered)."""

    form = PeriodSettingForm
    scope_path = "organization_id"
    list_display = ("organization", "year", "frequency", "updated_by", "updated_at")
    list_filter = ("year", "frequency")
    readonly_fields = ("updated_by", "updated_at")

    def save_model(self, request, obj, form, change) -> None:
        if change and {"organization", "year"} & set(form.changed_data):
            previous = PeriodSetting.objects.get(pk=obj.pk)
            period_setting_save(user=request.user, organization_id=previous.organization_id, year=previous.year,
                                frequency="")
        saved = period_setting_save(
            user=request.user, organization_id=obj.organization_id, year=obj.year, frequency=obj.frequency
        )
        obj.pk = saved.pk
        obj._state.adding = False

    def delete_model(self, request, obj) -> None:
        period_setting_save(user=request.user, organization_id=obj.organization_id, year=obj.year, frequency="")

    def has_module_permission(self, request) -> bool:
        return is_admin(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_admin(request.user)

    def has_add_permission(self, request) -> bool:
        return is_admin(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return is_admin(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return is_admin(request.user)


class ReadOnlyAdmin(ScopedModelAdmin):
    """A record the services write and nobody edits: listed and read, never added, changed or deleted here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    scope_path = "department__bureau__organization_id"
    list_display = ("created_at", "user", "source", "entity", "action", "field", "old_value", "new_value")
    list_filter = ("source", "entity", "action")
    readonly_fields = [f.name for f in AuditEntry._meta.fields]


@admin.register(EntryYear)
class EntryYearAdmin(ScopedModelAdmin):
    """Each organization's admin opens and closes its own years: the organization choice holds only theirs."""

    scope_path = "organization_id"
    list_display = ("year", "organization", "closing_date", "is_closed", "closed_reason", "finalised_at")
    list_filter = ("organization", "year")
    list_select_related = ("organization",)
    # Finalised on the scoreboard (year_finalise) and reopened there with a reason (year_reopen), audited.
    readonly_fields = ("finalised_at",)

    def get_changeform_initial_data(self, request) -> dict:
        return {"organization": own_organization_id(request.user), **super().get_changeform_initial_data(request)}


@admin.register(TargetRevision)
class TargetRevisionAdmin(ReadOnlyAdmin):
    """Revisions are written by `target_set` only: read here, never changed."""

    scope_path = "indicator__department__bureau__organization_id"
    list_display = ("indicator", "year", "old_value", "new_value", "changed_by", "changed_at", "source", "reason")
    list_filter = ("source", "year")
    readonly_fields = [f.name for f in TargetRevision._meta.fields]


@admin.register(ProgressSummarySent)
class ProgressSummarySentAdmin(ReadOnlyAdmin):
    """The weekly progress summaries sent (kpis.services.progress_summary): read only."""

    scope_path = "department__bureau__organization_id"
    list_display = ("department", "year", "week", "warning_count", "sent_at")
    list_filter = ("year", "week")


@admin.register(EntryException)
class EntryExceptionAdmin(ScopedModelAdmin):
    scope_path = "department__bureau__organization_id"
    list_display = ("department", "year", "until", "reason", "granted_by")


@admin.register(ScoringPolicy)
class ScoringPolicyAdmin(ServiceWrittenAdmin):
    """Editing a policy saves a new version (kpis.services.policy); earlier ones stay to explain earlier results."""

    scope_path = None  # a year's policy, the same for every organization
    list_display = (
        "year", "version", "cap", "floor", "lower_is_better", "unreported", "provisional", "created_at", "created_by",
    )
    list_filter = ("year",)
    readonly_fields = ("version", "created_at", "created_by")

    def save_model(self, request, obj, form, change) -> None:
        new = policy_revise(
            user=request.user, year=obj.year, note=obj.note, **{name: getattr(obj, name) for name in POLICY_FIELDS}
        )
        # The admin logs and redirects to the object it saved: the new version.
        obj.pk, obj.version, obj.created_at, obj.created_by = new.pk, new.version, new.created_at, new.created_by
        obj._state.adding = False


@admin.register(DepartmentScore)
class DepartmentScoreAdmin(ScopedModelAdmin):
    scope_path = "department__bureau__organization_id"
    list_display = ("department", "year", "score", "completeness", "grade", "computed_at")
    list_filter = ("year",)


from kpis import period_target_admin  # noqa: F401  (registers PeriodTargetAdmin)
