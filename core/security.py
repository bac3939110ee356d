"""The security log, and the one rule that decides a request's client address.

The address is handed in by `accounts.middleware.ClientAddressMiddleware` for the length of a request,
so that a refusal deep in a service names it without the service knowing about HTTP. Outside a
request (a command, a task) it is "-".
"""
from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping
from contextvars import ContextVar

from django.conf import settings

security_log = logging.getLogger("security")
client_address: ContextVar[str | None] = ContextVar("client_address", default=None)

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def request_client_address(meta: Mapping[str, str]) -> str | None:
    """The client's address: the peer, or, when the peer is a trusted proxy, the hop it vouches for.

    X-Forwarded-For is read from the right (the entry the nearest proxy added) and only while each hop
    is in settings.TRUSTED_PROXIES: the first untrusted hop is the client. A client can prepend
    anything to the header, so nothing left of that hop is believed. A malformed entry ends the walk
    at the last proxy that could be vouched for. With no trusted proxies the header is ignored.
    """
    peer = meta.get("REMOTE_ADDR") or None
    trusted = [ipaddress.ip_network(net, strict=False) for net in settings.TRUSTED_PROXIES]
    forwarded = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    client = peer
    for hop in [peer or "", *reversed(forwarded)]:
        address = _parse_address(hop)
        if address is None:
            break
        client = str(address)
        if not any(address in net for net in trusted):
            break
    return client


def _parse_address(text: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def log_refusal(user: object | None, action: str, detail: str) -> None:
    security_log.warning(
        "refused action=%s user=%s ip=%s detail=%s",
        action, getattr(user, "username", "-"), client_address.get() or "-", detail,
    )
