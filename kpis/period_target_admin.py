"""Admin of per-period targets: planners (admins) set them here, through the audited service."""
from __future__ import annotations

from django import forms
from django.contrib import admin

from core.errors import InvalidInput, InvalidState
from kpis.admin_scope import ServiceWrittenAdmin
from kpis.models import ChangeSource, PeriodTarget
from kpis.services.period_targets import period_target_check, period_target_set


class PeriodTargetForm(forms.ModelForm):
    reason = forms.CharField(label="변경 사유", required=False, max_length=2000)

    class Meta:
        model = PeriodTarget
        fields = ("indicator", "year", "period", "value")

    def clean(self) -> dict:
        """The service's own checks, each message beside its field; nothing is saved when one fails."""
        cleaned = super().clean()
        indicator, year, period = cleaned.get("indicator"), cleaned.get("year"), cleaned.get("period")
        if indicator is None or year is None or period is None:
            return cleaned
        try:
            period_target_check(indicator=indicator, year=year, period=period, value=cleaned.get("value"))
        except InvalidState as exc:
            raise forms.ValidationError(exc.message) from exc
        except InvalidInput as exc:
            for name, errors in exc.errors.items():
                self.add_error(name if name in self.fields else None, errors)
        return cleaned


@admin.register(PeriodTarget)
class PeriodTargetAdmin(ServiceWrittenAdmin):
    """Per-period targets change through `period_target_set` (audited; refused in a finalised year)."""

    scope_path = "indicator__department__bureau__organization_id"

    form = PeriodTargetForm
    list_display = ("indicator", "year", "period", "value")
    list_filter = ("year", "period")
    raw_id_fields = ("indicator",)

    def get_readonly_fields(self, request, obj=None) -> tuple[str, ...]:
        return ("indicator", "year", "period") if obj is not None else ()

    def save_model(self, request, obj, form, change) -> None:
        saved = period_target_set(
            user=request.user, indicator_id=obj.indicator_id, year=obj.year, period=obj.period, value=obj.value,
            source=ChangeSource.ADMIN, reason=form.cleaned_data.get("reason", ""),
        )
        obj.pk = saved.pk
        obj._state.adding = False
