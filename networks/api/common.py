"""What the networks areas' staff API shares: objects fetched through each entity's access
helper (members.api.common.AccessHelperMixin: `for_change` on writes, so a coordinator of
another network gets 403), any staff role reads, administrators and coordinators write."""

from django.db.models import Model

from clac.api.filters import ID_MAX
from clac.roles import StaffRole
from members.api.common import StaffViewSet

WRITE_ROLES = (StaffRole.ADMIN, StaffRole.COORDINATOR)
__all__ = ["ID_MAX", "VOTES_MAX", "WRITE_ROLES", "NetworksStaffViewSet"]
# More votes than any assembly has: the service then explains the real limit.
VOTES_MAX = 1_000_000


class NetworksStaffViewSet[M: Model](StaffViewSet[M]):
    write_roles = WRITE_ROLES
