from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.decorators import method_decorator
from simple_history.admin import SimpleHistoryAdmin

from clac.auth.reauth import reauth_required
from clac.auth.security_log import Kind, security_event
from clac.models import Job, StaffToken, User

# Changing a user (their roles: groups, superuser, staff flags) or a key asks for the password
# or a code again when the last one is older than REAUTH_MAX_AGE_MINUTES.
_reauth = method_decorator(reauth_required)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (*(DjangoUserAdmin.fieldsets or ()), ("CLAC", {"fields": ("language",)}))
    list_display = ("username", "email", "first_name", "last_name", "is_active", "last_login")

    @_reauth
    def add_view(self, request, form_url="", extra_context=None):
        return super().add_view(request, form_url, extra_context)

    @_reauth
    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url, extra_context)

    @_reauth
    def user_change_password(self, request, id, form_url=""):
        return super().user_change_password(request, id, form_url)

    def save_related(self, request, form, formsets, change) -> None:
        before = set(form.instance.groups.values_list("name", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after = set(form.instance.groups.values_list("name", flat=True))
        if before != after or "is_superuser" in form.changed_data or "is_staff" in form.changed_data:
            security_event(
                Kind.ROLES_CHANGED,
                request=request,
                detail=f"user={form.instance.get_username()} groups={','.join(sorted(after)) or '-'} "
                f"superuser={form.instance.is_superuser}",
            )


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

    @_reauth
    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url, extra_context)

    @_reauth
    def delete_view(self, request, object_id, extra_context=None):
        return super().delete_view(request, object_id, extra_context)


@admin.register(StaffToken)
class StaffTokenAdmin(KeyAdmin):
    list_display = ("prefix", "user", "name", "expires_at", "last_used_at", "revoked_at")
    list_select_related = ("user",)
