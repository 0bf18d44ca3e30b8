"""Portal pages of communications, mounted at /portal/announcements/ (see communications.plugin)."""

from communications.portal import announcements

app_name = "communications_portal"
urlpatterns = [
    *announcements.urlpatterns,
]
