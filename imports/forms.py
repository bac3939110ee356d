"""The Excel pages' small forms: which actuals workbook to download, and the history's filters."""
from __future__ import annotations

from django import forms

from accounts.models import User
from imports.models import ImportStatus
from kpis.models import Department
from kpis.scope import scoped

MIN_YEAR, MAX_YEAR = 2000, 2100


class DepartmentChoiceField(forms.ModelChoiceField):
    """Departments by bureau, named with their bureau: the same name may recur in another bureau."""

    def __init__(self, **kwargs) -> None:
        super().__init__(queryset=Department.objects.select_related("bureau").order_by("bureau__name", "order", "name"),
                         **kwargs)

    def label_from_instance(self, obj: Department) -> str:
        return f"{obj.name} ({obj.bureau.name})"


def limit_departments(form: forms.Form, user: User | None) -> None:
    """The department list holds only the organizations `user` sees (None: a form no user fills)."""
    if user is not None and "department" in form.fields:
        field = form.fields["department"]
        field.queryset = scoped(field.queryset, user, "bureau__organization_id")


class ActualsExportForm(forms.Form):
    """GET form of the actuals workbook download; the department is a list for admins and evaluators."""

    year = forms.IntegerField(label="연도", min_value=MIN_YEAR, max_value=MAX_YEAR)
    department = DepartmentChoiceField(label="부서", required=False, empty_label="전체 부서")

    def __init__(self, *args, user: User | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        limit_departments(self, user)


class HistoryFilterForm(forms.Form):
    """Filters of the imports history; an invalid value is ignored (the filter is left off), never an error page."""

    department = DepartmentChoiceField(label="부서", required=False, empty_label="전체")
    year = forms.IntegerField(label="연도", min_value=MIN_YEAR, max_value=MAX_YEAR, required=False)
    status = forms.ChoiceField(label="상태", required=False, choices=[("", "전체"), *ImportStatus.choices])

    def __init__(self, *args, show_department: bool = True, user: User | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not show_department:
            del self.fields["department"]
        limit_departments(self, user)

    def filters(self) -> dict:
        """department_id, year and status for `run_history`, from the fields that are valid."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        department = cleaned.get("department")
        return {
            "department_id": department.pk if department else None,
            "year": cleaned.get("year"),
            "status": cleaned.get("status") or None,
        }
