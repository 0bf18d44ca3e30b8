"""Portal pages of networks and governance, mounted at /portal/networks/."""

from networks.portal import assemblies, governance, meetings, needs, networks, sustainability
from networks.portal import consultations as portal_consultations

app_name = "networks_portal"
urlpatterns = [
    *networks.urlpatterns,
    *governance.urlpatterns,
    *meetings.urlpatterns,
    *assemblies.urlpatterns,
    *portal_consultations.urlpatterns,
    *needs.urlpatterns,
    *sustainability.urlpatterns,
]
