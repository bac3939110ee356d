from django.contrib import admin
from django.urls import include, path

from core.site_views import admin_login, favicon
from health.views import healthz, readyz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("favicon.ico", favicon, name="favicon"),
    # Before the admin site's own login: a signed-in user who is not an admin gets the Korean 403 page.
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", include("config.api_urls")),
    path("", include("kpis.entry_urls")),
    path("", include("imports.urls")),
    path("", include("kpis.score_urls")),
    path("", include("kpis.plan_urls")),
    path("", include("kpis.progress_urls")),
    path("reports/", include("reports.urls")),
    path("reports/", include("reports.report.urls")),  # the performance report (성과보고서)
    path("", include("kpis.urls")),
]

# Korean pages in the site layout (templates/400.html, 403.html, 404.html, 500.html) for the site, the API's
# JSON error shape under /api/; a database outage is a 503 either way (core.outage).
handler400 = "core.site_views.bad_request"
handler403 = "core.site_views.permission_denied"
handler404 = "core.site_views.page_not_found"
handler500 = "core.site_views.server_error"
