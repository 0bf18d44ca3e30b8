"""The finance API routes, mounted under /api/v1/ by the platform."""

from rest_framework.routers import SimpleRouter

from finance.api import dues

AREAS = (dues,)

router = SimpleRouter()
for area in AREAS:
    area.register(router)

urlpatterns = [pattern for area in AREAS for pattern in area.urlpatterns] + router.urls
