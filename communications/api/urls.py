"""The communications API routes, mounted under /api/v1/ by the platform; one module per topic."""

from rest_framework.routers import SimpleRouter

from communications.api import inquiries

router = SimpleRouter()
inquiries.register(router)

urlpatterns = router.urls
