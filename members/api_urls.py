"""The registry's API routes, mounted under /api/v1/ by clac.api.urls."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from members import api

router = SimpleRouter()
router.register("directory/organizations", api.DirectoryOrganizationViewSet, basename="directory-organization")
router.register("organizations", api.OrganizationViewSet, basename="organization")
router.register("people", api.PersonViewSet, basename="person")
router.register("affiliations", api.AffiliationViewSet, basename="affiliation")
router.register("yearly-reports", api.YearlyReportViewSet, basename="yearly-report")

urlpatterns = [
    path("statistics/", api.StatisticsView.as_view(), name="statistics"),
    path(
        "directory/organizations/<int:pk>/contacts/",
        api.DirectoryContactsView.as_view(),
        name="directory-organization-contacts",
    ),
    *router.urls,
]
