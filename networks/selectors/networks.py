"""Reads of the networks area, and who may change a network's records (the one place that
decides it for the dashboard, the portal and the API of every area of this app)."""

from django.db.models import QuerySet

from clac.roles import StaffRole, user_has_any_role
from networks.models import Network

# Staff roles that change networks' records: administrators everywhere, coordinators in the
# networks they coordinate. Every staff role reads.
NETWORK_ADMIN_ROLES = frozenset({StaffRole.ADMIN})


def network_ids_coordinated_by(user) -> frozenset[int]:
    """Ids of the networks the user coordinates (cached on the user for the request)."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return frozenset()
    cached = getattr(user, "_clac_coordinated_networks", None)
    if cached is None:
        if user_has_any_role(user, [StaffRole.COORDINATOR]):
            cached = frozenset(Network.objects.filter(coordinators=user).values_list("id", flat=True))
        else:
            cached = frozenset()
        user._clac_coordinated_networks = cached
    return cached


def network_can_change(user, network: Network | None) -> bool:
    """Whether the user may change the records of `network` (None: CLAC's own bodies and
    assemblies, which only administrators change). Administrators change every network's;
    a coordinator only the networks they coordinate; other staff roles read only."""
    if user_has_any_role(user, NETWORK_ADMIN_ROLES):
        return True
    if network is None:
        return False
    return network.pk in network_ids_coordinated_by(user)


def networks_changeable_by(user) -> QuerySet[Network]:
    if user_has_any_role(user, NETWORK_ADMIN_ROLES):
        return Network.objects.all()
    return Network.objects.filter(pk__in=network_ids_coordinated_by(user))
