"""Who reaches every assemblies page and endpoint, who is refused, that bad input changes
nothing, and that lists cost a constant number of queries."""

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from clac.plugins import access_catalogue
from clac.roles import PortalRole, StaffRole
from communications.services import api_key_create
from networks.models import AssemblySession, Body, Delegate, Motion
from networks.services import assemblies as services
from tests.factories import (
    AffiliationFactory,
    ExternalPartnerFactory,
    OrganizationFactory,
    PersonFactory,
    PortalAccessFactory,
    UserFactory,
    country,
)
from tests.networks.factories import BodyFactory, CountryNetworkFactory, NetworkMembershipFactory
from tests.networks.factories_assemblies import (
    AssemblySessionFactory,
    DelegateFactory,
    GeneralAssemblyBodyFactory,
    MotionFactory,
    member_with_person,
)

pytestmark = pytest.mark.django_db

Status = AssemblySession.Status
READ_ONLY_STAFF = [StaffRole.VIEWER, StaffRole.FINANCE, StaffRole.COMMUNICATIONS, StaffRole.ME_OFFICER]


@dataclass
class World:
    network: Any
    org: Any
    other_org: Any
    session: Any  # the network's assembly, designation open
    ga: Any  # a General Assembly session in accreditation
    delegate: Any  # org's delegate in `session`
    ga_delegate: Any
    motion: Any
    users: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def world(db) -> World:
    network = CountryNetworkFactory()
    other_network = CountryNetworkFactory()
    org, person = member_with_person(name="Cooperativa Delegante")
    other_org, _ = member_with_person(name="Cooperativa Ajena")
    for organization in (org, other_org):
        NetworkMembershipFactory(network=network, organization=organization)
    session = AssemblySessionFactory(
        body=BodyFactory(kind=Body.Kind.NETWORK_ASSEMBLY, network=network),
        title="Asamblea de la red",
        status=Status.DESIGNATION_OPEN,
    )
    delegate = DelegateFactory(session=session, organization=org, person=person, affiliated=False)
    ga = AssemblySessionFactory(body=GeneralAssemblyBodyFactory(), status=Status.ACCREDITATION, expected_votes=4)
    ga_delegate = DelegateFactory(session=ga)
    motion = MotionFactory(session=session, number=1)

    users: dict[str, Any] = {
        role: UserFactory(username=f"asm-{role}", roles=[role], language="en") for role in StaffRole
    }
    users["coordinator"].coordinated_networks.add(network)
    users["other-coordinator"] = UserFactory(username="asm-other-coord", roles=[StaffRole.COORDINATOR], language="en")
    users["other-coordinator"].coordinated_networks.add(other_network)
    for name, organization, role in (
        ("portal-admin", org, PortalRole.ADMIN),
        ("portal-editor", org, PortalRole.EDITOR),
        ("portal-viewer", org, PortalRole.VIEWER),
        ("other-admin", other_org, PortalRole.ADMIN),
    ):
        users[name] = UserFactory(username=f"asm-{name}", language="en")
        PortalAccessFactory(user=users[name], organization=organization, role=role)
    return World(network, org, other_org, session, ga, delegate, ga_delegate, motion, users)


def fingerprint() -> tuple:
    """Row counts of every table, history included: unchanged means nothing was written (the
    security log aside: sign-ins and refusals are written there on purpose)."""
    tables = sorted(
        m._meta.db_table for m in apps.get_models() if m._meta.managed and m._meta.label != "clac.SecurityEvent"
    )
    counts = ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(t)})" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        return tuple(cursor.fetchone())


# --- The dashboard ------------------------------------------------------------------------


def _session(w):
    return {"pk": w.session.pk}


READ_PAGES = [
    ("networks:assembly_list", None),
    ("networks:assembly_detail", _session),
]
CHANGE_PAGES = [
    ("networks:assembly_create", None),
    ("networks:assembly_edit", _session),
    ("networks:assembly_delegate_add", _session),
    ("networks:assembly_accreditation", _session),
    ("networks:assembly_quorum", _session),
    ("networks:assembly_motion_add", _session),
    ("networks:assembly_close", _session),
    ("networks:assembly_delegate_edit", lambda w: {"pk": w.delegate.pk}),
    ("networks:assembly_motion_tally", lambda w: {"pk": w.motion.pk}),
]
POST_ONLY = [
    ("networks:assembly_designation_open", _session),
    ("networks:assembly_designation_close", _session),
    ("networks:assembly_delegate_withdraw", lambda w: {"pk": w.delegate.pk}),
    ("networks:assembly_motion_withdraw", lambda w: {"pk": w.motion.pk}),
]


def _url(name, kwargs, w):
    return reverse(name, kwargs=kwargs(w) if kwargs else None)


def test_the_catalogue_names_every_assemblies_route():
    names = {n for n, _ in READ_PAGES + CHANGE_PAGES + POST_ONLY}
    declared = {n for n in access_catalogue() if n.startswith("networks:assembly")}
    assert names == declared


@pytest.mark.parametrize(("name", "kwargs"), READ_PAGES)
def test_every_staff_role_reads_and_others_are_refused(client, world, name, kwargs):
    url = _url(name, kwargs, world)
    for role in [*StaffRole.values, "other-coordinator"]:
        client.force_login(world.users[role])
        assert client.get(url).status_code == 200, role
    for username in ("portal-admin", "other-admin"):
        client.force_login(world.users[username])
        assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize(("name", "kwargs"), CHANGE_PAGES)
def test_change_pages_open_for_admin_and_the_network_coordinator_only(client, world, name, kwargs):
    url = _url(name, kwargs, world)
    for role in (StaffRole.ADMIN, StaffRole.COORDINATOR):
        client.force_login(world.users[role])
        assert client.get(url).status_code == 200, role
    for username in [*READ_ONLY_STAFF, "other-coordinator", "portal-admin", "other-admin"]:
        client.force_login(world.users[username])
        assert client.get(url).status_code == 403, username
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize(("name", "kwargs"), CHANGE_PAGES + POST_ONLY)
def test_refused_users_change_nothing(client, world, name, kwargs):
    url = _url(name, kwargs, world)
    before = fingerprint()
    for username in [*READ_ONLY_STAFF, "other-coordinator", "portal-admin"]:
        client.force_login(world.users[username])
        assert client.post(url, {"confirm": "on", "title": "x", "votes_for": 1}).status_code == 403, username
    client.logout()
    assert client.post(url).status_code == 302
    assert fingerprint() == before


@pytest.mark.parametrize(
    "name",
    ["networks:assembly_edit", "networks:assembly_motion_add", "networks:assembly_quorum", "networks:assembly_close"],
)
def test_bad_input_is_a_400_and_changes_nothing(client, world, name):
    client.force_login(world.users[StaffRole.ADMIN])
    before = fingerprint()
    response = client.post(reverse(name, kwargs={"pk": world.session.pk}), {"title": "", "starts_on": "yesterday"})
    assert response.status_code == 400
    assert fingerprint() == before


def test_the_general_assembly_is_changed_by_administrators_only(client, world):
    url = reverse("networks:assembly_quorum", kwargs={"pk": world.ga.pk})
    client.force_login(world.users[StaffRole.COORDINATOR])
    assert client.get(url).status_code == 403
    client.force_login(world.users[StaffRole.ADMIN])
    assert client.get(url).status_code == 200


def test_the_coordinator_runs_the_session_from_designation_to_close(client, world):
    client.force_login(world.users[StaffRole.COORDINATOR])
    session = world.session
    newcomer, person = member_with_person()
    NetworkMembershipFactory(network=world.network, organization=newcomer)

    response = client.post(
        reverse("networks:assembly_delegate_add", kwargs={"pk": session.pk}),
        {"organization": newcomer.pk, "person": person.pk, "country": "PE", "votes": 1},
    )
    assert response.status_code == 302
    client.post(reverse("networks:assembly_designation_close", kwargs={"pk": session.pk}))
    session.refresh_from_db()
    assert session.status == Status.ACCREDITATION
    assert session.expected_votes == 2

    ids = list(session.delegates.values_list("pk", flat=True))
    response = client.post(reverse("networks:assembly_accreditation", kwargs={"pk": session.pk}), {"delegates": ids})
    assert response.status_code == 302
    response = client.post(reverse("networks:assembly_quorum", kwargs={"pk": session.pk}), {"confirm": "on"})
    assert response.status_code == 302
    # Over the accredited votes: refused on the form.
    tally_url = reverse("networks:assembly_motion_tally", kwargs={"pk": world.motion.pk})
    response = client.post(tally_url, {"votes_for": 2, "votes_against": 1, "votes_abstain": 0})
    assert response.status_code == 400
    assert "only 2 votes are accredited" in response.content.decode()
    response = client.post(tally_url, {"votes_for": 2, "votes_against": 0, "votes_abstain": 0})
    assert response.status_code == 302
    response = client.post(reverse("networks:assembly_close", kwargs={"pk": session.pk}), {"confirm": "on"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == Status.CLOSED
    world.motion.refresh_from_db()
    assert world.motion.result == Motion.Result.CARRIED

    # The closed record refuses a change from the pages too.
    before = fingerprint()
    response = client.post(reverse("networks:assembly_motion_add", kwargs={"pk": session.pk}), {"title": "Tarde"})
    assert response.status_code == 400
    assert fingerprint() == before


def test_quorum_not_met_is_shown_on_the_page_with_both_figures(client, world):
    client.force_login(world.users[StaffRole.ADMIN])
    response = client.post(reverse("networks:assembly_quorum", kwargs={"pk": world.ga.pk}), {"confirm": "on"})
    assert response.status_code == 400
    assert "No quorum: 0 accredited votes, but 2 are needed" in response.content.decode()
    world.ga.refresh_from_db()
    assert world.ga.status == Status.ACCREDITATION


# --- Query counts -------------------------------------------------------------------------


def _many_delegates(session, n):
    for _ in range(n):
        DelegateFactory(session=session, country=country("CO"))


def test_the_session_list_costs_constant_queries(client, world, django_assert_max_num_queries):
    client.force_login(world.users[StaffRole.VIEWER])
    url = reverse("networks:assembly_list")
    client.get(url)
    AssemblySessionFactory.create_batch(30)
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("name", ["networks:assembly_detail", "networks:assembly_accreditation"])
def test_delegate_pages_cost_constant_queries(client, world, django_assert_max_num_queries, name):
    client.force_login(world.users[StaffRole.ADMIN])
    world.ga.refresh_from_db()
    _many_delegates(world.ga, 60)
    MotionFactory.create_batch(5, session=world.ga)
    with django_assert_max_num_queries(14):
        assert client.get(reverse(name, kwargs={"pk": world.ga.pk})).status_code == 200


# --- The portal ---------------------------------------------------------------------------


def test_portal_users_see_their_delegates_and_the_open_session(client, world):
    for username in ("portal-admin", "portal-editor", "portal-viewer"):
        client.force_login(world.users[username])
        response = client.get(reverse("networks_portal:assembly_delegates"))
        assert response.status_code == 200
        assert "Asamblea de la red" in response.content.decode()
        assert str(world.delegate.person) in response.content.decode()


def test_another_organization_does_not_see_our_delegates(client, world):
    client.force_login(world.users["other-admin"])
    response = client.get(reverse("networks_portal:assembly_delegates"))
    assert str(world.delegate.person) not in response.content.decode()
    before = fingerprint()
    for name in ("networks_portal:assembly_delegate_change", "networks_portal:assembly_delegate_withdraw"):
        assert client.post(reverse(name, kwargs={"pk": world.delegate.pk})).status_code == 404
    assert fingerprint() == before


def test_a_portal_viewer_cannot_name_change_or_withdraw(client, world):
    client.force_login(world.users["portal-viewer"])
    before = fingerprint()
    for name, pk in (
        ("networks_portal:assembly_delegate_add", {"session_pk": world.session.pk}),
        ("networks_portal:assembly_delegate_change", {"pk": world.delegate.pk}),
        ("networks_portal:assembly_delegate_withdraw", {"pk": world.delegate.pk}),
    ):
        assert client.post(reverse(name, kwargs=pk)).status_code == 403
    assert fingerprint() == before


def test_the_portal_editor_names_and_withdraws_a_delegate(client, world):
    client.force_login(world.users["portal-editor"])
    person = PersonFactory()
    AffiliationFactory(person=person, organization=world.org)
    add_url = reverse("networks_portal:assembly_delegate_add", kwargs={"session_pk": world.session.pk})

    response = client.post(add_url, {"person": ""})
    assert response.status_code == 400
    assert world.session.delegates.count() == 1

    response = client.post(add_url, {"person": person.pk})
    assert response.status_code == 302
    named = world.session.delegates.get(person=person)
    assert named.organization == world.org
    assert named.country_id == world.org.country_id
    assert named.designated_by == world.users["portal-editor"]

    client.post(reverse("networks_portal:assembly_delegate_withdraw", kwargs={"pk": named.pk}))
    named.refresh_from_db()
    assert named.status == Delegate.Status.WITHDRAWN


def test_the_portal_keeps_input_and_refuses_once_designation_closes(client, world):
    services.assembly_designation_close(actor=None, session=world.session)
    client.force_login(world.users["portal-admin"])
    person = PersonFactory()
    AffiliationFactory(person=person, organization=world.org)
    before = fingerprint()
    # The session is no longer open to this organization's designation (nor listed as open).
    response = client.post(
        reverse("networks_portal:assembly_delegate_change", kwargs={"pk": world.delegate.pk}), {"person": person.pk}
    )
    assert response.status_code == 400
    assert "not open" in response.content.decode()
    assert f'value="{person.pk}" selected' in response.content.decode()
    assert fingerprint() == before


def test_a_portal_user_cannot_open_a_session_of_a_network_it_is_not_in(client, world):
    stranger_network = CountryNetworkFactory()
    foreign = AssemblySessionFactory(
        body=BodyFactory(kind=Body.Kind.NETWORK_ASSEMBLY, network=stranger_network), status=Status.DESIGNATION_OPEN
    )
    client.force_login(world.users["portal-admin"])
    url = reverse("networks_portal:assembly_delegate_add", kwargs={"session_pk": foreign.pk})
    assert client.get(url).status_code == 404


def test_the_portal_page_costs_constant_queries(client, world, django_assert_max_num_queries):
    client.force_login(world.users["portal-admin"])
    url = reverse("networks_portal:assembly_delegates")
    client.get(url)
    for _ in range(8):
        past = AssemblySessionFactory(
            status=Status.CLOSED,
            closed_at=datetime.datetime(2023, 10, 20, tzinfo=datetime.UTC),
            quorum_certified_at=datetime.datetime(2023, 10, 18, tzinfo=datetime.UTC),
            quorum_votes=1,
        )
        DelegateFactory(session=past, organization=world.org)
    with django_assert_max_num_queries(16):
        response = client.get(url)
    assert response.status_code == 200


# --- The API ------------------------------------------------------------------------------


def _api(user=None) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")  # the tests read English messages
    if user is not None:
        api.force_authenticate(user)
    return api


API_LISTS = ["api-v1:assembly-session-list", "api-v1:assembly-delegate-list", "api-v1:assembly-motion-list"]


@pytest.mark.parametrize("name", API_LISTS)
def test_api_lists_for_staff_only(world, name, django_assert_max_num_queries):
    url = reverse(name)
    assert _api(world.users[StaffRole.VIEWER]).get(url).status_code == 200
    assert _api(world.users["portal-admin"]).get(url).status_code == 403
    assert _api().get(url).status_code in (401, 403)
    _key, raw = api_key_create(partner=ExternalPartnerFactory(name="Asm Partner"), name="k", scopes=["directory:read"])
    partner = APIClient()
    partner.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert partner.get(url).status_code == 403

    _many_delegates(world.ga, 30)
    AssemblySessionFactory.create_batch(20)
    MotionFactory.create_batch(20, session=world.ga)
    client = _api(world.users[StaffRole.ADMIN])
    with django_assert_max_num_queries(6):
        assert client.get(url).status_code == 200


def test_api_actions_follow_the_network_rule(world):
    url = reverse("api-v1:assembly-session-close-designation", kwargs={"pk": world.session.pk})
    before = fingerprint()
    for username in ("other-coordinator", StaffRole.VIEWER, "portal-admin"):
        assert _api(world.users[username]).post(url).status_code == 403, username
    assert fingerprint() == before
    response = _api(world.users[StaffRole.COORDINATOR]).post(url)
    assert response.status_code == 200
    assert response.json()["status"] == Status.ACCREDITATION
    assert response.json()["quorum"]["expected_votes"] == 1


def test_api_refuses_a_tally_over_the_accredited_votes_and_closes(world):
    admin = _api(world.users[StaffRole.ADMIN])
    ga = world.ga
    admin.post(
        reverse("api-v1:assembly-session-accredit", kwargs={"pk": ga.pk}),
        {"delegates": [world.ga_delegate.pk]},
        format="json",
    )
    DelegateFactory(session=ga, status=Delegate.Status.ACCREDITED)
    response = admin.post(reverse("api-v1:assembly-session-certify-quorum", kwargs={"pk": ga.pk}))
    assert response.status_code == 200, response.json()
    motion = admin.post(
        reverse("api-v1:assembly-motion-list"), {"session": ga.pk, "title": "Plan"}, format="json"
    ).json()

    tally_url = reverse("api-v1:assembly-motion-record-tally", kwargs={"pk": motion["id"]})
    response = admin.post(tally_url, {"votes_for": 2, "votes_against": 1, "votes_abstain": 0}, format="json")
    assert response.status_code == 400
    assert Motion.objects.get(pk=motion["id"]).votes_for is None
    response = admin.post(tally_url, {"votes_for": 2, "votes_against": 0, "votes_abstain": 0}, format="json")
    assert response.json()["result"] == Motion.Result.CARRIED

    response = admin.post(reverse("api-v1:assembly-session-close", kwargs={"pk": ga.pk}))
    assert response.json()["status"] == Status.CLOSED
    response = admin.post(reverse("api-v1:assembly-motion-withdraw", kwargs={"pk": motion["id"]}))
    assert response.status_code == 400


def test_api_designation_of_a_non_member_is_refused(world):
    outsider = OrganizationFactory()
    person = PersonFactory()
    AffiliationFactory(person=person, organization=outsider)
    response = _api(world.users[StaffRole.COORDINATOR]).post(
        reverse("api-v1:assembly-delegate-list"),
        {"session": world.session.pk, "organization": outsider.pk, "person": person.pk, "country": "PE"},
        format="json",
    )
    assert response.status_code == 400
    assert "Only current member organizations" in str(response.json())
    assert world.session.delegates.count() == 1


def test_api_creates_a_session_only_where_the_user_may(world):
    body = world.session.body
    payload = {"body": body.pk, "title": "Extraordinaria", "starts_on": "2027-01-10", "ends_on": "2027-01-10"}
    assert (
        _api(world.users["other-coordinator"])
        .post(reverse("api-v1:assembly-session-list"), payload, format="json")
        .status_code
        == 403
    )
    response = _api(world.users[StaffRole.COORDINATOR]).post(
        reverse("api-v1:assembly-session-list"), payload, format="json"
    )
    assert response.status_code == 201
    assert response.json()["network"]["id"] == world.network.pk


def test_api_huge_ids_and_vote_counts_are_a_clear_400_and_change_nothing(world):
    # Found by schemathesis: an id past 64 bits reached the database (500).
    api = _api(world.users[StaffRole.ADMIN])
    accredited_before = world.session.delegates.filter(status="accredited").count()
    huge = 2**70
    accredit = api.post(
        reverse("api-v1:assembly-session-accredit", args=[world.session.pk]), {"delegates": [huge]}, format="json"
    )
    designate = api.post(
        reverse("api-v1:assembly-delegate-list"),
        {"session": huge, "organization": 1, "person": 1, "country": "PE"},
        format="json",
    )

    assert (accredit.status_code, designate.status_code) == (400, 400)
    assert "delegates" in accredit.json()["error"]["details"]
    assert "session" in designate.json()["error"]["details"]
    assert world.session.delegates.filter(status="accredited").count() == accredited_before
