"""Reads of product strategies, needs and SPO sustainability strategies, with their access
helpers (one per entity, used by the dashboard, the portal and the API alike).

Who reads what:
- Product strategies and sustainability strategies: every staff role reads; administrators
  and the coordinators of the strategy's network (the product network; the supporting country
  network) change them (403 otherwise). The portal reads only its own organization's
  sustainability strategy.
- Needs carry an organization's difficulties (finance, certification…): administrators, M&E
  officers and viewers read every need; a coordinator reads the needs of the networks they
  coordinate and of those networks' member organizations; finance and communications are
  refused (403). Administrators and those coordinators answer and change them. In the portal,
  an organization finds only its own needs (404 for any other)."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext

from clac.roles import StaffRole, user_has_any_role, user_is_staff_member
from members.models import Country, Organization
from members.selectors.access import access_scope
from networks.models import (
    MarketTarget,
    Need,
    NeedEvent,
    Network,
    NetworkMembership,
    ProductStrategy,
    SustainabilityStrategy,
)
from networks.selectors.networks import (
    CURRENT_MEMBERSHIP,
    coordinator_organization_ids,
    network_can_change,
    network_ids_coordinated_by,
)

__all__ = [
    "SPO_KINDS",
    "NeedFilters",
    "need_can_change",
    "need_get_for_user",
    "need_list_for_user",
    "needs_for_organization",
    "network_section",
    "product_strategy_get_for_user",
    "product_strategy_list",
    "sustainability_adoption_by_country",
    "sustainability_strategy_get_for_user",
    "sustainability_strategy_list",
]

# Small producer organizations: the ones a sustainability strategy is about.
SPO_KINDS = (Organization.Kind.SPO, Organization.Kind.SPO2)
# Staff roles that read every need; coordinators read the needs of their networks.
NEED_READ_ALL_ROLES = (StaffRole.ADMIN, StaffRole.ME_OFFICER, StaffRole.VIEWER)


# --- Product strategies -----------------------------------------------------------------------


def product_strategy_list(*, network: Network | None = None, status: str = "") -> QuerySet[ProductStrategy]:
    queryset = ProductStrategy.objects.select_related("network").annotate(target_count=Count("market_targets"))
    if network is not None:
        queryset = queryset.filter(network=network)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-start_year", "network__name", "id")


def product_strategy_get_for_user(*, user, pk: int, for_change: bool = False) -> ProductStrategy:
    """Any staff member reads; `for_change`: 403 unless the user may change the network's
    records (administrators, its coordinators). 404 for anyone else."""
    access_scope(user=user, organization=None)
    strategy = (
        ProductStrategy.objects.select_related("network", "created_by")
        .prefetch_related(Prefetch("market_targets", queryset=MarketTarget.objects.order_by("year", "market", "id")))
        .filter(pk=pk)
        .first()
    )
    if strategy is None:
        raise Http404
    if for_change and not network_can_change(user, strategy.network):
        raise PermissionDenied
    return strategy


# --- Needs ------------------------------------------------------------------------------------


def _need_scope_q(user) -> Q | None:
    """None: every need; a Q: the needs the (coordinator) user reads. 403 for other roles."""
    if not user_is_staff_member(user):
        raise Http404
    if user_has_any_role(user, NEED_READ_ALL_ROLES):
        return None
    coordinated = network_ids_coordinated_by(user)
    if not user_has_any_role(user, [StaffRole.COORDINATOR]):
        raise PermissionDenied
    return Q(network_id__in=coordinated) | Q(organization_id__in=coordinator_organization_ids(user))


def network_needs_readable(user, network: Network) -> bool:
    """Whether the user reads a network's needs: readers of every need, and the network's own
    coordinators."""
    if not getattr(user, "is_authenticated", False) or not user_is_staff_member(user):
        return False
    if user_has_any_role(user, NEED_READ_ALL_ROLES):
        return True
    return user_has_any_role(user, [StaffRole.COORDINATOR]) and network.pk in network_ids_coordinated_by(user)


def need_can_change(user, need: Need) -> bool:
    """Administrators answer every need; a coordinator those of the networks they coordinate
    and of those networks' member organizations."""
    if user_has_any_role(user, [StaffRole.ADMIN]):
        return True
    if not user_has_any_role(user, [StaffRole.COORDINATOR]):
        return False
    coordinated = network_ids_coordinated_by(user)
    if need.network_id is not None and need.network_id in coordinated:
        return True
    if need.organization_id is None:
        return False
    return coordinator_organization_ids(user).filter(organization_id=need.organization_id).exists()


def need_can_record_for(user, *, organization: Organization | None, network: Network | None) -> bool:
    """Whether a staff user may record a need for this organization and/or network."""
    if user_has_any_role(user, [StaffRole.ADMIN]):
        return True
    if not user_has_any_role(user, [StaffRole.COORDINATOR]):
        return False
    coordinated = network_ids_coordinated_by(user)
    if network is not None and network.pk not in coordinated:
        return False
    if organization is not None and network is None:
        return coordinator_organization_ids(user).filter(organization_id=organization.pk).exists()
    return True


def needs_for_organization(organization: Organization) -> QuerySet[Need]:
    return Need.objects.filter(organization=organization).select_related("network")


def _needs() -> QuerySet[Need]:
    return Need.objects.select_related("organization", "organization__country", "network")


def need_get_for_user(*, user, pk: int, organization: Organization | None = None, for_change: bool = False) -> Need:
    """Staff (no `organization`): see the module's docstring; the portal (`organization`): that
    organization's needs only, never for change."""
    scope = access_scope(user=user, organization=organization)
    if scope is not None:
        need = needs_for_organization(scope).filter(pk=pk).first()
        if need is None:
            raise Http404
        if for_change:
            raise PermissionDenied
        return need
    visible = _need_scope_q(user)
    queryset = _needs() if visible is None else _needs().filter(visible)
    need = queryset.filter(pk=pk).first()
    if need is None:
        # A need outside a coordinator's networks exists for others: 403, as a role refusal.
        if visible is not None and Need.objects.filter(pk=pk).exists():
            raise PermissionDenied
        raise Http404
    if for_change and not need_can_change(user, need):
        raise PermissionDenied
    return need


@dataclass(frozen=True)
class NeedFilters:
    category: str = ""
    status: str = ""
    priority: str = ""
    country: Country | None = None
    network: Network | None = None
    organization: Organization | None = None
    open_only: bool = False


def need_list_for_user(*, user, filters: NeedFilters | None = None) -> QuerySet[Need]:
    """The needs the user reads (403 for staff roles that read none), filtered, urgent first
    then newest first. Rows carry their organization, its country and the network."""
    visible = _need_scope_q(user)
    queryset = _needs()
    if visible is not None:
        queryset = queryset.filter(visible)
    filters = filters or NeedFilters()
    if filters.category:
        queryset = queryset.filter(category=filters.category)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.open_only:
        queryset = queryset.exclude(status=Need.Status.CLOSED)
    if filters.priority:
        queryset = queryset.filter(priority=filters.priority)
    if filters.country is not None:
        queryset = queryset.filter(
            Q(organization__country=filters.country) | Q(organization__isnull=True, network__countries=filters.country)
        )
    if filters.network is not None:
        # The network's own needs and those of its current member organizations.
        members = current_member_ids(network_id=filters.network.pk)
        queryset = queryset.filter(Q(network=filters.network) | Q(organization_id__in=members))
    if filters.organization is not None:
        queryset = queryset.filter(organization=filters.organization)
    return queryset.order_by("priority_rank", "-created_at", "-id")


def current_member_ids(*, network_id: int) -> QuerySet:
    """Ids of a network's current member organizations (a subquery)."""
    return NetworkMembership.objects.filter(CURRENT_MEMBERSHIP, network_id=network_id).values("organization_id")


def need_events(*, need: Need) -> list[NeedEvent]:
    return list(need.events.select_related("actor").order_by("at", "id"))


def need_counts_by_status(queryset: QuerySet[Need]) -> dict[str, int]:
    counts = dict(queryset.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in Need.Status.values}


# --- Sustainability strategies ----------------------------------------------------------------


def sustainability_strategy_get_for_user(
    *, user, pk: int, organization: Organization | None = None, for_change: bool = False
) -> SustainabilityStrategy:
    """Any staff member reads; `for_change`: 403 unless the user may change the supporting
    country network's records. The portal: only its own organization's strategy."""
    scope = access_scope(user=user, organization=organization)
    queryset = SustainabilityStrategy.objects.select_related(
        "organization", "organization__country", "supporting_network", "updated_by"
    )
    if scope is not None:
        queryset = queryset.filter(organization=scope)
    strategy = queryset.filter(pk=pk).first()
    if strategy is None:
        raise Http404
    if for_change and (scope is not None or not network_can_change(user, strategy.supporting_network)):
        raise PermissionDenied
    return strategy


def sustainability_strategy_for_organization(*, organization: Organization) -> SustainabilityStrategy | None:
    return SustainabilityStrategy.objects.select_related("supporting_network").filter(organization=organization).first()


def sustainability_strategy_history(*, strategy: SustainabilityStrategy, limit: int = 20) -> list[Any]:
    """The strategy's earlier states, newest first (status, areas, date, who)."""
    return list(
        SustainabilityStrategy.history.filter(id=strategy.pk)
        .select_related("history_user", "supporting_network")
        .order_by("-history_date", "-history_id")[:limit]
    )


def sustainability_strategy_list(
    *, status: str = "", country: Country | None = None, network: Network | None = None, area: str = ""
) -> QuerySet[SustainabilityStrategy]:
    queryset = SustainabilityStrategy.objects.select_related(
        "organization", "organization__country", "supporting_network"
    )
    if status:
        queryset = queryset.filter(status=status)
    if country is not None:
        queryset = queryset.filter(organization__country=country)
    if network is not None:
        queryset = queryset.filter(supporting_network=network)
    if area:
        # JSON containment is PostgreSQL-only; a text match on the stored list works everywhere
        # (area codes are distinct words in quotes).
        queryset = queryset.filter(areas__icontains=f'"{area}"')
    return queryset.order_by("organization__name", "id")


def sustainability_adoption_by_country(*, network: Network) -> list[dict[str, Any]]:
    """For each country of a country network: its SPOs (current members of the network, kinds
    spo and spo2), how many have an adopted sustainability strategy, and the share in percent.
    One query (grouped by country)."""
    rows = (
        Organization.objects.filter(
            kind__in=SPO_KINDS,
            network_memberships__network=network,
            network_memberships__until__isnull=True,
            network_memberships__excluded=False,
        )
        .values("country_id", "country__name")
        .annotate(
            spos=Count("id", distinct=True),
            adopted=Count("id", distinct=True, filter=Q(sustainability_strategy__status="adopted")),
            drafting=Count("id", distinct=True, filter=Q(sustainability_strategy__status="drafting")),
        )
        .order_by("country__name")
    )
    return [
        {
            "country_code": row["country_id"],
            "country_name": gettext(row["country__name"]),
            "spos": row["spos"],
            "adopted": row["adopted"],
            "drafting": row["drafting"],
            "share": round(100 * row["adopted"] / row["spos"]) if row["spos"] else 0,
        }
        for row in rows
    ]


# --- The network page ---------------------------------------------------------------------------


def network_section(*, network: Network) -> dict[str, Any] | None:
    """The strategies part of a network's page: a product network's strategies and open needs;
    a country network's SPO sustainability figure per country and open needs. None for the
    workers network (it has neither)."""
    if network.kind == Network.Kind.PRODUCT:
        strategies = list(product_strategy_list(network=network)[:5])
        return {"product_strategies": strategies, "adoption": None}
    if network.kind == Network.Kind.COUNTRY:
        return {"product_strategies": None, "adoption": sustainability_adoption_by_country(network=network)}
    return None
