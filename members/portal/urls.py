"""Portal pages of the registry, mounted at /portal/."""

from members.portal import profile, reports

app_name = "members_portal"
urlpatterns = [
    *profile.urlpatterns,
    *reports.urlpatterns,
]
