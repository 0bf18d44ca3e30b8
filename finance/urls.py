"""Dashboard pages of the finance module, mounted at /dashboard/finance/."""

from finance.views import support

app_name = "finance"
urlpatterns = [
    *support.urlpatterns,
]
