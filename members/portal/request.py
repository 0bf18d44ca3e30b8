"""The request type of members' portal views, for type checkers."""

from clac.access import PortalRequest
from members.models import Organization, PortalAccess


class MemberPortalRequest(PortalRequest):
    """What `clac.access.portal_required` sets, with this app's models: the portal gate
    (members.plugin.portal_accesses) yields PortalAccess rows."""

    portal_access: PortalAccess
    organization: Organization
