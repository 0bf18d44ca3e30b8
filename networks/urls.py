"""Dashboard pages of networks and governance, mounted at /dashboard/networks/."""

from networks.views import assemblies, governance, meetings, networks, strategies
from networks.views import reviews as views_reviews

app_name = "networks"
urlpatterns = [
    *networks.urlpatterns,
    *governance.urlpatterns,
    *meetings.urlpatterns,
    *assemblies.urlpatterns,
    *views_reviews.urlpatterns,
    *strategies.urlpatterns,
]
