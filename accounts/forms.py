from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.services import LoginRefused, login_authenticate


class LockoutAuthenticationForm(AuthenticationForm):
    """Django's login form, authenticating through the lockout-aware service."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = login_authenticate(request=self.request, username=username, password=password)
            except LoginRefused as exc:
                raise forms.ValidationError(exc.message, code="locked" if exc.locked else "invalid_login") from exc
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
