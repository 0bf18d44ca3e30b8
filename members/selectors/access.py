"""Who may read and change which registry records: the rules behind every
`<entity>_get_for_user(*, user, pk, organization=None, for_change=False)` access helper.

Dashboard, portal and API views fetch organizations, people, affiliations, yearly reports and
change proposals only through those helpers, so the answer is the same everywhere:

- without `organization` (dashboard, API): staff read every record; `for_change` needs a
  registry editor role (clac.roles.REGISTRY_EDITORS), otherwise 403. Anyone else gets 404.
- with `organization` (the portal's current organization): the user must have a portal
  access to it (404 otherwise) and only that organization's records are found (404 for any
  other, so the portal never reveals that they exist); `for_change` needs the portal admin or
  editor role, otherwise 403.

A record is looked up before the change permission is checked: a user who may read a record
but not change it gets 403, and a record they could not read anyway is a 404."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from clac.roles import REGISTRY_EDITORS, PortalRole, user_has_any_role, user_is_staff_member
from members.models import Organization, PortalAccess

__all__ = ["organization_can_change"]

_PORTAL_EDITOR_ROLES = frozenset({PortalRole.ADMIN, PortalRole.EDITOR})


def _portal_roles(user) -> dict[int, str]:
    """Organization id → the user's portal role there, cached on the user for the request."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, "_clac_portal_roles", None)
    if cached is None:
        cached = dict(PortalAccess.objects.filter(user=user).values_list("organization_id", "role"))
        user._clac_portal_roles = cached
    return cached


def organization_can_change(user, organization: Organization | None, *, portal: bool = False) -> bool:
    """Whether `user` may change the records of `organization` (None: a registry record that
    belongs to no single organization, such as a person, or a new organization). The one place
    that decides it for the dashboard, the portal and the API.

    Staff (`portal=False`): the registry editor roles change every organization's records.
    Portal (`portal=True`): the user's portal role in that organization must be admin or editor,
    whatever their staff roles (in the portal they act for the organization).

    Coordinator scoping (networks issue) goes here: a coordinator will change only the
    organizations of the networks they coordinate (and the people serving them)."""
    if portal:
        if organization is None:
            return False
        return _portal_roles(user).get(organization.pk) in _PORTAL_EDITOR_ROLES
    return user_has_any_role(user, REGISTRY_EDITORS)


def access_scope(*, user, organization: Organization | None) -> Organization | None:
    """The organization the user's lookups are limited to (None: every organization, for
    staff). Raises Http404 for a user with no access at all, so nothing reveals a record."""
    if organization is not None:
        if organization.pk not in _portal_roles(user):
            raise Http404
        return organization
    if user_is_staff_member(user):
        return None
    raise Http404


def require_change(user, *, scope: Organization | None, record_organization: Organization | None) -> None:
    """403 unless the user may change a record of `record_organization` found in `scope`."""
    if scope is not None:
        allowed = organization_can_change(user, scope, portal=True)
    else:
        allowed = organization_can_change(user, record_organization)
    if not allowed:
        raise PermissionDenied
