"""The networks API routes, mounted under /api/v1/ by the platform."""

from rest_framework.routers import SimpleRouter

from networks.api import assemblies, governance, meetings, networks, strategies
from networks.api import reviews as api_reviews

AREAS = (networks, governance, meetings, assemblies, api_reviews, strategies)

router = SimpleRouter()
for area in AREAS:
    area.register(router)

urlpatterns = [pattern for area in AREAS for pattern in area.urlpatterns] + router.urls
