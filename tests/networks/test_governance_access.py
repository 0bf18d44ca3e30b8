"""Every governance page: who reaches it, who is refused (other roles, a coordinator of another
network, portal users, anonymous visitors), bad input changing nothing, and constant query
counts on the lists."""

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clac.plugins import ACCESS_PORTAL, ACCESS_STAFF, ACCESS_STAFF_ROLES, access_catalogue
from clac.roles import PortalRole, StaffRole
from networks.models import Body, Mandate, Seat
from networks.portal import governance as portal_governance
from networks.selectors.governance import governance_home_context, network_section
from networks.views import governance as views
from tests.factories import AffiliationFactory, OrganizationFactory, PortalAccessFactory, UserFactory
from tests.networks.factories import (
    BodyFactory,
    ClacBodyFactory,
    CountryNetworkFactory,
    MandateFactory,
    SeatFactory,
)

pytestmark = pytest.mark.django_db

READ_ONLY_ROLES = [StaffRole.FINANCE, StaffRole.COMMUNICATIONS, StaffRole.ME_OFFICER, StaffRole.VIEWER]


def _today() -> datetime.date:
    return timezone.localdate()


@dataclass
class World:
    network: Any
    other_network: Any
    body: Any  # of `network`
    clac_body: Any
    mandate: Any
    clac_mandate: Any
    seat: Any
    clac_seat: Any
    org: Any
    other_org: Any
    users: dict[str, Any] = field(default_factory=dict)


def _current_mandate(body) -> Mandate:
    today = _today()
    return MandateFactory(
        body=body, start=today.replace(month=1, day=1), end=today.replace(year=today.year + 2, month=12, day=31)
    )


@pytest.fixture
def world(db) -> World:
    network, other_network = CountryNetworkFactory(name="Red Perú"), CountryNetworkFactory(name="Red Colombia")
    body = BodyFactory(network=network, name="Comité Coordinador de la Red Perú")
    clac_body = ClacBodyFactory(kind=Body.Kind.BOARD, name="Junta Directiva")
    mandate, clac_mandate = _current_mandate(body), _current_mandate(clac_body)
    org, other_org = OrganizationFactory(name="Cooperativa Sentada"), OrganizationFactory(name="Cooperativa Ajena")
    seat = SeatFactory(mandate=mandate, organization=org, person__last_name="Quispe", role=Seat.Role.CHAIR)
    clac_seat = SeatFactory(mandate=clac_mandate, organization=other_org, person__last_name="Ajeno")
    users: dict[str, Any] = {
        role: UserFactory(username=f"gov-{role}", roles=[role], language="en") for role in StaffRole
    }
    network.coordinators.add(users[StaffRole.COORDINATOR])
    users["other-coordinator"] = UserFactory(username="gov-other-coord", roles=[StaffRole.COORDINATOR], language="en")
    other_network.coordinators.add(users["other-coordinator"])
    for name, organization, role in (
        ("portal-admin", org, PortalRole.ADMIN),
        ("portal-viewer", org, PortalRole.VIEWER),
        ("other-portal", other_org, PortalRole.ADMIN),
    ):
        users[name] = UserFactory(username=f"gov-{name}", language="en")
        PortalAccessFactory(user=users[name], organization=organization, role=role)
    users["nobody"] = UserFactory(username="gov-nobody", language="en")
    return World(network, other_network, body, clac_body, mandate, clac_mandate, seat, clac_seat, org, other_org, users)


def db_fingerprint() -> dict[str, int]:
    """Row counts of every table of the project (history included): unchanged means nothing
    was written."""
    tables = sorted(
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.app_label in {"members", "clac", "networks"}
        and model._meta.managed
        # A refusal is written to the security log on purpose; nothing else may change.
        and model._meta.label != "clac.SecurityEvent"
    )
    counts = ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(table)})" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


# --- The routes ---------------------------------------------------------------------------

READ, CHANGE = "read", "change"


@dataclass(frozen=True)
class Route:
    name: str
    access: str
    methods: tuple[str, ...]
    # (world, clac?) → URL kwargs: the network body's records, or CLAC's own (clac=True).
    kwargs: Any = None

    def url(self, world: World, *, clac: bool = False) -> str:
        return reverse(f"networks:{self.name}", kwargs=self.kwargs(world, clac) if self.kwargs else None)


def _body(w: World, clac: bool) -> dict:
    return {"pk": (w.clac_body if clac else w.body).pk}


def _mandate(w: World, clac: bool) -> dict:
    return {"pk": (w.clac_mandate if clac else w.mandate).pk}


def _seat(w: World, clac: bool) -> dict:
    return {"pk": (w.clac_seat if clac else w.seat).pk}


ROUTES = [
    Route("governance", READ, ("GET",)),
    Route("body_list", READ, ("GET",)),
    Route("body_detail", READ, ("GET",), _body),
    Route("seats_ending", READ, ("GET",)),
    Route("body_create", CHANGE, ("GET", "POST")),
    Route("body_edit", CHANGE, ("GET", "POST"), _body),
    Route("mandate_create", CHANGE, ("GET", "POST"), _body),
    Route("mandate_edit", CHANGE, ("GET", "POST"), _mandate),
    Route("seat_create", CHANGE, ("GET", "POST"), _mandate),
    Route("seat_edit", CHANGE, ("GET", "POST"), _seat),
    Route("seat_end", CHANGE, ("GET", "POST"), _seat),
]
OBJECT_CHANGE_ROUTES = [route for route in ROUTES if route.access == CHANGE and route.kwargs]


def _each(accesses: set[str]) -> list[tuple[Route, str]]:
    return [(route, method) for route in ROUTES if route.access in accesses for method in route.methods]


def _call(client, method: str, url: str, data: dict | None = None):
    return client.post(url, data or {}) if method == "POST" else client.get(url, data or {})


def test_every_governance_route_is_reviewed_and_declared():
    names = {f"networks:{pattern.name}" for pattern in views.urlpatterns}
    levels = {READ: ACCESS_STAFF, CHANGE: ACCESS_STAFF_ROLES}
    reviewed = {f"networks:{route.name}": levels[route.access] for route in ROUTES}

    assert set(reviewed) == names == set(views.ACCESS)
    catalogue = access_catalogue()
    assert {name: catalogue[name] for name in reviewed} == reviewed
    assert (
        catalogue["networks_portal:representation"]
        == ACCESS_PORTAL
        == portal_governance.ACCESS["networks_portal:representation"]
    )


# --- Who is refused -----------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_the_login_page(client, world):
    before = db_fingerprint()

    for route, method in _each({READ, CHANGE}):
        response = _call(client, method, route.url(world))
        assert response.status_code == 302, (method, route.name)
        assert response["Location"].startswith(reverse("login")), (method, route.name)
    assert db_fingerprint() == before


@pytest.mark.parametrize("username", ["portal-admin", "nobody"])
def test_portal_users_and_users_without_role_are_refused(client, world, username):
    client.force_login(world.users[username])
    before = db_fingerprint()

    for route, method in _each({READ, CHANGE}):
        assert _call(client, method, route.url(world)).status_code == 403, (method, route.name)
    assert db_fingerprint() == before


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_read_only_staff_cannot_change_governance(client, world, role):
    client.force_login(world.users[role])
    before = db_fingerprint()

    for route, method in _each({CHANGE}):
        response = _call(client, method, route.url(world), {"name": "X", "end_date": "2026-01-01"})
        assert response.status_code == 403, (method, route.name)
    assert db_fingerprint() == before


def test_a_coordinator_of_another_network_cannot_change_this_networks_bodies(client, world):
    client.force_login(world.users["other-coordinator"])
    before = db_fingerprint()

    for route in OBJECT_CHANGE_ROUTES:
        for method in route.methods:
            response = _call(
                client, method, route.url(world), {"name": "X", "start": "2030-01-01", "end": "2031-01-01"}
            )
            assert response.status_code == 403, (method, route.name)
    assert db_fingerprint() == before


def test_a_coordinator_cannot_change_clacs_own_bodies(client, world):
    client.force_login(world.users[StaffRole.COORDINATOR])
    before = db_fingerprint()

    for route in OBJECT_CHANGE_ROUTES:
        for method in route.methods:
            response = _call(client, method, route.url(world, clac=True), {"name": "X", "end_date": "2026-01-01"})
            assert response.status_code == 403, (method, route.name)
    # Nor create one: the form says why and nothing is written.
    response = client.post(reverse("networks:body_create"), {"kind": "oversight", "name": "Comité de Vigilancia"})
    assert response.status_code == 200
    assert "You cannot change the bodies of this network." in response.content.decode()
    assert db_fingerprint() == before


# --- Who is let in ------------------------------------------------------------------------


@pytest.mark.parametrize("role", StaffRole.values)
def test_every_staff_role_reads_every_governance_page(client, world, role):
    client.force_login(world.users[role])

    for route, _method in _each({READ}):
        for clac in (False, True):
            response = client.get(route.url(world, clac=clac))
            assert response.status_code == 200, route.name
    detail = client.get(reverse("networks:body_detail", args=[world.body.pk])).content.decode()
    assert "Quispe" in detail


def test_the_coordinator_opens_the_forms_of_their_networks_bodies(client, world):
    client.force_login(world.users[StaffRole.COORDINATOR])

    for route in [r for r in ROUTES if r.access == CHANGE]:
        assert client.get(route.url(world)).status_code == 200, route.name
    detail = client.get(reverse("networks:body_detail", args=[world.body.pk])).content.decode()
    assert reverse("networks:seat_end", args=[world.seat.pk]) in detail


def test_the_administrator_opens_every_form_of_clacs_bodies(client, world):
    client.force_login(world.users[StaffRole.ADMIN])

    for route in [r for r in ROUTES if r.access == CHANGE]:
        assert client.get(route.url(world, clac=True)).status_code == 200, route.name


# --- Writing through the pages ------------------------------------------------------------


def test_a_coordinator_adds_a_mandate_and_a_seat_found_by_search(client, world):
    client.force_login(world.users[StaffRole.COORDINATOR])
    affiliation = AffiliationFactory(organization=world.org, person__first_name="Rosa", person__last_name="Huaman")
    person = affiliation.person
    today = _today()
    start, end = f"{today.year + 3}-01-01", f"{today.year + 5}-12-31"

    response = client.post(reverse("networks:mandate_create", args=[world.body.pk]), {"start": start, "end": end})
    assert response.status_code == 302
    mandate = Mandate.objects.get(body=world.body, start=start)

    found = client.get(reverse("networks:seat_create", args=[mandate.pk]), {"q": "huaman"}).content.decode()
    assert f"?person={person.pk}&amp;organization={world.org.pk}" in found
    form = client.get(
        reverse("networks:seat_create", args=[mandate.pk]), {"person": person.pk, "organization": world.org.pk}
    )
    assert form.status_code == 200
    response = client.post(
        reverse("networks:seat_create", args=[mandate.pk]),
        {"person": person.pk, "organization": world.org.pk, "role": "secretary", "term_start": start, "term_end": end},
    )

    assert response.status_code == 302
    seat = Seat.objects.get(mandate=mandate)
    assert (seat.person, seat.organization, seat.role) == (person, world.org, "secretary")
    assert seat.history.first().history_user == world.users[StaffRole.COORDINATOR]


def test_a_second_seat_for_the_same_person_is_refused_on_the_form(client, world):
    client.force_login(world.users[StaffRole.ADMIN])
    before = db_fingerprint()

    response = client.post(
        reverse("networks:seat_create", args=[world.mandate.pk]),
        {
            "person": world.seat.person_id,
            "organization": world.org.pk,
            "role": "member",
            "term_start": world.mandate.start.isoformat(),
            "term_end": world.mandate.end.isoformat(),
        },
    )

    assert response.status_code == 200
    assert "already holds a seat" in response.content.decode()
    assert db_fingerprint() == before


def test_ending_a_seat_through_the_page(client, world):
    client.force_login(world.users[StaffRole.COORDINATOR])
    end_date = _today()

    response = client.post(reverse("networks:seat_end", args=[world.seat.pk]), {"end_date": end_date.isoformat()})

    assert response.status_code == 302
    world.seat.refresh_from_db()
    assert world.seat.term_end == end_date


GARBAGE = {
    "kind": "nope",
    "network": "abc",
    "name": "",
    "country": "ZZ",
    "seats_per_subregion": "-3",
    "start": "2024-13-45",
    "end": "yesterday",
    "person": "9" * 30,
    "organization": "-1",
    "role": "emperor",
    "subregion": "atlantis",
    "term_start": "2024-02-30",
    "term_end": "\x00",
    "end_date": "soon",
    "q": "a\x00b",
}


@pytest.mark.parametrize("route", [r for r in ROUTES if r.access == CHANGE], ids=lambda r: r.name)
def test_garbage_input_changes_nothing(client, world, route):
    client.force_login(world.users[StaffRole.ADMIN])
    before = db_fingerprint()

    response = client.post(route.url(world), GARBAGE)

    assert response.status_code in (200, 400), response.status_code
    assert db_fingerprint() == before


ODD_QUERIES = [
    {"page": "9" * 30, "network": "x", "kind": "nope", "days": "-5", "mandate": "9" * 30},
    {"page": "\x00", "network": "\x00", "kind": "\x00", "days": "\x00", "mandate": "\x00", "q": "\x00"},
    {"network": "clac", "days": "99999", "mandate": "abc", "person": "abc", "organization": "²"},
]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_odd_query_parameters_never_break_a_page(client, world, route):
    client.force_login(world.users[StaffRole.ADMIN])
    before = db_fingerprint()

    for params in ODD_QUERIES:
        assert client.get(route.url(world), params).status_code < 500, params
    assert db_fingerprint() == before


# --- Portal -------------------------------------------------------------------------------


def test_the_portal_shows_only_this_organizations_seats(client, world):
    client.force_login(world.users["portal-viewer"])

    html = client.get(reverse("networks_portal:representation")).content.decode()

    assert "Quispe" in html
    assert world.body.name in html
    assert "Ajeno" not in html
    assert "Junta Directiva" not in html


def test_another_organizations_portal_user_does_not_see_our_seats(client, world):
    client.force_login(world.users["other-portal"])

    html = client.get(reverse("networks_portal:representation")).content.decode()

    assert "Quispe" not in html
    assert "Ajeno" in html


@pytest.mark.parametrize("username", [StaffRole.ADMIN, "nobody"])
def test_users_without_portal_access_are_refused_the_representation_page(client, world, username):
    client.force_login(world.users[username])

    assert client.get(reverse("networks_portal:representation")).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in_from_the_portal_page(client, world):
    response = client.get(reverse("networks_portal:representation"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Constant queries ---------------------------------------------------------------------


def _many_bodies(world: World, count: int) -> None:
    today = _today()
    for index in range(count):
        body = BodyFactory(network=world.network if index % 2 else world.other_network)
        mandate = MandateFactory(body=body, start=today.replace(month=1, day=1), end=today.replace(year=today.year + 2))
        for role in (Seat.Role.CHAIR, Seat.Role.MEMBER):
            SeatFactory(mandate=mandate, role=role, term_end=today + datetime.timedelta(days=10 + index))


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200, url
    return len(context.captured_queries)


@pytest.mark.parametrize(
    "name",
    [
        "networks:governance",
        "networks:body_list",
        "networks:seats_ending",
        "networks_portal:representation",
        "dashboard:home",
    ],
)
def test_lists_cost_the_same_queries_with_more_rows(client, world, name):
    user = world.users["portal-admin" if name.startswith("networks_portal") else StaffRole.ADMIN]
    client.force_login(user)
    _many_bodies(world, 2)
    SeatFactory(
        mandate=MandateFactory(start=_today().replace(month=1, day=1), end=_today().replace(year=_today().year + 1)),
        organization=world.org,
    )
    few = _queries(client, reverse(name))

    _many_bodies(world, 12)
    for _ in range(6):
        SeatFactory(
            mandate=MandateFactory(
                start=_today().replace(month=1, day=1), end=_today().replace(year=_today().year + 1)
            ),
            organization=world.org,
        )

    assert _queries(client, reverse(name)) <= few


def test_body_detail_and_network_section_cost_constant_queries(client, world):
    client.force_login(world.users[StaffRole.ADMIN])
    url = reverse("networks:body_detail", args=[world.body.pk])
    few = _queries(client, url)
    for _ in range(10):
        SeatFactory(mandate=world.mandate)

    assert _queries(client, url) <= few
    with CaptureQueriesContext(connection) as context:
        html = render_to_string(
            "networks/governance/_network_section.html",
            {"network": world.network, **network_section(network=world.network)},
        )
    assert len(context.captured_queries) <= 3
    assert "Quispe" in html


def test_home_panel_counts_terms_ending_within_thirty_days(world):
    today = _today()
    mandate = _current_mandate(BodyFactory())
    for days in (5, 9, 1, 30, 20, 12, 31):
        SeatFactory(mandate=mandate, term_end=today + datetime.timedelta(days=days))

    with CaptureQueriesContext(connection) as context:
        panel = governance_home_context()

    assert panel["ending_count"] == 6
    assert [seat.ends_in_days for seat in panel["ending_first"]] == [1, 5, 9, 12, 20]
    assert len(context.captured_queries) == 1
