"""What the networks areas' staff API shares: objects fetched through each entity's access
helper (members.api.common.AccessHelperMixin: `for_change` on writes, so a coordinator of
another network gets 403), any staff role reads, administrators and coordinators write."""

from django.db.models import Model

from clac.roles import StaffRole
from members.api.common import StaffViewSet

WRITE_ROLES = (StaffRole.ADMIN, StaffRole.COORDINATOR)


class NetworksStaffViewSet[M: Model](StaffViewSet[M]):
    write_roles = WRITE_ROLES
