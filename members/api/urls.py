"""The registry's API routes, mounted under /api/v1/ by clac.api.urls."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from members.api import directory, staff, staff_people, staff_reports, statistics

router = SimpleRouter()
router.register("directory/organizations", directory.DirectoryOrganizationViewSet, basename="directory-organization")
router.register("organizations", staff.OrganizationViewSet, basename="organization")
router.register("people", staff_people.PersonViewSet, basename="person")
router.register("affiliations", staff_people.AffiliationViewSet, basename="affiliation")
router.register("yearly-reports", staff_reports.YearlyReportViewSet, basename="yearly-report")

urlpatterns = [
    path("statistics/", statistics.StatisticsView.as_view(), name="statistics"),
    path(
        "directory/organizations/<int:pk>/contacts/",
        directory.DirectoryContactsView.as_view(),
        name="directory-organization-contacts",
    ),
    *router.urls,
]
