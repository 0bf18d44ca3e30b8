"""API permissions. The default is DenyAll: each view says who may use it."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from clac.models import ApiKey
from clac.roles import user_has_any_role, user_is_staff_member


class DenyAll(BasePermission):
    def has_permission(self, request, view) -> bool:
        return False


def _is_partner(request) -> bool:
    return isinstance(request.auth, ApiKey)


class IsStaffReader(BasePermission):
    """Any staff role may read; partner keys never pass."""

    def has_permission(self, request, view) -> bool:
        return not _is_partner(request) and user_is_staff_member(request.user) and request.method in SAFE_METHODS


class StaffRoles(BasePermission):
    """Staff with one of the view's `write_roles` may write; any staff role may read."""

    def has_permission(self, request, view) -> bool:
        if _is_partner(request) or not user_is_staff_member(request.user):
            return False
        if request.method in SAFE_METHODS:
            return True
        return user_has_any_role(request.user, getattr(view, "write_roles", ()))


class HasPartnerScope(BasePermission):
    """A partner key carrying the view's `required_scope`, or any staff member (reads only).
    Views list their scope in `required_scope`."""

    message = "Your key lacks the scope this endpoint needs."

    def has_permission(self, request, view) -> bool:
        if request.method not in SAFE_METHODS:
            return False
        if _is_partner(request):
            return view.required_scope in (request.auth.scopes or [])
        return user_is_staff_member(request.user)
