"""What the networks areas' staff API shares: objects fetched through each entity's access
helper (members.api.common.AccessHelperMixin: `for_change` on writes, so a coordinator of
another network gets 403), any staff role reads, administrators and coordinators write."""

from django.db.models import Model

from clac.roles import StaffRole
from members.api.common import StaffViewSet

WRITE_ROLES = (StaffRole.ADMIN, StaffRole.COORDINATOR)
# Largest id the databases store (64-bit): a bigger number is a 400, not a database error.
ID_MAX = 2**63 - 1
# More votes than any assembly has: the service then explains the real limit.
VOTES_MAX = 1_000_000


class NetworksStaffViewSet[M: Model](StaffViewSet[M]):
    write_roles = WRITE_ROLES
