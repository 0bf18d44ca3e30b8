"""API permissions. The default is DenyAll: each view says who may use it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from clac.models import PartnerKeyBase
from clac.roles import user_has_any_role, user_is_staff_member

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class DenyAll(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return False


def request_is_partner(request: Request) -> bool:
    return isinstance(request.auth, PartnerKeyBase)


class IsStaffReader(BasePermission):
    """Any staff role may read; partner keys never pass."""

    message = _("Only CLAC staff can use this endpoint.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return not request_is_partner(request) and user_is_staff_member(request.user) and request.method in SAFE_METHODS


class StaffRoles(BasePermission):
    """Staff with one of the view's `write_roles` may write; any staff role may read. Partner
    keys and portal users are refused."""

    message = _("Only CLAC staff with the right role can use this endpoint.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request_is_partner(request) or not user_is_staff_member(request.user):
            return False
        if request.method in SAFE_METHODS:
            return True
        return user_has_any_role(request.user, getattr(view, "write_roles", ()))


class HasPartnerScope(BasePermission):
    """A partner key carrying the view's `required_scope`, or any staff member; reads only."""

    message = _("Your key lacks the scope this endpoint needs.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method not in SAFE_METHODS:
            return False
        if isinstance(request.auth, PartnerKeyBase):
            return getattr(view, "required_scope", None) in (request.auth.scopes or [])
        return user_is_staff_member(request.user)
