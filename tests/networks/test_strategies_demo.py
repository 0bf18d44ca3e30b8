"""The strategies demo: coffee and cocoa strategies with goals and targets, needs in every
category and status (answered ones with a response and dated steps), the demo portal user's
organization with its own needs, and sustainability strategies of SPOs only, supported by the
network of their country; deterministic; nothing without networks."""

import datetime

import pytest
from django.utils import timezone

from clac.plugins import DemoContext
from clac.roles import PortalRole, StaffRole
from members.models import Organization, ProductNetwork
from networks.demo import strategies as demo_strategies
from networks.models import Need, ProductStrategy, SustainabilityStrategy
from tests.factories import OrganizationFactory, PortalAccessFactory, UserFactory, staff_user
from tests.networks.factories import CountryNetworkFactory, NetworkMembershipFactory, ProductNetworkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared():
    peru = CountryNetworkFactory(name="Red Perú")
    coffee = ProductNetworkFactory(name="Red de Café", product_network=ProductNetwork.COFFEE)
    cocoa = ProductNetworkFactory(name="Red de Cacao", product_network=ProductNetwork.COCOA)
    for index in range(40):
        organization = OrganizationFactory(kind=Organization.Kind.HL if index % 10 == 0 else Organization.Kind.SPO)
        NetworkMembershipFactory(network=peru, organization=organization)
        NetworkMembershipFactory(network=coffee if index % 2 else cocoa, organization=organization)
    portal_org = Organization.objects.order_by("pk").first()
    PortalAccessFactory(user=UserFactory(username="demo-portal"), organization=portal_org, role=PortalRole.ADMIN)
    admin = staff_user(StaffRole.ADMIN, username="demo-admin")
    return {
        "admin": admin,
        "staff_users": {"admin": admin, "coordinator": staff_user(StaffRole.COORDINATOR, username="demo-coord")},
        "networks": {"country": {"PE": peru}, "product": {"coffee": coffee, "cocoa": cocoa}},
        "portal_org": portal_org,
    }


def _seed(shared, seed=7):
    ctx = DemoContext(
        seed=seed, scale="small", organizations=None, today=timezone.localdate(), log=None, shared=dict(shared)
    )
    return demo_strategies.seed(ctx, None)


def test_demo_seeds_strategies_needs_and_sustainability(shared):
    counts = _seed(shared)
    assert counts["product strategies"] == 3  # coffee 2024-2026 and 2021-2023, cocoa 2024-2026
    coffee = ProductStrategy.objects.get(title="Estrategia de la Red de Café 2024-2026")
    assert coffee.status == "approved" and coffee.goal_list and coffee.market_targets.count() == 5
    assert coffee.history.count() == 1

    needs = Need.objects.all()
    assert counts["needs"] == needs.count() >= 20
    assert set(needs.values_list("status", flat=True)) == set(Need.Status.values)
    assert set(needs.values_list("category", flat=True)) == set(Need.Category.values)
    for need in needs.filter(status__in=["answered", "closed"]):
        assert need.response and need.answered_at and need.answered_at <= timezone.now()
    assert all(need.events.exists() for need in needs)
    assert needs.filter(created_at__lt=timezone.now() - datetime.timedelta(days=4)).count() == needs.count()
    own = needs.filter(organization=shared["portal_org"])
    assert own.count() >= 2 and own.filter(status="answered").exists()

    strategies = SustainabilityStrategy.objects.select_related("organization")
    assert strategies.exists()
    assert all(s.organization.kind in ("spo", "spo2") for s in strategies)
    assert {s.status for s in strategies} <= set(SustainabilityStrategy.Status.values)
    assert all(s.adopted_on and s.adopted_on <= timezone.localdate() for s in strategies if s.status == "adopted")
    assert SustainabilityStrategy.history.count() == strategies.count()


def test_demo_is_deterministic(shared):
    _seed(shared)
    first = list(Need.objects.order_by("pk").values_list("title", "status", "priority"))
    Need.objects.all().delete()
    ProductStrategy.objects.all().delete()
    SustainabilityStrategy.objects.all().delete()
    _seed(shared)
    assert list(Need.objects.order_by("pk").values_list("title", "status", "priority")) == first


def test_demo_without_networks_seeds_nothing():
    ctx = DemoContext(seed=1, scale="small", organizations=None, today=timezone.localdate(), log=None, shared={})
    assert demo_strategies.seed(ctx, None) == {}
