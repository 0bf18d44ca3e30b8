"""The finance API routes, mounted under /api/v1/ by the platform."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from finance.api import books, donors, dues, indicators, support

router = SimpleRouter()
router.register("finance/journal-entries", books.JournalEntryViewSet, basename="finance-journal-entry")
router.register("finance/donors", donors.DonorViewSet, basename="finance-donor")
router.register("finance/agreements", donors.AgreementViewSet, basename="finance-agreement")
support.register(router)
dues.register(router)

urlpatterns = [
    path("finance/indicators/", indicators.IndicatorsView.as_view(), name="finance-indicators"),
    path("finance/funds/", books.FundsView.as_view(), name="finance-funds"),
    *support.urlpatterns,
    *dues.urlpatterns,
    *router.urls,
]
