"""Reads of the networks area, and who may change a network's records (the one place that
decides it for the dashboard, the portal and the API of every area of this app)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
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


def network_member_figures(*, network: Network) -> dict[str, Any]:
    """A network's current members counted by country, by kind and by size band: one query,
    whatever the number of members. The members are grouped by country, kind and band at once
    (at most countries x kinds x bands rows), each member's size read once (its latest approved
    yearly report: LATERAL on PostgreSQL, a correlated subquery on SQLite, the demo's database),
    and the three tallies summed here."""
    membership = NetworkMembership._meta.db_table
    organization = Organization._meta.db_table
    country = Country._meta.db_table
    report = YearlyReport._meta.db_table
    bands_sql = " ".join(
        f"WHEN sized.total >= {int(low)}"
        + (f" AND sized.total < {int(high)}" if high is not None else "")
        + f" THEN '{key}'"
        for key, _label, low, high in SIZE_BANDS
    )
    if connection.vendor == "postgresql":
        # LATERAL reads each member's latest report once; a correlated subquery in a derived
        # table would be pulled up and run again for every WHEN of the CASE (5x slower).
        size_join = f"""
            LEFT JOIN LATERAL (
                SELECT report.members_total AS total FROM {report} report
                WHERE report.organization_id = member.organization_id AND report.status = %s
                    AND report.members_total IS NOT NULL
                ORDER BY report.year DESC LIMIT 1
            ) size ON TRUE"""  # noqa: S608
        size_column = "size.total"
    else:
        # SQLite (the demo) has no LATERAL: the same read as a correlated subquery.
        size_join = ""
        size_column = f"""(
                SELECT report.members_total FROM {report} report
                WHERE report.organization_id = member.organization_id AND report.status = %s
                    AND report.members_total IS NOT NULL
                ORDER BY report.year DESC LIMIT 1
            )"""  # noqa: S608
    sql = f"""
        SELECT sized.country_id, sized.name, sized.kind, CASE {bands_sql} ELSE '' END AS band, COUNT(*)
        FROM (
            SELECT org.country_id, country.name, org.kind, {size_column} AS total
            FROM {membership} member
            JOIN {organization} org ON org.id = member.organization_id
            JOIN {country} country ON country.code = org.country_id{size_join}
            WHERE member.network_id = %s AND member.until IS NULL AND NOT member.excluded
        ) sized
        GROUP BY 1, 2, 3, 4
    """  # noqa: S608 (table names from the models, bands from SIZE_BANDS)
    with connection.cursor() as cursor:
        cursor.execute(sql, [YearlyReport.Status.APPROVED, network.pk])
        rows = cursor.fetchall()
    countries: dict[str, list] = {}
    kinds: dict[str, int] = {}
    bands = dict.fromkeys([key for key, *_rest in SIZE_BANDS], 0)
    unknown = total = 0
    for code, name, kind, band, count in rows:
        total += count
        countries.setdefault(code, [code, name, 0])[2] += count
        kinds[kind] = kinds.get(kind, 0) + count
        if band:
            bands[band] += count
        else:
            unknown += count
    ordered = sorted(countries.values(), key=lambda row: (-row[2], row[1]))
    by_country = [(code, gettext(name), count) for code, name, count in ordered]
    kind_labels = dict(Organization.Kind.choices)
    by_kind = [(kind, kind_labels[kind], kinds[kind]) for kind in kind_labels if kind in kinds]
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


def _page_by_ids(ordered: QuerySet, *, number: Any, per_page: int, related: tuple[str, ...]) -> Page:
    """A page of `ordered` in two queries besides the count: the page's ids in order (narrow:
    no wide rows sorted or skipped over), then those rows with their `related` ones."""
    page = Paginator(ordered.values_list("pk", flat=True), per_page).get_page(number)
    ids = list(page.object_list)
    by_id = {row.pk: row for row in ordered.model.objects.filter(pk__in=ids).select_related(*related)}
    page.object_list = [by_id[pk] for pk in ids]
    return page


def network_members_page(*, network: Network, query: str = "", number: Any = None, per_page: int = 50) -> Page:
    """One page of network_members, by ids then rows (_page_by_ids): sorting every member's
    full rows to keep fifty cost most of the network page for a network of thousands."""
    return _page_by_ids(
        network_members(network=network, query=query),
        number=number,
        per_page=per_page,
        related=("organization", "organization__country", "organization__membership"),
    )


def network_membership_history_page(*, network: Network, number: Any = None, per_page: int = 50) -> Page:
    """One page of network_membership_history, by ids then rows (_page_by_ids): its last page
    otherwise reads and skips every earlier row with its organization."""
    return _page_by_ids(
        network_membership_history(network=network),
        number=number,
        per_page=per_page,
        related=("organization", "organization__country", "changed_by"),
    )


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
