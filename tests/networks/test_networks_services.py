"""The networks services: networks' rules, membership sync with the registry (automatic rows
only), manual additions and exits, and the nightly reconciliation."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clac.roles import StaffRole
from members import services as member_services
from members.models import Membership, Organization, ProductNetwork
from networks.models import Network, NetworkMembership
from networks.services.networks import (
    network_create,
    network_membership_add,
    network_membership_end,
    network_memberships_reconcile,
    network_memberships_sync,
    network_update,
)
from tests.factories import MembershipFactory, OrganizationFactory, country, product, staff_user
from tests.networks.factories import CountryNetworkFactory, ProductNetworkFactory, WorkersNetworkFactory

pytestmark = pytest.mark.django_db


def current(organization: Organization) -> set[str]:
    return set(
        NetworkMembership.objects.filter(organization=organization, until__isnull=True, excluded=False).values_list(
            "network__name", flat=True
        )
    )


@pytest.fixture
def structure() -> dict[str, Network]:
    return {
        "peru": CountryNetworkFactory(name="Red Perú", countries=["PE"]),
        "crpa": CountryNetworkFactory(name="Red Costa Rica y Panamá", countries=["CR", "PA"]),
        "coffee": ProductNetworkFactory(name="Red de Café", product_network=ProductNetwork.COFFEE),
        "cocoa": ProductNetworkFactory(name="Red de Cacao", product_network=ProductNetwork.COCOA),
        "workers": WorkersNetworkFactory(),
    }


def active_member(**fields) -> Organization:
    products = fields.pop("products", ["coffee"])
    organization = OrganizationFactory(**fields)
    organization.products.set([product(code) for code in products])
    MembershipFactory(organization=organization, status=Membership.Status.ACTIVE)
    return organization


# --- Networks -------------------------------------------------------------------------------


def test_a_country_belongs_to_one_active_country_network_only(structure, admin_user):
    with pytest.raises(ValidationError) as error:
        network_create(actor=admin_user, kind=Network.Kind.COUNTRY, name="Otra red", countries=[country("PA")])
    assert "countries" in error.value.message_dict
    assert Network.objects.filter(name="Otra red").count() == 0


def test_an_inactive_country_network_does_not_hold_its_countries(structure, admin_user):
    network_update(actor=admin_user, network=structure["peru"], is_active=False)
    network = network_create(
        actor=admin_user, kind=Network.Kind.COUNTRY, name="Nueva Red Perú", countries=[country("PE")]
    )
    assert network.countries.get().code == "PE"
    with pytest.raises(ValidationError) as error:
        network_update(actor=admin_user, network=structure["peru"], is_active=True)
    assert "countries" in error.value.message_dict


def test_network_errors_are_reported_together(structure, admin_user):
    viewer = staff_user(StaffRole.VIEWER, username="a-viewer")
    with pytest.raises(ValidationError) as error:
        network_create(
            actor=admin_user,
            kind=Network.Kind.PRODUCT,
            name="Red de Café",
            product_network=ProductNetwork.COFFEE,
            countries=[country("CO")],
            coordinators=[viewer],
        )
    assert set(error.value.message_dict) == {"name", "product_network", "countries", "coordinators"}


def test_only_coordinators_may_coordinate_and_one_workers_network(structure, admin_user):
    coordinator = staff_user(StaffRole.COORDINATOR, username="coord")
    network = network_update(actor=admin_user, network=structure["peru"], coordinators=[coordinator])
    assert list(network.coordinators.all()) == [coordinator]
    with pytest.raises(ValidationError) as error:
        network_create(actor=admin_user, kind=Network.Kind.WORKERS, name="Otra red de trabajadores")
    assert "kind" in error.value.message_dict
    with pytest.raises(ValidationError):
        network_update(actor=admin_user, network=network, kind=Network.Kind.PRODUCT)


def test_creating_a_network_joins_the_organizations_the_registry_puts_there(admin_user):
    member = active_member(country=country("CO"), products=["cocoa"])
    network = network_create(
        actor=admin_user, kind=Network.Kind.COUNTRY, name="Red Colombia", countries=[country("CO")]
    )
    assert current(member) == {"Red Colombia"}
    row = NetworkMembership.objects.get(network=network)
    assert row.source == NetworkMembership.Source.AUTOMATIC
    assert row.history.first().history_user == admin_user


# --- Sync -----------------------------------------------------------------------------------


def test_sync_joins_country_product_and_workers_networks(structure):
    spo = active_member(products=["coffee", "cocoa"])
    hl = active_member(kind=Organization.Kind.HL, country=country("CR"), products=["banana"])
    network_memberships_sync(organization=spo)
    network_memberships_sync(organization=hl)
    assert current(spo) == {"Red Perú", "Red de Café", "Red de Cacao"}
    assert current(hl) == {"Red Costa Rica y Panamá", "Red de Trabajadores"}


@pytest.mark.parametrize(
    "status", [Membership.Status.APPLICANT, Membership.Status.SUSPENDED, Membership.Status.WITHDRAWN]
)
def test_only_active_members_belong_to_networks(structure, status):
    organization = OrganizationFactory()
    organization.products.set([product("coffee")])
    MembershipFactory(organization=organization, status=status)
    network_memberships_sync(organization=organization)
    assert current(organization) == set()


def test_registry_changes_move_memberships(structure, admin_user):
    organization = active_member()
    network_memberships_sync(organization=organization)
    assert current(organization) == {"Red Perú", "Red de Café"}

    # A new product: the listener syncs inside the registry's own transaction.
    member_services.organization_update(
        actor=admin_user, organization=organization, products=[product("coffee"), product("cocoa")]
    )
    assert current(organization) == {"Red Perú", "Red de Café", "Red de Cacao"}

    # A change of country.
    member_services.organization_update(actor=admin_user, organization=organization, country=country("PA"))
    assert current(organization) == {"Red Costa Rica y Panamá", "Red de Café", "Red de Cacao"}
    closed = NetworkMembership.objects.get(organization=organization, network=structure["peru"])
    assert closed.until == timezone.localdate()
    assert "registry" in closed.reason

    # Suspended: out of every network; active again: back in.
    member_services.membership_transition(
        actor=admin_user, organization=organization, to_status=Membership.Status.SUSPENDED, reason="Dues"
    )
    assert current(organization) == set()
    assert NetworkMembership.objects.filter(organization=organization, reason__icontains="suspended").count() == 3
    member_services.membership_transition(
        actor=admin_user,
        organization=organization,
        to_status=Membership.Status.ACTIVE,
        reason="Paid",
        override_reason="Certificate in renewal",
    )
    assert current(organization) == {"Red Costa Rica y Panamá", "Red de Café", "Red de Cacao"}


def test_sync_never_closes_a_manual_membership(structure, admin_user):
    organization = active_member(country=country("CO"))
    network_membership_add(
        actor=admin_user,
        network=structure["peru"],
        organization=organization,
        since=datetime.date(2024, 1, 1),
        reason="Sells through a Peruvian union",
    )
    member_services.membership_transition(
        actor=admin_user, organization=organization, to_status=Membership.Status.SUSPENDED, reason="Dues"
    )
    assert current(organization) == {"Red Perú"}


def test_an_organization_kept_out_by_hand_is_not_added_back(structure, admin_user):
    organization = active_member()
    network_memberships_sync(organization=organization)
    membership = NetworkMembership.objects.get(organization=organization, network=structure["coffee"])
    today = timezone.localdate()
    network_membership_end(actor=admin_user, membership=membership, until=today, reason="Asked to leave", keep_out=True)
    network_memberships_sync(organization=organization)
    network_memberships_reconcile()
    assert current(organization) == {"Red Perú"}
    exclusion = NetworkMembership.objects.get(organization=organization, network=structure["coffee"], until=None)
    assert exclusion.excluded and exclusion.source == NetworkMembership.Source.MANUAL

    # Lifting the exclusion applies the registry again at once.
    network_membership_end(actor=admin_user, membership=exclusion, until=today, reason="Back", keep_out=False)
    assert current(organization) == {"Red Perú", "Red de Café"}


def test_ending_a_membership_the_registry_expects_needs_keep_out(structure, admin_user):
    organization = active_member()
    network_memberships_sync(organization=organization)
    membership = NetworkMembership.objects.get(organization=organization, network=structure["peru"])
    with pytest.raises(ValidationError) as error:
        network_membership_end(actor=admin_user, membership=membership, until=None, reason="", keep_out=False)
    assert set(error.value.message_dict) == {"until", "reason", "keep_out"}
    membership.refresh_from_db()
    assert membership.until is None


def test_manual_addition_rules(structure, admin_user):
    organization = active_member(country=country("CO"))
    network_memberships_sync(organization=organization)
    coffee = NetworkMembership.objects.get(organization=organization, network=structure["coffee"])
    with pytest.raises(ValidationError) as error:
        network_membership_add(
            actor=admin_user,
            network=structure["coffee"],
            organization=organization,
            since=timezone.localdate() + datetime.timedelta(days=3),
            reason="",
        )
    assert set(error.value.message_dict) == {"since", "reason", "organization"}
    assert NetworkMembership.objects.filter(organization=organization).count() == 1
    membership = network_membership_add(
        actor=admin_user,
        network=structure["peru"],
        organization=organization,
        since=datetime.date(2023, 5, 1),
        reason="Member of the Peruvian union",
    )
    assert membership.source == NetworkMembership.Source.MANUAL
    assert membership.changed_by == admin_user
    assert membership.history.first().history_user == admin_user
    assert coffee.pk != membership.pk


def test_reconcile_is_idempotent_and_respects_manual_rows(structure, admin_user):
    members = [active_member() for _ in range(5)]
    suspended = OrganizationFactory()
    MembershipFactory(organization=suspended, status=Membership.Status.SUSPENDED)
    # A stale automatic row of a suspended organization is closed.
    NetworkMembership.objects.create(network=structure["peru"], organization=suspended, since=datetime.date(2020, 1, 1))
    first = network_memberships_reconcile(batch_size=2)
    assert first["opened"] == 10 and first["closed"] == 1
    assert first["organizations"] == 6 and first["batches"] == 3
    second = network_memberships_reconcile(batch_size=2)
    assert second["opened"] == 0 and second["closed"] == 0
    assert all(current(member) == {"Red Perú", "Red de Café"} for member in members)


def test_reconcile_costs_the_same_queries_per_batch_whatever_the_batch(structure):
    for _ in range(3):
        active_member()
    with CaptureQueriesContext(connection) as small:
        network_memberships_reconcile(batch_size=1000)
    NetworkMembership.objects.all().delete()
    for _ in range(30):
        active_member(products=["coffee", "cocoa"])
    with CaptureQueriesContext(connection) as large:
        network_memberships_reconcile(batch_size=1000)
    assert len(large.captured_queries) <= len(small.captured_queries) + 2


def test_registry_import_triggers_the_reconcile(structure, admin_user, django_capture_on_commit_callbacks):
    from networks.tasks import on_registry_imported

    organization = active_member()
    with django_capture_on_commit_callbacks(execute=True):
        on_registry_imported()
    assert current(organization) == {"Red Perú", "Red de Café"}


def test_merge_keeps_the_survivor_in_its_networks(structure, admin_user):
    survivor = active_member()
    merged = active_member(products=["cocoa"])
    network_memberships_sync(organization=survivor)
    network_memberships_sync(organization=merged)
    member_services.organization_merge(actor=admin_user, survivor=survivor, merged=merged)
    assert current(survivor) == {"Red Perú", "Red de Café", "Red de Cacao"}
    assert (
        NetworkMembership.objects.filter(organization=survivor, until__isnull=True, network=structure["peru"]).count()
        == 1
    )
