"""Dashboard pages of the platform itself (home, jobs, record history), mounted at
/dashboard/. Apps mount their own pages beside these through their plugin."""

from clac import dashboard, jobs_views
from clac.auth import views as security_views

app_name = "dashboard"
urlpatterns = [
    *dashboard.urlpatterns,
    *jobs_views.urlpatterns,
    *security_views.dashboard_urlpatterns,
]
