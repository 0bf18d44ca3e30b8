"""The assemblies demo: a closed General Assembly with delegates per country and product, a
certified quorum and six voted motions; an upcoming network assembly open for designation."""

import datetime
import random

import pytest
from django.db.models import Exists, OuterRef, Sum

from clac.plugins import DemoContext
from members import demo as members_demo
from members.demo import MIN_ORGANIZATIONS
from members.models import Affiliation, Membership, Organization, PortalAccess
from networks.demo import assemblies as demo
from networks.models import AssemblySession, Body, Delegate, Motion, NetworkMembership
from networks.selectors.assemblies import assembly_quorum_figures
from tests.networks.factories import BodyFactory, CountryNetworkFactory
from tests.networks.factories_assemblies import GeneralAssemblyBodyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded_members():
    members_demo.flush()
    ctx = DemoContext(
        seed=2,
        scale="small",
        organizations=MIN_ORGANIZATIONS,
        today=datetime.date(2026, 11, 30),
        log=None,
        shared={},
    )
    members_demo.seed(ctx)
    return ctx


def test_without_an_assembly_body_the_demo_creates_nothing(seeded_members):
    assert demo.seed(seeded_members, random.Random(1)) == {}
    assert AssemblySession.objects.count() == 0


def test_the_demo_holds_a_closed_general_assembly_and_an_open_network_assembly(seeded_members):
    ctx = seeded_members
    ga_body = GeneralAssemblyBodyFactory()
    ctx.shared["bodies"] = {"general_assembly": ga_body}
    # A country network holding the portal organizations, with its assembly.
    portal_orgs = list(PortalAccess.objects.values_list("organization_id", flat=True).distinct())
    network = CountryNetworkFactory()
    for org_id in {*portal_orgs, *Organization.objects.values_list("pk", flat=True)[:20]}:
        NetworkMembership.objects.create(network=network, organization_id=org_id, since=datetime.date(2020, 1, 1))
    network_body = BodyFactory(kind=Body.Kind.NETWORK_ASSEMBLY, network=network, name="Asamblea de la red")

    counts = demo.seed(ctx, random.Random(1))

    ga = AssemblySession.objects.get(body=ga_body)
    assert ga.starts_on.year == 2023
    assert ga.status == AssemblySession.Status.CLOSED
    delegates = ga.delegates.all()
    active = Organization.objects.filter(membership__status=Membership.Status.ACTIVE).count()
    assert 0 < delegates.count() <= min(demo.GA_DELEGATES, active)
    # Every country with active members sends someone; each delegate names what they represent.
    assert not delegates.filter(country__isnull=True).exists()
    assert not delegates.exclude(organization__membership__status=Membership.Status.ACTIVE).exists()
    assert delegates.values("country_id").distinct().count() > 1
    assert delegates.exclude(product_network="").exists()
    figures = assembly_quorum_figures(session=ga)
    assert figures["met"]
    assert ga.quorum_votes == figures["accredited_votes"]
    assert Delegate.history.filter(session_id=ga.pk).count() == delegates.count()

    motions = list(ga.motions.order_by("number"))
    assert len(motions) == 6
    assert [m.result for m in motions].count(Motion.Result.REJECTED) >= 1
    assert any(m.requires_two_thirds and m.result == Motion.Result.CARRIED for m in motions)
    for motion in motions:
        assert motion.votes_for + motion.votes_against + motion.votes_abstain <= figures["accredited_votes"]
    assert "2024" in motions[0].title

    upcoming = AssemblySession.objects.get(body=network_body)
    assert upcoming.status == AssemblySession.Status.DESIGNATION_OPEN
    assert upcoming.starts_on > ctx.today
    assert not upcoming.delegates.filter(organization_id__in=portal_orgs).exists()
    assert counts["assembly sessions"] == 2
    assert counts["assembly delegates"] == Delegate.objects.count()
    assert (
        Delegate.objects.filter(session=ga).exclude(status="withdrawn").aggregate(v=Sum("votes"))["v"]
        == ga.expected_votes
    )
    # Each delegate serves the organization that sent them.
    serves = Affiliation.objects.filter(person_id=OuterRef("person_id"), organization_id=OuterRef("organization_id"))
    assert not Delegate.objects.filter(~Exists(serves)).exists()
