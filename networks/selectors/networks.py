"""Reads of the networks area, and who may change a network's records (the one place that
decides it for the dashboard, the portal and the API of every area of this app)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clac.models import User
from clac.roles import StaffRole, user_has_any_role, user_is_staff_member
from members.models import Country, Organization, YearlyReport
from networks.models import Network, NetworkMembership

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


# --- Membership -----------------------------------------------------------------------------

# A current membership: open-ended and not an exclusion by hand (an exit "kept out" leaves a
# current row with excluded=True, which stops the sync re-adding the organization; it is not
# a membership). Every count and list of members uses this.
CURRENT_MEMBERSHIP = Q(until__isnull=True, excluded=False)


def coordinator_organization_ids(user) -> QuerySet:
    """Ids of the organizations with a current membership in a network the user coordinates:
    the coordinator's scope in the registry (clac.plugins role_scopes, docs/decisions/0008)."""
    return (
        NetworkMembership.objects.filter(CURRENT_MEMBERSHIP, network_id__in=network_ids_coordinated_by(user))
        .values_list("organization_id", flat=True)
        .distinct()
    )


# --- Access helpers -----------------------------------------------------------------------


def network_get_for_user(*, user, pk: int, for_change: bool = False) -> Network:
    """A network, for any staff member (404 for anyone else and for an unknown one).
    `for_change`: 403 unless network_can_change."""
    if not user_is_staff_member(user):
        raise Http404
    network = Network.objects.filter(pk=pk).first()
    if network is None:
        raise Http404
    if for_change and not network_can_change(user, network):
        raise PermissionDenied
    return network


def network_membership_get_for_user(*, user, pk: int, for_change: bool = False) -> NetworkMembership:
    """A membership row, for any staff member; `for_change`: 403 unless the user may change
    its network's records."""
    if not user_is_staff_member(user):
        raise Http404
    membership = (
        NetworkMembership.objects.select_related("network", "organization", "organization__country")
        .filter(pk=pk)
        .first()
    )
    if membership is None:
        raise Http404
    if for_change and not network_can_change(user, membership.network):
        raise PermissionDenied
    return membership


# --- Dashboard reads --------------------------------------------------------------------------


def network_list(*, kind: str = "", mine_for=None) -> QuerySet[Network]:
    """Networks with their current member count (one query, plus one each for the countries
    and coordinators of the page), country networks first. `mine_for`: only the networks that
    user coordinates."""
    qs = (
        Network.objects.annotate(
            member_count=Count("memberships", filter=Q(memberships__until__isnull=True, memberships__excluded=False))
        )
        .prefetch_related(
            Prefetch("countries", queryset=Country.objects.order_by("name")),
            Prefetch("coordinators", queryset=User.objects.order_by("first_name", "last_name", "id")),
        )
        .order_by("kind", "name", "id")
    )
    if kind:
        qs = qs.filter(kind=kind)
    if mine_for is not None:
        qs = qs.filter(pk__in=network_ids_coordinated_by(mine_for))
    return qs


# Size bands by members total of the latest approved yearly report (DESIGN §1: from under 30
# to 16,000). (key, label, lower bound inclusive, upper bound exclusive or None).
SIZE_BANDS: tuple[tuple[str, Any, int, int | None], ...] = (
    ("lt50", _("Under 50 members"), 0, 50),
    ("50_199", _("50 to 199 members"), 50, 200),
    ("200_499", _("200 to 499 members"), 200, 500),
    ("500_1999", _("500 to 1,999 members"), 500, 2000),
    ("2000", _("2,000 members or more"), 2000, None),
)


def _latest_approved_members_total() -> Subquery:
    return Subquery(
        YearlyReport.objects.filter(
            organization=OuterRef("organization"),
            status=YearlyReport.Status.APPROVED,
            members_total__isnull=False,
        )
        .order_by("-year")
        .values("members_total")[:1]
    )


def network_member_figures(*, network: Network) -> dict[str, Any]:
    """A network's current members counted by country, by kind and by size band: three
    queries, whatever the number of members."""
    current = NetworkMembership.objects.filter(CURRENT_MEMBERSHIP, network=network)
    by_country = [
        (row["organization__country"], gettext(row["organization__country__name"]), row["total"])
        for row in current.values("organization__country", "organization__country__name")
        .annotate(total=Count("id"))
        .order_by("-total", "organization__country__name")
    ]
    kind_labels = dict(Organization.Kind.choices)
    kind_counts = dict(current.values_list("organization__kind").annotate(total=Count("id")).order_by())
    by_kind = [(kind, kind_labels[kind], kind_counts[kind]) for kind in kind_labels if kind in kind_counts]
    # One subquery per member, grouped by its value; the bands are summed here (a page of a
    # few hundred distinct sizes at most), rather than re-running the subquery per band.
    sizes = current.annotate(size=_latest_approved_members_total()).values("size").annotate(n=Count("id")).order_by()
    bands = dict.fromkeys([key for key, *_rest in SIZE_BANDS], 0)
    unknown = total = 0
    for row in sizes:
        size, count = row["size"], row["n"]
        total += count
        if size is None:
            unknown += count
            continue
        for key, _label, low, high in SIZE_BANDS:
            if size >= low and (high is None or size < high):
                bands[key] += count
                break
    by_size = [(key, label, bands[key]) for key, label, _low, _high in SIZE_BANDS]
    return {
        "total": total,
        "by_country": by_country,
        "by_kind": by_kind,
        "by_size": by_size,
        "size_unknown": unknown,
    }


def network_members(*, network: Network, query: str = "") -> QuerySet[NetworkMembership]:
    """The network's current members (memberships with their organization), by name."""
    qs = NetworkMembership.objects.filter(CURRENT_MEMBERSHIP, network=network).select_related(
        "organization", "organization__country", "organization__membership"
    )
    query = (query or "").strip()
    if query:
        qs = qs.filter(
            Q(organization__name__icontains=query)
            | Q(organization__flo_id__icontains=query)
            | Q(organization__locality__icontains=query)
        )
    return qs.order_by("organization__name", "id")


def network_membership_history(*, network: Network) -> QuerySet[NetworkMembership]:
    """Every membership row of the network, current and past, exclusions included: the most
    recent change first."""
    return (
        NetworkMembership.objects.filter(network=network)
        .select_related("organization", "organization__country", "changed_by")
        .order_by("-id")
    )


def organization_networks(*, organization: Organization) -> dict[str, list[NetworkMembership]]:
    """The organization's memberships (exclusions left out): current ones by kind and name,
    then past ones, the most recent first. One query."""
    rows = list(
        NetworkMembership.objects.filter(organization=organization, excluded=False)
        .select_related("network")
        .order_by("network__kind", "network__name", "-since", "-id")
    )
    current = [row for row in rows if row.until is None]
    past = sorted((row for row in rows if row.until is not None), key=lambda row: (row.until, row.pk), reverse=True)
    return {"current": current, "past": past}


def organization_networks_context(*, organization: Organization) -> dict[str, Any]:
    """The portal home panel: the organization's current networks (one query)."""
    return {
        "current_networks": list(
            Network.objects.filter(
                Exists(
                    NetworkMembership.objects.filter(
                        CURRENT_MEMBERSHIP, network=OuterRef("pk"), organization=organization
                    )
                )
            ).order_by("kind", "name")
        )
    }


# --- Partner API -----------------------------------------------------------------------------


def network_partner_list(*, kind: str = "", countries: list[str] | None = None) -> QuerySet[Network]:
    """Active networks for the partner API (no people), with their countries prefetched."""
    qs = Network.objects.filter(is_active=True).prefetch_related(
        Prefetch("countries", queryset=Country.objects.order_by("code"))
    )
    if kind:
        qs = qs.filter(kind=kind)
    if countries:
        qs = qs.filter(
            Exists(Network.countries.through.objects.filter(network_id=OuterRef("pk"), country_id__in=countries))
        )
    return qs.order_by("kind", "name", "id")


def network_member_counts(*, network_ids: list[int]) -> dict[int, dict[str, dict[str, int]]]:
    """Network id → {"total": {"all": n}, "by_country": {code: n}, "by_kind": {kind: n}} for
    the given networks, from one grouped query."""
    counts: dict[int, dict[str, Any]] = {pk: {"total": 0, "by_country": {}, "by_kind": {}} for pk in network_ids}
    rows = (
        NetworkMembership.objects.filter(CURRENT_MEMBERSHIP, network_id__in=network_ids)
        .values_list("network_id", "organization__country_id", "organization__kind")
        .annotate(total=Count("id"))
        .order_by()
    )
    for network_id, country_id, kind, total in rows:
        entry = counts[network_id]
        entry["total"] += total
        entry["by_country"][country_id] = entry["by_country"].get(country_id, 0) + total
        entry["by_kind"][kind] = entry["by_kind"].get(kind, 0) + total
    return counts
