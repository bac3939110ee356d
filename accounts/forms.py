from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AdminPasswordChangeForm, AuthenticationForm

from accounts.services import LoginRefused, api_tokens_revoke, login_authenticate


class LockoutAuthenticationForm(AuthenticationForm):
    """Django's login form, authenticating through the lockout-aware service."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = login_authenticate(request=self.request, username=username, password=password)
            except LoginRefused as exc:
                raise forms.ValidationError(exc.message, code=exc.code) from exc
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class AdminLockoutAuthenticationForm(LockoutAuthenticationForm, AdminAuthenticationForm):
    """The admin site's login: the same lockout, throttle and security log, then the admin's staff check."""


class TokenRevokingPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "set password" form; a new password ends every API token of the user."""

    def save(self, commit: bool = True):
        user = super().save(commit=commit)
        if commit:
            api_tokens_revoke(user=user, reason="password set by admin")
        return user
