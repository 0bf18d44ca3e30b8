"""Writes of the networks area: networks themselves, and which organizations belong to them.

Membership is kept in sync with the registry (docs/decisions/0008): an organization whose CLAC
membership is active belongs to its country's network(s), to the product networks of what it
sells and, for a hired-labour workers' committee, to the workers network. The sync opens and
closes AUTOMATIC rows only; staff add (MANUAL) and end memberships by hand, and an exit "kept
out by hand" leaves a current `excluded` row that stops the sync from adding the organization
back until staff lift it.

One function decides what the registry expects (`_expected`), for the per-organization sync
run on every registry change and for the nightly reconciliation alike, which walks the registry
by id in batches with a fixed number of queries each."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from clac.models import User
from clac.roles import StaffRole
from members.models import Country, Membership, Organization, ProductNetwork
from networks.models import Network, NetworkMembership

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "RECONCILE_BATCH_SIZE",
    "network_create",
    "network_membership_add",
    "network_membership_end",
    "network_memberships_reconcile",
    "network_memberships_sync",
    "network_update",
]

RECONCILE_BATCH_SIZE = 2000
NETWORK_EDITABLE_FIELDS = frozenset(
    {"name", "countries", "product_network", "coordinators", "founded_year", "description", "is_active"}
)
# Only members in good standing take part in the networks; see docs/decisions/0008.
ELIGIBLE_MEMBERSHIP_STATUSES = frozenset({Membership.Status.ACTIVE})


def _set_history_user(instance: Any, actor: User | None) -> None:
    if actor is not None and getattr(actor, "pk", None) is not None:
        instance._history_user = actor


def _actor_or_none(actor: User | None) -> User | None:
    return actor if getattr(actor, "pk", None) is not None else None


# --- Networks -----------------------------------------------------------------------------


def _validate_network(
    *,
    network: Network,
    countries: list[Country] | None,
    coordinators: list[User] | None,
) -> None:
    """Every problem at once. `countries`/`coordinators` None: unchanged (update)."""
    errors: dict[str, list[str]] = {}
    if network.kind not in Network.Kind.values:
        errors.setdefault("kind", []).append(_("Choose the kind of network."))
    if not (network.name or "").strip():
        errors.setdefault("name", []).append(_("Give the network a name."))
    elif Network.objects.filter(name__iexact=network.name.strip()).exclude(pk=network.pk).exists():
        errors.setdefault("name", []).append(_("Another network already has this name."))

    if network.kind == Network.Kind.PRODUCT:
        if network.product_network not in ProductNetwork.values:
            errors.setdefault("product_network", []).append(_("Choose the product category of this network."))
        elif (
            Network.objects.filter(kind=Network.Kind.PRODUCT, product_network=network.product_network)
            .exclude(pk=network.pk)
            .exists()
        ):
            errors.setdefault("product_network", []).append(_("There is already a network for this product category."))
    elif network.product_network:
        errors.setdefault("product_network", []).append(_("Only a product network has a product category."))

    if (
        network.kind == Network.Kind.WORKERS
        and Network.objects.filter(kind=Network.Kind.WORKERS).exclude(pk=network.pk).exists()
    ):
        errors.setdefault("kind", []).append(_("There is already a workers network."))

    if countries is not None:
        if network.kind == Network.Kind.COUNTRY:
            if not countries:
                errors.setdefault("countries", []).append(_("A country network covers at least one country."))
            elif network.is_active:
                # A country belongs to at most one active country network: the sync joins an
                # organization to the network of its country, which must be one answer.
                taken = (
                    Network.countries.through.objects.filter(
                        country_id__in=[c.pk for c in countries],
                        network__kind=Network.Kind.COUNTRY,
                        network__is_active=True,
                    )
                    .exclude(network_id=network.pk)
                    .select_related("country", "network")
                    .order_by("country_id")
                )
                for row in taken:
                    errors.setdefault("countries", []).append(
                        _("%(country)s already belongs to the network %(network)s.")
                        % {"country": row.country, "network": row.network.name}
                    )
        elif countries:
            errors.setdefault("countries", []).append(
                _("Only a country network covers countries; product and workers networks span the region.")
            )

    if coordinators:
        coordinator_ids = set(
            User.objects.filter(pk__in=[u.pk for u in coordinators], groups__name=StaffRole.COORDINATOR).values_list(
                "pk", flat=True
            )
        )
        for user in coordinators:
            if user.pk not in coordinator_ids:
                errors.setdefault("coordinators", []).append(
                    _("%(user)s is not a staff member with the coordinator role.")
                    % {"user": user.get_full_name() or user.get_username()}
                )
    if errors:
        raise ValidationError(errors)


def _check_active_country_clash(network: Network) -> None:
    """Reactivating a country network must not give a country a second active network."""
    _validate_network(network=network, countries=list(network.countries.all()), coordinators=None)


@transaction.atomic
def network_create(
    *,
    actor: User | None,
    kind: str,
    name: str,
    countries: Iterable[Country] = (),
    product_network: str = "",
    coordinators: Iterable[User] = (),
    founded_year: int | None = None,
    description: str = "",
    is_active: bool = True,
) -> Network:
    """Create a network and join the organizations the registry puts in it."""
    countries, coordinators = list(countries), list(coordinators)
    network = Network(
        kind=kind,
        name=(name or "").strip(),
        product_network=product_network or "",
        founded_year=founded_year,
        description=(description or "").strip(),
        is_active=is_active,
    )
    _validate_network(network=network, countries=countries, coordinators=coordinators)
    _set_history_user(network, actor)
    network.save()
    if countries:
        network.countries.set(countries)
    if coordinators:
        network.coordinators.set(coordinators)
    _reconcile_network(network=network, country_codes=set(), actor=actor)
    return network


@transaction.atomic
def network_update(*, actor: User | None, network: Network, **fields: Any) -> Network:
    """Change a network. `countries` and `coordinators` replace their sets. The kind cannot
    change (its memberships and bodies depend on it). When what decides membership changes
    (countries, product category, active), the affected organizations are synced at once."""
    unknown = set(fields) - NETWORK_EDITABLE_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), _("This field cannot be changed here.")))
    locked = Network.objects.select_for_update().get(pk=network.pk)
    old_countries = set(locked.countries.values_list("code", flat=True))
    countries = list(fields.pop("countries")) if "countries" in fields else None
    coordinators = list(fields.pop("coordinators")) if "coordinators" in fields else None
    changed = []
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        if name == "product_network":
            value = value or ""
        if getattr(locked, name) != value:
            setattr(locked, name, value)
            changed.append(name)
    countries_changed = countries is not None and {c.pk for c in countries} != old_countries
    reactivated = "is_active" in changed and locked.is_active
    _validate_network(
        network=locked,
        countries=countries if countries is not None else (list(locked.countries.all()) if reactivated else None),
        coordinators=coordinators,
    )
    if changed:
        _set_history_user(locked, actor)
        locked.save(update_fields=[*changed, "updated_at"])
    if countries is not None and countries_changed:  # countries_changed implies a list
        locked.countries.set(countries)
    if coordinators is not None and {u.pk for u in coordinators} != set(
        locked.coordinators.values_list("pk", flat=True)
    ):
        locked.coordinators.set(coordinators)
    if countries_changed or {"product_network", "is_active"} & set(changed):
        _reconcile_network(network=locked, country_codes=old_countries, actor=actor)
    return locked


# --- What the registry expects ------------------------------------------------------------


@dataclass
class _NetworkMap:
    """The active networks, by what joins an organization to them (two queries)."""

    by_country: dict[str, list[int]] = field(default_factory=dict)
    by_product_network: dict[str, int] = field(default_factory=dict)
    workers: int | None = None
    names: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "_NetworkMap":
        networks = cls()
        for pk, kind, product_network, name in Network.objects.filter(is_active=True).values_list(
            "pk", "kind", "product_network", "name"
        ):
            networks.names[pk] = name
            if kind == Network.Kind.PRODUCT:
                networks.by_product_network[product_network] = pk
            elif kind == Network.Kind.WORKERS:
                networks.workers = pk
        for network_id, country_id in Network.countries.through.objects.filter(
            network__is_active=True, network__kind=Network.Kind.COUNTRY
        ).values_list("network_id", "country_id"):
            networks.by_country.setdefault(country_id, []).append(network_id)
        return networks


@dataclass(frozen=True)
class _OrganizationFacts:
    country_id: str
    kind: str
    membership_status: str | None
    product_networks: frozenset[str]

    @property
    def eligible(self) -> bool:
        return self.membership_status in ELIGIBLE_MEMBERSHIP_STATUSES


def _expected(facts: _OrganizationFacts, networks: _NetworkMap) -> dict[int, str]:
    """Network id → why the registry puts the organization there (empty when its CLAC
    membership is not active)."""
    if not facts.eligible:
        return {}
    expected: dict[int, str] = {}
    network_id: int | None
    for network_id in networks.by_country.get(facts.country_id, ()):
        expected[network_id] = _("Country in the registry")
    labels = dict(ProductNetwork.choices)
    for category in sorted(facts.product_networks):
        network_id = networks.by_product_network.get(category)
        if network_id is not None:
            expected[network_id] = _("Sells %(category)s") % {"category": labels.get(category, category)}
    if facts.kind == Organization.Kind.HL and networks.workers is not None:
        expected[networks.workers] = _("Hired-labour workers' committee")
    return expected


def _organization_facts(organization_rows: list[tuple], first_id: int, last_id: int) -> dict[int, _OrganizationFacts]:
    categories: dict[int, set[str]] = {}
    for organization_id, category in (
        Organization.products.through.objects.filter(organization_id__gte=first_id, organization_id__lte=last_id)
        .values_list("organization_id", "product__network")
        .order_by()
    ):
        categories.setdefault(organization_id, set()).add(category)
    return {
        pk: _OrganizationFacts(
            country_id=country_id,
            kind=kind,
            membership_status=status,
            product_networks=frozenset(categories.get(pk, ())),
        )
        for pk, country_id, kind, status in organization_rows
    }


def _sync_batch(
    *,
    organization_rows: list[tuple],
    networks: _NetworkMap,
    today: datetime.date,
    actor: User | None,
) -> tuple[int, int]:
    """Bring the current memberships of these organizations (rows of id, country, kind,
    membership status, sorted by id and locked by the caller) in line with the registry, in a
    fixed number of queries. Returns (opened, closed)."""
    if not organization_rows:
        return 0, 0
    first_id, last_id = organization_rows[0][0], organization_rows[-1][0]
    facts = _organization_facts(organization_rows, first_id, last_id)
    current: dict[tuple[int, int], tuple[int, str, bool]] = {
        (network_id, organization_id): (pk, source, excluded)
        for pk, network_id, organization_id, source, excluded in NetworkMembership.objects.filter(
            organization_id__gte=first_id, organization_id__lte=last_id, until__isnull=True
        )
        .values_list("pk", "network_id", "organization_id", "source", "excluded")
        .order_by()
    }
    actor = _actor_or_none(actor)
    to_open: list[NetworkMembership] = []
    to_close: dict[int, str] = {}
    for organization_id, organization_facts in facts.items():
        expected = _expected(organization_facts, networks)
        for network_id, reason in expected.items():
            # Any current row stands: a membership (automatic or by hand) or an exclusion.
            if (network_id, organization_id) not in current:
                to_open.append(
                    NetworkMembership(
                        network_id=network_id,
                        organization_id=organization_id,
                        since=today,
                        source=NetworkMembership.Source.AUTOMATIC,
                        reason=reason[:300],
                        changed_by=actor,
                    )
                )
    for (network_id, organization_id), (pk, source, excluded) in current.items():
        if source != NetworkMembership.Source.AUTOMATIC or excluded or organization_id not in facts:
            continue
        organization_facts = facts[organization_id]
        if network_id in _expected(organization_facts, networks):
            continue
        if not organization_facts.eligible:
            labels: dict[str | None, StrOrPromise] = dict(Membership.Status.choices)
            status = organization_facts.membership_status
            to_close[pk] = _("CLAC membership is %(status)s") % {
                "status": str(labels.get(status, status or _("not recorded"))).lower()
            }
        else:
            to_close[pk] = _("No longer matches the registry (country, products or kind)")

    change_reason = _("Membership sync with the registry")
    if to_open:
        bulk_create_with_history(
            to_open, NetworkMembership, batch_size=1000, default_user=actor, default_change_reason=change_reason
        )
    if to_close:
        now = timezone.now()
        rows = list(NetworkMembership.objects.filter(pk__in=list(to_close)))
        for row in rows:
            row.until = max(today, row.since)
            row.reason = to_close[row.pk][:300]
            row.changed_by = actor
            row.updated_at = now
        bulk_update_with_history(
            rows,
            NetworkMembership,
            ["until", "reason", "changed_by", "updated_at"],
            batch_size=1000,
            default_user=actor,
            default_change_reason=change_reason,
        )
    return len(to_open), len(to_close)


def _locked_rows(queryset, limit: int | None = None) -> list[tuple]:
    # Locking the organization rows serializes the sync with registry writes and with the
    # manual services (which lock the same row), so two of them never open the same
    # membership twice. `of` keeps the lock off the outer-joined membership row (PostgreSQL
    # refuses to lock the nullable side of an outer join).
    rows = (
        queryset.select_for_update(of=("self",))
        .order_by("pk")
        .values_list("pk", "country_id", "kind", "membership__status")
    )
    return list(rows[:limit] if limit is not None else rows)


def _expected_for(organization: Organization) -> dict[int, str]:
    row = (
        Organization.objects.filter(pk=organization.pk)
        .values_list("pk", "country_id", "kind", "membership__status")
        .first()
    )
    if row is None:
        return {}
    facts = _organization_facts([row], row[0], row[0])
    return _expected(facts[row[0]], _NetworkMap.load())


@transaction.atomic
def network_memberships_sync(
    *, organization: Organization, actor: User | None = None, today: datetime.date | None = None
) -> dict[str, int]:
    """Open the automatic memberships the registry now expects for this organization and close
    those it no longer does; memberships added by hand and exclusions stay. Idempotent."""
    today = today or timezone.localdate()
    rows = _locked_rows(Organization.objects.filter(pk=organization.pk))
    opened, closed = _sync_batch(organization_rows=rows, networks=_NetworkMap.load(), today=today, actor=actor)
    return {"opened": opened, "closed": closed}


def _reconcile(
    *,
    queryset,
    today: datetime.date,
    actor: User | None,
    batch_size: int,
) -> dict[str, int]:
    networks = _NetworkMap.load()
    totals = {"organizations": 0, "opened": 0, "closed": 0, "batches": 0}
    last_id = 0
    while True:
        # Each batch is its own transaction (joined to the caller's, if any): the nightly run
        # never holds the whole registry's locks at once.
        with transaction.atomic():
            rows = _locked_rows(queryset.filter(pk__gt=last_id), batch_size)
            if not rows:
                break
            opened, closed = _sync_batch(organization_rows=rows, networks=networks, today=today, actor=actor)
        last_id = rows[-1][0]
        totals["organizations"] += len(rows)
        totals["opened"] += opened
        totals["closed"] += closed
        totals["batches"] += 1
        if len(rows) < batch_size:
            break
    return totals


def network_memberships_reconcile(
    *, today: datetime.date | None = None, batch_size: int = RECONCILE_BATCH_SIZE
) -> dict[str, int]:
    """The nightly reconciliation: every organization's memberships brought in line with the
    registry, walked by id in batches of a fixed number of queries. Idempotent: a second run
    opens and closes nothing. Returns counts (organizations, opened, closed, batches)."""
    today = today or timezone.localdate()
    return _reconcile(queryset=Organization.objects.all(), today=today, actor=None, batch_size=batch_size)


def _reconcile_network(*, network: Network, country_codes: set[str], actor: User | None) -> None:
    """After a network's structure changed: sync the organizations it may gain or lose."""
    condition = Q(Exists(NetworkMembership.objects.filter(organization=OuterRef("pk"), network=network)))
    if network.kind == Network.Kind.COUNTRY:
        codes = country_codes | set(network.countries.values_list("code", flat=True))
        condition |= Q(country_id__in=codes)
    elif network.kind == Network.Kind.PRODUCT:
        condition |= Q(
            Exists(
                Organization.products.through.objects.filter(
                    organization_id=OuterRef("pk"), product__network=network.product_network
                )
            )
        )
    else:
        condition |= Q(kind=Organization.Kind.HL)
    _reconcile(
        queryset=Organization.objects.filter(condition),
        today=timezone.localdate(),
        actor=actor,
        batch_size=RECONCILE_BATCH_SIZE,
    )


# --- By hand --------------------------------------------------------------------------------


def _lock_organization(organization: Organization) -> None:
    Organization.objects.select_for_update().filter(pk=organization.pk).values_list("pk", flat=True).first()


@transaction.atomic
def network_membership_add(
    *,
    actor: User | None,
    network: Network,
    organization: Organization,
    since: datetime.date,
    reason: str,
) -> NetworkMembership:
    """Add an organization to a network by hand (the sync never closes it). An exclusion by
    hand in force is lifted on `since`."""
    _lock_organization(organization)
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_("Say why the organization is added by hand; it stays in the history.")]
    if since is None:
        errors["since"] = [_("Give the date the membership starts.")]
    elif since > timezone.localdate():
        errors["since"] = [_("The date cannot be in the future.")]
    if not network.is_active:
        errors.setdefault("network", []).append(_("This network is no longer active."))
    current = (
        NetworkMembership.objects.select_for_update()
        .filter(network=network, organization=organization, until__isnull=True)
        .first()
    )
    if current is not None and not current.excluded:
        errors.setdefault("organization", []).append(
            _("%(organization)s is already a member of this network since %(date)s.")
            % {"organization": organization.name, "date": current.since.isoformat()}
        )
    if since is not None and "since" not in errors:
        if current is not None and current.excluded and since < current.since:
            errors["since"] = [
                _("The organization was kept out on %(date)s: the new membership cannot start before.")
                % {"date": current.since.isoformat()}
            ]
        overlapping = (
            NetworkMembership.objects.filter(
                network=network, organization=organization, excluded=False, until__gt=since
            )
            .order_by("-until")
            .first()
        )
        if overlapping is not None and overlapping.until is not None:  # until__gt: never None
            errors["since"] = [
                _("An earlier membership lasted until %(date)s: start the new one on that day or later.")
                % {"date": overlapping.until.isoformat()}
            ]
    if errors:
        raise ValidationError(errors)

    actor = _actor_or_none(actor)
    if current is not None:
        # Lifting the exclusion: it ends the day the membership starts.
        current.until = since
        current.changed_by = actor
        _set_history_user(current, actor)
        current.save(update_fields=["until", "changed_by", "updated_at"])
    membership = NetworkMembership(
        network=network,
        organization=organization,
        since=since,
        source=NetworkMembership.Source.MANUAL,
        reason=reason[:300],
        changed_by=actor,
    )
    _set_history_user(membership, actor)
    membership.save()
    return membership


@transaction.atomic
def network_membership_end(
    *,
    actor: User | None,
    membership: NetworkMembership,
    until: datetime.date,
    reason: str,
    keep_out: bool,
) -> NetworkMembership:
    """End a current membership by hand. `keep_out`: the organization stays out of the network
    (a current exclusion row) even though the registry would put it there, until staff add it
    again. Ending an exclusion lifts it: the sync then applies the registry again at once."""
    _lock_organization(membership.organization)
    locked = (
        NetworkMembership.objects.select_for_update().select_related("network", "organization").get(pk=membership.pk)
    )
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if locked.until is not None:
        raise ValidationError(_("This membership already ended on %(date)s.") % {"date": locked.until.isoformat()})
    if not reason:
        errors["reason"] = [_("Say why the membership ends; it stays in the history.")]
    if until is None:
        errors["until"] = [_("Give the date the membership ends.")]
    elif until > timezone.localdate():
        errors["until"] = [_("The date cannot be in the future.")]
    elif until < locked.since:
        errors["until"] = [
            _("The membership started on %(date)s: it cannot end before.") % {"date": locked.since.isoformat()}
        ]
    if (
        not locked.excluded
        and not keep_out
        and locked.network_id in _expected_for(locked.organization)
        and locked.network.is_active
    ):
        errors["keep_out"] = [
            _(
                "The registry puts this organization in this network (its country, products or kind), so the "
                "sync would add it back. Keep it out by hand, or change the registry instead."
            )
        ]
    if errors:
        raise ValidationError(errors)

    actor = _actor_or_none(actor)
    locked.until = until
    locked.reason = reason[:300]
    locked.changed_by = actor
    _set_history_user(locked, actor)
    locked.save(update_fields=["until", "reason", "changed_by", "updated_at"])
    if locked.excluded:
        network_memberships_sync(organization=locked.organization, actor=actor)
    elif keep_out:
        exclusion = NetworkMembership(
            network=locked.network,
            organization=locked.organization,
            since=until,
            source=NetworkMembership.Source.MANUAL,
            reason=reason[:300],
            excluded=True,
            changed_by=actor,
        )
        _set_history_user(exclusion, actor)
        exclusion.save()
    return locked
