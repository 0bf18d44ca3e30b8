"""Portal pages of networks and governance, mounted at /portal/networks/."""

from networks.portal import assemblies, governance, meetings, needs, networks, sustainability

app_name = "networks_portal"
urlpatterns = [
    *networks.urlpatterns,
    *governance.urlpatterns,
    *meetings.urlpatterns,
    *assemblies.urlpatterns,
    *needs.urlpatterns,
    *sustainability.urlpatterns,
]
