"""Dashboard pages of communications, mounted at /dashboard/ (see communications.plugin)."""

from django.urls import include, path

from communications import views
from communications.views import audiences as audience_views
from communications.views import campaigns, inquiries
from communications.views import partner_contacts as contact_views
from communications.views import suppressions as suppression_views

app_name = "communications"
urlpatterns = [
    path("partners/", views.partner_list, name="partner_list"),
    path("partners/new/", views.partner_create, name="partner_create"),
    path("partners/<int:pk>/", views.partner_detail, name="partner_detail"),
    path("partners/<int:pk>/keys/new/", views.api_key_new, name="api_key_create"),
    path("partners/<int:pk>/keys/<int:key_pk>/revoke/", views.api_key_revoke_view, name="api_key_revoke"),
    path("audiences/", audience_views.audiences_list, name="audience_list"),
    path("audiences/new/", audience_views.audience_new, name="audience_create"),
    path("audiences/<int:pk>/", audience_views.audience_detail, name="audience_detail"),
    path("audiences/<int:pk>/edit/", audience_views.audience_edit, name="audience_edit"),
    path("audiences/<int:pk>/people/", audience_views.audience_people_list, name="audience_people"),
    path(
        "audiences/people/<int:pk>/contact-status/",
        audience_views.person_contact_status_view,
        name="person_contact_status",
    ),
    path("suppressions/", suppression_views.suppressions_list, name="suppression_list"),
    path("suppressions/<int:pk>/remove/", suppression_views.suppression_remove_view, name="suppression_remove"),
    path("partners/contacts/", contact_views.partner_contacts_list, name="partner_contact_list"),
    path("partners/contacts/new/", contact_views.partner_contact_new, name="partner_contact_create"),
    path(
        "partners/contacts/<int:pk>/edit/",
        contact_views.partner_contact_edit,
        name="partner_contact_edit",
    ),
    path("inquiries/", include(inquiries.urlpatterns)),
    *campaigns.urlpatterns,
]
