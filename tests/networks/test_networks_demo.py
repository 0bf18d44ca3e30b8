"""The networks demo: CLAC's structure over the members demo, memberships from the registry."""

import random

import pytest
from django.utils import timezone

from clac.plugins import DemoContext
from clac.roles import StaffRole
from members import demo as members_demo
from members.demo.organizations import MIN_ORGANIZATIONS
from members.models import Country, Membership, ProductNetwork
from networks.demo import networks as networks_demo
from networks.models import Network, NetworkMembership
from networks.services.networks import network_memberships_reconcile

pytestmark = pytest.mark.django_db


def test_demo_builds_the_networks_and_memberships_from_the_registry():
    members_demo.flush()
    ctx = DemoContext(
        seed=3, scale="small", organizations=MIN_ORGANIZATIONS, today=timezone.localdate(), log=None, shared={}
    )
    members_demo.seed(ctx)
    counts = networks_demo.seed(ctx, random.Random("3:networks"))

    assert Network.objects.filter(kind=Network.Kind.COUNTRY).count() == 17
    assert Network.objects.filter(kind=Network.Kind.PRODUCT).count() == 8
    assert Network.objects.filter(kind=Network.Kind.WORKERS).count() == 1
    assert counts["networks"] == 26
    # Every member country is in exactly one country network; some networks are binational.
    covered = list(Network.countries.through.objects.values_list("country_id", flat=True))
    assert sorted(covered) == sorted(Country.objects.values_list("code", flat=True))
    assert Network.objects.filter(kind="country", countries__code="PA").get().countries.count() == 2

    shared = ctx.shared["networks"]
    assert set(shared["country"]) == set(covered)
    assert set(shared["product"]) == set(ProductNetwork.values)
    assert shared["workers"].kind == Network.Kind.WORKERS
    coordinator = ctx.shared["staff_users"][StaffRole.COORDINATOR]
    assert set(coordinator.coordinated_networks.all()) == {shared["country"]["PE"], shared["product"]["coffee"]}

    current = NetworkMembership.objects.filter(until__isnull=True, excluded=False)
    assert (
        current.filter(source="automatic").exclude(organization__membership__status=Membership.Status.ACTIVE).count()
        == 0
    )
    assert current.filter(source="manual").exists()
    assert NetworkMembership.objects.filter(excluded=True, until__isnull=True).count() == 1
    # Dated from joining, not from the day the demo ran.
    assert current.filter(since__lt=ctx.today).count() > current.count() // 2
    # What the demo left is what the nightly run expects: nothing to change.
    again = network_memberships_reconcile(today=ctx.today)
    assert again["opened"] == 0 and again["closed"] == 0
