"""Dashboard pages of communications, mounted at /dashboard/ (see communications.plugin)."""

from django.urls import path

from communications import views
from communications.views import campaigns

app_name = "communications"
urlpatterns = [
    path("partners/", views.partner_list, name="partner_list"),
    path("partners/new/", views.partner_create, name="partner_create"),
    path("partners/<int:pk>/", views.partner_detail, name="partner_detail"),
    path("partners/<int:pk>/keys/new/", views.api_key_new, name="api_key_create"),
    path("partners/<int:pk>/keys/<int:key_pk>/revoke/", views.api_key_revoke_view, name="api_key_revoke"),
    *campaigns.urlpatterns,
]
