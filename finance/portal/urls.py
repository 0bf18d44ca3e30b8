"""Portal pages of finance, mounted at /portal/finance/."""

from finance.portal import dues

app_name = "finance_portal"
urlpatterns = [
    *dues.urlpatterns,
]
