"""DRF's throttles, keyed by the client address that core.security decides (not DRF's own X-Forwarded-For rule)."""
from __future__ import annotations

from rest_framework import throttling

from core.security import request_client_address


class ClientAddressMixin:
    def get_ident(self, request) -> str:
        return request_client_address(request.META) or ""


class AnonRateThrottle(ClientAddressMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(ClientAddressMixin, throttling.UserRateThrottle):
    pass
