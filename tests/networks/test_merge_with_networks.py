"""Merging duplicate organizations or people of the registry (members.services.merge) also
moves what the networks app holds about them, generically: network memberships, seats,
meeting attendance, delegates. Where both records hold the same unique place (a current
membership of the same network, a seat in the same mandate) the survivor's row stays and the
merged one's is kept only in the merge snapshot."""

import pytest

from members.models import Organization, Person
from members.services.merge import organization_merge, person_merge
from networks.models import NetworkMembership, Seat
from tests.factories import AffiliationFactory, OrganizationFactory, PersonFactory, staff_user
from tests.networks.factories import (
    CountryNetworkFactory,
    MandateFactory,
    NetworkMembershipFactory,
    ProductNetworkFactory,
    SeatFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor():
    return staff_user("admin", username="merger")


def test_organization_merge_moves_network_memberships_and_seats(actor):
    survivor, merged = OrganizationFactory(name="Pangoa"), OrganizationFactory(name="Pangoa Ltda.")
    country_network, coffee = CountryNetworkFactory(), ProductNetworkFactory()
    # Added by hand, so the registry sync that follows the merge leaves them alone (neither
    # organization is an active CLAC member here).
    manual = {"source": NetworkMembership.Source.MANUAL, "reason": "guest"}
    NetworkMembershipFactory(network=country_network, organization=survivor, **manual)
    NetworkMembershipFactory(network=country_network, organization=merged, **manual)  # same network: a clash
    NetworkMembershipFactory(network=coffee, organization=merged, **manual)
    seat = SeatFactory(organization=merged)

    organization_merge(actor=actor, survivor=survivor, merged=merged)

    assert not Organization.objects.filter(pk=merged.pk).exists()
    current = NetworkMembership.objects.filter(organization=survivor, until__isnull=True)
    assert sorted(current.values_list("network__name", flat=True)) == sorted([country_network.name, coffee.name])
    seat.refresh_from_db()
    assert seat.organization == survivor


def test_person_merge_moves_seats_and_keeps_one_seat_per_mandate(actor):
    org = OrganizationFactory()
    survivor, merged = PersonFactory(email="ana@coop.org"), PersonFactory(email="ana.p@coop.org")
    AffiliationFactory(person=survivor, organization=org)
    mandate, other_mandate = MandateFactory(), MandateFactory()
    kept = SeatFactory(mandate=mandate, person=survivor, organization=org, affiliated=False)
    SeatFactory(mandate=mandate, person=merged, organization=org)  # the same mandate: a clash
    moved = SeatFactory(mandate=other_mandate, person=merged, organization=org, affiliated=False)

    person_merge(actor=actor, survivor=survivor, merged=merged)

    assert not Person.objects.filter(pk=merged.pk).exists()
    assert set(Seat.objects.filter(person=survivor).values_list("pk", flat=True)) == {kept.pk, moved.pk}
