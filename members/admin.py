"""Django admin for the registry: a back office for administrators. Day-to-day work happens in
the dashboard, whose forms go through the services; the admin is read-mostly here."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from members import models


@admin.register(models.Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "subregion")
    list_filter = ("subregion",)


@admin.register(models.Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "unit", "network")
    list_filter = ("network",)


@admin.register(models.ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ("currency", "date", "usd_per_unit", "source")
    list_filter = ("currency",)
    date_hierarchy = "date"


class CertificationInline(admin.TabularInline):
    model = models.Certification
    extra = 0
    readonly_fields = ("standard", "status", "cycle_start", "cycle_end", "last_audit_date", "last_audit_type")
    can_delete = False


@admin.register(models.Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "country", "flo_id", "updated_at")
    list_filter = ("kind", "country")
    search_fields = ("name", "legal_name", "flo_id", "tax_id", "locality")
    list_select_related = ("country",)
    raw_id_fields = ("parent",)
    inlines = [CertificationInline]


@admin.register(models.Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ("organization", "status", "joined_on", "review_requested_at")
    list_filter = ("status",)
    list_select_related = ("organization",)
    search_fields = ("organization__name",)
    # Status changes must go through the lifecycle service (dashboard), which logs events.
    readonly_fields = ("status", "status_changed_on")


@admin.register(models.MembershipEvent)
class MembershipEventAdmin(admin.ModelAdmin):
    list_display = ("membership", "from_status", "to_status", "occurred_on", "actor")
    list_select_related = ("membership__organization", "actor")

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # append-only


@admin.register(models.Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ("last_name", "first_name", "email", "phone", "preferred_language")
    search_fields = ("first_name", "last_name", "email", "phone")


@admin.register(models.Affiliation)
class AffiliationAdmin(SimpleHistoryAdmin):
    list_display = ("person", "organization", "role", "start_date", "end_date", "is_primary")
    list_filter = ("role",)
    list_select_related = ("person", "organization")
    raw_id_fields = ("person", "organization")


@admin.register(models.PortalAccess)
class PortalAccessAdmin(SimpleHistoryAdmin):
    list_display = ("user", "organization", "role")
    list_filter = ("role",)
    list_select_related = ("user", "organization")
    raw_id_fields = ("user", "organization")


@admin.register(models.YearlyReport)
class YearlyReportAdmin(SimpleHistoryAdmin):
    list_display = ("organization", "year", "status", "members_total", "premium_usd")
    list_filter = ("status", "year")
    list_select_related = ("organization",)
    raw_id_fields = ("organization",)
    readonly_fields = ("status",)


@admin.register(models.OrganizationChangeProposal)
class OrganizationChangeProposalAdmin(admin.ModelAdmin):
    list_display = ("organization", "field", "proposed_value", "status", "created_at")
    list_filter = ("status", "field")
    list_select_related = ("organization",)


@admin.register(models.PersonErasure)
class PersonErasureAdmin(admin.ModelAdmin):
    """The evidence of personal-data erasures: read only (erasing goes through the dashboard's
    confirmation step and members.services.person_erase)."""

    list_display = ("person_id", "erased_at", "erased_by", "reason")
    date_hierarchy = "erased_at"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
