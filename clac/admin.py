from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from clac.models import Job, StaffToken, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (*(DjangoUserAdmin.fieldsets or ()), ("CLAC", {"fields": ("language",)}))
    list_display = ("username", "email", "first_name", "last_name", "is_active", "last_login")


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "status", "progress_done", "progress_total", "requested_by", "created_at")
    list_filter = ("status", "kind")
    readonly_fields = [f.name for f in Job._meta.fields]


class KeyAdmin(SimpleHistoryAdmin):
    # Keys are created through the dashboard or the create_api_key command, which show the
    # raw key once; the admin only displays and revokes.
    readonly_fields = ("prefix", "hashed_key", "last_used_at", "created_at")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(StaffToken)
class StaffTokenAdmin(KeyAdmin):
    list_display = ("prefix", "user", "name", "expires_at", "last_used_at", "revoked_at")
    list_select_related = ("user",)
