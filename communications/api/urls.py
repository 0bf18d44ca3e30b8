"""The communications API routes, mounted under /api/v1/ by the platform; one module per topic,
each registering its viewsets on the router and listing any plain routes in `urlpatterns`."""

from rest_framework.routers import SimpleRouter

from communications.api import audiences, campaigns, inquiries

AREAS = (inquiries, audiences, campaigns)

router = SimpleRouter()
for area in AREAS:
    area.register(router)

urlpatterns = [pattern for area in AREAS for pattern in getattr(area, "urlpatterns", [])] + router.urls
