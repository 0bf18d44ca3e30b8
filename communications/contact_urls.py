"""The public contact form, mounted at /contact/ (see communications.plugin): no sign-in."""

from communications.views.inquiries import contact_urlpatterns

app_name = "contact"
urlpatterns = contact_urlpatterns
