"""URL map: the dashboard (/dashboard/), the portal (/portal/), the API (/api/), accounts,
health. Each app keeps its own urls modules; this file only mounts them."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from clac import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("clac.accounts_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("dashboard/", include("clac.dashboard_urls")),
    path("dashboard/registry/", include("members.urls")),
    path("portal/", include("clac.portal_urls")),
    path("portal/", include("members.portal_urls")),
    path("api/", include("clac.api.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
