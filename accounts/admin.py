from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.forms import AdminLockoutAuthenticationForm, TokenRevokingPasswordChangeForm
from accounts.models import LoginFailure, User
from accounts.services import api_tokens_revoke

# /admin/login/ authenticates through the same service as the site's login and the token endpoint.
admin.site.login_form = AdminLockoutAuthenticationForm


@admin.register(User)
class KpiUserAdmin(UserAdmin):
    list_display = ("username", "role", "department", "is_active", "last_login")
    list_filter = ("role", "department", "is_active")
    fieldsets = UserAdmin.fieldsets + (("역할", {"fields": ("role", "department")}),)
    change_password_form = TokenRevokingPasswordChangeForm

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            api_tokens_revoke(user=obj, reason="deactivated")


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    list_display = ("username", "ip_address", "created_at")
    readonly_fields = ("username", "ip_address", "created_at")
