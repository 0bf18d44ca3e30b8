"""Portal pages of the finance module, mounted at /portal/finance/."""

from finance.portal import support

app_name = "finance_portal"
urlpatterns = [
    *support.urlpatterns,
]
