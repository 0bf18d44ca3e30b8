from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from communications.models import ExternalPartner


@admin.register(ExternalPartner)
class ExternalPartnerAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "country")
    list_filter = ("kind",)
    search_fields = ("name",)
