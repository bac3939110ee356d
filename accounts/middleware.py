"""Idle-session logout, and the client address for the security log."""
from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from core.security import client_address, request_client_address

SESSION_KEY = "last_activity"
# The activity stamp is rewritten at most this often: a session row is not rewritten on every page
# (one UPDATE per request under load), and the idle timeout is still honoured to within a minute.
ACTIVITY_RESOLUTION_SECONDS = 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get(SESSION_KEY)
            if last is not None and now - int(last) > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                request.session["idle_logout"] = True
            elif last is None or now - int(last) >= ACTIVITY_RESOLUTION_SECONDS:
                request.session[SESSION_KEY] = now
        return self.get_response(request)


class ClientAddressMiddleware:
    """Hands the request's client address to the security log (core.security) while it is handled."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = client_address.set(request_client_address(request.META))
        try:
            return self.get_response(request)
        finally:
            client_address.reset(token)
