from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import LoginFailure, User


@admin.register(User)
class KpiUserAdmin(UserAdmin):
    list_display = ("username", "role", "department", "is_active", "last_login")
    list_filter = ("role", "department", "is_active")
    fieldsets = UserAdmin.fieldsets + (("역할", {"fields": ("role", "department")}),)


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    list_display = ("username", "ip_address", "created_at")
    readonly_fields = ("username", "ip_address", "created_at")
