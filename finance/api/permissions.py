"""Who reads the finance API: finance staff and administrators for the books; partner keys
with `stats:read` only for the yearly indicators (never the ledger)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from clac.api.permissions import request_is_partner
from clac.api.scopes import STATS_READ
from clac.roles import StaffRole, user_has_any_role, user_is_staff_member

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

FINANCE_ROLES = (StaffRole.ADMIN, StaffRole.FINANCE)


def _finance_staff(request: Request) -> bool:
    return (
        not request_is_partner(request)
        and user_is_staff_member(request.user)
        and user_has_any_role(request.user, FINANCE_ROLES)
    )


class IsFinanceStaffReader(BasePermission):
    message = _("Only CLAC finance staff can use this endpoint.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS and _finance_staff(request)


class FinanceIndicatorsReader(BasePermission):
    """A partner key with `stats:read`, or finance staff; reads only."""

    message = _("Your key lacks the scope this endpoint needs.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method not in SAFE_METHODS:
            return False
        if request_is_partner(request):
            return STATS_READ in (getattr(request.auth, "scopes", None) or [])
        return _finance_staff(request)
