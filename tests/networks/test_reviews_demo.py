"""The reviews demo: the coffee review of 2022-2023 as it happened (consultation from December
to February answered by most of the network, decision $1.80/lb and $0.20/lb from 1 August
2023 after $1.40/lb since 2011), the cocoa decision of 2019 ($2,400/t, $240/t), and a cocoa
consultation open today that the portal users' organizations have not answered yet."""

import datetime
import random
from decimal import Decimal

import pytest
from django.utils import timezone

from clac.plugins import DemoContext
from clac.roles import PortalRole, StaffRole
from members.models import Country
from networks.demo import reviews as demo_reviews
from networks.models import ConsultationResponse, PriceReference, Review
from networks.selectors.reviews import round_results
from tests.factories import OrganizationFactory, PortalAccessFactory, UserFactory, staff_user
from tests.networks.factories import NetworkMembershipFactory, ProductNetworkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def context(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    coffee = ProductNetworkFactory(product_network="coffee", name="Red de café")
    cocoa = ProductNetworkFactory(product_network="cocoa", name="Red de cacao")
    countries = [Country.objects.get(code=code) for code in ("PE", "CO", "MX")]
    for index in range(60):
        organization = OrganizationFactory(country=countries[index % 3])
        NetworkMembershipFactory(network=coffee if index < 40 else cocoa, organization=organization)
    portal_org = OrganizationFactory(name="Cooperativa del portal")
    NetworkMembershipFactory(network=cocoa, organization=portal_org)
    portal_user = UserFactory(username="coop.demo")
    PortalAccessFactory(user=portal_user, organization=portal_org, role=PortalRole.ADMIN)
    admin = staff_user(StaffRole.ADMIN, username="demo-admin")
    shared = {
        "admin": admin,
        "staff_users": {"admin": admin, "coordinator": staff_user(StaffRole.COORDINATOR, username="demo-coord")},
        "networks": {"product": {"coffee": coffee, "cocoa": cocoa}},
        "users": {"coop.demo": portal_user},
    }
    ctx = DemoContext(seed=3, scale="small", organizations=None, today=today, log=None, shared=shared)
    return ctx, portal_org


def test_the_coffee_review_is_seeded_as_it_happened(context):
    ctx, _portal_org = context
    counts = demo_reviews.seed(ctx, random.Random(1))
    assert counts["reviews"] == 4
    review = Review.objects.get(product__code="coffee", kind=Review.Kind.PRICE)
    assert review.stage == "published"
    assert [e.to_stage for e in review.events.order_by("effective_on")] == list(Review.Stage.values)
    round_ = review.rounds.get()
    assert (round_.opens_on, round_.closes_on) == (datetime.date(2022, 12, 1), datetime.date(2023, 2, 28))
    results = round_results(round_)
    assert results.invited == 40 and results.submitted > 15
    assert Decimal("1.4") < results.overall.median < Decimal("2.2")
    decisions = PriceReference.objects.filter(product__code="coffee", kind="decision").order_by("effective_from")
    assert [(d.effective_from, d.minimum_price, d.premium) for d in decisions][-2:] == [
        (datetime.date(2011, 4, 1), Decimal("1.4000"), Decimal("0.2000")),
        (datetime.date(2023, 8, 1), Decimal("1.8000"), Decimal("0.2000")),
    ]
    cocoa = PriceReference.objects.filter(product__code="cocoa", kind="decision").latest("effective_from")
    assert (cocoa.minimum_price, cocoa.premium, cocoa.unit) == (Decimal("2400.0000"), Decimal("240.0000"), "t")


def test_a_cocoa_round_is_open_today_and_the_portal_organization_can_answer_it(context):
    ctx, portal_org = context
    demo_reviews.seed(ctx, random.Random(1))
    today = ctx.today
    open_round = Review.objects.get(product__code="cocoa", stage="consultation").rounds.get()
    assert open_round.opens_on <= today <= open_round.closes_on
    assert open_round.invitations.filter(organization=portal_org).exists()
    assert not ConsultationResponse.objects.filter(round=open_round, organization=portal_org).exists()


def test_the_demo_is_deterministic(context):
    ctx, _portal_org = context
    demo_reviews.seed(ctx, random.Random(1))
    first = sorted(ConsultationResponse.objects.values_list("organization_id", "cost_total"))
    Review.objects.all().delete()
    PriceReference.objects.all().delete()
    demo_reviews.seed(ctx, random.Random(1))
    assert sorted(ConsultationResponse.objects.values_list("organization_id", "cost_total")) == first
