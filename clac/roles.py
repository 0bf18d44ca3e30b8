"""Staff roles (Django groups created by a migration) and the portal roles."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffRole(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    FINANCE = "finance", _("Finance")
    COMMUNICATIONS = "communications", _("Communications")
    COORDINATOR = "coordinator", _("Network coordinator")
    ME_OFFICER = "me_officer", _("M&E officer")
    VIEWER = "viewer", _("Viewer (read-only)")


class PortalRole(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    EDITOR = "editor", _("Editor")
    VIEWER = "viewer", _("Viewer")


STAFF_ROLES: tuple[str, ...] = tuple(StaffRole.values)
# Roles that may change registry records (viewer and the others read).
REGISTRY_EDITORS: frozenset[str] = frozenset({StaffRole.ADMIN, StaffRole.COORDINATOR, StaffRole.ME_OFFICER})
# Who keeps the exchange rates reports are converted with: finance, M&E (who approves reports), admins.
RATE_KEEPERS: frozenset[str] = frozenset({StaffRole.ADMIN, StaffRole.FINANCE, StaffRole.ME_OFFICER})


def user_staff_roles(user) -> frozenset[str]:
    """The staff roles of a user, cached on the instance for the request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_clac_staff_roles", None)
    if cached is None:
        names = set(user.groups.filter(name__in=STAFF_ROLES).values_list("name", flat=True))
        if user.is_superuser:
            names.add(StaffRole.ADMIN)
        cached = frozenset(names)
        user._clac_staff_roles = cached
    return cached


def user_is_staff_member(user) -> bool:
    return bool(user_staff_roles(user))


def user_has_any_role(user, roles) -> bool:
    return bool(user_staff_roles(user) & set(roles))
