"""Dashboard pages of the project itself (home, jobs, partner keys, record history),
mounted at /dashboard/. Each module keeps its own urlpatterns."""

from clac import apikeys_views, dashboard, jobs_views

app_name = "dashboard"
urlpatterns = [
    *dashboard.urlpatterns,
    *jobs_views.urlpatterns,
    *apikeys_views.urlpatterns,
]
