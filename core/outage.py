"""Database outages: one rule for every channel.

A request that meets a lost database (django.db OperationalError or InterfaceError, wherever it is
raised) is answered 503 with Retry-After: JSON in the API's error shape under /api/, a Korean page
elsewhere. `DatabaseOutageMiddleware` handles what views raise, `server_error` (handler500) what other
middleware raises (a session read, for example), and `core.api_errors.api_exception_handler` what DRF
views raise; all three ask `is_database_outage` and answer with `outage_body` / `outage_response`.
"""
from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

logger = logging.getLogger("kpis")

OUTAGE_MESSAGE = "일시적으로 데이터베이스에 연결할 수 없습니다. 잠시 후 다시 시도하세요."
OUTAGE_CODE = "database_unavailable"
RETRY_AFTER_SECONDS = 10
API_PREFIX = "/api/"


def is_database_outage(exc: BaseException | None) -> bool:
    """True for the errors a lost or restarting database raises (not for a refused constraint)."""
    return isinstance(exc, (OperationalError, InterfaceError))


def outage_body() -> dict[str, str]:
    return {"detail": OUTAGE_MESSAGE, "code": OUTAGE_CODE}


def outage_headers() -> dict[str, str]:
    return {"Retry-After": str(RETRY_AFTER_SECONDS)}


def outage_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """503 with Retry-After: JSON for the API, the Korean page (no database needed to render it) elsewhere."""
    logger.error("database unavailable during %s %s: %s", request.method, request.path, exc)
    if request.path.startswith(API_PREFIX):
        response: HttpResponse = JsonResponse(outage_body(), status=503)
    else:
        # No request context: the page must not touch the session or the user, which live in the database.
        response = HttpResponse(loader.render_to_string("503.html", {"message": OUTAGE_MESSAGE}), status=503)
    for name, value in outage_headers().items():
        response[name] = value
    return response


class DatabaseOutageMiddleware:
    """Answers a view's database outage with 503 instead of a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_outage(exception):
            return outage_response(request, exception)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an outage raised outside a view (by middleware) is still a 503; anything else the 500 page."""
    exc = sys.exc_info()[1]
    if is_database_outage(exc):
        return outage_response(request, exc)
    return defaults.server_error(request)
