"""The rules of bodies, mandates and seats (networks.services.governance): each refused with a
clear message, every error at once, nothing written."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from clac.roles import StaffRole
from members.models import Organization
from networks.models import Body, Mandate, Seat
from networks.selectors.governance import bodies_with_current_seats, seats_ending_soon
from networks.services import governance as services
from tests.factories import AffiliationFactory, OrganizationFactory, PersonFactory, UserFactory, country
from tests.networks.factories import (
    BodyFactory,
    ClacBodyFactory,
    CountryNetworkFactory,
    MandateFactory,
    SeatFactory,
    WorkersNetworkFactory,
)

pytestmark = pytest.mark.django_db

START, END = datetime.date(2025, 1, 1), datetime.date(2027, 12, 31)


def holder(organization: Organization | None = None):
    """A person currently affiliated to `organization`, and that organization."""
    organization = organization or OrganizationFactory()
    return AffiliationFactory(organization=organization).person, organization


def messages(exc: pytest.ExceptionInfo, field: str) -> str:
    return " ".join(exc.value.message_dict.get(field, []))


@pytest.fixture
def admin(db):
    return UserFactory(username="gov-admin", roles=[StaffRole.ADMIN])


@pytest.fixture
def mandate(db) -> Mandate:
    return MandateFactory(start=START, end=END)


# --- Bodies -------------------------------------------------------------------------------


def test_clac_bodies_have_no_network_and_network_bodies_need_one(admin):
    network = CountryNetworkFactory()

    with pytest.raises(ValidationError) as clac_with_network:
        services.body_create(actor=admin, kind=Body.Kind.BOARD, name="Junta", network=network)
    with pytest.raises(ValidationError) as committee_without:
        services.body_create(actor=admin, kind=Body.Kind.COORDINATING, name="Comité")

    assert "no network" in messages(clac_with_network, "network")
    assert "Choose the network" in messages(committee_without, "network")
    assert not Body.objects.exists()


def test_national_workers_committee_needs_a_country_and_the_workers_network(admin):
    country_network = CountryNetworkFactory()

    with pytest.raises(ValidationError) as exc:
        services.body_create(actor=admin, kind=Body.Kind.NATIONAL_WORKERS, name="CNT", network=country_network)

    assert "workers network" in messages(exc, "network")
    assert "country" in messages(exc, "country")  # both errors at once
    body = services.body_create(
        actor=admin,
        kind=Body.Kind.NATIONAL_WORKERS,
        name="Comité Nacional de Trabajadores del Perú",
        network=WorkersNetworkFactory(),
        country=country("PE"),
    )
    assert body.country_id == "PE"
    assert body.history.first().history_user == admin


def test_workers_coordinating_committee_gets_two_seats_per_subregion(admin):
    body = services.body_create(
        actor=admin, kind=Body.Kind.WORKERS_COORDINATING, name="Comité Coordinador", network=WorkersNetworkFactory()
    )

    assert body.seats_per_subregion == 2


def test_clac_has_one_board(admin):
    ClacBodyFactory(kind=Body.Kind.BOARD)

    with pytest.raises(ValidationError) as exc:
        services.body_create(actor=admin, kind=Body.Kind.BOARD, name="Otra Junta")

    assert "already has this body" in messages(exc, "kind")


def test_a_coordinator_cannot_create_bodies_of_clac_or_of_another_network():
    mine, other = CountryNetworkFactory(), CountryNetworkFactory()
    coordinator = UserFactory(username="coord", roles=[StaffRole.COORDINATOR])
    mine.coordinators.add(coordinator)

    with pytest.raises(PermissionDenied):
        services.body_create(actor=coordinator, kind=Body.Kind.BOARD, name="Junta")
    with pytest.raises(PermissionDenied):
        services.body_create(actor=coordinator, kind=Body.Kind.COORDINATING, name="Comité", network=other)
    body = services.body_create(actor=coordinator, kind=Body.Kind.COORDINATING, name="Comité", network=mine)

    assert list(Body.objects.all()) == [body]


def test_body_update_keeps_kind_and_network_and_names_only_changed_fields(admin):
    body = BodyFactory(name="Comité")

    services.body_update(actor=admin, body=body, name="Comité Coordinador", description="Elegido en asamblea")

    body.refresh_from_db()
    assert (body.name, body.description, body.kind) == ("Comité Coordinador", "Elegido en asamblea", "coordinating")
    assert body.history.first().history_user == admin


# --- Mandates -----------------------------------------------------------------------------


def test_mandate_must_end_after_it_starts(admin):
    body = BodyFactory()

    with pytest.raises(ValidationError) as exc:
        services.mandate_create(actor=admin, body=body, start=END, end=START)

    assert "ends after it starts" in messages(exc, "end")
    assert not Mandate.objects.exists()


def test_mandates_of_a_body_cannot_overlap(admin, mandate):
    with pytest.raises(ValidationError) as exc:
        services.mandate_create(
            actor=admin, body=mandate.body, start=datetime.date(2027, 6, 1), end=datetime.date(2030, 5, 31)
        )

    assert "overlap" in messages(exc, "start")
    assert "2025" in messages(exc, "start")
    assert Mandate.objects.count() == 1
    # The next one, from the day after, is fine; so is the same period in another body.
    services.mandate_create(
        actor=admin, body=mandate.body, start=datetime.date(2028, 1, 1), end=datetime.date(2030, 12, 31)
    )
    services.mandate_create(actor=admin, body=BodyFactory(), start=START, end=END)
    assert Mandate.objects.count() == 3


def test_mandate_dates_cannot_leave_seats_outside(admin, mandate):
    SeatFactory(mandate=mandate)

    with pytest.raises(ValidationError) as exc:
        services.mandate_update(actor=admin, mandate=mandate, start=START, end=datetime.date(2026, 12, 31))

    assert "outside" in messages(exc, "__all__")
    mandate.refresh_from_db()
    assert mandate.end == END


# --- Seats --------------------------------------------------------------------------------


def test_a_seat_for_an_affiliated_person_spans_the_mandate_by_default(admin, mandate):
    person, organization = holder()

    seat = services.seat_create(actor=admin, mandate=mandate, person=person, organization=organization, role="chair")

    assert (seat.term_start, seat.term_end, seat.role) == (START, END, "chair")
    assert seat.history.first().history_user == admin


def test_one_person_cannot_hold_two_seats_of_the_same_body_in_the_same_mandate(admin, mandate):
    seat = SeatFactory(mandate=mandate)

    with pytest.raises(ValidationError) as exc:
        services.seat_create(
            actor=admin, mandate=mandate, person=seat.person, organization=seat.organization, role=Seat.Role.ALTERNATE
        )

    assert "already holds a seat" in messages(exc, "person")
    assert Seat.objects.count() == 1
    # The same person may sit in the next mandate, or in another body.
    services.seat_create(actor=admin, mandate=MandateFactory(), person=seat.person, organization=seat.organization)
    assert Seat.objects.count() == 2


def test_the_holder_must_be_currently_affiliated_to_the_organization_represented(admin, mandate):
    person = PersonFactory()
    organization = OrganizationFactory()
    AffiliationFactory(person=person, organization=organization, end_date=datetime.date(2024, 1, 1))
    AffiliationFactory(person=person)  # serves another organization

    with pytest.raises(ValidationError) as exc:
        services.seat_create(actor=admin, mandate=mandate, person=person, organization=organization)

    assert "not currently affiliated" in messages(exc, "organization")
    assert not Seat.objects.exists()


def test_the_term_must_lie_inside_the_mandate_and_every_error_is_reported(admin, mandate):
    person = PersonFactory()

    with pytest.raises(ValidationError) as exc:
        services.seat_create(
            actor=admin,
            mandate=mandate,
            person=person,
            organization=OrganizationFactory(),
            role="nope",
            term_start=datetime.date(2024, 6, 1),
            term_end=datetime.date(2028, 1, 31),
        )

    assert set(exc.value.message_dict) == {"role", "organization", "term_start", "term_end"}
    assert "before the mandate" in messages(exc, "term_start")
    assert "after the mandate" in messages(exc, "term_end")
    assert not Seat.objects.exists()


def test_one_chair_per_mandate_among_seats_in_office(admin, mandate):
    chair = SeatFactory(mandate=mandate, role=Seat.Role.CHAIR, term_end=datetime.date(2026, 3, 31))
    person, organization = holder()

    with pytest.raises(ValidationError) as exc:
        services.seat_create(actor=admin, mandate=mandate, person=person, organization=organization, role="chair")
    assert str(chair.person) in messages(exc, "role")

    # After the chair's term ends, a new chair takes over from the next day.
    seat = services.seat_create(
        actor=admin,
        mandate=mandate,
        person=person,
        organization=organization,
        role="chair",
        term_start=datetime.date(2026, 4, 1),
    )
    assert seat.role == "chair"


def test_workers_coordinating_committee_caps_seats_per_subregion(admin):
    body = services.body_create(
        actor=admin, kind=Body.Kind.WORKERS_COORDINATING, name="Comité Coordinador", network=WorkersNetworkFactory()
    )
    mandate = MandateFactory(body=body, start=START, end=END)
    peru, colombia = OrganizationFactory(), OrganizationFactory(country=country("CO"))
    for organization in (peru, colombia):
        person, _ = holder(organization)
        services.seat_create(actor=admin, mandate=mandate, person=person, organization=organization, subregion="andean")
    third, _ = holder(peru)

    with pytest.raises(ValidationError) as full:
        services.seat_create(actor=admin, mandate=mandate, person=third, organization=peru, subregion="andean")
    with pytest.raises(ValidationError) as missing:
        services.seat_create(actor=admin, mandate=mandate, person=third, organization=peru)
    with pytest.raises(ValidationError) as wrong_place:
        services.seat_create(actor=admin, mandate=mandate, person=third, organization=peru, subregion="south_america")

    assert "already fills its 2 seats" in messages(full, "subregion")
    assert "choose it" in messages(missing, "subregion")
    assert "is not in the subregion" in messages(wrong_place, "subregion")
    assert Seat.objects.count() == 2
    # Mexico sits with Central America and the Caribbean in the workers network.
    mexico = OrganizationFactory(country=country("MX"))
    person, _ = holder(mexico)
    services.seat_create(
        actor=admin, mandate=mandate, person=person, organization=mexico, subregion="central_america_caribbean"
    )
    assert Seat.objects.count() == 3


def test_a_coordinator_of_another_network_cannot_seat_anyone(mandate):
    coordinator = UserFactory(username="coord-other", roles=[StaffRole.COORDINATOR])
    CountryNetworkFactory().coordinators.add(coordinator)
    person, organization = holder()

    with pytest.raises(PermissionDenied):
        services.seat_create(actor=coordinator, mandate=mandate, person=person, organization=organization)

    assert not Seat.objects.exists()


def test_ending_a_seat_shortens_its_term_and_frees_the_role(admin, mandate):
    seat = SeatFactory(mandate=mandate, role=Seat.Role.TREASURER)

    with pytest.raises(ValidationError) as too_late:
        services.seat_end(actor=admin, seat=seat, end_date=datetime.date(2028, 1, 1))
    services.seat_end(actor=admin, seat=seat, end_date=datetime.date(2026, 5, 31))

    assert "earlier date" in messages(too_late, "end_date")
    seat.refresh_from_db()
    assert seat.term_end == datetime.date(2026, 5, 31)
    person, organization = holder()
    successor = services.seat_create(
        actor=admin,
        mandate=mandate,
        person=person,
        organization=organization,
        role=Seat.Role.TREASURER,
        term_start=datetime.date(2026, 6, 1),
    )
    assert successor.term_end == END


def test_seat_update_changes_role_and_term_under_the_same_rules(admin, mandate):
    seat = SeatFactory(mandate=mandate)
    SeatFactory(mandate=mandate, role=Seat.Role.SECRETARY)

    with pytest.raises(ValidationError) as exc:
        services.seat_update(
            actor=admin, seat=seat, organization=seat.organization, role="secretary", term_start=START, term_end=END
        )
    services.seat_update(
        actor=admin, seat=seat, organization=seat.organization, role="alternate", term_start=START, term_end=END
    )

    assert "already secretary" in messages(exc, "role")
    seat.refresh_from_db()
    assert seat.role == "alternate"


# --- Terms ending soon --------------------------------------------------------------------


def test_terms_ending_within_thirty_days_are_flagged():
    today = datetime.date(2026, 3, 1)
    mandate = MandateFactory(start=START, end=END)
    soon = SeatFactory(mandate=mandate, term_end=datetime.date(2026, 3, 25))
    last_day = SeatFactory(mandate=mandate, term_end=datetime.date(2026, 3, 31))
    SeatFactory(mandate=mandate, term_end=datetime.date(2026, 4, 1))  # 31 days: not yet
    SeatFactory(mandate=mandate, term_end=datetime.date(2026, 2, 28))  # already ended

    assert list(seats_ending_soon(today=today)) == [soon, last_day]
    (body,) = bodies_with_current_seats([mandate.body], today=today)
    days = {seat.pk: seat.ends_in_days for seat in body.current_seats}
    assert days[soon.pk] == 24
    assert days[last_day.pk] == 30
    assert None in days.values()
