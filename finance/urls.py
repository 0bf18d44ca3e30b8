"""Dashboard pages of finance, mounted at /dashboard/finance/."""

from finance.views import dues

app_name = "finance"
urlpatterns = [
    *dues.urlpatterns,
]
