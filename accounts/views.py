from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from accounts.forms import LockoutAuthenticationForm


def login_view(request: HttpRequest) -> HttpResponse:
    # The idle-timeout middleware leaves this flag in the fresh session: show the notice once.
    idle_logout = request.method == "GET" and bool(request.session.pop("idle_logout", False))
    return auth_views.LoginView.as_view(
        template_name="accounts/login.html",
        authentication_form=LockoutAuthenticationForm,
        extra_context={"idle_logout": idle_logout},
    )(request)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    return auth_views.LogoutView.as_view()(request)
