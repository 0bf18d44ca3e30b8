"""The governance API: partners read the current bodies (names only with people:read); staff
list, read, create and change bodies, mandates and seats through the access helpers."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clac.roles import StaffRole
from communications.services import api_key_create
from networks.models import Mandate, Seat
from tests.factories import AffiliationFactory, ExternalPartnerFactory, OrganizationFactory, UserFactory
from tests.networks.factories import (
    BodyFactory,
    ClacBodyFactory,
    CountryNetworkFactory,
    MandateFactory,
    SeatFactory,
)

pytestmark = pytest.mark.django_db

BODIES = "/api/v1/bodies/"


def partner_client(scopes) -> APIClient:
    _key, raw = api_key_create(partner=ExternalPartnerFactory(), name="governance", scopes=list(scopes))
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")  # the tests read English messages
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def staff_client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")  # the tests read English messages
    client.force_authenticate(user)
    return client


def current_mandate(body) -> Mandate:
    today = timezone.localdate()
    return MandateFactory(
        body=body,
        start=today.replace(month=1, day=1),
        end=today.replace(month=12, day=31) + datetime.timedelta(days=730),
    )


@pytest.fixture
def board_seat(db) -> Seat:
    board = ClacBodyFactory(name="Junta Directiva")
    MandateFactory(body=board, start=datetime.date(2019, 1, 1), end=datetime.date(2021, 12, 31))
    return SeatFactory(
        mandate=current_mandate(board), role=Seat.Role.CHAIR, person__first_name="Rosa", person__last_name="Quispe"
    )


# --- Partners -------------------------------------------------------------------------------


def test_a_directory_key_reads_current_seats_without_names(board_seat):
    past = SeatFactory(mandate=Mandate.objects.get(start=datetime.date(2019, 1, 1)))

    response = partner_client(["directory:read"]).get(BODIES)

    assert response.status_code == 200, response.content
    (body,) = response.json()["results"]
    assert body["name"] == "Junta Directiva"
    assert body["network"] is None
    (seat,) = body["current_mandate"]["seats"]
    assert seat["role"] == "chair"
    assert seat["organization"]["id"] == board_seat.organization_id
    assert seat["organization"]["name"] == board_seat.organization.name
    assert seat["organization"]["country"]["code"] == "PE"
    assert seat["person_name"] is None
    assert "Quispe" not in response.content.decode()
    assert past.organization.name not in response.content.decode()


def test_people_read_adds_the_holders_names(board_seat):
    response = partner_client(["directory:read", "people:read"]).get(BODIES)

    (seat,) = response.json()["results"][0]["current_mandate"]["seats"]
    assert seat["person_name"] == "Rosa Quispe"


@pytest.mark.parametrize("scopes", [["stats:read"], ["people:read"]])
def test_a_key_without_directory_read_is_refused(board_seat, scopes):
    response = partner_client(scopes).get(BODIES)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_anonymous_and_portal_users_are_refused_the_bodies(board_seat):
    portal_user = UserFactory(username="api-portal")

    assert APIClient().get(BODIES).status_code in (401, 403)
    assert staff_client(portal_user).get(BODIES).status_code == 403


def test_partners_filter_by_network_and_kind(board_seat):
    network = CountryNetworkFactory()
    committee = BodyFactory(network=network)
    SeatFactory(mandate=current_mandate(committee))
    client = partner_client(["directory:read"])

    by_network = client.get(BODIES, {"network": network.pk}).json()["results"]
    by_kind = client.get(BODIES, {"kind": "board"}).json()["results"]

    assert [row["id"] for row in by_network] == [committee.pk]
    assert by_network[0]["network"] == {"id": network.pk, "name": network.name, "kind": "country"}
    assert [row["id"] for row in by_kind] == [board_seat.mandate.body_id]


def test_the_partner_list_costs_constant_queries(board_seat):
    client = partner_client(["directory:read", "people:read"])
    with CaptureQueriesContext(connection) as few:
        client.get(BODIES)
    for _ in range(8):
        mandate = current_mandate(BodyFactory())
        for _ in range(3):
            SeatFactory(mandate=mandate, organization=OrganizationFactory())

    with CaptureQueriesContext(connection) as many:
        response = client.get(BODIES)

    assert len(response.json()["results"]) == 9
    assert len(many.captured_queries) <= len(few.captured_queries)


# --- Staff ----------------------------------------------------------------------------------


@pytest.fixture
def coordinated(db):
    network = CountryNetworkFactory()
    coordinator = UserFactory(username="api-coord", roles=[StaffRole.COORDINATOR])
    network.coordinators.add(coordinator)
    return network, coordinator


def test_partner_keys_are_refused_every_staff_endpoint(board_seat):
    client = partner_client(["directory:read", "people:read"])

    for url in ("/api/v1/governance/bodies/", "/api/v1/governance/mandates/", "/api/v1/governance/seats/"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/api/v1/governance/seats/{board_seat.pk}/end/", {"end_date": "2026-01-01"}).status_code == 403


@pytest.mark.parametrize("role", StaffRole.values)
def test_every_staff_role_reads_bodies_mandates_and_seats(board_seat, role):
    client = staff_client(UserFactory(username=f"api-{role}", roles=[role]))

    assert client.get(reverse("api-v1:governance-body-detail", args=[board_seat.mandate.body_id])).status_code == 200
    assert client.get(reverse("api-v1:governance-mandate-detail", args=[board_seat.mandate_id])).status_code == 200
    seat = client.get(reverse("api-v1:governance-seat-detail", args=[board_seat.pk])).json()
    assert seat["person"]["full_name"] == "Rosa Quispe"


def test_read_only_staff_cannot_write(board_seat):
    client = staff_client(UserFactory(username="api-viewer", roles=[StaffRole.VIEWER]))

    response = client.post(reverse("api-v1:governance-seat-end", args=[board_seat.pk]), {"end_date": "2026-01-01"})

    assert response.status_code == 403
    board_seat.refresh_from_db()
    assert board_seat.term_end == board_seat.mandate.end


def test_a_coordinator_writes_in_their_network_only(board_seat, coordinated):
    network, coordinator = coordinated
    client = staff_client(coordinator)
    other_body = BodyFactory()

    mine = client.post(
        "/api/v1/governance/bodies/",
        {"kind": "technical", "name": "Comité Técnico", "network": network.pk},
        format="json",
    )
    other = client.post(
        "/api/v1/governance/mandates/",
        {"body": other_body.pk, "start": "2030-01-01", "end": "2032-12-31"},
        format="json",
    )
    clac = client.post(reverse("api-v1:governance-seat-end", args=[board_seat.pk]), {"end_date": "2026-01-01"})
    clac_body = client.post("/api/v1/governance/bodies/", {"kind": "oversight", "name": "Vigilancia"}, format="json")

    assert mine.status_code == 201, mine.content
    assert mine.json()["network"]["id"] == network.pk
    assert (other.status_code, clac.status_code, clac_body.status_code) == (403, 403, 403)
    assert not Mandate.objects.filter(body=other_body).exists()


def test_seats_through_the_api_follow_the_rules(coordinated):
    network, coordinator = coordinated
    client = staff_client(coordinator)
    body = BodyFactory(network=network)
    mandate = MandateFactory(body=body, start=datetime.date(2025, 1, 1), end=datetime.date(2027, 12, 31))
    affiliation = AffiliationFactory()
    payload = {"mandate": mandate.pk, "person": affiliation.person_id, "organization": affiliation.organization_id}

    created = client.post("/api/v1/governance/seats/", {**payload, "role": "chair"}, format="json")
    twice = client.post("/api/v1/governance/seats/", {**payload, "role": "member"}, format="json")
    not_affiliated = client.post(
        "/api/v1/governance/seats/", {**payload, "organization": OrganizationFactory().pk}, format="json"
    )
    ended = client.post(
        reverse("api-v1:governance-seat-end", args=[created.json()["id"]]), {"end_date": "2026-06-30"}, format="json"
    )

    assert created.status_code == 201, created.content
    assert created.json()["term_start"] == "2025-01-01"
    assert twice.status_code == 400
    assert "already holds a seat" in str(twice.json())
    assert not_affiliated.status_code == 400
    assert ended.status_code == 200
    assert ended.json()["term_end"] == "2026-06-30"
    assert Seat.objects.count() == 1


def test_staff_lists_cost_constant_queries(board_seat, admin_user):
    client = staff_client(admin_user)
    urls = ("/api/v1/governance/bodies/", "/api/v1/governance/mandates/", "/api/v1/governance/seats/")
    few = {}
    for url in urls:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        few[url] = len(context.captured_queries)
    for _ in range(6):
        SeatFactory(mandate=current_mandate(BodyFactory()))

    for url in urls:
        with CaptureQueriesContext(connection) as context:
            client.get(url)
        assert len(context.captured_queries) <= few[url], url


def test_seats_ending_within_a_number_of_days(board_seat, admin_user):
    soon = SeatFactory(mandate=board_seat.mandate, term_end=timezone.localdate() + datetime.timedelta(days=7))

    response = staff_client(admin_user).get("/api/v1/governance/seats/", {"ending_within": 30})

    assert [row["id"] for row in response.json()["results"]] == [soon.pk]
