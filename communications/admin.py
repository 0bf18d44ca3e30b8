from django.contrib import admin
from django_countries.filters import CountryFilter
from simple_history.admin import SimpleHistoryAdmin

from clac.admin import KeyAdmin
from communications.models import ApiKey, ExternalPartner


@admin.register(ExternalPartner)
class ExternalPartnerAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "country")
    list_filter = ("kind", ("country", CountryFilter))
    search_fields = ("name",)


@admin.register(ApiKey)
class ApiKeyAdmin(KeyAdmin):
    list_display = ("prefix", "partner", "name", "expires_at", "last_used_at", "revoked_at")
    list_select_related = ("partner",)
