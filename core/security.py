"""The security log: refusals and login events, with the client address of the request being handled.

The address is handed in by `accounts.middleware.ClientAddressMiddleware` for the length of a request,
so that a refusal deep in a service names it without the service knowing about HTTP. Outside a
request (a command, a task) it is "-".
"""
from __future__ import annotations

import logging
from contextvars import ContextVar

security_log = logging.getLogger("security")
client_address: ContextVar[str | None] = ContextVar("client_address", default=None)


def log_refusal(user: object | None, action: str, detail: str) -> None:
    security_log.warning(
        "refused action=%s user=%s ip=%s detail=%s",
        action, getattr(user, "username", "-"), client_address.get() or "-", detail,
    )
