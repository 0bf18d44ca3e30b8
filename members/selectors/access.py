"""Who may read and change which registry records: the rules behind every
`<entity>_get_for_user(*, user, pk, organization=None, for_change=False)` access helper.

Dashboard, portal and API views fetch organizations, people, affiliations, yearly reports and
change proposals only through those helpers, so the answer is the same everywhere:

- without `organization` (dashboard, API): staff read every record; `for_change` needs a
  registry editor role (clac.roles.REGISTRY_EDITORS) whose scope reaches the record's
  organization (a coordinator: the members of their networks), otherwise 403. Anyone else
  gets 404.
- with `organization` (the portal's current organization): the user must have a portal
  access to it (404 otherwise) and only that organization's records are found (404 for any
  other, so the portal never reveals that they exist); `for_change` needs the portal admin or
  editor role, otherwise 403.

A record is looked up before the change permission is checked: a user who may read a record
but not change it gets 403, and a record they could not read anyway is a 404."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from clac import plugins
from clac.roles import REGISTRY_EDITORS, PortalRole, StaffRole, user_is_staff_member, user_staff_roles
from members.models import Affiliation, Organization, Person, PortalAccess

__all__ = [
    "PERSONAL_DATA_ROLES",
    "organization_can_change",
    "person_can_change",
    "person_personal_data_visible",
    "registry_can_change_everything",
]

# Staff roles whose work needs people's emails, phones and consents in bulk (an export): the
# registry editors, who keep them, and communications, who write to them. Finance and the
# read-only viewer export the directory without them (data minimization, DESIGN §5).
PERSONAL_DATA_ROLES: frozenset[str] = REGISTRY_EDITORS | {StaffRole.COMMUNICATIONS}

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


def _editor_scopes(user) -> list[frozenset[int]] | None:
    """The organizations the user's registry editor roles reach: None when one of their roles
    reaches every organization, otherwise one set of ids per scoped role (an app limits a role
    through clac.plugins role_scopes, e.g. networks limits coordinators to the members of the
    networks they coordinate). Cached on the user for the request."""
    cached: Any = getattr(user, "_clac_editor_scopes", False)  # set below: a list or None
    if cached is not False:
        return cached
    scoped: list[frozenset[int]] = []
    scopes: list[frozenset[int]] | None = scoped
    for role in sorted(user_staff_roles(user) & REGISTRY_EDITORS):
        scope = plugins.role_scope(role)
        if scope is None:
            scopes = None
            break
        scoped.append(frozenset(scope(user)))
    user._clac_editor_scopes = scopes
    return scopes


def registry_can_change_everything(user) -> bool:
    """A registry editor whose roles reach every organization (admin, M&E officer): only they
    run what touches the registry as a whole (imports, merges of duplicates)."""
    return bool(user_staff_roles(user) & REGISTRY_EDITORS) and _editor_scopes(user) is None


def _in_editor_scope(user, organization_ids: set[int]) -> bool:
    scopes = _editor_scopes(user)
    return scopes is None or any(organization_ids & scope for scope in scopes)


def organization_can_change(user, organization: Organization | None, *, portal: bool = False) -> bool:
    """Whether `user` may change the records of `organization` (None: a new organization, or a
    registry record that belongs to no single organization, which any registry editor may
    create). The one place that decides it for the dashboard, the portal and the API.

    Staff (`portal=False`): a registry editor role, and the organization within that role's
    scope: admin and M&E officer reach every organization, a coordinator only the current
    members of the networks they coordinate (docs/decisions/0008).
    Portal (`portal=True`): the user's portal role in that organization must be admin or editor,
    whatever their staff roles (in the portal they act for the organization)."""
    if portal:
        if organization is None:
            return False
        return _portal_roles(user).get(organization.pk) in _PORTAL_EDITOR_ROLES
    if not user_staff_roles(user) & REGISTRY_EDITORS:
        return False
    if organization is None:
        return True
    return _in_editor_scope(user, {organization.pk})


def person_personal_data_visible(user) -> bool:
    """Whether a people export for `user` carries emails, phones and email consents."""
    return bool(user_staff_roles(user) & PERSONAL_DATA_ROLES)


def person_can_change(user, person: Person) -> bool:
    """Staff changing a person: a registry editor whose scope reaches every organization, or
    whose scope holds an organization the person currently serves (a person belongs to no
    single organization; docs/decisions/0008)."""
    if not user_staff_roles(user) & REGISTRY_EDITORS:
        return False
    if _editor_scopes(user) is None:
        return True
    serving = set(
        Affiliation.objects.filter(person=person, end_date__isnull=True).values_list("organization_id", flat=True)
    )
    return _in_editor_scope(user, serving)


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


def require_change(
    user, *, scope: Organization | None, record_organization: Organization | None, person: Person | None = None
) -> None:
    """403 unless the user may change a record of `record_organization` found in `scope` (for a
    person, staff need person_can_change)."""
    if scope is not None:
        allowed = organization_can_change(user, scope, portal=True)
    elif person is not None:
        allowed = person_can_change(user, person)
    else:
        allowed = organization_can_change(user, record_organization)
    if not allowed:
        raise PermissionDenied
