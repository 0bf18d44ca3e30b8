"""Dashboard pages of finance, mounted at /dashboard/finance/."""

from finance.views import books, budgets, donors, dues, indicators, support

app_name = "finance"
urlpatterns = [
    *indicators.urlpatterns,
    *books.urlpatterns,
    *donors.urlpatterns,
    *budgets.urlpatterns,
    *dues.urlpatterns,
    *support.urlpatterns,
]
