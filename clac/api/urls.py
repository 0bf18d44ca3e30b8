"""The API, mounted at /api/: version 1 under v1/, the OpenAPI schema and its interactive
docs (served from drf-spectacular-sidecar's local assets: no internet needed)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularSwaggerSplitView

import clac.api.schema  # noqa: F401  (registers the key schemes before any schema is built)
from clac import plugins
from clac.api.views import NotFoundView, SchemaView

# Every app's API routes (its plugin's `api_urls`), side by side under /api/v1/.
v1_patterns = [path("", include(module)) for module in plugins.api_url_modules()]

urlpatterns = [
    path("v1/", include((v1_patterns, "api-v1"))),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # Anything else under /api/ ending in a slash: the standard JSON 404. Paths without the
    # slash still get Django's APPEND_SLASH redirect first.
    # [\s\S], not ".": a path with an encoded newline (%0A) is still under /api/.
    re_path(r"^(?:[\s\S]*/)?$", NotFoundView.as_view()),
]
