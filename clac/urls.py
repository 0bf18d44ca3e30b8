"""URL map: the platform's own pages (front door, accounts, dashboard shell, portal shell, the
API, health) and every app's pages, mounted where its plugin says (clac.plugins.UrlMount)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from clac import health, plugins, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("clac.accounts_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("dashboard/", include("clac.dashboard_urls")),
    path("portal/", include("clac.portal_urls")),
    *(path(mount.prefix, include(mount.module)) for mount in plugins.url_mounts()),
    path("api/", include("clac.api.urls")),
    path("admin/", admin.site.urls),
]

# A refusal is logged once, on one line, and kept in the security log (clac.auth).
handler403 = "clac.auth.views.permission_denied"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
