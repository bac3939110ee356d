"""Site-wide views that belong to no app: the error handlers (JSON under /api/, the Korean pages in the
site layout elsewhere), the favicon's old address and the admin site's door."""
from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views import defaults

from core import outage
from core.api_errors import INVALID_MESSAGE, NOT_FOUND_MESSAGE, SERVER_ERROR_MESSAGE, error_body

ADMIN_ONLY_MESSAGE = "관리 화면은 관리자만 쓸 수 있습니다."
FORBIDDEN_MESSAGE = "권한이 없습니다."


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(outage.API_PREFIX)


def _api_error(detail: str, code: str, status: int) -> JsonResponse:
    return JsonResponse(error_body(detail=detail, code=code), status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _api_error(INVALID_MESSAGE, "invalid", 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _api_error(FORBIDDEN_MESSAGE, "permission_denied", 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _api_error(NOT_FOUND_MESSAGE, "not_found", 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """A lost database is a 503 (core.outage); anything else the API's JSON 500 or templates/500.html."""
    response = outage.server_error(request)
    if response.status_code == 500 and _is_api(request):
        return _api_error(SERVER_ERROR_MESSAGE, "server_error", 500)
    return response


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for whatever the page links: the SVG icon under /static/."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin site's login, except for a signed-in user it would refuse: the Korean 403 page, not a login form."""
    if request.user.is_authenticated and not admin.site.has_permission(request):
        raise PermissionDenied(ADMIN_ONLY_MESSAGE)
    return admin.site.login(request)
