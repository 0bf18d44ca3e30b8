"""Portal pages of the finance module, mounted at /portal/finance/."""

from finance.portal import dues, support

app_name = "finance_portal"
urlpatterns = [
    *dues.urlpatterns,
    *support.urlpatterns,
]
