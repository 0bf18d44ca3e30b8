"""Portal pages of the project itself (home, organization switcher), mounted at /portal/. The
registry's portal pages are mounted beside these by members.portal_urls."""

from clac import portal

app_name = "portal"

urlpatterns = [
    *portal.urlpatterns,
]
