from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import Q
from knox.admin import AuthTokenAdmin
from knox.models import AuthToken

from accounts.forms import AdminLockoutAuthenticationForm, TokenRevokingPasswordChangeForm
from accounts.models import LoginFailure, User
from accounts.services import api_tokens_revoke
from kpis.admin_scope import ScopedAdminMixin, ScopedModelAdmin
from kpis.scope import users_condition

# /admin/login/ authenticates through the same service as the site's login and the token endpoint.
admin.site.login_form = AdminLockoutAuthenticationForm


@admin.register(User)
class KpiUserAdmin(ScopedAdminMixin, UserAdmin):
    scope_path = staticmethod(users_condition)  # users of other organizations are hidden
    list_display = ("username", "role", "organization", "department", "is_active", "last_login")
    list_filter = ("role", "organization", "is_active")
    list_select_related = ("organization", "department")
    autocomplete_fields = ("organization",)
    fieldsets = UserAdmin.fieldsets + (
        ("역할", {"fields": ("role", "organization", "sees_child_organizations", "department")}),
    )
    change_password_form = TokenRevokingPasswordChangeForm

    def save_model(self, request, obj, form, change) -> None:
        # A department user's organization is their department's, whatever was picked.
        if obj.department_id is not None and obj.organization_id != obj.department.bureau.organization_id:
            obj.organization = obj.department.bureau.organization
            self.message_user(request, f"소속 기관을 부서의 기관({obj.organization.name})으로 맞췄습니다.", messages.WARNING)
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            api_tokens_revoke(user=obj, reason="deactivated")


@admin.register(LoginFailure)
class LoginFailureAdmin(ScopedModelAdmin):
    scope_path = None  # failed sign-ins name a username, not an organization
    list_display = ("username", "ip_address", "created_at")
    readonly_fields = ("username", "ip_address", "created_at")


def _token_users_condition(user: User):
    """API tokens of the users `user` sees (kpis.scope.users_condition, one step further)."""
    condition = users_condition(user)
    return Q(user__in=User.objects.filter(condition)) if condition else Q()


class ScopedAuthTokenAdmin(ScopedAdminMixin, AuthTokenAdmin):
    """knox's own token admin, limited to tokens of users the admin sees: another organization's sign-ins are not
    listed (nor revocable) here."""

    scope_path = staticmethod(_token_users_condition)


admin.site.unregister(AuthToken)
admin.site.register(AuthToken, ScopedAuthTokenAdmin)
