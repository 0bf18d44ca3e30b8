"""The governance demo seeder: bodies of CLAC and of every network, the previous and the
current mandate (relative to the demo's today), seats that obey every rule of the services."""

import datetime
import random

import pytest

from clac.plugins import DemoContext
from members.models import Affiliation, Organization
from networks.demo import governance
from networks.models import Body, Mandate, Network, Seat
from networks.selectors.governance import seats_ending_soon
from networks.services.governance import _check_seat
from tests.factories import AffiliationFactory, MembershipFactory, OrganizationFactory, UserFactory, country, product
from tests.networks.factories import CountryNetworkFactory, ProductNetworkFactory, WorkersNetworkFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 20)
COUNTRIES = ("PE", "CO", "EC", "CR", "PA", "HN", "BR", "CL", "DO", "MX")


@pytest.fixture
def registry(db) -> None:
    """Active members in ten countries, a quarter of them hired-labour, growing coffee, with
    four people each in roles that sit on bodies; and one withdrawn member."""
    for index, code in enumerate(COUNTRIES * 3):
        kind = Organization.Kind.HL if index % 4 == 0 else Organization.Kind.SPO
        organization = OrganizationFactory(country=country(code), kind=kind)
        organization.products.add(product("coffee"))
        MembershipFactory(organization=organization)
        for role in ("legal_representative", "board_member", "delegate", "worker_representative"):
            AffiliationFactory(organization=organization, role=role)
    withdrawn = OrganizationFactory(name="Cooperativa Retirada")
    MembershipFactory(organization=withdrawn, status="withdrawn")
    AffiliationFactory(organization=withdrawn, role="board_member")


def _seed(shared: dict | None = None) -> tuple[DemoContext, dict[str, int]]:
    ctx = DemoContext(
        seed=1, scale="small", organizations=None, today=TODAY, log=None, shared=shared or {"admin": UserFactory()}
    )
    return ctx, governance.seed(ctx, random.Random("1:networks"))


@pytest.fixture
def networks(registry) -> dict:
    peru, colombia = CountryNetworkFactory(countries=["PE"]), CountryNetworkFactory(countries=["CO"])
    costa_rica_panama = CountryNetworkFactory(countries=["CR", "PA"])
    return {
        "country": {"PE": peru, "CO": colombia, "CR": costa_rica_panama, "PA": costa_rica_panama},
        "product": {"coffee": ProductNetworkFactory(product_network="coffee")},
        "workers": WorkersNetworkFactory(),
    }


def test_the_seeder_builds_every_kind_of_body_from_the_shared_networks(networks):
    ctx, counts = _seed({"admin": UserFactory(), "networks": networks})

    kinds = sorted(Body.objects.values_list("kind", flat=True))
    assert kinds.count("general_assembly") == kinds.count("board") == kinds.count("oversight") == 1
    assert kinds.count("network_assembly") == 5  # 3 country networks, coffee, workers
    assert kinds.count("coordinating") == 4
    assert kinds.count("technical") == 1
    assert kinds.count("workers_coordinating") == 1
    assert 1 <= kinds.count("national_workers") <= governance.NATIONAL_WORKERS_COMMITTEES
    assert counts["bodies"] == len(kinds)
    assert Network.objects.count() == 5  # it creates none
    board = ctx.shared["bodies"]["board"]
    assert board.kind == "board"
    workers = networks["workers"]
    assert ctx.shared["bodies"][(workers.pk, "workers_coordinating")].seats_per_subregion == 2
    assert ctx.shared["bodies"][(networks["product"]["coffee"].pk, "technical")].kind == "technical"


def test_every_body_has_the_previous_and_the_current_mandate(networks):
    _seed({"admin": UserFactory(), "networks": networks})

    for body in Body.objects.all():
        previous, current = body.mandates.order_by("start")
        assert (previous.start, previous.end) == (datetime.date(2022, 1, 1), datetime.date(2024, 12, 31))
        assert (current.start, current.end) == (datetime.date(2025, 1, 1), datetime.date(2027, 12, 31))
        assert current.start <= TODAY <= current.end
    assert Mandate.history.count() == Mandate.objects.count()


def test_every_seat_obeys_the_rules_of_the_services(networks):
    _seed({"admin": UserFactory(), "networks": networks})

    seats = Seat.objects.select_related("mandate__body", "person", "organization__country")
    assert seats.count() > 60
    for seat in seats:
        errors: dict = {}
        _check_seat(
            errors,
            mandate=seat.mandate,
            seat=seat,
            person=seat.person,
            organization=seat.organization,
            role=seat.role,
            subregion=seat.subregion,
            term_start=seat.term_start,
            term_end=seat.term_end,
        )
        assert errors == {}, (seat.mandate.body.name, seat, errors)
    # Holders represent active members only.
    assert not Seat.objects.filter(organization__name="Cooperativa Retirada").exists()
    assert Seat.history.count() == Seat.objects.count()


def test_the_workers_coordinating_committee_has_two_seats_per_subregion(networks):
    _seed({"admin": UserFactory(), "networks": networks})

    committee = Body.objects.get(kind="workers_coordinating")
    current = committee.mandates.get(start=datetime.date(2025, 1, 1))
    subregions = sorted(current.seats.values_list("subregion", flat=True))
    assert subregions == ["andean"] * 2 + ["central_america_caribbean"] * 2 + ["south_america"] * 2
    hired_labour = set(Organization.objects.filter(kind="hl").values_list("pk", flat=True))
    assert set(current.seats.values_list("organization_id", flat=True)) <= hired_labour


def test_a_few_terms_end_within_thirty_days(networks):
    _seed({"admin": UserFactory(), "networks": networks})

    assert 1 <= seats_ending_soon(today=TODAY).count() <= 6


def test_without_shared_networks_it_uses_the_networks_in_the_database(networks):
    _seed()

    assert Body.objects.filter(network__isnull=False).count() > 5
    assert Body.objects.filter(network__isnull=True).count() == 3


def test_with_no_network_at_all_only_clacs_bodies_are_made(registry):
    _ctx, counts = _seed()

    assert set(Body.objects.values_list("kind", flat=True)) == {"general_assembly", "board", "oversight"}
    assert counts["seats"] == Seat.objects.count() > 0
    assert Affiliation.objects.exists()
