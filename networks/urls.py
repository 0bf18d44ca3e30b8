"""Dashboard pages of networks and governance, mounted at /dashboard/networks/."""

from networks.views import assemblies, governance, meetings, networks, strategies

app_name = "networks"
urlpatterns = [
    *networks.urlpatterns,
    *governance.urlpatterns,
    *meetings.urlpatterns,
    *assemblies.urlpatterns,
    *strategies.urlpatterns,
]
