"""Dashboard pages of the registry, mounted at /dashboard/registry/."""

from members.views import duplicates, imports, people, pickers, rates, registry, reports

app_name = "members"
urlpatterns = [
    *registry.urlpatterns,
    *people.urlpatterns,
    *reports.urlpatterns,
    *imports.urlpatterns,
    *duplicates.urlpatterns,
    *rates.urlpatterns,
    *pickers.urlpatterns,
]
