from django.contrib import admin
from django.urls import include, path

from health.views import healthz, readyz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", include("config.api_urls")),
    path("", include("kpis.entry_urls")),
    path("", include("imports.urls")),
    path("", include("kpis.score_urls")),
    path("", include("kpis.urls")),
]

# A database outage raised outside a view (by a middleware) is a 503 too (core.outage).
handler500 = "core.outage.server_error"
